"""The run configuration: every threshold of the method, with its documented default.

A config is a TOML file (``--config FILE``) of flat keys plus one ``[defaults]``
table for part fields the parts master does not give.  The key names are the
same as the function parameters and output columns (one vocabulary), e.g.::

    abc_a = 0.80
    low_volume_max = 12
    criteria = ["annual_value", "criticality", "lead_time_days:min"]

    [defaults]
    lead_time_days = 7

    [[class_policy]]        # first matching row wins
    match = "CC*"
    decision = "none"

``spareopt config`` prints the effective configuration in this format.

One topic, one module: every key of the run configuration, with its default, its check and its TOML form.
"""

from __future__ import annotations

import dataclasses
import datetime as dt
import difflib
import itertools
import json
import math
import re
import tomllib
from collections.abc import Mapping
from dataclasses import dataclass, field, fields
from os import PathLike
from pathlib import Path
from typing import Any

from .classify.abc import ABC_BASES, ABC_CUTOFFS
from .classify.multi import DEFAULT_JOINT_TABLE as JOINT_TABLE
from .classify.multi import MC_METHODS
from .errors import ConfigError
from .forecast.intermittent import AUTO_METHODS, FORECASTERS
from .forecast.lead_time import LEAD_TIME_DEMAND_MODELS, OBSOLESCENCE
from .history import MAX_NUMBER
from .lang import LANGS
from .policy.class_policy import ClassPolicyRule, check_class_policy
from .policy.decline import DISTRIBUTIONS
from .policy.metric import OBJECTIVES
from .validate import show

__all__ = ["Config", "PartDefaults", "load_config"]

_CRITERION = re.compile(r"^[^:\s][^:]*(:(min|max))?$")

_PERCENTILE = re.compile(r"^p(\d+(?:\.\d+)?)$")


@dataclass(frozen=True)
class PartDefaults:
    """Values used for a part the parts master does not describe (or leaves blank)."""

    lead_time_days: float = 7.0
    """L/T in days for parts without one (a typical dealer stock-order delivery)."""
    order_cycle_days: float = 7.0
    """O/C in days for parts without one (a weekly stock order)."""
    attribute: str = "B"
    """Three-in-one attribute for parts without one: B, a common part."""
    pack_size: int = 1
    """Units per pack for parts without one."""
    unit_cost: float | None = None
    """Unit cost for parts without one; unset means unknown (ABC falls back to quantity)."""


