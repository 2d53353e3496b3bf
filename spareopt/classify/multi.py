"""Multi-criteria ABC classification of items over a criteria matrix (items x criteria).

Five methods, each a plain function on the min-max scaled matrix ``y`` (n, m):

- ``weighted``: a weighted mean of the scaled criteria;
- ``ramanathan``: Ramanathan (2006), each item's own most favourable weights (an LP per item, by CBC);
- ``ng``: Ng (2007), weights ranked like the criteria, closed form;
- ``zhou_fan``: Zhou & Fan (2007), Ramanathan's good index mixed with a bad index;
- ``flores_whybark``: Flores & Whybark (1987), the joint matrix of two single-criterion ABC classes.

The score methods then cut A / B / C by item count (the classic 20 / 30 / 50 %).

One topic, one module: the five multi-criteria ABC methods on one scaled criteria matrix.
"""

from __future__ import annotations

import itertools
import math
import re
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any

import numpy as np
import pandas as pd
import pulp
from numpy.typing import ArrayLike

from .._lp import cbc, new_variable, solve
from ..errors import InfeasibleError, InputError, format_examples

__all__ = [
    "DEFAULT_JOINT_TABLE",
    "MC_METHODS",
    "MC_SCORERS",
    "MultiCriteriaResult",
    "bad_index",
    "flores_whybark_class",
    "min_max_scale",
    "multi_criteria_abc",
    "ng_score",
    "ramanathan_score",
    "weighted_score",
    "zhou_fan_score",
]

MC_METHODS = ("weighted", "ramanathan", "ng", "zhou_fan", "flores_whybark")
"""The multi-criteria ABC methods of :func:`multi_criteria_abc`."""

DEFAULT_JOINT_TABLE = {"AA": "A", "AB": "A", "BA": "A", "AC": "B", "BB": "B", "CA": "B", "BC": "C", "CB": "C",
                       "CC": "C"}
"""Flores & Whybark (1987): the joint class (first criterion's class + second's) collapsed to one class."""

SCORE_DECIMALS = 12
"""Scores are rounded to this many decimals, so that ties of exact arithmetic stay exact ties.

An LP score is only known to the solver's tolerance, and two items tied at 1 can come out
as 1 and 0.9999999999999999 from two different vertices; rounding makes the tie-break
(``order``) decide, as it should."""

_LAMBDA_TOL = 1e-9  # a KKT multiplier >= -1e-9 counts as >= 0
_ACTIVE_TOL = 1e-6  # relative slack under which a constraint may bind at CBC's (8-digit) optimum
_MAX_BASES = 2_000  # bases tried among the nearly binding constraints, smallest slack first
_MAX_FACET_SUBSETS = 20_000  # (m - 1)-subsets of a degenerate vertex's binding normals
_BLOCK = 512  # rows per block of the dominance filter
_CHUNK = 4_000_000  # booleans per dominance comparison (memory bound)


@dataclass(frozen=True, eq=False)
class MultiCriteriaResult:
    """Multi-criteria score and class of every item.

    Attributes
    ----------
    score : ndarray of float64, shape (n,)
        The method's score (larger is more important); for ``flores_whybark`` only the
        order within a class (the mean of the two scaled criteria).
    mc_class : ndarray of "<U1", shape (n,)
        ``"A"``, ``"B"`` or ``"C"``.
    report : dict
        ``method``, ``items``, ``criteria``, and per method e.g. ``lp_solves``,
        ``constraints_kept``, ``unique_rows``.
    """

    score: np.ndarray
    mc_class: np.ndarray
    report: dict[str, Any] = field(default_factory=dict)

    def to_frame(self) -> pd.DataFrame:
        """The scores and classes as a frame with columns ``mc_score`` and ``mc_class``."""
        return pd.DataFrame({"mc_score": self.score, "mc_class": self.mc_class})


# -- scaling --------------------------------------------------------------------------------------------


def min_max_scale(criteria: ArrayLike, directions: Sequence[str] | None = None, *,
                  names: Sequence[str] | None = None) -> np.ndarray:
    """Scale every criterion to [0, 1], 1 for the most important item.

    Parameters
    ----------
    criteria : array_like, shape (n, m)
        Criterion values :math:`x_{ij}` of n items on m criteria, finite.
    directions : sequence of {"max", "min"}, length m, optional
        ``"max"``: more is more important (usage value, unit cost, lead time);
        ``"min"``: less is more important. Default: all ``"max"``.
    names : sequence of str, length m, optional
        Criterion names for error messages. Default: ``"criterion 1"`` .. ``"criterion m"``.

    Returns
    -------
    ndarray of float64, shape (n, m)
        :math:`y_{ij}` in [0, 1].

    Raises
    ------
    InputError
        Criteria not a 2-D numeric array, NaN or infinite values, bad directions.

    Notes
    -----
    .. math::

        y_{ij} = \\frac{x_{ij} - \\min_k x_{kj}}{\\max_k x_{kj} - \\min_k x_{kj}} \\;(\\text{max}), \\qquad
        y_{ij} = \\frac{\\max_k x_{kj} - x_{ij}}{\\max_k x_{kj} - \\min_k x_{kj}} \\;(\\text{min})

    A constant criterion (max = min) scales to 0 for every item: it tells no item apart.

    References
    ----------
    Ramanathan, R. (2006), section 3: the measures are converted to a 0-1 scale this way.

    Examples
    --------
    >>> min_max_scale([[2, 10], [4, 30], [6, 20]], ["max", "min"]).tolist()
    [[0.0, 1.0], [0.5, 0.0], [1.0, 0.5]]
    """
    x = _criteria_matrix(criteria, names)
    m = x.shape[1]
    names = _names(names, m)
    low = _directions(directions, m, names) == "min"
    if x.shape[0] == 0:
        return x.copy()
    lo, hi = x.min(axis=0), x.max(axis=0)
    span = hi - lo
    with np.errstate(invalid="ignore", divide="ignore"):
        y = np.where(low, hi - x, x - lo) / span
    y[:, span == 0] = 0.0
    return y


# -- the five methods -----------------------------------------------------------------------------------


