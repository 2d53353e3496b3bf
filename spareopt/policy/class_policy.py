"""Three-in-one class codes and the class policy table (a decision table over class codes).

The seed classifies every part three ways at once (三位一体): ABC value class x
three-in-one attribute x supply cycle.  :func:`class_code` writes the three as one
code, ``AA1`` = an A-value wear part with a short supply cycle; the class policy
table of the config (``[[class_policy]]`` rows, first match wins) then sets the
decision per class, the way the decision tables of commercial service-parts
suites do.
"""

from __future__ import annotations

import fnmatch
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from itertools import product
from typing import Any

import numpy as np
from numpy.typing import ArrayLike

from ..errors import ConfigError

__all__ = ["ClassPolicyRule", "all_class_codes", "check_class_policy", "class_code", "cycle_band", "match_class_policy"]

_LETTERS = ("A", "B", "C")
_DECISIONS = ("dealer", "central", "none")


@dataclass(frozen=True)
class ClassPolicyRule:
    """One row of the class policy table.

    Attributes
    ----------
    match : str
        A class-code pattern: ``*`` matches any run of characters, ``?`` one
        character (``CC*``: C-value assemblies of any supply cycle; ``*A?``: wear
        parts of any value and cycle).
    decision : str or None
        ``dealer``, ``central`` or ``none``; overrides the seed's rules.  None
        keeps the rules' decision.
    service_level : float or None
        The cycle service level target of the class (0 < x < 1), for the
        service-level policy; None keeps the default.
    fill_rate : float or None
        A fill rate target of the class instead (0 < x < 1); a row gives one
        target at most.
    """

    match: str
    decision: str | None = None
    service_level: float | None = None
    fill_rate: float | None = None

    @property
    def target(self) -> tuple[str, float] | None:
        """The row's service target as (kind, value), kind ``csl`` or ``fill_rate``; None when it sets none."""
        if self.fill_rate is not None:
            return "fill_rate", self.fill_rate
        return None if self.service_level is None else ("csl", self.service_level)


def cycle_band(cycle_days: ArrayLike, edges: Sequence[float] = (7.0, 30.0)) -> np.ndarray:
    """Supply-cycle band of O/C + L/T in days: 0 when 0 (direct supply), then 1, 2, ... by edge.

    With the default edges 7 and 30: ``0`` = 0 days, ``1`` <= 7, ``2`` <= 30, ``3`` above.

    >>> cycle_band([0, 0.5, 7, 7.5, 30, 31]).tolist()
    [0, 1, 1, 2, 2, 3]
    """
    days = np.asarray(cycle_days, dtype=np.float64)
    band = np.searchsorted(np.asarray(edges, dtype=np.float64), days, side="left") + 1
    return np.where(days <= 0, 0, band).astype(np.int8)


def class_code(abc_class: ArrayLike, attribute: ArrayLike, cycle_days: ArrayLike,
               edges: Sequence[float] = (7.0, 30.0)) -> np.ndarray:
    """The seed's three-in-one class code: ABC class + attribute + supply-cycle band.

    Parameters
    ----------
    abc_class : array_like of str, shape (n,)
        A, B or C by value (:func:`spareopt.abc`).
    attribute : array_like of str, shape (n,)
        Three-in-one attribute: A wear and consumable, B common, C high-value assembly.
    cycle_days : array_like, shape (n,)
        O/C + L/T in days.
    edges : sequence of float
        Band edges in days (config ``cycle_band_edges``).

    Returns
    -------
    ndarray of str, shape (n,)
        E.g. ``"AA1"``: a high-value wear part with a short supply cycle.

    References
    ----------
    Haima after-sales parts case study (``shared/seed``), section 2: the
    "three-in-one" classification, ABC x part attribute x supply cycle.

    Examples
    --------
    >>> class_code(["A", "C"], ["A", "C"], [5, 60]).tolist()
    ['AA1', 'CC3']
    """
    index = class_code_index(abc_class, attribute, cycle_days, edges)
    return np.asarray(all_class_codes(edges))[index]


def class_code_index(abc_class: ArrayLike, attribute: ArrayLike, cycle_days: ArrayLike,
                     edges: Sequence[float] = (7.0, 30.0)) -> np.ndarray:
    """:func:`class_code` as int16 positions into :func:`all_class_codes` (no string per row)."""
    letters = np.array(_LETTERS)
    value = np.searchsorted(letters, np.asarray(abc_class))
    kind = np.searchsorted(letters, np.asarray(attribute))
    bands = len(edges) + 2
    return ((value * 3 + kind) * bands + cycle_band(cycle_days, edges)).astype(np.int16)