@dataclass(frozen=True)
class Config:
    """Every threshold of the must-stock method (see DOMAIN.md and the seed).

    Build one with keywords, ``Config(abc_a=0.7)``, or from TOML with
    :func:`load_config`.
    """

    ssq_divisor: float = 6.0
    """The divisor of the seed's SSQ = MAD x (O/C + L/T) / 6."""
    abc_window_months: int = 12
    """Months up to as_of whose quantity x unit_cost is the ABC value."""
    abc_a: float = 0.80
    """A while the cumulative value share before the part is below this."""
    abc_b: float = 0.95
    """B while the cumulative value share before the part is below this; C otherwise."""
    high_value_cost: float | str = "p95"
    """Rule 2 threshold: a C-attribute part this costly is not stocked at dealers.
    A number, or "pNN" for the NN-th percentile of unit_cost in the parts master."""
    low_volume_max: float = 12.0
    """Rule 4: half_year_quantity at or below this is not stocked (the seed's switch: 12)."""
    central_ssq_min: float = 1.0
    """Rule 5: SSQ below this is kept at the central transit warehouse."""
    low_volume_basis: str = "network"
    """What rule 4 reads when the history has dealers: "network", the part's half-year quantity over every dealer
    (the seed's table is a network's), or "series", each dealer's own (the seed read literally: at a dealer, most
    parts sell under 12 a half year)."""
    abc_basis: str = "value"
    """What ABC ranks: "value" (unit_cost x quantity), "quantity", or "hits" (months with
    demand; order lines when the history has one row per order line, i.e. a date column)."""
    abc_cutoff: str = "value"
    """"value": cut at abc_a / abc_b of the cumulative value; "count": at abc_count_a / abc_count_b of the items."""
    abc_count_a: float = 0.20
    """abc_cutoff = "count": the first 20 % of the items (by ABC value) are A."""
    abc_count_b: float = 0.50
    """abc_cutoff = "count": items up to 50 % are B (the next 30 %); the rest (50 %) C."""
    xyz_x: float = 0.5
    """XYZ: X when the coefficient of variation of monthly demand over the ABC window is at most this."""
    xyz_y: float = 1.0
    """XYZ: Y when it is at most this; Z above (and for no demand)."""
    fsn_fast_months: int = 3
    """FSN: F (fast) when the last demand is at most this many months before as_of."""
    fsn_slow_months: int = 12
    """FSN: S (slow) up to this many months; N (non-moving) above, or never sold."""
    phase_in_hits: int = 3
    """phase_in: at least this many months with demand ..."""
    phase_in_months: int = 4
    """... among the last this many months (the common DMS stocking criterion)."""
    phase_out_months: int = 12
    """phase_out: no demand in the last this many months."""
    adi_cutoff: float = 1.32
    """Demand pattern: ADI above this is intermittent or lumpy (Syntetos, Boylan & Croston 2005)."""
    cv2_cutoff: float = 0.49
    """Demand pattern: CV2 of the non-zero demand sizes above this is erratic or lumpy."""
    pattern_window_months: int = 24
    """Months up to as_of over which ADI and CV2 are measured."""
    mc_method: str = "weighted"
    """Multi-criteria ABC: weighted, ramanathan, ng, zhou_fan or flores_whybark."""
    criteria: tuple[str, ...] = ()
    """Multi-criteria ABC criteria, NAME or NAME:min (less is more important), in order of importance.
    Computed: annual_value, annual_quantity, hits; from the parts master: commonality, criticality,
    unit_cost, lead_time_days, or any numeric column. Empty: the seed's four dimensions that are known
    (commonality, criticality, unit_cost, annual_value)."""
    weights: tuple[float, ...] = ()
    """mc_method = "weighted": one weight >= 0 per criterion; empty: equal weights."""
    mc_a: float = 0.20
    """Multi-criteria classes: the first 20 % of the parts by score are A ..."""
    mc_b: float = 0.50
    """... parts up to 50 % are B, the rest C."""
    mc_lambda: float = 0.5
    """zhou_fan: weight of the good index against the bad index."""
    mc_min_weight: float = 0.0
    """ramanathan: lower bound of every criterion's weight (0: each part picks its weights freely)."""
    mc_joint_table: dict[str, str] = field(default_factory=lambda: dict(JOINT_TABLE))
    """flores_whybark: the class of each joint code (class on criterion 1 + class on criterion 2)."""
    cycle_band_edges: tuple[float, ...] = (7.0, 30.0)
    """Three-in-one supply-cycle bands of O/C + L/T in days: 0 = 0 (direct), 1 <= 7, 2 <= 30, 3 above."""
    class_policy: tuple[ClassPolicyRule, ...] = ()
    """Decision table over class_code, [[class_policy]] rows with match (wildcards * and ?),
    decision (dealer, central or none) and a service target, service_level (a cycle service level) or fill_rate;
    the first matching row wins."""
    policy: str = "seed"
    """Stock levels: "seed" (SSQ = MAD x (O/C + L/T) / 6, the reorder point and maximum of the seed) or
    "service-level" (the smallest reorder point that meets each class's service target under the demand model)."""
    forecast_method: str = "auto"
    """The monthly demand forecast of the demand model (the service-level policy, and the implied service of
    every plan): wma, sma, ses, croston, sba, sbj, tsb, or auto (by demand pattern, see auto_methods)."""
    alpha: float = 0.1
    """Smoothing constant of ses, croston, sba and sbj, in (0, 1]."""
    alpha_d: float = 0.1
    """tsb: smoothing constant of the demand sizes, in (0, 1]."""
    alpha_p: float = 0.1
    """tsb: smoothing constant of the demand probability, in (0, 1]."""
    sma_months: int = 6
    """sma: months in the simple moving average."""
    auto_methods: dict[str, str] = field(default_factory=lambda: dict(AUTO_METHODS))
    """forecast_method = "auto": the method of each demand pattern (Syntetos, Boylan & Croston 2005)."""
    service_level: float = 0.95
    """Cycle service level target, in (0, 1): the chance that a replenishment cycle has no stock-out. Used for
    the classes whose [[class_policy]] row gives no target of its own, unless fill_rate is set."""
    fill_rate: float | None = None
    """Fill rate target, in (0, 1): the share of demand filled from the shelf. When set, it is the default
    target instead of service_level."""
    fill_rate_scope: str = "part"
    """A fill_rate target is met by each "part" alone (a slow mover's fill jumps past the target in whole units,
    so a class over-delivers a low target), or by "class": each dealer's series of one class policy row together,
    the least stock that fills that share of their expected demand (it leans on the parts the model finds cheapest
    to fill, so it needs a model calibrated part by part: see the README's results before choosing it)."""
    dispersion_window_months: int = 24
    """Months up to as_of over which the variance of monthly demand (the demand model's dispersion) is measured."""
    lead_time_demand: str = "auto"
    """The demand over L/T + O/C and its uncertainty: monthly_variance (the variance of monthly demand),
    forecast_error (the MSE of one-step forecasts), empirical (the series' own sums over the protection interval),
    poisson_gamma (each rate shrunk towards similar parts, with its uncertainty), or auto (per demand pattern, the
    model and variance scale that a backtest on the history finds calibrated at the least stock)."""
    obsolescence: str = "auto"
    """A series whose demand has stopped (a gap since its last sale that its own history makes unlikely): none
    (its forecast as it is), tsb (Teunter-Syntetos-Babai's forecast, which decays in every month without demand,
    where lower), or auto (per demand pattern, whichever the backtest's held-back months found more accurate;
    tsb without a backtest)."""
    backtest_months: int = 12
    """lead_time_demand = "auto": months at the end of the history replayed to calibrate the models (the rolling
    origin is as_of less this many months); 0 turns the backtest off (poisson_gamma, unscaled)."""
    normal_min_mean: float = 10.0
    """Demand model: a normal distribution when the mean demand over L/T + O/C is at least this (a fast mover)."""
    overdispersion_min: float = 1.1
    """Demand model: below normal_min_mean, negative binomial when the variance-to-mean ratio exceeds this,
    else Poisson."""
    fit_months: int = 24
    """Last buy: months up to as_of over which each part's declining demand lambda_0 e^(-k t) is fitted."""
    holding_rate: float = 0.0
    """Last buy, cost mode: yearly holding cost as a share of unit_cost, charged on a unit left over at the end."""
    distribution: str = "poisson"
    """Last buy: demand over the horizon, "poisson" or "negative_binomial" (variance = dispersion x mean, for
    lumpy demand and the uncertainty of the fitted decline)."""
    dispersion: float | None = None
    """Last buy, negative_binomial: Var(D) / E[D] of the horizon demand, >= 1 (1 = Poisson); unset: estimated per
    part from the fit (the demand's scatter around the fitted decline, plus the error of the fit itself)."""
    transfer_days: float = 2.0
    """Two echelons (optimize --echelons 2): days from the central transit warehouse to a dealer."""
    objective: str = "fill"
    """Two echelons: what the plan minimises, "fill" (the demand missed at the dealers' shelves: the most demand
    met at once) or "backorders" (the dealers' expected backorders, Sherbrooke's measure: the fewest units waiting)."""
    since: str | None = None
    """The first month of the history read (YYYY-MM): earlier lines are ignored, and counted in the run report.
    Plan on recent years only, or leave out lines dated far back (a typo in the year). Unset: every line."""
    max_id_length: int = 256
    """The longest part or dealer cell, in characters: a longer one is an error naming its rows (a whole row pasted
    into one cell), found before any array that wide is made."""
    max_history_months: int = 480
    """The most months from a history line back to the history's end (40 years): an earlier line is an error naming
    its rows (year 0001, a typo), found before a matrix that long is made; `since` leaves such lines out."""
    currency: str = "CNY"
    """Shown with every amount of money in an XLSX output (unit_cost, order and stock values): "CNY 1,234.50". A
    code (CNY, USD) or a symbol (¥), at most 10 characters; "" for none."""
    lang: str = "en"
    """The language of what a person reads in the outputs (the --lang option): "en" or "zh" (Chinese: headers, the
    why of each row, sheet names, the summary sheet and its warnings, figure labels; spareopt.lang holds the one
    translation table), and the run report on stderr. Error messages stay English."""
    csv_bom: bool = False
    """CSV outputs start with a UTF-8 byte order mark (the --bom option): Excel on a Chinese Windows then opens them
    as UTF-8; without one it reads them as GBK and shows the Chinese text garbled. Programs that read the CSV may not
    expect one: leave it off for them."""
    skip_rows: int | None = None
    """The rows above the history's header, not read (a DMS report's title rows: 配件销售明细报表, its export time).
    Unset: the header is found, the first of the first rows that has the history's columns; the rows above it are
    counted in the run report."""
    date_format: str | None = None
    """How the history's text dates are written when not year first, a strftime format: "%d/%m/%Y" (day first),
    "%m/%d/%Y" (month first). Unset: YYYY-MM-DD and the other year-first forms only (15/03/2024 is an error that
    names the format)."""
    defaults: PartDefaults = field(default_factory=PartDefaults)

    def __post_init__(self) -> None:
        for name in ("criteria", "weights", "cycle_band_edges", "class_policy"):
            _check(isinstance(getattr(self, name), (list, tuple)), name, getattr(self, name),
                   f"must be a list, e.g. {name} = [...]")
        for name in ("mc_joint_table", "auto_methods"):
            _check(isinstance(getattr(self, name), Mapping), name, getattr(self, name), "must be a table of keys")
        _check(isinstance(self.defaults, PartDefaults), "defaults", self.defaults, "must be a spareopt.PartDefaults")
        for f in fields(self):
            value = getattr(self, f.name)
            if f.name in _NOT_NUMBERS or (f.name in ("fill_rate", "dispersion", "skip_rows") and value is None):
                continue
            if f.name != "defaults" and not (f.name == "high_value_cost" and isinstance(value, str)):
                _check(isinstance(value, (int, float)) and not isinstance(value, bool) and math.isfinite(value),
                       f.name, value, "must be a finite number")
        for f in fields(self.defaults):
            value = getattr(self.defaults, f.name)
            if f.name != "attribute" and not (f.name == "unit_cost" and value is None):
                _check(isinstance(value, (int, float)) and not isinstance(value, bool) and math.isfinite(value),
                       f"defaults.{f.name}", value, "must be a finite number")
        self._check_sizes()
        _check(self.ssq_divisor > 0, "ssq_divisor", self.ssq_divisor, "must be > 0")
        _check(
            float(self.abc_window_months).is_integer() and self.abc_window_months >= 1,
            "abc_window_months", self.abc_window_months, "must be a whole number >= 1",
        )
        _check(0 < self.abc_a <= 1, "abc_a", self.abc_a, "must be in (0, 1]")
        _check(self.abc_a <= self.abc_b <= 1, "abc_b", self.abc_b, f"must be in [abc_a={self.abc_a}, 1]")
        _check(self.low_volume_max >= 0, "low_volume_max", self.low_volume_max, "must be >= 0")
        _check(self.central_ssq_min >= 0, "central_ssq_min", self.central_ssq_min, "must be >= 0")
        if isinstance(self.high_value_cost, str):
            m = _PERCENTILE.match(self.high_value_cost)
            _check(bool(m) and 0 <= float(m.group(1)) <= 100, "high_value_cost", self.high_value_cost,
                   'must be a number or a percentile "p0".."p100"')
        else:
            _check(self.high_value_cost >= 0, "high_value_cost", self.high_value_cost, "must be >= 0")
        object.__setattr__(self, "abc_window_months", int(self.abc_window_months))
        self._check_reading()
        self._check_output()
        self._check_classification()
        self._check_service()
        d = self.defaults
        _check(d.lead_time_days >= 0, "defaults.lead_time_days", d.lead_time_days, "must be >= 0")
        _check(d.order_cycle_days >= 0, "defaults.order_cycle_days", d.order_cycle_days, "must be >= 0")
        _check(d.attribute in ("A", "B", "C"), "defaults.attribute", d.attribute, "must be A, B or C")
        _check(float(d.pack_size).is_integer() and d.pack_size >= 1, "defaults.pack_size", d.pack_size,
               "must be a whole number >= 1")
        _check(d.unit_cost is None or d.unit_cost >= 0, "defaults.unit_cost", d.unit_cost, "must be >= 0")
        object.__setattr__(d, "pack_size", int(d.pack_size))

    def _check_reading(self) -> None:
        if self.since is not None:
            ok = isinstance(self.since, str) and re.fullmatch(r"\s*\d{4}-\d{1,2}\s*", self.since) is not None
            _check(ok and 1 <= int(self.since.strip()[5:]) <= 12, "since", self.since, "must be a month YYYY-MM")
            object.__setattr__(self, "since", f"{self.since.strip()[:4]}-{int(self.since.strip()[5:]):02d}")
        if self.skip_rows is not None:
            _check(float(self.skip_rows).is_integer() and 0 <= self.skip_rows <= MAX_SKIP_ROWS, "skip_rows",
                   self.skip_rows, f"must be a whole number in [0, {MAX_SKIP_ROWS:,}]")
            object.__setattr__(self, "skip_rows", int(self.skip_rows))
        if self.date_format is not None:
            problem = date_format_problem(self.date_format)
            _check(problem is None, "date_format", self.date_format, problem or "")
        for name, least, most in (("max_id_length", 1, 100_000), ("max_history_months", 12, 2_400)):
            value = getattr(self, name)  # bounded above too: the limits are what keeps a hostile file's arrays small
            _check(float(value).is_integer() and least <= value <= most, name, value,
                   f"must be a whole number in [{least:,}, {most:,}]")
            object.__setattr__(self, name, int(value))

    def _check_sizes(self) -> None:
        """Every number at most :data:`spareopt.history.MAX_NUMBER` in size, before the rules of each (a rule
        between two keys would show the other's 1e308 as its 309 digits)."""
        for prefix, obj in (("", self), ("defaults.", self.defaults)):
            for f in fields(obj):
                value = getattr(obj, f.name)
                if isinstance(value, (int, float)) and not isinstance(value, bool) and not abs(value) <= MAX_NUMBER:
                    raise ConfigError(f"config key {prefix}{f.name} {_SIZE_RULE}, got {show(value)}")  # not 309 digits

    def _check_output(self) -> None:
        _check(isinstance(self.currency, str) and len(self.currency) <= 10 and self.currency.isprintable()
               and '"' not in self.currency, "currency", self.currency,
               'must be at most 10 printable characters without a double quote, e.g. "CNY" or "¥"')
        _check(isinstance(self.csv_bom, bool), "csv_bom", self.csv_bom, "must be true or false")
        _check(self.lang in LANGS, "lang", self.lang, f"must be one of {', '.join(LANGS)}")

    def _check_classification(self) -> None:
        for name, choices in (("abc_basis", ABC_BASES), ("abc_cutoff", ABC_CUTOFFS), ("mc_method", MC_METHODS)):
            _check(getattr(self, name) in choices, name, getattr(self, name), f"must be one of {', '.join(choices)}")
        _check(0 < self.abc_count_a <= 1, "abc_count_a", self.abc_count_a, "must be in (0, 1]")
        _check(self.abc_count_a <= self.abc_count_b <= 1, "abc_count_b", self.abc_count_b,
               f"must be in [abc_count_a={self.abc_count_a}, 1]")
        _check(0 < self.mc_a <= 1, "mc_a", self.mc_a, "must be in (0, 1]")
        _check(self.mc_a <= self.mc_b <= 1, "mc_b", self.mc_b, f"must be in [mc_a={self.mc_a}, 1]")
        _check(0 <= self.xyz_x, "xyz_x", self.xyz_x, "must be >= 0")
        _check(self.xyz_x <= self.xyz_y, "xyz_y", self.xyz_y, f"must be >= xyz_x={self.xyz_x}")
        _check(self.adi_cutoff >= 1, "adi_cutoff", self.adi_cutoff, "must be >= 1 (an ADI is never below 1)")
        _check(self.cv2_cutoff >= 0, "cv2_cutoff", self.cv2_cutoff, "must be >= 0")
        _check(0 <= self.mc_lambda <= 1, "mc_lambda", self.mc_lambda, "must be in [0, 1]")
        _check(self.mc_min_weight >= 0, "mc_min_weight", self.mc_min_weight, "must be >= 0")
        for name in ("fsn_fast_months", "fsn_slow_months", "phase_in_hits", "phase_in_months", "phase_out_months",
                     "pattern_window_months"):
            value = getattr(self, name)
            least = 0 if name in ("fsn_fast_months", "fsn_slow_months") else 1
            _check(float(value).is_integer() and value >= least, name, value, f"must be a whole number >= {least}")
            object.__setattr__(self, name, int(value))
        _check(self.fsn_fast_months <= self.fsn_slow_months, "fsn_slow_months", self.fsn_slow_months,
               f"must be >= fsn_fast_months={self.fsn_fast_months}")
        _check(self.phase_in_hits <= self.phase_in_months, "phase_in_hits", self.phase_in_hits,
               f"must be <= phase_in_months={self.phase_in_months}")
        criteria = tuple(str(c).strip() for c in self.criteria)
        for c in criteria:
            _check(bool(_CRITERION.match(c)), "criteria", c, "must be NAME, NAME:max or NAME:min")
        names = [c.partition(":")[0] for c in criteria]
        _check(len(set(names)) == len(names), "criteria", list(criteria), "must name each criterion once")
        object.__setattr__(self, "criteria", criteria)
        weights = tuple(self.weights)
        for w in weights:
            _check(isinstance(w, (int, float)) and not isinstance(w, bool) and math.isfinite(w) and w >= 0,
                   "weights", list(weights), "must be finite numbers >= 0")
        _check(all(w <= MAX_NUMBER for w in weights), "weights", list(weights), _SIZE_RULE)
        _check(not weights or sum(weights) > 0, "weights", list(weights), "must not all be 0")
        _check(not weights or not criteria or len(weights) == len(criteria), "weights", list(weights),
               f"must give one weight per criterion ({len(criteria)}: {', '.join(criteria)})")
        object.__setattr__(self, "weights", tuple(float(w) for w in weights))
        table = {str(k).strip().upper(): str(v).strip().upper() for k, v in dict(self.mc_joint_table).items()}
        _check(set(table) == set(JOINT_TABLE), "mc_joint_table", self.mc_joint_table,
               f"must give a class for each of the 9 joint codes {', '.join(JOINT_TABLE)}")
        _check(set(table.values()) <= {"A", "B", "C"}, "mc_joint_table", self.mc_joint_table,
               "must map each joint code to A, B or C")
        object.__setattr__(self, "mc_joint_table", table)
        edges = tuple(self.cycle_band_edges)
        _check(1 <= len(edges) <= 8 and all(isinstance(e, (int, float)) and not isinstance(e, bool) and
                                            math.isfinite(e) and e > 0 for e in edges)
               and list(edges) == sorted(set(edges)), "cycle_band_edges", list(edges),
               "must be 1 to 8 increasing numbers of days > 0, e.g. [7, 30]")
        object.__setattr__(self, "cycle_band_edges", tuple(float(e) for e in edges))
        object.__setattr__(self, "class_policy", check_class_policy(self.class_policy, self.cycle_band_edges))

    def _check_service(self) -> None:
        _check(self.policy in POLICIES, "policy", self.policy, f"must be one of {', '.join(POLICIES)}")
        methods = (*FORECASTERS, "auto")
        _check(self.forecast_method in methods, "forecast_method", self.forecast_method,
               f"must be one of {', '.join(methods)}")
        for name in ("alpha", "alpha_d", "alpha_p"):
            _check(0 < getattr(self, name) <= 1, name, getattr(self, name), "must be in (0, 1]")
        for name in ("service_level", "fill_rate"):
            value = getattr(self, name)
            _check(value is None or 0 < value < 1, name, value, "must be in (0, 1), e.g. 0.95")
        _check(self.fill_rate_scope in ("class", "part"), "fill_rate_scope", self.fill_rate_scope,
               "must be class or part")
        _check(self.low_volume_basis in ("network", "series"), "low_volume_basis", self.low_volume_basis,
               "must be network or series")
        _check(self.lead_time_demand in LEAD_TIME_DEMAND_MODELS, "lead_time_demand", self.lead_time_demand,
               f"must be one of {', '.join(LEAD_TIME_DEMAND_MODELS)}")
        _check(self.obsolescence in OBSOLESCENCE, "obsolescence", self.obsolescence,
               f"must be one of {', '.join(OBSOLESCENCE)}")
        _check(self.objective in OBJECTIVES, "objective", self.objective, f"must be one of {', '.join(OBJECTIVES)}")
        for name, least in (("sma_months", 1), ("dispersion_window_months", 2), ("backtest_months", 0)):
            value = getattr(self, name)
            _check(float(value).is_integer() and value >= least, name, value, f"must be a whole number >= {least}")
            object.__setattr__(self, name, int(value))
        _check(self.normal_min_mean > 0, "normal_min_mean", self.normal_min_mean, "must be > 0")
        _check(self.overdispersion_min >= 1, "overdispersion_min", self.overdispersion_min,
               "must be >= 1 (a Poisson variance equals its mean)")
        table = {str(k).strip().lower(): str(v).strip().lower() for k, v in dict(self.auto_methods).items()}
        _check(set(table) <= set(AUTO_METHODS), "auto_methods", self.auto_methods,
               f"must map demand patterns ({', '.join(AUTO_METHODS)}) to methods")
        _check(set(table.values()) <= set(FORECASTERS), "auto_methods", self.auto_methods,
               f"must map each pattern to one of {', '.join(FORECASTERS)}")
        object.__setattr__(self, "auto_methods", {**AUTO_METHODS, **table})
        self._check_last_buy()

    def _check_last_buy(self) -> None:
        _check(float(self.fit_months).is_integer() and self.fit_months >= 2, "fit_months", self.fit_months,
               "must be a whole number >= 2 (a decline needs two months)")
        object.__setattr__(self, "fit_months", int(self.fit_months))
        _check(self.holding_rate >= 0, "holding_rate", self.holding_rate, "must be >= 0 (a yearly share of unit_cost)")
        _check(self.distribution in DISTRIBUTIONS, "distribution", self.distribution,
               f"must be one of {', '.join(DISTRIBUTIONS)}")
        _check(self.transfer_days >= 0, "transfer_days", self.transfer_days, "must be >= 0 days")
        _check(self.dispersion is None or self.dispersion >= 1, "dispersion", self.dispersion,
               "must be >= 1 (Var(D) / E[D]; 1 = Poisson), or unset to estimate it")

    @property
    def service_target(self) -> tuple[str, float]:
        """The default service target as (kind, value): ``fill_rate`` when set, else ``csl`` = service_level."""
        return ("fill_rate", self.fill_rate) if self.fill_rate is not None else ("csl", self.service_level)

    @property
    def forecast_params(self) -> dict[str, Any]:
        """The forecasters' parameters: alpha, alpha_d, alpha_p, sma_months."""
        return {"alpha": self.alpha, "alpha_d": self.alpha_d, "alpha_p": self.alpha_p, "sma_months": self.sma_months}

    @property
    def high_value_percentile(self) -> float | None:
        """The percentile of ``high_value_cost = "pNN"``, or None for a fixed number."""
        if isinstance(self.high_value_cost, str):
            return float(_PERCENTILE.match(self.high_value_cost).group(1))  # type: ignore[union-attr]
        return None

    def replace(self, **changes: Any) -> Config:
        """A copy with some keys changed; ``defaults`` may be a mapping of its keys."""
        if isinstance(changes.get("defaults"), Mapping):
            changes["defaults"] = _build(PartDefaults, changes["defaults"], "defaults.", "")
        return dataclasses.replace(self, **changes)

    def to_toml(self) -> str:
        """The configuration as TOML, each key with its meaning as a comment."""
        lines = ["# spareopt effective configuration"]
        lines += _toml_lines(self, exclude={"defaults", "class_policy"})
        lines += ["", "[defaults]", "# used for parts that the parts master does not describe"]
        lines += _toml_lines(self.defaults)
        lines += ["", *[f"# {line.strip()}" for line in _attribute_docs(Config)["class_policy"].splitlines()]]
        for rule in self.class_policy:
            lines += ["[[class_policy]]", f"match = {json.dumps(rule.match)}"]
            lines += [f"decision = {json.dumps(rule.decision)}"] if rule.decision is not None else []
            lines += [f"service_level = {rule.service_level!r}"] if rule.service_level is not None else []
            lines += [f"fill_rate = {rule.fill_rate!r}"] if rule.fill_rate is not None else []
        if not self.class_policy:
            lines += ["# (none: the seed's rules decide)  e.g.", "# [[class_policy]]", '# match = "CC*"',
                      '# decision = "none"']
        return "\n".join(lines) + "\n"

    def to_dict(self) -> dict[str, Any]:
        return dataclasses.asdict(self)