def weighted_score(y: ArrayLike, weights: ArrayLike | None = None) -> np.ndarray:
    """Weighted mean of the scaled criteria.

    Parameters
    ----------
    y : array_like, shape (n, m)
        Scaled criteria :math:`y_{ij}` in [0, 1] (:func:`min_max_scale`).
    weights : array_like, shape (m,), optional
        Weights :math:`w_j \\ge 0`, not all zero; any scale. Default: equal weights.

    Returns
    -------
    ndarray of float64, shape (n,)
        :math:`s_i` in [0, 1].

    Raises
    ------
    InputError
        Weights of the wrong length, negative, or all zero.

    Notes
    -----
    .. math:: s_i = \\frac{\\sum_j w_j y_{ij}}{\\sum_j w_j}

    References
    ----------
    Flores, B.E., Olson, D.L. & Dorai, V.K. (1992), "Management of multicriteria
    inventory classification", Mathematical and Computer Modelling 16(12):71-82: the
    weighted sum of normalised criteria (with AHP weights).

    Examples
    --------
    >>> weighted_score([[1.0, 0.0], [0.5, 0.5], [0.0, 1.0]], [3, 1]).tolist()
    [0.75, 0.5, 0.25]
    """
    y = _scaled(y)
    w = _weights(weights, y.shape[1], _names(None, y.shape[1]))
    return _rounded((y * (w / w.sum())).sum(axis=1))


def ramanathan_score(y: ArrayLike, *, min_weight: float = 0.0, report: dict[str, Any] | None = None) -> np.ndarray:
    """Ramanathan's weighted-linear-optimisation score: each item's own most favourable weights.

    Parameters
    ----------
    y : array_like, shape (n, m)
        Scaled criteria :math:`y_{ij}` in [0, 1] (:func:`min_max_scale`).
    min_weight : float
        Lower bound :math:`\\varepsilon \\ge 0` on every weight (0 in the paper).
    report : dict, optional
        Filled in place with ``lp_solves`` (CBC runs), ``constraints_kept`` (rows that
        can bind), ``unique_rows`` and ``min_weight``.

    Returns
    -------
    ndarray of float64, shape (n,)
        :math:`s_i` in [0, 1]; 1 for items on the efficient frontier.

    Raises
    ------
    InputError
        ``min_weight`` negative or not finite.
    InfeasibleError
        ``min_weight`` so high that some item's weighted sum exceeds 1 at the smallest
        weights (:math:`\\varepsilon \\sum_j y_{kj} > 1`), or any other CBC status than Optimal.

    Notes
    -----
    For every item i, the linear programme (Ramanathan 2006, model (1))

    .. math::

        s_i = \\max_{w} \\sum_j w_{j} y_{ij} \\quad \\text{s.t.} \\quad
        \\sum_j w_{j} y_{kj} \\le 1 \\;\\; (k = 1..n), \\qquad w_{j} \\ge \\varepsilon

    is solved by CBC (through pulp), with these reductions, which make 100,000 items
    practical:

    1. *Only non-dominated rows can bind.*  The feasible region
       :math:`P = \\{w \\ge \\varepsilon : Y w \\le 1\\}` is the same for every item.  If
       :math:`y_l \\ge y_k` componentwise, :math:`y_k \\cdot w \\le y_l \\cdot w \\le 1` for every
       :math:`w \\ge 0`, so row k's constraint is redundant.  Only the Pareto-maximal rows
       are kept (a vectorised block filter: rows sorted by their sum, each block
       compared with itself and its survivors compared with every later row at once).
    2. *Identical rows are solved once* (``np.unique`` with its inverse).
    3. *Vertex certification.*  CBC's optimum :math:`w^*` for one item (printed to 8
       digits) is polished to an exact vertex: m independent constraints among those
       nearly binding whose vertex is feasible and whose multipliers prove it optimal
       for that item.  When exactly m constraints bind there, with normals :math:`A`
       (m x m; a bound's normal is :math:`-e_j`), :math:`w^*` is optimal for every item
       i with :math:`\\lambda = A^{-T} y_i \\ge -10^{-9}` (KKT: :math:`y_i = A^T \\lambda`,
       :math:`\\lambda \\ge 0`), with :math:`s_i = y_i \\cdot w^*`: one matrix product tests
       every open item.  The m vertices adjacent to :math:`w^*` (one ratio test per edge,
       solved exactly with numpy) are tested the same way, so one CBC run serves up to
       m + 1 vertices.  A degenerate vertex (more than m binding constraints) tests
       :math:`y_i` against the facets of the cone of its binding normals (each facet
       holds m - 1 of them: one batched SVD over the (m-1)-subsets), which is the same
       KKT condition.  The next LP is the open item whose best lower bound
       :math:`\\max_t y_i \\cdot w^{(t)}` over the vertices so far is lowest (the largest
       gap to the upper bound 1, its own or a dominating row), until no item is open.
    4. *Redundant rows leave the model.*  A kept row whose own score is below 1 cannot
       bind either (:math:`y_k \\cdot w \\le s_k < 1` on P); the CBC model is rebuilt
       without such rows once they are a quarter of it.
    5. *Feasibility up front.*  P is empty exactly when
       :math:`\\varepsilon \\sum_j y_{kj} > 1` for some item k (at :math:`w = \\varepsilon`
       the sum is smallest), checked vectorised before any LP.

    Any feasible point where :math:`y_i` lies in the cone of the binding normals is
    optimal (KKT suffices for an LP), so every score is exact whichever vertex served
    it; ``report["lp_solves"]`` counts the CBC runs.

    Criteria that are 0 for every item carry weight :math:`\\varepsilon` and drop out.
    Scores are rounded to :data:`SCORE_DECIMALS` decimals.

    References
    ----------
    Ramanathan, R. (2006), "ABC inventory classification with multiple-criteria using
    weighted linear optimization", Computers & Operations Research 33(3):695-700, model (1).

    Examples
    --------
    Three items on two scaled criteria: the first two are each best on one criterion
    (score 1); the third, (0.5, 0.5), scores 0.5 x 1 + 0.5 x 1 = 1 at w = (1, 1), which
    keeps both others at 1:

    >>> ramanathan_score([[1.0, 0.0], [0.0, 1.0], [0.5, 0.5]]).tolist()
    [1.0, 1.0, 1.0]
    >>> ramanathan_score([[1.0, 0.2], [0.2, 1.0], [0.5, 0.5]]).round(4).tolist()
    [1.0, 1.0, 0.8333]
    """
    y = _scaled(y)
    eps = float(min_weight)
    if not np.isfinite(eps) or eps < 0:
        raise InputError(f"min_weight must be a finite number >= 0; got {min_weight!r}. "
                         "Use 0 for Ramanathan's model, or a small positive floor such as 0.01.")
    if eps > 0 and len(y):
        row_sum = y.sum(axis=1)
        bad = np.flatnonzero(eps * row_sum > 1)
        if bad.size:
            k = int(bad[np.argmax(row_sum[bad])])
            largest = float(row_sum.max())
            raise InfeasibleError(
                f"mc_min_weight={eps:g} makes the weighted linear optimisation infeasible: item {k} has scaled "
                f"criteria summing to {row_sum[k]:.4g}, so even the smallest weights give it "
                f"{eps:g} x {row_sum[k]:.4g} = {eps * row_sum[k]:.4g} > 1 ({bad.size:,} of {len(y):,} items break it; "
                f"items: {format_examples(bad.tolist())}). Use mc_min_weight <= {1 / largest:.6g} "
                f"(= 1 / {largest:.4g}, the largest sum of an item's scaled criteria), or 0 as in Ramanathan (2006)."
            )
    score, info = _lp_scores(y, maximize=True, eps=eps, what="weighted linear optimisation (Ramanathan)")
    if report is not None:
        report.update(info, min_weight=eps)
    return score


