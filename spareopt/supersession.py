"""Supersession: an old part number replaced by a new one, and its demand realigned onto the new one.

read -> clean -> **realign superseded parts** -> demand matrix -> classify -> forecast -> policy -> must-stock list

A supersession file (CSV, XLSX or Parquet, the same encodings as the history;
header aliases in :data:`SUPERSESSION_COLUMNS`) has one
row per replacement: ``old_part`` is replaced by ``new_part``; one old unit is
``factor`` new units (default 1); the replacement is in force from the month
``effective`` (blank: always); ``split`` marks an old part replaced by several new
parts that are all needed.  A parts master's ``replaced_by`` column gives the same
(factor 1, always in force, no split).

:func:`resolve` follows the chains to their leading part (A -> B -> C: A and B
map to C, the factors multiplied); :func:`apply_to_history`,
:func:`apply_to_stock` and :func:`apply_to_master` then move the old parts'
sales, stock and master rows onto the leading parts, so that every later stage
plans the leading part on the demand of its whole chain.

References
----------
SAP SE, *SAP SCM 7.0 EhP1, Service Parts Planning*: "Handling Supersession" (one-to-one
substitution, ``DemHist_B = Demand_B + Demand_A * SuQuaFact_B / PrQuaFact_A``) and
"Data Realignment for Supersession" (planning service ``SPP_PDEM_SUPERSESSION_RLG``, which
copies the demand history of the predecessors into that of the successor), SAP Help Portal.

One topic, one module: supersessions, from the file to the history, master and stock they re-key.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from os import PathLike
from typing import Any

import numpy as np
import pandas as pd

from .columns import check_mapped_headers, resolve_columns
from .errors import InputError, format_examples
from .history import (
    History,
    RowCheck,
    empty_cells,
    factorize_cells,
    identifier_text,
    key_codes,
    month_cells,
    number_cells,
    row_label,
)
from .io import Table, read_table
from .lang import Text
from .stock import STOCK_QUANTITIES, Stock

__all__ = [
    "MAPPING_COLUMNS",
    "SPLIT_FALSE",
    "SPLIT_TRUE",
    "SUPERSESSION_COLUMNS",
    "Resolution",
    "Supersessions",
    "apply_to_history",
    "apply_to_master",
    "apply_to_stock",
    "load_supersessions",
    "resolve",
    "superseded_mapping",
    "supersessions_from_master",
]

SUPERSESSION_COLUMNS: dict[str, tuple[str, ...]] = {
    "old_part": ("old_part", "old", "from_part", "旧件号", "原配件号", "被替代件"),
    "new_part": ("new_part", "new", "to_part", "replaced_by", "新件号", "替代件", "替代配件号"),
    "factor": ("factor", "ratio", "qty_factor", "替代系数", "换算系数"),
    "effective": ("effective", "effective_month", "valid_from", "生效日期", "生效月份"),
    "split": ("split", "拆分"),
}
"""Canonical supersession columns and the headers accepted for each."""

SPLIT_TRUE = ("yes", "true", "1", "y", "是", "x")
"""``split`` cells (trimmed, lower-cased) that mark a row as one of the new parts of a split."""

SPLIT_FALSE = ("", "no", "false", "0", "n", "否")
"""``split`` cells (trimmed, lower-cased) that say the row is a plain replacement."""

_FRAME_COLUMNS = ("old_part", "new_part", "factor", "effective", "split")
_FIRST = 5  # examples shown in messages and reports


@dataclass(frozen=True)
class Supersessions:
    """Checked supersession rows, as read (chains not yet followed).

    Attributes
    ----------
    frame : DataFrame
        One row per replacement: ``old_part``, ``new_part`` (str), ``factor``
        (float64 > 0, new units per old unit), ``effective`` (float64 pandas monthly
        ordinal, NaN = always in force) and ``split`` (bool).  The index holds the
        spreadsheet row of each row (named ``row``), or the old part itself for a
        parts master's ``replaced_by`` (named ``part``), for messages.
    report : dict
        ``source``, ``rows`` and what was read, skipped or defaulted.
    """

    frame: pd.DataFrame
    report: dict[str, Any] = field(default_factory=dict)

    def __len__(self) -> int:
        return len(self.frame)


@dataclass(frozen=True)
class Resolution:
    """Every old part in force mapped to its leading part(s), chains followed.

    Attributes
    ----------
    mapping : DataFrame
        One row per (old part, leading part) pair, sorted: ``old_part``,
        ``leading_part`` (str), ``factor`` (float64, leading units per old unit: the
        product along the chain, summed over the paths of a split that meet again)
        and ``chain`` (``"A > B > C"``; the paths joined by ``"; "`` when several
        reach the same leading part).  Intermediate parts have rows of their own:
        in A -> B -> C both A and B map to C.
    report : dict
        ``rows_in_force``, ``rows_not_in_force`` (with the first ones), ``chains``,
        ``longest_chain``, ``splits``, ``old_parts``, ``leading_parts``.
    """

    mapping: pd.DataFrame
    report: dict[str, Any] = field(default_factory=dict)

    def mapping_frame(self) -> pd.DataFrame:
        """``old_part``, ``leading_part``, ``factor``, ``chain``: what ``--show-superseded FILE`` writes."""
        return self.mapping.loc[:, list(MAPPING_COLUMNS)].reset_index(drop=True)

    to_frame = mapping_frame

    @property
    def old_parts(self) -> np.ndarray:
        """The distinct old parts (object array of str, sorted)."""
        return pd.unique(self.mapping["old_part"].to_numpy(dtype=object))


MAPPING_COLUMNS = ("old_part", "leading_part", "factor", "chain")
"""Columns of :meth:`Resolution.mapping_frame`."""


def superseded_mapping(report: Mapping[str, Any]) -> pd.DataFrame:
    """The old -> leading part mapping a run used (its run report's ``supersession``); empty when none."""
    mapping = (report.get("supersession") or {}).get("mapping")
    return mapping if mapping is not None else pd.DataFrame(columns=list(MAPPING_COLUMNS))


# -- reading -------------------------------------------------------------------------------------------------


def load_supersessions(
    source: str | PathLike[str] | pd.DataFrame | Table,
    *,
    columns: Mapping[str, str] | None = None,
    encoding: str | None = None,
) -> Supersessions:
    """Read and check a supersession file: one row per old part -> new part replacement.

    Parameters
    ----------
    source : path, ``"-"``, DataFrame or Table
        CSV/TSV, XLSX or Parquet with ``old_part`` and ``new_part``, and optionally
        ``factor``, ``effective`` and ``split`` (or any alias in
        :data:`SUPERSESSION_COLUMNS`, e.g. 旧件号, 新件号, 替代系数, 生效月份, 拆分).
    columns : mapping, optional
        Canonical name -> header in the file, for headers with no known alias.
    encoding : str, optional
        Text encoding; default: detect UTF-8 (BOM allowed), else GB18030.

    Returns
    -------
    Supersessions
        A blank ``factor`` is 1, a blank ``effective`` always in force, a blank
        ``split`` no split.  Blank lines are skipped and counted in ``report``.

    Raises
    ------
    InputError
        Names the file, rows, column and values of: a missing ``old_part`` or
        ``new_part`` column; an empty old or new part; a new part equal to its old
        part; a ``factor`` that is text or not > 0; an ``effective`` that is not a
        month or date; a ``split`` cell that is neither yes nor no; the same
        (old_part, new_part) pair on two rows.

    Examples
    --------
    >>> sup = load_supersessions(pd.DataFrame({"old": ["A", "B"], "new": ["B", "C"], "factor": [2, None]}))
    >>> sup.frame.reset_index(drop=True).to_dict("list")  # doctest: +NORMALIZE_WHITESPACE
    {'old_part': ['A', 'B'], 'new_part': ['B', 'C'], 'factor': [2.0, 1.0], 'effective': [nan, nan],
     'split': [False, False]}
    """
    table = source if isinstance(source, Table) else read_table(source, encoding=encoding)
    check_mapped_headers(columns, SUPERSESSION_COLUMNS, table.columns, table.source)
    mapping = resolve_columns(table.columns, SUPERSESSION_COLUMNS, source=table.source,
                              required=("old_part", "new_part"), overrides=columns)
    n = len(table)
    cells = {canonical: table.column(header) for canonical, header in mapping.items()}

    blank = np.ones(n, dtype=bool)
    for column in cells.values():
        empty = empty_cells(column)
        blank &= empty if empty is not None else False
    if blank.all():
        raise InputError(f"file {table.source} has a header but no rows (only blank lines); export the data rows too")
    keep = ~blank if blank.any() else None
    check = RowCheck(table, keep)

    part: dict[str, np.ndarray] = {}
    for name in ("old_part", "new_part"):
        codes, names = key_codes(cells[name], name, mapping[name], check)
        part[name] = names[codes]
    same = part["old_part"] == part["new_part"]
    if same.any():
        pairs = pd.Series(part["old_part"] + " -> " + part["new_part"])
        check.fail(same, "new_part", mapping["new_part"], pairs,
                   "must differ from `old_part` (a part cannot replace itself)",
                   "delete the row, or correct the new part number")

    factor = np.ones(n)
    factor_blank = np.ones(n, dtype=bool)
    if "factor" in mapping:
        header = mapping["factor"]
        value = number_cells(cells["factor"], "factor", header, check, allow_empty=True,
                         fix="correct the factor (blank = 1)")
        check.fail(~np.isnan(value) & ~(value > 0), "factor", header, cells["factor"],
                   "must be > 0 (units of the new part that replace one unit of the old part)",
                   "correct the factor (blank = 1)")
        factor_blank = np.isnan(value)
        factor = np.where(factor_blank, 1.0, value)
    effective = (_effective_months(cells["effective"], mapping["effective"], check) if "effective" in mapping
                 else np.full(n, np.nan))
    split = _split_flags(cells["split"], mapping["split"], check) if "split" in mapping else np.zeros(n, dtype=bool)

    positions = np.flatnonzero(keep) if keep is not None else np.arange(n)
    rows = table.row_labels(positions)
    frame = pd.DataFrame(
        {"old_part": part["old_part"][positions], "new_part": part["new_part"][positions],
         "factor": factor[positions], "effective": effective[positions], "split": split[positions]},
        index=pd.Index(rows, name="row"),
    )
    _check_pairs(frame, table.source)
    headers = list(table.headers or table.columns)
    report = {
        "source": table.source,
        "encoding": table.encoding,
        "sheet": table.sheet,
        "headers": headers,
        "columns": dict(mapping),
        "columns_ignored": [h for h in headers if h not in mapping.values()],
        "layout": table.layout(),
        "rows": len(frame),
        "rows_blank": int(blank.sum()),
        "factor_defaulted": int(factor_blank[positions].sum()),
        "rows_with_effective": int((~np.isnan(frame["effective"].to_numpy())).sum()),
        "rows_split": int(frame["split"].sum()),
    }
    return Supersessions(frame, report)


def supersessions_from_master(master_frame: pd.DataFrame, source_name: str) -> Supersessions:
    """The supersessions a parts master gives in its ``replaced_by`` column.

    Parameters
    ----------
    master_frame : DataFrame
        Indexed by ``part`` (or with a ``part`` column), with a text column
        ``replaced_by``: the part that replaces this one, blank when not replaced.
    source_name : str
        The master's file name, for messages.

    Returns
    -------
    Supersessions
        One row per replaced part: factor 1, always in force, no split.  The
        frame's index is the old part (named ``part``).  A master without a
        ``replaced_by`` column gives no rows (``report["replaced_by_column"]`` is False).

    Raises
    ------
    InputError
        A part whose ``replaced_by`` is the part itself.

    Examples
    --------
    >>> master = pd.DataFrame({"replaced_by": ["B", None, " "]}, index=pd.Index(["A", "B", "C"], name="part"))
    >>> supersessions_from_master(master, "parts.csv").frame.to_dict("list")
    {'old_part': ['A'], 'new_part': ['B'], 'factor': [1.0], 'effective': [nan], 'split': [False]}
    """
    present = "replaced_by" in master_frame.columns
    if not present:
        empty = pd.DataFrame({"old_part": np.array([], dtype=object), "new_part": np.array([], dtype=object),
                              "factor": np.array([]), "effective": np.array([]), "split": np.array([], dtype=bool)},
                             index=pd.Index([], dtype=object, name="part"))
        return Supersessions(empty, {"source": source_name, "rows": 0, "replaced_by_column": False,
                                     "parts": len(master_frame)})
    parts = master_frame["part"] if "part" in master_frame.columns else pd.Series(master_frame.index)
    old = _text_of(pd.Series(np.asarray(parts, dtype=object), dtype=object))
    new = _text_of(pd.Series(master_frame["replaced_by"].to_numpy(dtype=object), dtype=object))
    replaced = new != ""
    old, new = old[replaced], new[replaced]
    same = old == new
    if same.any():
        bad = old[same]
        raise InputError(
            f"{source_name}: `replaced_by` must differ from the part (a part cannot replace itself); "
            f"{len(bad):,} part(s) break it (first: {format_examples([repr(p) for p in bad[:_FIRST]], len(bad))}). "
            "Fix: blank their replaced_by, or correct it"
        )
    frame = pd.DataFrame({"old_part": old, "new_part": new, "factor": np.ones(len(old)),
                          "effective": np.full(len(old), np.nan), "split": np.zeros(len(old), dtype=bool)},
                         index=pd.Index(old, dtype=object, name="part"))
    _check_pairs(frame, source_name)
    return Supersessions(frame, {"source": source_name, "rows": len(frame), "replaced_by_column": True,
                                 "parts": len(master_frame)})


def _text_of(values: pd.Series) -> np.ndarray:
    """Identifier cells as trimmed text (``""`` when blank), on the distinct values."""
    codes, uniques = factorize_cells(values)
    text = np.append(identifier_text(uniques).astype(object), "")  # code -1, a missing cell, is the last
    return text[codes].astype(object)


def _effective_months(column: Any, header: str, check: RowCheck) -> np.ndarray:
    """Monthly ordinals of the ``effective`` column, float64 with NaN for a blank cell."""
    return month_cells(column, "effective", header, check, "correct the cells (blank = always in force)")


def _split_flags(column: Any, header: str, check: RowCheck) -> np.ndarray:
    """``split`` as bool: :data:`SPLIT_TRUE` is True, :data:`SPLIT_FALSE` (or blank) is False."""
    codes, uniques = factorize_cells(column)
    text = pd.Series(np.append(identifier_text(uniques).astype(object), ""), dtype=object).str.lower()
    truthy = text.isin(SPLIT_TRUE).to_numpy()
    known = truthy | text.isin(SPLIT_FALSE).to_numpy()
    check.fail(~known[codes], "split", header, column,
               f"must be one of {'/'.join(SPLIT_TRUE)} (a split: the old part needs every one of its new parts) "
               f"or {'/'.join(SPLIT_FALSE[1:])} (blank = no split)", "correct the cells")
    return truthy[codes]


def _check_pairs(frame: pd.DataFrame, source: str) -> None:
    """The same (old_part, new_part) pair must not be on two rows."""
    twice = frame.duplicated(["old_part", "new_part"], keep=False).to_numpy()
    if not twice.any():
        return
    dup = frame[twice]
    labels = pd.Series([row_label(r) for r in dup.index], dtype=object)
    rows = labels.groupby([dup["old_part"].to_numpy(dtype=object), dup["new_part"].to_numpy(dtype=object)],
                          sort=False).agg(list)
    examples = [f"{old!r} -> {new!r} at {_labels(frame.index.name, r)}" for (old, new), r in rows.items()]
    what = "rows" if frame.index.name != "part" else "replaced_by cells"
    raise InputError(
        f"{source}: each (old_part, new_part) pair must be listed once; {len(rows):,} pair(s) are listed more than "
        f"once (first: {format_examples(examples, len(rows))}). Fix: keep one of these {what} per pair"
    )


def _labels(kind: str | None, labels: Any) -> str:
    """``rows 2, 3`` or ``row 2``; ``parts 'A', 'B'`` for a parts master's ``replaced_by``."""
    labels = [row_label(r) for r in labels]
    many = "s" if len(labels) != 1 else ""
    if kind == "part":
        return f"part{many} {', '.join(repr(str(p)) for p in labels)}"
    return f"row{many} {', '.join(map(str, labels))}"


def _places(kind: str | None, labels: Any, source: str) -> str:
    """``rows 2, 3 of subs.csv``, or ``the replaced_by of parts 'A', 'B' in parts.csv``."""
    if kind == "part":
        return f"the replaced_by of {_labels(kind, labels)} in {source}"
    return f"{_labels(kind, labels)} of {source}"


# -- resolving the chains -------------------------------------------------------------------------------------


def resolve(sup: Supersessions, *, as_of_ordinal: int | None = None) -> Resolution:
    """Follow every supersession chain to its leading part, multiplying the factors.

    Parameters
    ----------
    sup : Supersessions
        From :func:`load_supersessions` or :func:`supersessions_from_master`.
    as_of_ordinal : int, optional
        The planning month (pandas monthly ordinal).  Rows whose ``effective``
        month is later are not in force yet: they are left out and counted in
        ``report["rows_not_in_force"]``.  Default: every row is in force.

    Returns
    -------
    Resolution
        One row per (old part, leading part): a plain chain gives one leading
        part per old part, a split one per path.

    Raises
    ------
    InputError
        A cycle (A -> B -> A, or longer), listing it and its rows; an old part
        with several new parts whose rows are not all marked ``split``, naming
        the part, its new parts and rows.

    Notes
    -----
    The rows in force are the edges old -> new of a graph.  A part with no
    outgoing edge is a *leading part*.  Every path starts at an edge and is
    extended, one edge per iteration for all paths at once (a vectorised join on
    the end of the path), until it reaches a leading part; a path that returns
    to its start is a cycle.  The factor of a path is the product of the factors
    along it,

        f(A -> ... -> Z) = f(A, B) * f(B, C) * ... * f(Y, Z),

    and the demand of A realigned onto Z is ``Demand_A * f``, SAP SPP's
    one-to-one substitution ``DemHist_B = Demand_B + Demand_A * SuQuaFact_B /
    PrQuaFact_A`` applied along the chain (``factor`` = SuQuaFact / PrQuaFact).
    A split old part (every one of its rows marked ``split``) sends its demand to
    each new part, times that row's factor, and the chains go on from each.  The
    loop runs once per chain level, never once per part, for the first
    :data:`CHAIN_SHOWN` links; a longer path then jumps past each run of single
    new parts by pointer doubling (log2 of the parts vector steps) and branches at
    each split, so a chain of 100,000 links resolves in about a second, not in
    hours.  Its ``chain`` text shows the first links, ``…`` and the leading part.

    References
    ----------
    SAP SE, SAP SCM 7.0 EhP1 Service Parts Planning, "Handling Supersession",
    one-to-one substitution; "Data Realignment for Supersession", SAP Help Portal.

    Examples
    --------
    A -> B with factor 2 and B -> C with factor 3: one A is 6 C, one B is 3 C.

    >>> sup = load_supersessions(pd.DataFrame({"old": ["A", "B"], "new": ["B", "C"], "factor": [2, 3]}))
    >>> resolve(sup).mapping_frame().to_dict("list")
    {'old_part': ['A', 'B'], 'leading_part': ['C', 'C'], 'factor': [6.0, 3.0], 'chain': ['A > B > C', 'B > C']}
    """
    frame = sup.frame
    source = sup.report.get("source", "the supersession table")
    effective = frame["effective"].to_numpy(dtype=np.float64)
    later = np.zeros(len(frame), dtype=bool)
    if as_of_ordinal is not None:
        later = ~np.isnan(effective) & (effective > as_of_ordinal)
    waiting = frame[later]
    edges = frame[~later]
    old = edges["old_part"].to_numpy(dtype=object)
    new = edges["new_part"].to_numpy(dtype=object)
    m = len(edges)
    names, codes = np.unique(np.concatenate([old, new]).astype(str), return_inverse=True)
    names = names.astype(object)
    src, dst = codes[:m].astype(np.int64), codes[m:].astype(np.int64)
    factor = edges["factor"].to_numpy(dtype=np.float64)
    labels = edges.index.to_numpy()
    n_nodes = len(names)

    out_degree = np.bincount(src, minlength=n_nodes)
    split_rows = np.bincount(src, weights=edges["split"].to_numpy(dtype=bool).astype(np.float64), minlength=n_nodes)
    several = np.flatnonzero((out_degree > 1) & (split_rows < out_degree))
    if len(several):
        raise _several_error(several, names, src, dst, labels, frame.index.name, source)

    order = np.argsort(src, kind="stable")  # the edges grouped by their old part (CSR)
    first_edge = np.cumsum(out_degree) - out_degree

    graph = _Graph(names, src, dst, factor, labels, out_degree, order, first_edge, frame.index.name, source)
    done = _paths(graph, np.column_stack([src, dst]), np.arange(m)[:, None], factor.copy(), CHAIN_SHOWN)
    mapping = _mapping(done, names)
    roots = np.setdiff1d(src, dst)
    report = {
        "source": source,
        "as_of_ordinal": as_of_ordinal,
        "rows_in_force": m,
        "rows_not_in_force": int(later.sum()),
        "rows_not_in_force_first": [
            f"{_places(frame.index.name, [r], source)}: {o!r} -> {w!r} from {_month_label(e)}"
            for r, o, w, e in zip(waiting.index[:_FIRST], waiting["old_part"].iloc[:_FIRST],
                                  waiting["new_part"].iloc[:_FIRST], waiting["effective"].iloc[:_FIRST])
        ],
        "chains": len(roots),
        "longest_chain": max((int(links.max()) for _, _, _, links in done if len(links)), default=0),
        "splits": int(np.count_nonzero(out_degree > 1)),
        "old_parts": int(mapping["old_part"].nunique()),
        "leading_parts": int(mapping["leading_part"].nunique()),
        "layout": sup.report.get("layout"),  # the file's title and footer rows, skipped
    }
    return Resolution(mapping, report)


CHAIN_SHOWN = 20
"""A chain of more links is followed by jumps past its middle (linear time), and its ``chain`` text shows its first
20 links, then ``…`` and the leading part."""


@dataclass(frozen=True)
class _Graph:
    """The rows in force as a graph old -> new: its edges, grouped by old part (CSR), and what messages need."""

    names: np.ndarray
    src: np.ndarray
    dst: np.ndarray
    factor: np.ndarray
    labels: np.ndarray
    out_degree: np.ndarray
    order: np.ndarray
    first_edge: np.ndarray
    kind: str | None
    source: str

    def step(self, end: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
        """Every path ending at ``end`` goes on along each edge out of it: (which path, which edge)."""
        count = self.out_degree[end]
        which = np.repeat(np.arange(len(end)), count)
        step = np.arange(len(which)) - np.repeat(np.cumsum(count) - count, count)
        return which, self.order[self.first_edge[end][which] + step]


def _paths(graph: _Graph, nodes: np.ndarray, taken: np.ndarray, path_factor: np.ndarray,
           limit: int | None) -> list[tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray]]:
    """Extend every path one edge per iteration, all at once, until it reaches a leading part; the paths still
    going after ``limit`` links finish by jumps (:func:`_finish`).  Returns chunks (parts shown, leading part,
    factor, links)."""
    done = []
    n_nodes = len(graph.names)
    while len(path_factor):
        back = nodes[:, -1] == nodes[:, 0]
        if back.any():
            raise _cycle_error(nodes[back], taken[back], graph.names, graph.labels, graph.kind, graph.source)
        if nodes.shape[1] > n_nodes + 1:  # unreachable: a cycle returns to its start first
            raise AssertionError("supersession chain longer than the number of parts")
        end = nodes[:, -1]
        leaf = graph.out_degree[end] == 0
        if leaf.any():
            done.append((nodes[leaf], end[leaf], path_factor[leaf], np.full(int(leaf.sum()), nodes.shape[1] - 1)))
        nodes, taken, path_factor = nodes[~leaf], taken[~leaf], path_factor[~leaf]
        if not len(path_factor):
            break
        if limit is not None and nodes.shape[1] - 1 >= limit:
            done += _finish(graph, nodes, path_factor)
            break
        which, edge = graph.step(nodes[:, -1])
        nodes = np.column_stack([nodes[which], graph.dst[edge]])
        taken = np.column_stack([taken[which], edge])
        path_factor = path_factor[which] * graph.factor[edge]
    return done


def _finish(graph: _Graph, nodes: np.ndarray, path_factor: np.ndarray
            ) -> list[tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray]]:
    r"""The long paths to their leading parts, by jumps: each run of parts with one new part each is passed in
    one step (pointer doubling, :func:`_jumps`), each split in one more.

    A part that never reaches a leading part or a split lies on a cycle, or leads into one: the error lists the
    cycles.  A path still going after one round per split has met a cycle through a split: the plain extension
    (:func:`_paths` without a limit) finds it and says so.
    """
    target, jump_factor, hops = _jumps(graph)
    stuck = graph.out_degree[target] == 1
    if stuck.any():
        raise _long_cycle_error(graph, target, stuck)
    shown, rows = nodes, np.arange(len(nodes))
    current, factor, links = nodes[:, -1], path_factor, np.full(len(nodes), nodes.shape[1] - 1)
    out = []
    for _ in range(int(np.count_nonzero(graph.out_degree > 1)) + 1):  # one round per split passed
        end = target[current]
        factor, links = factor * jump_factor[current], links + hops[current]
        leaf = graph.out_degree[end] == 0
        out.append((shown[rows[leaf]], end[leaf], factor[leaf], links[leaf]))
        rows, end, factor, links = rows[~leaf], end[~leaf], factor[~leaf], links[~leaf]
        if not len(rows):
            return out
        which, edge = graph.step(end)  # a split: one path per new part
        rows, current = rows[which], graph.dst[edge]
        factor, links = factor[which] * graph.factor[edge], links[which] + 1
    m = len(graph.src)
    _paths(graph, np.column_stack([graph.src, graph.dst]), np.arange(m)[:, None], graph.factor.copy(), None)
    raise AssertionError("a path through the splits did not end, and no cycle was found")  # pragma: no cover