def load_config(source: Config | Mapping[str, Any] | str | PathLike[str] | None = None) -> Config:
    """Return a :class:`Config` from a Config, a mapping, a TOML file path, or None (defaults).

    Raises
    ------
    ConfigError
        For a missing or malformed file, an unknown key, or a value out of range.
    """
    if source is None:
        return Config()
    if isinstance(source, Config):
        return source
    where = ""
    if not isinstance(source, (Mapping, str, PathLike)):
        raise ConfigError(f"config must be a spareopt.Config, a mapping of keys or the path of a TOML file; got "
                          f"{' '.join(repr(source).split()):.60} ({type(source).__name__})")  # on one line
    if not isinstance(source, Mapping):
        path = Path(source)
        where = f" in {path}"
        try:
            source = tomllib.loads(path.read_text(encoding="utf-8-sig"))
        except FileNotFoundError:
            raise ConfigError(f"config file {path} does not exist; check the path given to --config") from None
        except IsADirectoryError:
            raise ConfigError(f"config file {path} is a folder; give --config a TOML file, e.g. "
                              "`spareopt config > spareopt.toml`") from None
        except OSError as exc:
            raise ConfigError(f"config file {path} cannot be read: {exc.strerror or exc}") from None
        except (tomllib.TOMLDecodeError, UnicodeDecodeError) as exc:
            raise ConfigError(f"config file {path} is not valid TOML: {exc}") from None
    values = dict(source)
    defaults = values.pop("defaults", {})
    if not isinstance(defaults, Mapping):
        raise ConfigError(f"[defaults]{where} must be a table of keys, got {defaults!r}")
    return _build(Config, {**values, "defaults": _build(PartDefaults, defaults, "defaults.", where)}, "", where)