def bad_index(y: ArrayLike, *, report: dict[str, Any] | None = None) -> np.ndarray:
    """Zhou & Fan's bad index: each item's least favourable weights.

    Parameters
    ----------
    y : array_like, shape (n, m)
        Scaled criteria :math:`y_{ij}` in [0, 1] (:func:`min_max_scale`).
    report : dict, optional
        Filled in place with ``lp_solves``, ``constraints_kept`` and ``unique_rows``.

    Returns
    -------
    ndarray of float64, shape (n,)
        :math:`b_i \\ge 1`; 1 for items on the worst frontier, larger is better.

    Raises
    ------
    InfeasibleError
        An item is 0 on every scaled criterion (the worst on all of them): no weights give
        it a weighted sum >= 1.

    Notes
    -----
    .. math::

        b_i = \\min_{w} \\sum_j w_{j} y_{ij} \\quad \\text{s.t.} \\quad
        \\sum_j w_{j} y_{kj} \\ge 1 \\;\\; (k = 1..n), \\qquad w_{j} \\ge 0

    Solved as :func:`ramanathan_score`, mirrored: only the Pareto-minimal rows can bind
    (:math:`y_l \\le y_k` makes row k redundant), identical rows are solved once, a
    vertex with m binding normals :math:`A` (a bound's normal is :math:`+e_j`) and its
    neighbours are optimal for every item with :math:`\\lambda = A^{-T} y_i \\ge -10^{-9}`,
    rows with a bad index above 1 leave the model, and the next LP is the open item
    with the highest upper bound :math:`\\min_t y_i \\cdot w^{(t)}`.

    References
    ----------
    Zhou, P. & Fan, L. (2007), "A note on multi-criteria ABC inventory classification
    using weighted linear optimization", European Journal of Operational Research
    182(3):1488-1491, model (2).

    Examples
    --------
    >>> bad_index([[1.0, 0.2], [0.2, 1.0], [0.5, 0.5]]).round(4).tolist()
    [1.0, 1.0, 1.0]
    >>> bad_index([[1.0, 0.2], [0.2, 1.0], [1.0, 1.0]]).round(4).tolist()
    [1.0, 1.0, 1.6667]
    """
    y = _scaled(y)
    worst = np.flatnonzero(~(y > 0).any(axis=1)) if y.shape[1] else np.arange(len(y))
    if worst.size:
        raise InfeasibleError(
            f"the Zhou-Fan bad index is infeasible: item {int(worst[0])} is the worst on every criterion (0 on "
            f"every scaled criterion), so no weights give it a weighted sum >= 1 ({worst.size:,} of {len(y):,} "
            f"items; items: {format_examples(worst.tolist())}). Drop or change a criterion so that no part is the "
            "worst on all of them, or use method ramanathan, ng or weighted."
        )
    score, info = _lp_scores(y, maximize=False, eps=0.0, what="Zhou-Fan bad index")
    if report is not None:
        report.update(info)
    return score


def zhou_fan_score(y: ArrayLike, *, lam: float = 0.5, report: dict[str, Any] | None = None) -> np.ndarray:
    """Zhou & Fan's composite index: Ramanathan's good index mixed with the bad index.

    Parameters
    ----------
    y : array_like, shape (n, m)
        Scaled criteria :math:`y_{ij}` in [0, 1] (:func:`min_max_scale`).
    lam : float
        :math:`\\lambda` in [0, 1], the weight of the good index (0.5 in the paper).
    report : dict, optional
        Filled in place with ``lp_solves`` (good + bad), ``lp_solves_good``,
        ``lp_solves_bad``, ``constraints_kept`` (good + bad), ``constraints_kept_good``,
        ``constraints_kept_bad``, ``unique_rows``.

    Returns
    -------
    ndarray of float64, shape (n,)
        :math:`nI_i` in [0, 1].

    Raises
    ------
    InputError
        ``lam`` out of [0, 1].
    InfeasibleError
        An item is the worst on every criterion (see :func:`bad_index`).

    Notes
    -----
    With :math:`g_i` the :func:`ramanathan_score` (:math:`\\varepsilon = 0`) and
    :math:`b_i` the :func:`bad_index`,

    .. math::

        nI_i = \\lambda \\frac{g_i - g^-}{g^+ - g^-} + (1 - \\lambda) \\frac{b_i - b^-}{b^+ - b^-}

    where :math:`g^+, g^-` (:math:`b^+, b^-`) are the largest and smallest indices.  An
    index that is the same for every item contributes 0.

    References
    ----------
    Zhou, P. & Fan, L. (2007), "A note on multi-criteria ABC inventory classification
    using weighted linear optimization", European Journal of Operational Research
    182(3):1488-1491, equation (3).

    Examples
    --------
    The item (1, 1) dominates the rest: its good index is 1, like the two items best on
    one criterion each, and only it has a bad index above 1 (2, at w = (1, 1)); the item
    (0.5, 0.5) has the lowest good index (0.5) and a bad index of 1:

    >>> zhou_fan_score([[1.0, 0.2], [0.2, 1.0], [1.0, 1.0], [0.5, 0.5]]).round(4).tolist()
    [0.5, 0.5, 1.0, 0.0]
    """
    y = _scaled(y)
    if not 0 <= lam <= 1:
        raise InputError(f"lam must be in [0, 1] (the weight of the good index); got {lam!r}. "
                         "Use 0.5 as Zhou & Fan (2007) did.")
    good_info: dict[str, Any] = {}
    bad_info: dict[str, Any] = {}
    bad = bad_index(y, report=bad_info)
    good = ramanathan_score(y, report=good_info)
    out = _rounded(lam * _unit(good) + (1 - lam) * _unit(bad))
    if report is not None:
        report.update(lp_solves=good_info["lp_solves"] + bad_info["lp_solves"], lp_solves_good=good_info["lp_solves"],
                      lp_solves_bad=bad_info["lp_solves"],
                      constraints_kept=good_info["constraints_kept"] + bad_info["constraints_kept"],
                      constraints_kept_good=good_info["constraints_kept"],
                      constraints_kept_bad=bad_info["constraints_kept"], unique_rows=good_info["unique_rows"],
                      mc_lambda=float(lam))
    return out