def all_class_codes(edges: Sequence[float] = (7.0, 30.0)) -> list[str]:
    """Every possible class code, in order (``AA0``, ``AA1``, ..., ``CC3``)."""
    return [a + b + str(band) for a, b, band in product(_LETTERS, _LETTERS, range(len(edges) + 2))]


def check_class_policy(rows: Sequence[Any], edges: Sequence[float] = (7.0, 30.0)) -> tuple[ClassPolicyRule, ...]:
    """Check the ``[[class_policy]]`` rows of a config and return them as rules.

    Raises
    ------
    ConfigError
        A row that is not a table, has an unknown key, no ``match``, a decision
        other than dealer / central / none, a service level or fill rate outside
        (0, 1), both of them, nothing to set, or a pattern that matches no class code left by the rows
        above it (a pattern that can never apply).
    """
    rules = []
    codes = all_class_codes(edges)
    taken: set[str] = set()
    known = ("match", "decision", "service_level", "fill_rate")
    for number, row in enumerate(rows, start=1):
        where = f"class_policy row {number}"
        if isinstance(row, ClassPolicyRule):
            row = {"match": row.match, "decision": row.decision, "service_level": row.service_level,
                   "fill_rate": row.fill_rate}
        if not isinstance(row, Mapping):
            raise ConfigError(f"{where} must be a table with match, decision and/or service_level or fill_rate, "
                              f"got {row!r}")
        unknown = sorted(set(row) - set(known))
        if unknown:
            raise ConfigError(f"{where} has an unknown key {unknown[0]!r}; known keys: {', '.join(known)}")
        match = row.get("match")
        if not isinstance(match, str) or not match.strip():
            raise ConfigError(f'{where} needs match = "PATTERN", a class code with wildcards, e.g. "CC*" or "*A?"')
        match = match.strip().upper()
        decision = row.get("decision")
        if decision is not None and decision not in _DECISIONS:
            raise ConfigError(f"{where} ({match!r}): decision must be dealer, central or none, got {decision!r}")
        targets = {}
        for key in ("service_level", "fill_rate"):
            level = row.get(key)
            if level is not None and (isinstance(level, bool) or not isinstance(level, (int, float))
                                      or not 0 < level < 1):
                raise ConfigError(f"{where} ({match!r}): {key} must be a number in (0, 1), e.g. 0.95, got {level!r}")
            if level is not None:
                targets[key] = float(level)
        if len(targets) > 1:
            raise ConfigError(f"{where} ({match!r}) gives both service_level and fill_rate; a class has one target, "
                              "keep one of them")
        if decision is None and not targets:
            raise ConfigError(f"{where} ({match!r}) sets nothing; give it a decision and/or a service_level "
                              "(or fill_rate)")
        matched = set(fnmatch.filter(codes, match))
        if not matched:
            raise ConfigError(
                f"{where}: match {match!r} matches no class code; a code is the ABC class (A, B, C), the "
                f"attribute (A, B, C) and the supply-cycle band (0-{len(edges) + 1}), e.g. AA1; "
                "use * for any run and ? for one character"
            )
        if matched <= taken:
            raise ConfigError(
                f"{where}: match {match!r} can never apply: the rows above it already match every code it "
                "matches (the first matching row wins); move it up or remove it"
            )
        taken |= matched
        rules.append(ClassPolicyRule(match, decision, targets.get("service_level"), targets.get("fill_rate")))
    return tuple(rules)


def match_class_policy(code_index: ArrayLike, rules: Sequence[ClassPolicyRule],
                       edges: Sequence[float] = (7.0, 30.0)) -> np.ndarray:
    """The position of the first rule matching each class code, -1 when none does.

    ``code_index`` holds positions into :func:`all_class_codes`; the rules are
    matched once per possible code (36 with the default bands), then looked up.

    >>> rules = [ClassPolicyRule("CC*", "none"), ClassPolicyRule("*A?", "dealer")]
    >>> codes = all_class_codes()
    >>> match_class_policy([codes.index("CC3"), codes.index("BA1"), codes.index("BB1")], rules).tolist()
    [0, 1, -1]
    """
    codes = all_class_codes(edges)
    table = np.full(len(codes), -1, dtype=np.int16)
    for position, rule in reversed(list(enumerate(rules))):  # earlier rows win: write them last
        table[[i for i, code in enumerate(codes) if fnmatch.fnmatchcase(code, rule.match)]] = position
    return table[np.asarray(code_index, dtype=np.int64)]