def _build(cls: type, values: Mapping[str, Any], prefix: str, where: str) -> Any:
    known = {f.name: f for f in fields(cls)}
    unknown = sorted(set(values) - set(known))
    if unknown:
        close = difflib.get_close_matches(unknown[0], list(known), n=1)
        hint = (f"did you mean {prefix}{close[0]}? (`spareopt config` prints every key)" if close else
                "known keys: " + ", ".join(prefix + k for k in known))
        raise ConfigError(f"unknown config key {prefix}{unknown[0]}{where}; {hint}")
    clean: dict[str, Any] = {}
    for key, value in values.items():
        if key == "defaults" and isinstance(value, PartDefaults):
            clean[key] = value
            continue
        clean[key] = _coerce(known[key], value, prefix + key, where)
    try:
        return cls(**clean)
    except ConfigError as exc:
        raise ConfigError(f"{exc}{where}") from None


def _coerce(f: dataclasses.Field, value: Any, name: str, where: str) -> Any:
    kind = str(f.type)
    if kind.startswith("tuple["):
        if isinstance(value, str) and kind == "tuple[str, ...]":
            value = [v for v in value.split(",") if v.strip()]
        if not isinstance(value, (list, tuple)):
            raise ConfigError(f"config key {name}{where} must be a list, e.g. {name} = [...], got {value!r}")
        return tuple(value)
    if kind.startswith("dict["):
        if not isinstance(value, Mapping):
            raise ConfigError(f"config key {name}{where} must be a table, e.g. {name} = {{AA = \"A\", ...}}, "
                              f"got {value!r}")
        return dict(value)
    if kind == "str":
        if not isinstance(value, str):
            raise ConfigError(f"config key {name}{where} must be text, got {value!r}")
        if name == "currency":  # shown as written
            return value.strip()
        return value.strip().upper() if name.endswith("attribute") else value.strip().lower()
    if kind == "bool":
        if not isinstance(value, bool):
            raise ConfigError(f"config key {name}{where} must be true or false, got {value!r}")
        return value
    if kind == "str | None":  # a month (since), a format (date_format): checked by the Config
        return value.strip() if isinstance(value, str) else value
    if kind == "int | None" and (isinstance(value, bool) or not isinstance(value, int)):
        raise ConfigError(f"config key {name}{where} must be a whole number, got {value!r}")
    if kind == "int | None":
        return value
    if kind == "float | str" and isinstance(value, str):
        return value.strip().lower()
    if isinstance(value, bool) or not isinstance(value, (int, float)) or not math.isfinite(value):
        raise ConfigError(f"config key {name}{where} must be a finite number, got {value!r}")
    return value if kind == "int" else float(value)