def ng_score(y: ArrayLike) -> np.ndarray:
    """Ng's score: the most favourable weights that keep the criteria's order of importance.

    Parameters
    ----------
    y : array_like, shape (n, m)
        Scaled criteria :math:`y_{ij}` in [0, 1] (:func:`min_max_scale`), the columns in
        descending order of importance.

    Returns
    -------
    ndarray of float64, shape (n,)
        :math:`s_i` in [0, 1].

    Notes
    -----
    Ng's LP for item i,

    .. math::

        s_i = \\max_w \\sum_j w_j y_{ij} \\quad \\text{s.t.} \\quad \\sum_j w_j = 1, \\quad
        w_1 \\ge w_2 \\ge \\dots \\ge w_m \\ge 0,

    has the vertices :math:`w = (1/k, \\dots, 1/k, 0, \\dots, 0)`, so the optimum is the best
    running mean over the most important criteria (no LP solver):

    .. math:: s_i = \\max_{k = 1..m} \\frac{1}{k} \\sum_{j \\le k} y_{ij}

    References
    ----------
    Ng, W.L. (2007), "A simple classifier for multiple criteria ABC analysis", European
    Journal of Operational Research 177(1):344-353, model (2) and its transformation.

    Examples
    --------
    >>> ng_score([[1.0, 0.0, 0.0], [0.2, 1.0, 0.9], [0.0, 0.0, 1.0]]).round(4).tolist()
    [1.0, 0.7, 0.3333]
    """
    y = _scaled(y)
    if y.shape[1] == 0:
        return np.zeros(len(y))
    running = np.cumsum(y, axis=1) / np.arange(1, y.shape[1] + 1)
    return _rounded(running.max(axis=1))


def flores_whybark_class(y: ArrayLike, *, order: ArrayLike | None = None, mc_a: float = 0.20, mc_b: float = 0.50,
                         joint_table: Mapping[str, str] | None = None) -> np.ndarray:
    """Flores & Whybark's joint-matrix class from the first two criteria.

    Parameters
    ----------
    y : array_like, shape (n, m), m >= 2
        Scaled criteria :math:`y_{ij}` in [0, 1] (:func:`min_max_scale`); only the first
        two columns are used.
    order : array_like, shape (n,), optional
        Tie-break among equal values, ascending. Default: position.
    mc_a, mc_b : float
        Item-count cut-offs of each single-criterion ABC, 0 < mc_a <= mc_b <= 1.
    joint_table : mapping of str to str, optional
        The nine joint codes ``"AA"`` .. ``"CC"`` (first criterion's class, then the
        second's) to ``"A"``, ``"B"`` or ``"C"``. Default: :data:`DEFAULT_JOINT_TABLE`.

    Returns
    -------
    ndarray of "<U1", shape (n,)

    Raises
    ------
    InputError
        Fewer than two criteria, a joint table without one of the nine codes or with a
        class other than A, B, C, or cut-offs out of order.

    Notes
    -----
    Each of the two criteria gets its own ABC class by item count (the items ranked
    :math:`r = 1..n` by the scaled value, descending: A while :math:`(r-1)/n <` mc_a, B
    while :math:`< ` mc_b, else C), and the pair is collapsed by the joint table.  The
    default table moves AC and CA to B and BC and CB to C (Flores & Whybark 1987, Fig. 2).

    References
    ----------
    Flores, B.E. & Whybark, D.C. (1987), "Implementing multiple criteria ABC analysis",
    Journal of Operations Management 7(1-2):79-85.

    Examples
    --------
    Ten items, dollar usage falling, criticality rising: the best on usage is C on
    criticality (AC -> B), and the reverse (CA -> B):

    >>> y = np.column_stack([np.linspace(1, 0, 10), np.linspace(0, 1, 10)])
    >>> "".join(flores_whybark_class(y))
    'BBCCCCCCBB'
    """
    y = _scaled(y)
    if y.shape[1] < 2:
        raise InputError(f"method flores_whybark needs at least 2 criteria (it crosses the first two); got "
                         f"{y.shape[1]}. Add a second criterion, e.g. criticality or lead time, or use another method.")
    _check_cutoffs(mc_a, mc_b)
    table = _joint_table(joint_table)
    first = _classes_by_count(y[:, 0], order, mc_a, mc_b)
    second = _classes_by_count(y[:, 1], order, mc_a, mc_b)
    codes = np.char.add(first, second)
    keys = np.array(sorted(table))
    values = np.array([table[k] for k in keys], dtype="<U1")
    return values[np.searchsorted(keys, codes)]


MC_SCORERS: dict[str, Callable[..., np.ndarray]] = {
    "weighted": weighted_score,
    "ramanathan": ramanathan_score,
    "ng": ng_score,
    "zhou_fan": zhou_fan_score,
}
"""The score methods on scaled criteria (``flores_whybark`` gives classes: :func:`flores_whybark_class`)."""


# -- the entry point ------------------------------------------------------------------------------------