def _jumps(graph: _Graph) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Per part, where its run of single new parts ends (a leading part, or a split), the product of the factors
    along it and its links: pointer doubling, log2(parts) vector steps.

    The run of part x is x -> n(x) -> n(n(x)) -> ... while each part has one new part n.  Each step doubles the
    reach, ``J(x) = J(J(x))``, ``F(x) = F(x) F(J(x))``, ``H(x) = H(x) + H(J(x))``, from ``J = n``, ``F`` the row's
    factor and ``H = 1``; a part without a single new part stays put (``J(x) = x``, ``F = 1``, ``H = 0``).
    """
    n = len(graph.names)
    single = np.flatnonzero(graph.out_degree == 1)
    edge = graph.order[graph.first_edge[single]]
    target, factor, hops = np.arange(n), np.ones(n), np.zeros(n, dtype=np.int64)
    target[single], factor[single], hops[single] = graph.dst[edge], graph.factor[edge], 1
    for _ in range(int(np.ceil(np.log2(max(n, 2)))) + 1):
        if not (graph.out_degree[target] == 1).any():
            break
        factor = factor * factor[target]
        hops = hops + hops[target]
        target = target[target]
    return target, factor, hops


def _long_cycle_error(graph: _Graph, target: np.ndarray, stuck: np.ndarray) -> InputError:
    """The cycles (longer than :data:`CHAIN_SHOWN` links) that the parts never leaving a run lie on or lead into:
    each named by its smallest part, the first few walked for the message."""
    n = len(graph.names)
    single = np.flatnonzero(graph.out_degree == 1)
    edge_of = np.full(n, -1)
    edge_of[single] = graph.order[graph.first_edge[single]]
    step, smallest = np.arange(n), np.arange(n)
    step[single] = graph.dst[edge_of[single]]
    for _ in range(int(np.ceil(np.log2(max(n, 2)))) + 1):  # the smallest part within 2^k parts ahead
        smallest = np.minimum(smallest, smallest[step])
        step = step[step]
    starts = np.unique(smallest[target[stuck]])  # target: 2^k >= n parts ahead, on the cycle
    rings = []
    for start in starts[:4]:  # the message's examples, not the data
        ring, node = [int(start)], int(graph.dst[edge_of[start]])
        while node != start:
            ring.append(node)
            node = int(graph.dst[edge_of[node]])
        rings.append(ring)
    nodes = [np.array(r + r[:1]) for r in rings]
    taken = [edge_of[np.array(r)] for r in rings]
    return _cycle_error_of(nodes, taken, len(starts), graph.names, graph.labels, graph.kind, graph.source)


def _mapping(done: list[tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray]], names: np.ndarray) -> pd.DataFrame:
    """The finished paths as (old_part, leading_part, factor, chain), paths to the same pair summed."""
    frames = []
    for nodes, leading, path_factor, links in done:  # one block per chain length shown
        parts = [pd.Series(names[nodes[:, k]], dtype=object) for k in range(nodes.shape[1])]
        chain = parts[0].str.cat(parts[1:], sep=" > ") if len(parts) > 1 else parts[0]
        longer = links > nodes.shape[1] - 1
        if longer.any():  # a long chain: its first links, then the leading part (after "…" where links are left out)
            gap = np.where(links > nodes.shape[1], " > … > ", " > ")
            chain = chain.where(~longer, chain + pd.Series(gap, dtype=object) + pd.Series(names[leading], dtype=object))
        frames.append(pd.DataFrame({"old_part": parts[0].to_numpy(dtype=object),
                                    "leading_part": names[leading].astype(object),
                                    "factor": path_factor, "chain": chain.to_numpy(dtype=object)}))
    if not frames:
        return pd.DataFrame({"old_part": np.array([], dtype=object), "leading_part": np.array([], dtype=object),
                             "factor": np.array([], dtype=np.float64), "chain": np.array([], dtype=object)})
    out = pd.concat(frames, ignore_index=True).sort_values(["old_part", "leading_part", "chain"], kind="stable")
    if out.duplicated(["old_part", "leading_part"]).any():  # a split whose paths meet again
        out = out.groupby(["old_part", "leading_part"], sort=True, as_index=False).agg(
            factor=("factor", "sum"), chain=("chain", "; ".join))
    return out.reset_index(drop=True)


def _several_error(several: np.ndarray, names: np.ndarray, src: np.ndarray, dst: np.ndarray, labels: np.ndarray,
                   kind: str | None, source: str) -> InputError:
    """An old part with several new parts, not all of its rows marked ``split``."""
    shown = []
    for node in several[:3]:  # the message's examples (at most 3 parts), not the data
        at = np.flatnonzero(src == node)
        successors = ", ".join(f"{names[d]!r}" + (f" at {_labels(kind, [r])}" if kind != "part" else "")
                               for d, r in zip(dst[at], labels[at]))
        shown.append(f"old part {names[node]!r} has {len(at)} new parts ({successors})")
    more = f" (+{len(several) - 3:,} more old parts like this)" if len(several) > 3 else ""
    whose = "its" if len(several) == 1 else "their"
    what = "rows" if kind != "part" else "replaced_by cells"
    return InputError(
        f"{source}: {'; '.join(shown)}{more}; {whose} rows are not all marked `split`. An old part has one new "
        f"part, unless it is split into several new parts that are all needed. Fix: keep one of these {what} (a "
        "later change goes on its own row, new_part -> newer part), or, when all the new parts are needed "
        "together, mark each of these rows yes in a `split` column"
    )


def _cycle_error(nodes: np.ndarray, taken: np.ndarray, names: np.ndarray, labels: np.ndarray, kind: str | None,
                 source: str) -> InputError:
    """The cycles found (each path returned to its start), each listed once from its first part."""
    length = taken.shape[1]
    turn = np.argmin(nodes[:, :-1], axis=1)  # codes rank the names: start each cycle at its smallest part
    at = (turn[:, None] + np.arange(length)) % length
    cycle_nodes = np.take_along_axis(nodes[:, :-1], at, axis=1)
    cycle_edges = np.take_along_axis(taken, at, axis=1)
    cycle_nodes, first = np.unique(cycle_nodes, axis=0, return_index=True)
    cycle_edges = cycle_edges[first]
    shown = min(len(cycle_nodes), 4)
    return _cycle_error_of([np.append(cycle_nodes[k], cycle_nodes[k][0]) for k in range(shown)],
                           [cycle_edges[k] for k in range(shown)], len(cycle_nodes), names, labels, kind, source)


def _cycle_error_of(rings: list[np.ndarray], edges: list[np.ndarray], count: int, names: np.ndarray,
                    labels: np.ndarray, kind: str | None, source: str) -> InputError:
    """The message of ``count`` cycles, the first few given as their parts (the first again at the end) and
    edges."""

    def text(k: int) -> str:
        return " -> ".join(str(names[c]) for c in rings[k])

    what = "rows" if kind != "part" else "replaced_by cells"
    more, fix = "", f"remove one of these {what}"
    if count > 1:
        others = [f"{text(k)} ({_labels(kind, labels[edges[k]])})" for k in range(1, len(rings))]
        more = f", and {count - 1} more: {format_examples(others, count - 1, 3)}"
        fix = f"remove one of the {what} of each cycle"
    return InputError(
        f"supersession cycle: {text(0)} ({_places(kind, labels[edges[0]], source)}){more}; a part cannot "
        f"replace itself through a chain. Fix: {fix}"
    )


def _month_label(ordinal: float) -> str:
    return str(pd.Period(ordinal=int(ordinal), freq="M"))


# -- applying the resolution ---------------------------------------------------------------------------------


@dataclass(frozen=True)
class _Remap:
    """Where each of some distinct part names goes: CSR of (target code, factor) per name."""

    names: np.ndarray  # the new distinct names, sorted
    count: np.ndarray  # targets per old name (1 for a part not superseded)
    first: np.ndarray  # position of each old name's first target in target/factor
    target: np.ndarray  # int32 codes into names
    factor: np.ndarray  # float64
    moved: np.ndarray  # bool per old name: superseded


def _remap(names: np.ndarray, resolution: Resolution) -> _Remap:
    """Map distinct part names (unique) onto the leading parts: all the work on the name level."""
    names = np.asarray(names, dtype=object)
    mapping = resolution.mapping
    position = pd.Index(names, dtype=object).get_indexer(mapping["old_part"].to_numpy(dtype=object))
    found = position >= 0
    moved = np.zeros(len(names), dtype=bool)
    moved[position[found]] = True
    kept = np.flatnonzero(~moved)
    leading = mapping["leading_part"].to_numpy(dtype=object)[found]
    new_names = np.unique(np.concatenate([names[kept], leading]).astype(str)).astype(object)
    index = pd.Index(new_names, dtype=object)
    source = np.concatenate([kept, position[found]])
    target = np.concatenate([index.get_indexer(names[kept]), index.get_indexer(leading)]).astype(np.int32)
    factor = np.concatenate([np.ones(len(kept)), mapping["factor"].to_numpy(dtype=np.float64)[found]])
    order = np.argsort(source, kind="stable")
    count = np.bincount(source, minlength=len(names))
    return _Remap(new_names, count, np.cumsum(count) - count, target[order], factor[order], moved)


def _lines_of(codes: np.ndarray, remap: _Remap) -> tuple[np.ndarray, np.ndarray, np.ndarray | None]:
    """Re-key lines whose part is ``codes``: ``(extra, new_codes, factor)``.

    Each line goes to its part's first target; a split part's further targets get copies of its
    lines, appended after all the lines: the output is the lines, then the lines ``extra``
    (positions, repeated), so that a large array is gathered once and never repeated as a whole.
    ``new_codes`` and ``factor`` (None when every factor is 1) run over that output.
    """
    first_target = remap.target[remap.first]
    first_factor = remap.factor[remap.first]
    new_code = first_target[codes]
    line_factor = first_factor[codes] if (first_factor != 1).any() else None
    extra = np.zeros(0, dtype=np.int64)
    extra_code = np.zeros(0, dtype=np.int32)
    extra_factor = np.zeros(0)
    if (remap.count > 1).any():
        split_lines = np.flatnonzero(remap.count[codes] > 1)
        more = remap.count[codes[split_lines]] - 1
        extra = np.repeat(split_lines, more)
        step = 1 + np.arange(len(extra)) - np.repeat(np.cumsum(more) - more, more)
        slot = remap.first[codes[extra]] + step
        extra_code, extra_factor = remap.target[slot], remap.factor[slot]
        if line_factor is None:
            line_factor = np.ones(len(codes)) if (extra_factor != 1).any() else None
    codes_out = (np.concatenate([new_code, extra_code]) if len(extra) else new_code).astype(np.int32, copy=False)
    factor_out = None
    if line_factor is not None:
        factor_out = np.concatenate([line_factor, extra_factor]) if len(extra) else line_factor
    return extra, codes_out, factor_out


def apply_to_history(history: History, resolution: Resolution) -> tuple[History, dict[str, Any]]:
    """Move every line of an old part onto its leading part(s), quantity times the factor.

    Parameters
    ----------
    history : History
        From :func:`spareopt.load_history`.
    resolution : Resolution
        From :func:`resolve`.

    Returns
    -------
    history : History
        A new history: each line of an old part is moved to its leading part with
        ``quantity * factor`` (and ``unit_price / factor``, so the line's value is
        kept); the lines of a split part are copied once per leading part.
        ``names["part"]`` is rebuilt, sorted: the old parts are gone, leading parts
        with no history of their own appear.  Dealers and months are unchanged.
        Its ``report`` is the old one plus ``"supersession"``.
    report : dict
        ``lines_moved`` (lines of old parts), ``lines_added`` (copies for splits),
        ``units_moved`` (their quantity as sold) and ``units_realigned`` (the
        leading parts' units they became), ``old_parts_in_history`` (with the
        first ones), ``leading_parts_new`` (leading parts without a history of
        their own) and ``supersession_parts_not_in_history`` (with the first ones,
        and a line in ``warnings``: a part of the supersession table that the
        history never mentions is reported, not an error).

    Notes
    -----
    The realigned demand of a leading part Z in a month is

        DemHist_Z = Demand_Z + sum over the old parts A of Z of Demand_A * f(A -> Z),

    SAP SPP's one-to-one substitution along the chain.  With every factor 1 and
    no split, the total quantity, and that of each (dealer, month), is unchanged.
    The work is done on the distinct part names (a few hundred thousand); the
    lines are only gathered through the new codes, and copied only for splits.

    References
    ----------
    SAP SE, SAP SCM 7.0 EhP1 Service Parts Planning, "Handling Supersession";
    "Data Realignment for Supersession", SAP Help Portal.

    Examples
    --------
    A was sold 4 times, then replaced by B with factor 2 (one A is two B); B sold 1:

    >>> from spareopt.history import load_history
    >>> history = load_history(pd.DataFrame({"part": ["A", "B"], "period": ["2024-01", "2024-02"],
    ...                                      "quantity": [4, 1]}))
    >>> sup = load_supersessions(pd.DataFrame({"old_part": ["A"], "new_part": ["B"], "factor": [2]}))
    >>> realigned, report = apply_to_history(history, resolve(sup))
    >>> realigned.frame[["part", "month", "quantity"]].astype({"part": str}).to_dict("list")
    {'part': ['B', 'B'], 'month': [648, 649], 'quantity': [8.0, 1.0]}
    >>> report["units_moved"], report["units_realigned"]
    (4.0, 8.0)
    """
    part_names = np.asarray(history.names["part"], dtype=object)
    lines = history.lines
    codes = lines["part"]
    report, remap = history_moves(part_names, np.bincount(codes, minlength=len(part_names)),
                                  np.bincount(codes, weights=lines["quantity"], minlength=len(part_names)), resolution)
    if not remap.moved.any():  # nothing to move: the same lines and names
        return History(dict(lines), dict(history.names), history.has_dealer,
                       {**history.report, "supersession": report}), report

    extra, new_codes, factor = _lines_of(codes, remap)
    out: dict[str, np.ndarray] = {}
    for key, values in lines.items():
        if key == "part":
            out[key] = new_codes
            continue
        values = np.concatenate([values, values[extra]]) if len(extra) else values
        if factor is not None and key == "quantity":
            values = values * factor
        elif factor is not None and key == "unit_price":
            values = values / factor
        out[key] = values
    return History(out, {**history.names, "part": remap.names}, history.has_dealer,
                   {**history.report, "supersession": report}), report


def history_moves(part_names: np.ndarray, per_name_lines: np.ndarray, per_name_units: np.ndarray,
                  resolution: Resolution) -> tuple[dict[str, Any], _Remap]:
    """What :func:`apply_to_history` moves, from each part name's lines and units (the report), and the remap.

    The stream and dask engines call it once, on the network's part names and counts.
    """
    remap = _remap(part_names, resolution)
    mapping_parts = np.unique(np.concatenate([resolution.mapping["old_part"].to_numpy(dtype=object),
                                              resolution.mapping["leading_part"].to_numpy(dtype=object)]).astype(str))
    unknown = mapping_parts[pd.Index(part_names, dtype=object).get_indexer(mapping_parts.astype(object)) < 0]
    own = np.zeros(len(remap.names), dtype=bool)
    own[remap.target[remap.first[~remap.moved]]] = True
    moved_slots = np.repeat(remap.moved, remap.count)  # the slots (targets) of the old parts
    slot_name = np.repeat(np.arange(len(part_names)), remap.count)
    report = {
        "lines_moved": int(per_name_lines[remap.moved].sum()),
        "lines_added": int(((remap.count - 1) * per_name_lines).sum()),
        "units_moved": float(per_name_units[remap.moved].sum()) + 0.0,
        "units_realigned": float((per_name_units[slot_name] * remap.factor)[moved_slots].sum()) + 0.0,
        "old_parts_in_history": int(remap.moved.sum()),
        "old_parts_in_history_first": [str(p) for p in part_names[remap.moved][:_FIRST]],
        "leading_parts_new": int((~own).sum()),
        "leading_parts_new_first": [str(p) for p in remap.names[~own][:_FIRST]],
        "supersession_parts_not_in_history": len(unknown),
        "supersession_parts_not_in_history_first": [str(p) for p in unknown[:_FIRST]],
        "warnings": [],
    }
    if len(unknown):
        source = resolution.report.get("source", "the supersession table")
        report["warnings"].append(Text(
            "{parts:,} part(s) of {source} are not in the history (first: {first}); they have no sales to move. "
            "Check the part numbers if you expected sales of them", parts=len(unknown), source=source,
            first=format_examples([repr(str(p)) for p in unknown[:_FIRST]], len(unknown))))
    return report, remap


def apply_to_stock(stock: Stock, resolution: Resolution) -> tuple[Stock, pd.DataFrame, dict[str, Any]]:
    """Count the stock of an old part toward its leading part(s), times the factor.

    Parameters
    ----------
    stock : Stock
        From :func:`spareopt.load_stock`.
    resolution : Resolution
        From :func:`resolve`.

    Returns
    -------
    stock : Stock
        Rows re-keyed to the leading parts, ``on_hand``, ``on_order`` and
        ``reserved`` times the factor, summed per (dealer, part).  A split old
        part's stock counts toward each of its leading parts (one old unit stands
        in for the set of new parts it was split into).
    superseded_stock : DataFrame
        The old-part rows as they were, to be used up first: ``dealer`` (when the
        stock has one), ``old_part``, ``leading_part``, ``on_hand``, ``factor`` and
        ``equivalent_units`` (= on_hand * factor, units of the leading part).
    report : dict
        ``rows_rekeyed``, ``old_parts_in_stock``, ``old_units_on_hand`` and
        ``equivalent_units``.

    Notes
    -----
    The inventory position of a leading part Z is
    ``IP_Z = stock_Z + sum over the old parts A of Z of stock_A * f(A -> Z)``,
    on the same rule as the demand (:func:`apply_to_history`).

    Examples
    --------
    >>> from spareopt.stock import load_stock
    >>> stock = load_stock(pd.DataFrame({"part": ["A", "B"], "on_hand": [3, 1]}))
    >>> sup = load_supersessions(pd.DataFrame({"old_part": ["A"], "new_part": ["B"], "factor": [2]}))
    >>> new_stock, superseded, report = apply_to_stock(stock, resolve(sup))
    >>> new_stock.frame[["part", "on_hand"]].astype({"part": str}).to_dict("list")
    {'part': ['B'], 'on_hand': [7.0]}
    >>> superseded.astype({"old_part": str, "leading_part": str}).to_dict("records")
    [{'old_part': 'A', 'leading_part': 'B', 'on_hand': 3.0, 'factor': 2.0, 'equivalent_units': 6.0}]
    """
    frame = stock.frame
    keys = [k for k in ("dealer", "part") if k in frame.columns]
    quantities = [c for c in STOCK_QUANTITIES if c in frame.columns]
    codes, uniques = pd.factorize(frame["part"].to_numpy(dtype=object))
    remap = _remap(np.asarray(uniques, dtype=object), resolution)
    moved_rows = np.flatnonzero(remap.moved[codes]) if len(codes) else np.zeros(0, dtype=np.int64)
    # the old-part rows, one per leading part
    reps = remap.count[codes[moved_rows]]
    at = np.repeat(moved_rows, reps)
    slot = remap.first[codes[at]] + np.arange(len(at)) - np.repeat(np.cumsum(reps) - reps, reps)
    on_hand = frame["on_hand"].to_numpy(dtype=np.float64)[at] if "on_hand" in frame else np.zeros(len(at))
    superseded = pd.DataFrame({
        **({"dealer": frame["dealer"].to_numpy(dtype=object)[at]} if "dealer" in frame.columns else {}),
        "old_part": np.asarray(uniques, dtype=object)[codes[at]],
        "leading_part": remap.names[remap.target[slot]],
        "on_hand": on_hand,
        "factor": remap.factor[slot],
        "equivalent_units": on_hand * remap.factor[slot],
    })
    report = {
        "rows_rekeyed": len(moved_rows),
        "old_parts_in_stock": int(remap.moved.sum()),
        "old_parts_in_stock_first": [str(p) for p in np.asarray(uniques, dtype=object)[remap.moved][:_FIRST]],
        "old_units_on_hand": float(frame["on_hand"].to_numpy(dtype=np.float64)[moved_rows].sum()) + 0.0
        if "on_hand" in frame else 0.0,
        "equivalent_units": float(superseded["equivalent_units"].sum()) + 0.0,
    }
    if not len(moved_rows):
        return Stock(frame, {**stock.report, "supersession": report}), superseded, report
    extra, new_codes, factor = _lines_of(codes, remap)
    take = np.concatenate([np.arange(len(frame)), extra])
    out = {k: frame[k].to_numpy(dtype=object)[take] for k in keys if k != "part"}
    out["part"] = remap.names[new_codes]
    for column in quantities:
        values = frame[column].to_numpy(dtype=np.float64)[take]
        out[column] = values * factor if factor is not None else values
    merged = pd.DataFrame(out)[[*keys, *quantities]].groupby(keys, sort=True, as_index=False)[quantities].sum()
    new_report = {**stock.report, "supersession": report, "parts": int(merged["part"].nunique())}
    return Stock(merged, new_report), superseded, report


def apply_to_master(master_frame: pd.DataFrame, resolution: Resolution) -> tuple[pd.DataFrame, int]:
    """Drop the parts master rows of the old parts: they leave every output.

    Parameters
    ----------
    master_frame : DataFrame
        Indexed by ``part`` (:attr:`spareopt.PartsMaster.frame`).
    resolution : Resolution

    Returns
    -------
    frame : DataFrame
        The master without the old parts' rows.  A leading part the master does
        not list simply has no row (the ``[defaults]`` apply to it).
    dropped : int
        Rows dropped.

    Examples
    --------
    >>> master = pd.DataFrame({"unit_cost": [1.0, 2.0]}, index=pd.Index(["A", "B"], name="part"))
    >>> sup = load_supersessions(pd.DataFrame({"old_part": ["A"], "new_part": ["C"]}))
    >>> frame, dropped = apply_to_master(master, resolve(sup))
    >>> frame.index.tolist(), dropped
    (['B'], 1)
    """
    old = pd.Index(resolution.mapping["old_part"].to_numpy(dtype=object), dtype=object)
    drop = pd.Index(master_frame.index.to_numpy(dtype=object), dtype=object).isin(old)
    return master_frame[~drop], int(drop.sum())