_NOT_NUMBERS = {"defaults", "abc_basis", "abc_cutoff", "mc_method", "criteria", "weights", "mc_joint_table",
                "cycle_band_edges", "class_policy", "policy", "forecast_method", "auto_methods", "distribution",
                "lead_time_demand", "low_volume_basis", "fill_rate_scope", "obsolescence", "objective", "since",
                "currency", "csv_bom", "date_format", "lang"}

MAX_SKIP_ROWS = 10_000
"""The most rows ``skip_rows`` passes over above a header."""


def date_format_problem(date_format: Any) -> str | None:
    """What is wrong with a ``date_format`` (None: nothing): it must be a strftime format that writes and reads
    back a date's year and month.

    >>> date_format_problem("%d/%m/%Y") is None, date_format_problem("%d/%m")
    (True, 'must be a strftime format with the year and the month, e.g. %d/%m/%Y (day first) or %m/%d/%Y (month first)')
    """
    rule = ("must be a strftime format with the year and the month, e.g. %d/%m/%Y (day first) or %m/%d/%Y "
            "(month first)")
    if not isinstance(date_format, str) or "%" not in date_format:
        return rule
    sample = dt.datetime(2031, 11, 23, 13, 45, 56)
    try:
        back = dt.datetime.strptime(sample.strftime(date_format), date_format)
    except ValueError:
        return rule
    return None if (back.year, back.month) == (2031, 11) else rule