def multi_criteria_abc(
    criteria: ArrayLike,
    *,
    method: str = "weighted",
    directions: Sequence[str] | None = None,
    weights: ArrayLike | None = None,
    names: Sequence[str] | None = None,
    order: ArrayLike | None = None,
    mc_a: float = 0.20,
    mc_b: float = 0.50,
    mc_lambda: float = 0.5,
    mc_min_weight: float = 0.0,
    joint_table: Mapping[str, str] | None = None,
    labels: Sequence[Any] | None = None,
) -> MultiCriteriaResult:
    """Multi-criteria ABC class of every item: scale the criteria, score, cut by item count.

    Parameters
    ----------
    criteria : array_like, shape (n, m)
        Criterion values :math:`x_{ij}` of n items on m criteria, finite.
    method : {"weighted", "ramanathan", "ng", "zhou_fan", "flores_whybark"}
        See :data:`MC_METHODS` and the functions of the same names.
    directions : sequence of {"max", "min"}, length m, optional
        Per criterion: ``"max"`` when more is more important. Default: all ``"max"``.
    weights : array_like, shape (m,), optional
        ``method="weighted"``: weights >= 0, not all zero. Default: equal.
    names : sequence of str, length m, optional
        Criterion names for messages. Default: ``"criterion 1"`` .. ``"criterion m"``.
    order : array_like, shape (n,), optional
        Tie-break among equal scores, ascending (e.g. the part number's rank).
        Default: position.
    mc_a, mc_b : float
        Item-count cut-offs, 0 < mc_a <= mc_b <= 1: the first ``mc_a`` of the items are
        A, up to ``mc_b`` B, the rest C.
    mc_lambda : float
        ``method="zhou_fan"``: weight of the good index, in [0, 1].
    mc_min_weight : float
        ``method="ramanathan"``: lower bound on every weight, >= 0.
    joint_table : mapping, optional
        ``method="flores_whybark"``: the nine joint codes to A / B / C.
        Default: :data:`DEFAULT_JOINT_TABLE`.
    labels : sequence, shape (n,), optional
        Names of the items (part numbers), used instead of their positions in the
        message of an :class:`InfeasibleError`.

    Returns
    -------
    MultiCriteriaResult
        ``score``, ``mc_class`` and ``report`` (``method``, ``items``, ``criteria``, and
        the method's counts such as ``lp_solves``).

    Raises
    ------
    InputError
        Bad criteria, directions, weights, names, order, method or cut-offs.
    InfeasibleError
        ``ramanathan`` with a too high ``mc_min_weight``; ``zhou_fan`` with an item
        that is the worst on every criterion.

    Notes
    -----
    :math:`y` = :func:`min_max_scale` (criteria, directions); the score
    :math:`s_i` of the method; then the items sorted by score descending (ties by
    ``order``) and the item ranked :math:`r` (1, 2, ...) of n is

    .. math::

        \\text{A if } \\frac{r-1}{n} < a, \\quad \\text{B if } \\frac{r-1}{n} < b,
        \\quad \\text{C otherwise,}

    so 47 items at 20 / 50 % give 10 A (:math:`9/47 < 0.2 \\le 10/47`), 14 B and 23 C.
    ``flores_whybark`` classes by its joint table instead, and its score (the mean of
    the first two scaled criteria) only orders the items within a class.

    References
    ----------
    Flores, B.E., Olson, D.L. & Dorai, V.K. (1992), "Management of multicriteria
    inventory classification", Mathematical and Computer Modelling 16(12):71-82: the
    47-item data set and its 10 / 14 / 23 split, used by every method below.
    Ramanathan (2006), Ng (2007), Zhou & Fan (2007), Flores & Whybark (1987): see the
    method functions.

    Examples
    --------
    Five items on unit cost and lead time, equal weights: item 2 is the best on both
    (score 1); of five items one is A (0/5 < 0.2), two are B (1/5, 2/5 < 0.5):

    >>> result = multi_criteria_abc([[50, 2], [210, 5], [24, 4], [28, 1], [58, 3]])
    >>> result.score.round(3).tolist(), "".join(result.mc_class)
    ([0.195, 1.0, 0.375, 0.011, 0.341], 'CABCB')

    With Ramanathan's LP the second item dominates the other two, so its row is the only
    constraint that can bind (w1 + w2 <= 1); one CBC run finds one end of the edge
    w1 + w2 = 1, and its neighbour, the other end, is found by a ratio test: (1, 0)
    serves the first item, (0, 1) the third, either the second:

    >>> result = multi_criteria_abc([[50, 2], [210, 5], [24, 4]], method="ramanathan")
    >>> result.score.round(4).tolist(), result.report["constraints_kept"], result.report["lp_solves"]
    ([0.1398, 1.0, 0.6667], 1, 1)
    """
    if not isinstance(method, str) or method not in MC_METHODS:
        raise InputError(f"method must be one of {', '.join(MC_METHODS)}; got {method!r}. Pick one of those.")
    x = _criteria_matrix(criteria, names)
    n, m = x.shape
    names = _names(names, m)
    directions_ = _directions(directions, m, names)
    _check_cutoffs(mc_a, mc_b)
    o = _order(order, n)
    w = _weights(weights, m, names) if method == "weighted" else None
    if not 0 <= mc_lambda <= 1:
        raise InputError(f"mc_lambda must be in [0, 1] (the weight of the good index); got {mc_lambda!r}. "
                         "Use 0.5 as Zhou & Fan (2007) did.")
    if not np.isfinite(mc_min_weight) or mc_min_weight < 0:
        raise InputError(f"mc_min_weight must be a finite number >= 0; got {mc_min_weight!r}. "
                         "Use 0 for Ramanathan's model, or a small positive floor such as 0.01.")
    table = _joint_table(joint_table) if method == "flores_whybark" else None
    if method == "flores_whybark" and m < 2:
        raise InputError(f"method flores_whybark needs at least 2 criteria (it crosses the first two); got {m}. "
                         "Add a second criterion, e.g. criticality or lead time, or use another method.")
    if m == 0 and n:
        raise InputError("criteria must have at least one column (criterion); got shape "
                         f"{x.shape}. Give one column per criterion.")
    report: dict[str, Any] = {"method": method, "items": n, "criteria": m}
    if n == 0:
        return MultiCriteriaResult(np.zeros(0), np.zeros(0, dtype="<U1"), report)
    y = min_max_scale(x, directions_, names=names)
    if method == "weighted":
        score = weighted_score(y, w)
        report["weights"] = ", ".join(f"{v:.6g}" for v in w / w.sum())
    elif method in ("ramanathan", "zhou_fan"):
        try:
            score = (ramanathan_score(y, min_weight=mc_min_weight, report=report) if method == "ramanathan" else
                     zhou_fan_score(y, lam=mc_lambda, report=report))
        except InfeasibleError as exc:
            raise InfeasibleError(_named(str(exc), labels)) from None
    elif method == "ng":
        score = ng_score(y)
    else:
        score = _rounded(y[:, :2].mean(axis=1))
        cls = flores_whybark_class(y, order=o, mc_a=mc_a, mc_b=mc_b, joint_table=table)
        report["joint_table"] = ", ".join(f"{k}:{v}" for k, v in sorted(table.items()))
        return MultiCriteriaResult(score, cls, report)
    return MultiCriteriaResult(score, _classes_by_count(score, o, mc_a, mc_b), report)


def _named(message: str, labels: Sequence[Any] | None) -> str:
    """``item 2`` -> ``part 'B200'`` and ``items: 2, 5`` -> ``parts: 'B200', 'C300'`` in a message."""
    if labels is None:
        return message
    names = np.asarray(labels, dtype=object)
    message = re.sub(r"\bitem (\d+)\b", lambda m: f"part {names[int(m.group(1))]!r}", message)
    return re.sub(r"\bitems: ((?:\d+, )*\d+)", lambda m: "parts: " + ", ".join(
        repr(names[int(k)]) for k in m.group(1).split(", ")), message)


# -- classes by item count ------------------------------------------------------------------------------


def _classes_by_count(score: np.ndarray, order: np.ndarray | None, mc_a: float, mc_b: float) -> np.ndarray:
    """A / B / C by rank: sorted by score descending (ties by ``order`` ascending, one stable sort),
    rank r of n is A while (r - 1) / n < mc_a, B while < mc_b, else C."""
    n = len(score)
    s = np.asarray(score, dtype=np.float64)
    idx = np.argsort(-s, kind="stable") if order is None else np.lexsort((order, -s))
    share = np.arange(n) / max(n, 1)
    out = np.empty(n, dtype="<U1")
    out[idx] = np.where(share < mc_a, "A", np.where(share < mc_b, "B", "C"))
    return out


# -- the LP engine (Ramanathan's good index and Zhou & Fan's bad index) ----------------------------------


def _lp_scores(y: np.ndarray, *, maximize: bool, eps: float, what: str) -> tuple[np.ndarray, dict[str, Any]]:
    """Optimal value of max (min) y_i . w over {w >= eps : Y w <= 1} ({w >= 0 : Y w >= 1}) for every row i.

    See :func:`ramanathan_score`, Notes, for the reductions.
    """
    n, _m = y.shape
    if n == 0:
        return np.zeros(0), {"lp_solves": 0, "constraints_kept": 0, "unique_rows": 0}
    used = (y > 0).any(axis=0)  # a criterion that is 0 everywhere adds eps x 0 to every score
    z_all, inverse = np.unique(y[:, used], axis=0, return_inverse=True)
    inverse = inverse.reshape(-1)
    info = {"lp_solves": 0, "constraints_kept": 0, "unique_rows": len(z_all)}
    if z_all.shape[1] == 0:
        return np.zeros(n), info
    kept = _frontier(z_all if maximize else -z_all)
    info["constraints_kept"] = len(kept)
    value, solves = _certify_all(z_all, kept, maximize=maximize, eps=eps, what=what, inverse=inverse)
    info["lp_solves"] = solves
    score = value[inverse]
    if maximize:
        score = np.minimum(score, 1.0)  # every item's own (or a dominating) row caps it at 1
    else:
        score = np.maximum(score, 1.0)
    return _rounded(score), info