POLICIES = ("seed", "service-level")
"""Stock-level policies of the must-stock list (config ``policy``, ``--policy``)."""


_SIZE_RULE = f"must be at most {MAX_NUMBER:,.0f} in size (a typo?)"
"""Every number of the config, as every number of the data (:data:`spareopt.history.MAX_NUMBER`): beyond it a
stock level overflows downstream."""


def _check(ok: bool, name: str, value: object, rule: str) -> None:
    if not ok:
        raise ConfigError(f"config key {name} {rule}, got {value!r}")


def _toml_lines(obj: Any, exclude: set[str] = frozenset()) -> list[str]:  # type: ignore[assignment]
    docs = _attribute_docs(type(obj))
    out = []
    for f in fields(obj):
        if f.name in exclude:
            continue
        value = getattr(obj, f.name)
        doc = docs.get(f.name, "")
        out.append("")
        out += [f"# {line.strip()}" for line in doc.splitlines() if line.strip()]
        if value is None:
            out.append(f"# {f.name} =   (unset)")
        elif isinstance(value, tuple):
            out.append(f"{f.name} = {json.dumps(list(value))}")
        elif isinstance(value, dict):
            out.append(f"{f.name} = {{" + ", ".join(f"{k} = {json.dumps(v)}" for k, v in value.items()) + "}")
        elif isinstance(value, bool):
            out.append(f"{f.name} = {'true' if value else 'false'}")
        elif isinstance(value, str):
            out.append(f'{f.name} = {json.dumps(value, ensure_ascii=False)}')
        elif isinstance(value, float) and value.is_integer():
            out.append(f"{f.name} = {value:.1f}")
        else:
            out.append(f"{f.name} = {value!r}")
    return out


def _attribute_docs(cls: type) -> dict[str, str]:
    """The docstrings written under each dataclass field (read from the source)."""
    import ast
    import inspect
    import textwrap

    tree = ast.parse(textwrap.dedent(inspect.getsource(cls)))
    body = tree.body[0].body  # type: ignore[attr-defined]
    docs = {}
    for node, nxt in itertools.pairwise(body):
        if isinstance(node, ast.AnnAssign) and isinstance(nxt, ast.Expr) and isinstance(nxt.value, ast.Constant):
            docs[node.target.id] = str(nxt.value.value)  # type: ignore[attr-defined]
    return docs


def with_options(cfg: Config, **changes: Any) -> Config:
    """The config with the keys that a caller (or a CLI option) gave; checked like a config file, named as the option."""
    changes = {k: v for k, v in changes.items() if v is not None}
    if not changes:
        return cfg
    try:
        return cfg.replace(**changes)
    except ConfigError as exc:
        raise ConfigError(str(exc).replace("config key ", "")) from None