def _frontier(z: np.ndarray) -> np.ndarray:
    """Indices of the distinct rows of ``z`` that no other row weakly dominates (>= on every column), sorted.

    Rows sorted by their sum, descending: a row can only be dominated by one before it.  Each
    block of ``_BLOCK`` rows is compared with itself (earlier rows only); its survivors are on
    the frontier, and every later row they dominate is dropped at once.
    """
    m = z.shape[1]
    rest = np.argsort(-z.sum(axis=1), kind="stable")
    found = []
    while rest.size:
        block, rest = rest[:_BLOCK], rest[_BLOCK:]
        zb = z[block]
        ge = np.all(zb[:, None, :] >= zb[None, :, :], axis=2)  # ge[l, k]: row l >= row k
        new = block[~np.triu(ge, 1).any(axis=0)]
        found.append(new)
        if rest.size:
            zn = z[new]
            step = max(1, _CHUNK // (len(new) * m))
            dominated = np.concatenate([
                np.all(zn[:, None, :] >= z[rest[s:s + step]][None, :, :], axis=2).any(axis=0)
                for s in range(0, rest.size, step)
            ])
            rest = rest[~dominated]
    return np.sort(np.concatenate(found))


def _certify_all(z: np.ndarray, kept: np.ndarray, *, maximize: bool, eps: float, what: str,
                 inverse: np.ndarray) -> tuple[np.ndarray, int]:
    """LP value for every distinct row of ``z`` by CBC solves plus vertex certification (see ramanathan_score).

    ``kept``: the rows of ``z`` whose constraints can bind.  A kept row whose own value turns out
    below 1 (above 1 for the bad index) cannot bind either (y_k . w <= s_k < 1 on the whole
    region) and leaves the CBC model, which makes the later solves smaller.
    """
    u, m = z.shape
    rows = z[kept]
    in_model = np.ones(len(kept), dtype=bool)
    prob, w = _cbc_model(rows, maximize=maximize, eps=eps)
    solver = cbc()
    # constraint normals G and right-hand sides h, in the sense of the problem (<= for max, >= for min):
    # the KKT condition is then y_i = G_active^T lambda with lambda >= 0 in both cases
    sign = -1.0 if maximize else 1.0
    G = np.vstack([rows, sign * np.eye(m)])
    h = np.r_[np.ones(len(rows)), np.full(m, sign * eps)]
    value = np.full(u, np.nan)
    is_open = np.ones(u, dtype=bool)
    bound = np.full(u, -np.inf if maximize else np.inf)  # best value over the vertices so far
    i = int(np.argmax(z.sum(axis=1)) if maximize else np.argmin(z.sum(axis=1)))
    solves = 0
    seen: set[tuple[int, ...]] = set()  # bases whose vertex was certified already
    while True:
        prob.setObjective(pulp.LpAffineExpression([(w[j], float(z[i, j])) for j in range(m)]))
        status = solve(prob, solver)
        solves += 1
        if status != pulp.LpStatusOptimal:
            item = int(np.flatnonzero(inverse == i)[0])
            raise InfeasibleError(
                f"the {what} LP for item {item} ended with CBC status {pulp.LpStatus[status]!r}, not 'Optimal'. "
                "Check the criteria for extreme values, lower mc_min_weight, or use method ng or weighted."
            )
        raw = np.array([v.value() or 0.0 for v in w])
        vertex, active = _polish(raw, G, h, z[i], maximize)
        value[i] = z[i] @ vertex
        is_open[i] = False
        found = [(vertex, active)]
        if active is not None and len(active) == m:
            found += _neighbours(vertex, active, G, h, maximize, seen)
        for point, binding in found:
            if binding is None or not is_open.any():
                continue
            open_idx = np.flatnonzero(is_open)
            solved = _certified(z[open_idx], G[binding])
            value[open_idx[solved]] = z[open_idx[solved]] @ point
            is_open[open_idx[solved]] = False
        redundant = ~is_open[kept] & ((value[kept] < 1 - 1e-9) if maximize else (value[kept] > 1 + 1e-9))
        if (in_model & redundant).sum() >= max(16, in_model.sum() // 4):  # rebuild the model without them
            in_model &= ~redundant
            prob, w = _cbc_model(rows[in_model], maximize=maximize, eps=eps)
        open_idx = np.flatnonzero(is_open)
        if not open_idx.size:
            return value, solves
        at = (z[open_idx] @ np.column_stack([p for p, _ in found])).max(axis=1) if maximize else \
            (z[open_idx] @ np.column_stack([p for p, _ in found])).min(axis=1)
        bound[open_idx] = np.maximum(bound[open_idx], at) if maximize else np.minimum(bound[open_idx], at)
        # the largest gap to the bound every item shares (1: its own or a dominating row)
        i = int(open_idx[np.argmin(bound[open_idx]) if maximize else np.argmax(bound[open_idx])])


def _certified(zo: np.ndarray, normals: np.ndarray) -> np.ndarray:
    """Which rows of ``zo`` are in the cone of the binding ``normals`` (KKT: y = normals^T lambda, lambda >= 0)."""
    m = zo.shape[1]
    if len(normals) == m:
        return (np.linalg.solve(normals.T, zo.T) >= -_LAMBDA_TOL).all(axis=0)
    facets = _cone_facets(normals)
    if facets is None:
        return np.zeros(len(zo), dtype=bool)
    return (facets @ zo.T >= -_LAMBDA_TOL).all(axis=0)


def _neighbours(vertex: np.ndarray, basis: np.ndarray, G: np.ndarray, h: np.ndarray, maximize: bool,
                seen: set[tuple[int, ...]]) -> list[tuple[np.ndarray, np.ndarray]]:
    """The vertices adjacent to a non-degenerate vertex (one ratio test per edge), exact, not seen before."""
    m = len(vertex)
    Gl, hl = (G, h) if maximize else (-G, -h)  # in <= form
    seen.add(tuple(sorted(basis.tolist())))
    D = np.linalg.solve(Gl[basis], -np.eye(m))  # column j: leave constraint basis[j], keep the others tight
    GD = Gl @ D
    slack = hl - Gl @ vertex
    out = []
    for j in range(m):
        step = GD[:, j]
        cand = np.flatnonzero(step > 1e-12)
        if not cand.size:
            continue  # an unbounded edge
        t = slack[cand] / step[cand]
        k = int(np.argmin(t))
        if t[k] <= 1e-12:
            continue  # a degenerate pivot: the same point
        nb = basis.copy()
        nb[j] = cand[k]
        key = tuple(sorted(nb.tolist()))
        if key in seen:
            continue
        seen.add(key)
        B = Gl[nb]
        if np.linalg.matrix_rank(B) < m:
            continue
        point = np.linalg.solve(B, hl[nb])
        tol = 1e-9 * (1.0 + np.abs(G) @ np.abs(point))
        gap = hl - Gl @ point
        if (gap < -tol).any():
            continue
        out.append((point, np.flatnonzero(np.abs(gap) <= tol)))
    return out


def _cbc_model(rows: np.ndarray, *, maximize: bool, eps: float) -> tuple[pulp.LpProblem, list[pulp.LpVariable]]:
    """The CBC model {w >= eps : rows w <= 1} (max) or {w >= 0 : rows w >= 1} (min), objective set later."""
    m = rows.shape[1]
    prob = pulp.LpProblem("ramanathan" if maximize else "zhou_fan_bad_index",
                          pulp.LpMaximize if maximize else pulp.LpMinimize)
    w = [new_variable(prob, f"w{j}", lowBound=eps) for j in range(m)]
    for k, row in enumerate(rows):
        expr = pulp.LpAffineExpression([(w[j], float(row[j])) for j in np.flatnonzero(row)])
        prob += (expr <= 1) if maximize else (expr >= 1), f"row{k}"
    return prob, w


def _polish(raw: np.ndarray, G: np.ndarray, h: np.ndarray, c: np.ndarray,
            maximize: bool) -> tuple[np.ndarray, np.ndarray | None]:
    """The exact optimal vertex near CBC's (8-digit) optimum and the constraints (rows of G) binding there,
    m or more of rank m; CBC's point and None when none is found (it then serves only its own item).

    The vertex is that of m independent constraints among those nearly binding at CBC's point
    (smallest slack first), the first such basis whose vertex is feasible and whose multipliers
    prove it optimal for the item solved (:math:`c = B^T \\lambda`, :math:`\\lambda \\ge 0`).
    """
    m = len(raw)
    scale = 1.0 + np.abs(G) @ np.abs(raw)
    slack = np.abs(G @ raw - h) / scale
    near = np.flatnonzero(slack <= _ACTIVE_TOL)
    near = near[np.argsort(slack[near], kind="stable")]
    for combo in itertools.islice(itertools.combinations(near, m), _MAX_BASES):
        B = G[list(combo)]
        if np.linalg.matrix_rank(B) < m:
            continue
        vertex = np.linalg.solve(B, h[list(combo)])
        tol = 1e-9 * (1.0 + np.abs(G) @ np.abs(vertex))
        gap = (h - G @ vertex) if maximize else (G @ vertex - h)
        if (gap < -tol).any() or (np.linalg.solve(B.T, c) < -_LAMBDA_TOL).any():
            continue
        return vertex, np.flatnonzero(np.abs(gap) <= tol)
    return raw, None


def _cone_facets(A: np.ndarray) -> np.ndarray | None:
    """Unit inner normals F of the facets of the cone spanned by the rows of ``A`` (k > m rows of rank m):
    cone(A) = {y : F y >= 0}.  Every facet holds m - 1 independent rows, so the candidates are the
    hyperplanes through each (m - 1)-subset (one batched SVD) with every row on one side.
    None when there are more than ``_MAX_FACET_SUBSETS`` subsets."""
    k, m = A.shape
    if m == 1:
        side = np.sign(A[:, 0])
        return side[:1, None] if (side == side[0]).all() else np.zeros((0, 1))
    if math.comb(k, m - 1) > _MAX_FACET_SUBSETS:
        return None
    subsets = np.array(list(itertools.combinations(range(k), m - 1)))
    _, sv, vt = np.linalg.svd(A[subsets])  # (S, m-1, m)
    normal = vt[:, -1, :]  # orthogonal to the m - 1 rows of the subset
    independent = sv[:, -1] > 1e-9 * sv[:, 0]
    side = normal @ A.T  # (S, k)
    up = (side >= -_LAMBDA_TOL).all(axis=1)
    down = (side <= _LAMBDA_TOL).all(axis=1)
    return np.concatenate([normal[independent & up & ~down], -normal[independent & down & ~up]])


# -- validation -----------------------------------------------------------------------------------------


def _criteria_matrix(criteria: ArrayLike, names: Sequence[str] | None) -> np.ndarray:
    """The criteria as a finite float64 (n, m) array, or an InputError naming the criterion and rows."""
    raw = np.asarray(criteria)
    if raw.ndim != 2:
        raise InputError(f"criteria must be a 2-D array (one row per item, one column per criterion); got shape "
                         f"{raw.shape}. Reshape it, e.g. criteria.reshape(-1, 1) for a single criterion.")
    if raw.dtype.kind not in "biuf":
        try:
            raw = raw.astype(np.float64)
        except (TypeError, ValueError):
            raise InputError(f"criteria must be numeric; got dtype {raw.dtype}. Convert the columns to numbers "
                             "(e.g. pandas.to_numeric) before classifying.") from None
    x = raw.astype(np.float64)
    bad = ~np.isfinite(x)
    if bad.any():
        names = _names(names, x.shape[1])
        j = int(np.flatnonzero(bad.any(axis=0))[0])
        rows = np.flatnonzero(bad[:, j])
        raise InputError(f"criteria must be finite; {names[j]} is NaN or infinite for {rows.size:,} of "
                         f"{x.shape[0]:,} items (rows: {format_examples(rows.tolist())}). Fill the gaps or drop "
                         "those items before classifying.")
    return x


def _names(names: Sequence[str] | None, m: int) -> list[str]:
    if names is None:
        return [f"criterion {j + 1}" for j in range(m)]
    names = [str(v) for v in names]
    if len(names) != m:
        raise InputError(f"names must have one entry per criterion ({m}); got {len(names)}: "
                         f"{', '.join(names)}. Give one name per column of criteria.")
    return names


def _directions(directions: Sequence[str] | None, m: int, names: Sequence[str]) -> np.ndarray:
    if directions is None:
        return np.full(m, "max")
    if isinstance(directions, str):
        directions = [directions]
    d = [str(v) for v in directions]
    if len(d) != m:
        raise InputError(f"directions must have one entry per criterion ({m}); got {len(d)}: {', '.join(d)}. "
                         f"Give 'max' or 'min' for each of: {', '.join(names)}.")
    for name, v in zip(names, d):
        if v not in ("max", "min"):
            raise InputError(f"directions must be 'max' or 'min'; got {v!r} for {name}. Use 'max' when more is "
                             "more important, 'min' when less is.")
    return np.array(d)


def _weights(weights: ArrayLike | None, m: int, names: Sequence[str]) -> np.ndarray:
    if weights is None:
        return np.ones(m)
    w = np.asarray(weights, dtype=np.float64).reshape(-1)
    if len(w) != m:
        raise InputError(f"weights must have one entry per criterion ({m}); got {len(w)}. Give one weight >= 0 "
                         f"for each of: {', '.join(names)}.")
    bad = np.flatnonzero(~np.isfinite(w) | (w < 0))
    if bad.size:
        j = int(bad[0])
        raise InputError(f"weights must be finite and >= 0; got {w[j]:g} for {names[j]}. Use 0 to ignore a "
                         "criterion.")
    if not (w > 0).any():
        raise InputError("weights must not all be zero; got all zero. Give at least one criterion a positive weight.")
    return w


def _order(order: ArrayLike | None, n: int) -> np.ndarray | None:
    if order is None:
        return None
    o = np.asarray(order)
    if o.shape != (n,):
        raise InputError(f"order must have one entry per item ({n}); got shape {o.shape}. Pass the tie-break key "
                         "of every item (e.g. the part number's rank), or nothing for the input position.")
    return o


def _check_cutoffs(mc_a: float, mc_b: float) -> None:
    if not 0 < mc_a <= mc_b <= 1:
        raise InputError(f"cut-offs must satisfy 0 < mc_a <= mc_b <= 1; got mc_a={mc_a}, mc_b={mc_b}. "
                         "Use e.g. mc_a=0.2, mc_b=0.5 for 20 % A, 30 % B and 50 % C.")


def _joint_table(table: Mapping[str, str] | None) -> dict[str, str]:
    if table is None:
        return dict(DEFAULT_JOINT_TABLE)
    t = {str(k): str(v) for k, v in dict(table).items()}
    missing = [k for k in DEFAULT_JOINT_TABLE if k not in t]
    if missing:
        raise InputError(f"joint_table must map each of the 9 joint codes AA..CC; {', '.join(missing)} missing. "
                         "Add them (see DEFAULT_JOINT_TABLE).")
    extra = [k for k in t if k not in DEFAULT_JOINT_TABLE]
    if extra:
        raise InputError(f"joint_table has unknown codes {', '.join(map(repr, extra))}; the codes are the 9 pairs "
                         "AA..CC of two classes. Remove them.")
    wrong = [f"{k}:{v!r}" for k, v in t.items() if v not in ("A", "B", "C")]
    if wrong:
        raise InputError(f"joint_table must map every code to 'A', 'B' or 'C'; got {', '.join(wrong)}. Fix those "
                         "classes.")
    return t


def _scaled(y: ArrayLike) -> np.ndarray:
    """A finite 2-D float64 matrix (the scaled criteria of the method functions)."""
    return _criteria_matrix(y, None)


def _unit(v: np.ndarray) -> np.ndarray:
    """(v - min) / (max - min); 0 when v is constant."""
    if not len(v):
        return v
    span = v.max() - v.min()
    return (v - v.min()) / span if span > 0 else np.zeros_like(v)


def _rounded(score: np.ndarray) -> np.ndarray:
    return np.round(np.asarray(score, dtype=np.float64), SCORE_DECIMALS) + 0.0  # + 0.0: no -0.0
