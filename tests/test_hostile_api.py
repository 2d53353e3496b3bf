"""Hostile input, the Python API family (issue 23): every public function raises :class:`spareopt.InputError` or
:class:`spareopt.ConfigError` (a :class:`spareopt.UsageError` is one) for what the CLI reports, never a bare
ValueError, KeyError, IndexError, AttributeError or TypeError from pandas or numpy.

:func:`test_every_public_callable_is_fed_hostile_data_or_named` enumerates ``spareopt.__all__``: each callable
is in :data:`CASES` (or a job of :data:`JOBS`), or in :data:`NOT_DATA` with the reason it takes no data, so that
a new public function is not forgotten.  The cases: an empty frame, a frame without rows, duplicate column names,
wrong dtypes (text or objects where numbers go, a list in a cell, a list for a frame, a ragged list, None or a
dict for an array) and absurd values (1e300, NaN, inf, negative).  Where the answer is a correct result instead
(a negative month is a net return, a NaN unit cost a blank cell), the case expects it and says why.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import numpy as np
import pandas as pd
import pytest

import spareopt

OURS = (spareopt.InputError, spareopt.ConfigError)
"""What a public function may raise for bad data or settings (UsageError subclasses ConfigError)."""

def test_two_columns_of_one_name_from_python():
    import pandas as pd

    import spareopt

    frame = pd.DataFrame([["D1", "P1", "2024-01", 3]] * 8, columns=["dealer", "part", "part", "quantity"])
    with pytest.raises(spareopt.InputError, match=r"^the DataFrame has 2 columns named 'part' \(columns 2 and 3\)"):
        spareopt.must_stock(frame)


def _sales():
    import pandas as pd

    return pd.DataFrame({"dealer": ["D1"] * 8, "part": ["P1"] * 8, "period": [f"2024-0{i + 1}" for i in range(8)],
                         "quantity": [1.0] * 8})


@pytest.mark.parametrize(("call", "error", "message"), [
    (lambda s, pd, so: so.must_stock(pd.DataFrame()), "InputError", "the DataFrame is empty (no columns and no rows)"),
    (lambda s, pd, so: so.must_stock(s.iloc[:0]), "InputError",
     "the DataFrame has columns (dealer, part, period, quantity) but no rows; pass the data rows too"),
    (lambda s, pd, so: so.must_stock(s, pd.DataFrame({"part": []})), "InputError",
     "the DataFrame has columns (part) but no rows; pass the data rows too"),
    (lambda s, pd, so: so.order(s, stock=s.iloc[:0, :2]), "InputError",
     "the DataFrame has columns (dealer, part) but no rows; pass the data rows too"),
    (lambda s, pd, so: so.must_stock(None), "InputError",
     "expected a file path, '-' (standard input) or a pandas DataFrame; got None (NoneType)"),
    (lambda s, pd, so: so.must_stock([1, 2, 3]), "InputError",
     "expected a file path, '-' (standard input) or a pandas DataFrame; got [1, 2, 3] (list)"),
    (lambda s, pd, so: so.must_stock(s, config=5), "ConfigError",
     "config must be a spareopt.Config, a mapping of keys or the path of a TOML file; got 5 (int)"),
])
def test_the_api_raises_its_own_errors(call, error, message):
    import pandas as pd

    import spareopt

    with pytest.raises(getattr(spareopt, error)) as err:
        call(_sales(), pd, spareopt)
    assert str(err.value) == message


JOBS = ("must_stock", "classes", "forecasts", "evaluate", "optimize", "last_buy", "order", "dead_stock", "kpi",
        "network_report", "load")


@pytest.mark.parametrize("job", JOBS)
def test_every_public_job_raises_input_error_on_hostile_frames(job):
    """An empty frame, duplicate columns, a wrong dtype and an absurd value, given to every job of the API."""
    import numpy as np
    import pandas as pd

    import spareopt

    call = getattr(spareopt, job)
    extra = {"order": {"stock": _sales()[["dealer", "part"]].assign(on_hand=1)}, "optimize": {"budget": 100.0},
             "last_buy": {"horizon_months": 24, "service_level": 0.95}}.get(job, {})
    if job in ("dead_stock", "kpi"):
        extra = {"stock": _sales()[["dealer", "part"]].assign(on_hand=1)}
    duplicated = _sales().rename(columns={"dealer": "part"})
    hostile = [pd.DataFrame(), _sales().iloc[:0], duplicated, _sales().assign(quantity=[np.nan] * 8),
               _sales().assign(quantity=[1e300] * 8), _sales().assign(period=[object()] * 8),
               _sales().assign(quantity=[np.inf] * 8), _sales().assign(quantity=[-1e300] * 8),
               _sales().assign(quantity=["abc"] * 8), _sales().to_numpy().tolist()]
    for frame in hostile:
        with pytest.raises(spareopt.InputError):
            call(frame, **extra)


# -- every public function, fed hostile data ------------------------------------------------------------------------

NAN, INF = float("nan"), float("inf")
PARTS = pd.DataFrame({"part": ["P1", "P2"], "unit_cost": [1.0, 2.0], "lead_time_days": [5.0, 7.0]})
STOCK = pd.DataFrame({"dealer": ["D1", "D1"], "part": ["P1", "P2"], "on_hand": [1.0, 2.0]})
EVALUATED = pd.DataFrame({"policy": "seed", "stocked": True, "abc_class": ["A", "B"], "pattern": "smooth",
                          "expected_demand": [10.0, 10.0], "promised_fill_rate": [0.9, 0.5], "promised_csl": [0.8, 0.4],
                          "demand": [10.0, 6.0], "filled": [9.0, 2.0], "months_in_stock": [4, 2]})
"""A series table as spareopt.evaluate writes it (calibration_table's docstring example)."""

ERROR, RESULT = "error", "result"


def _frames(valid: pd.DataFrame, number: str) -> dict[str, Any]:
    """Hostile versions of ``valid``: its structure broken, or its ``number`` column made absurd."""
    n = len(valid)
    return {"an empty frame": pd.DataFrame(), "no rows": valid.iloc[:0],
            "duplicate columns": valid.rename(columns={valid.columns[1]: valid.columns[0]}),
            "rows as a list": valid.to_numpy().tolist(), "None": None,
            f"text in {number}": valid.assign(**{number: "abc"}),
            f"objects in {number}": valid.assign(**{number: [object()] * n}),
            f"1e300 in {number}": valid.assign(**{number: 1e300}),
            f"-1e300 in {number}": valid.assign(**{number: -1e300}),
            f"inf in {number}": valid.assign(**{number: INF}), f"NaN in {number}": valid.assign(**{number: NAN}),
            f"-1 in {number}": valid.assign(**{number: -1.0})}


SERIES = {"empty": np.array([]), "text": np.array(["a", "b"], dtype=object), "strings": np.array(["1", "2"]),
          "a ragged list": [[1.0, 2.0], [3.0]], "None": None, "a dict": {"a": 1.0},
          "a frame with duplicate columns": pd.DataFrame([[1.0, 2.0]] * 2, columns=["x", "x"]),
          "1e300": np.array([1e300, 1.0]), "NaN": np.array([NAN, 1.0]), "inf": np.array([INF, 1.0]),
          "negative": np.array([-1.0, 1.0])}
"""Hostile values for an argument of one value per series (the others get two good values)."""

MATRICES = {"no months": np.zeros((2, 0)), "text": np.full((2, 12), "a", dtype=object),
            "strings": np.full((2, 12), "1"), "a ragged list": [[1.0] * 12, [1.0] * 11], "None": None,
            "a dict": {"a": 1.0}, "a frame with duplicate columns": pd.DataFrame(np.ones((2, 12)), columns=["m"] * 12),
            "1e300": np.full((2, 12), 1e300), "NaN": np.full((2, 12), NAN), "inf": np.full((2, 12), INF),
            "negative": -np.ones((2, 12))}
"""Hostile demand matrices (2 series x 12 months)."""

LABELS = {"empty": np.array([]), "2-D": np.zeros((2, 2)), "a ragged list": [[1], [2, 3]], "a missing label":
          np.array([NAN, 1.0]), "a dict": {"a": 1}, "one text": "x"}
"""Hostile ``group`` or ``order`` of :func:`spareopt.abc` (for two items)."""

SETTINGS = {"1e308": 1e308, "NaN": NAN, "-1": -1.0, "inf": INF, "text": "x", "a list": [0.5]}
"""Hostile values of a scalar setting."""

ACCEPTED = {
    ("report_page", "a result without rows"): "the page renders what the result has, and says the lists are missing",
    ("mad", "1e300"): "a finite MAD of finite months",
    ("mad", "negative"): "a negative month is a net return, taken as given (spareopt.forecast.mad)",
    ("mad", "a frame with duplicate columns"): "a matrix's column labels are not read",
    ("half_year_quantity", "1e300"): "a finite sum of finite months",
    ("half_year_quantity", "negative"): "a negative month is a net return, taken as given",
    ("half_year_quantity", "a frame with duplicate columns"): "a matrix's column labels are not read",
    ("abc", "value: empty"): "no items, no classes",
    ("abc", "value: 1e300"): "a finite value ranks",
    ("ssq", "mad: 1e300"): "a finite SSQ: it is not rounded to whole units",
    ("ssq", "order_cycle_days: 1e300"): "a finite SSQ",
    ("ssq", "lead_time_days: 1e300"): "a finite SSQ",
    ("ssq", "ssq_divisor: 1e308"): "a finite divisor > 0 (the config bounds it at 1e15)",
    ("load_history", "-1 in quantity"): "a negative quantity is a return",
    ("load_parts", "NaN in unit_cost"): "an empty cell: the part's cost is unknown",
    ("load_parts", "NaN in lead_time_days"): "an empty cell: the default lead time",
    ("calibration_table", "no rows"): "no series: a table without rows",
    ("calibration_table", "1e300 demand"): "a finite amount: the ratios are computed",
    ("write_table", "an empty frame"): "an empty table is written as such",
}
"""(function, case) pairs whose answer is a result, and why it is the correct one."""


def _case(name: str, label: str, call: Callable[[], Any]) -> Any:
    expected = RESULT if (name, label) in ACCEPTED else ERROR
    return pytest.param(name, call, expected, id=f"{name}: {label}")


def _cases() -> list[Any]:
    cases = []
    for name, valid, number in (("load_history", _sales(), "quantity"), ("load_parts", PARTS, "unit_cost"),
                                ("load_parts", PARTS, "lead_time_days"), ("load_stock", STOCK, "on_hand"),
                                ("read_table", _sales(), "quantity")):
        for label, frame in _frames(valid, number).items():
            if name == "read_table" and " in " in label:
                continue  # read_table reads cells as they are: the loaders check them
            if name == "load_parts" and number == "lead_time_days" and label in _frames(PARTS, "x"):
                continue  # the same structural cases as unit_cost's
            cases.append(_case(name, label, lambda f=frame, n=name: getattr(spareopt, n)(f)))
        lists = valid.assign(**{number: [[1.0]] * len(valid)})
        if name != "read_table":
            cases.append(_case(name, f"lists in {number}", lambda f=lists, n=name: getattr(spareopt, n)(f)))
    good = np.array([1.0, 2.0])
    for name, arguments in (("ssq", ("mad", "order_cycle_days", "lead_time_days")),
                            ("reorder_point", ("mad", "lead_time_days", "ssq")),
                            ("max_stock", ("mad", "lead_time_days", "order_cycle_days", "ssq"))):
        for position, argument in enumerate(arguments):
            for label, value in SERIES.items():
                args = [good] * len(arguments)
                args[position] = value
                cases.append(_case(name, f"{argument}: {label}", lambda a=args, n=name: getattr(spareopt, n)(*a)))
    for label, value in SETTINGS.items():
        cases.append(_case("ssq", f"ssq_divisor: {label}",
                           lambda v=value: spareopt.ssq(good, good, good, ssq_divisor=v)))
    for name in ("mad", "half_year_quantity"):
        for label, value in MATRICES.items():
            cases.append(_case(name, label, lambda v=value, n=name: getattr(spareopt, n)(v)))
    for label, value in SERIES.items():
        cases.append(_case("abc", f"value: {label}", lambda v=value: spareopt.abc(v)))
    for argument in ("group", "order"):
        for label, value in LABELS.items():
            cases.append(_case("abc", f"{argument}: {label}",
                               lambda a=argument, v=value: spareopt.abc(good, **{a: v})))
    for setting in ("abc_a", "abc_b", "abc_cutoff"):
        for label, value in SETTINGS.items():
            cases.append(_case("abc", f"{setting}: {label}", lambda s=setting, v=value: spareopt.abc(good, **{s: v})))
    calibration = {**{label: frame for label, frame in _frames(EVALUATED, "demand").items() if " in " not in label},
                   "no column filled": EVALUATED.drop(columns="filled"), "text demand": EVALUATED.assign(demand="x"),
                   "NaN demand": EVALUATED.assign(demand=NAN), "inf filled": EVALUATED.assign(filled=INF),
                   "negative months_in_stock": EVALUATED.assign(months_in_stock=-1),
                   "lists in expected_demand": EVALUATED.assign(expected_demand=[[1.0]] * 2),
                   "1e300 demand": EVALUATED.assign(demand=1e300)}
    for label, frame in calibration.items():
        cases.append(_case("calibration_table", label,
                           lambda f=frame: spareopt.calibration_table(f, holdout_months=3)))
    for label, value in {**SETTINGS, "2.5": 2.5, "0": 0, "None": None}.items():
        cases.append(_case("calibration_table", f"holdout_months: {label}",
                           lambda v=value: spareopt.calibration_table(EVALUATED, holdout_months=v)))
    for label, value in {"a frame": _sales(), "None": None, "a list": [1, 2]}.items():
        cases.append(_case("classify_series", label, lambda v=value: spareopt.classify_series(v)))
        cases.append(_case("plan_stock", label, lambda v=value: spareopt.plan_stock(v)))
        cases.append(_case("demand_matrix", label, lambda v=value: spareopt.demand_matrix(v)))
    for label, kwargs in {"classes: text": {"classes": "x"}, "demand: 5": {"demand": 5}, "policy: x": {"policy": "x"},
                          "as_of: 1e308": {}}.items():
        if label.startswith("as_of"):
            cases.append(_case("demand_matrix", label, lambda: spareopt.demand_matrix(
                spareopt.load_history(_sales()), as_of=1e308)))
        else:
            cases.append(_case("plan_stock", label, lambda k=kwargs: spareopt.plan_stock(spareopt.load(_sales()), **k)))
    for label, frame in {"an empty frame": pd.DataFrame(), "None": None, "a list": [[1, 2]],
                         "duplicate columns": _sales().rename(columns={"dealer": "part"})}.items():
        cases.append(_case("write_table", label, lambda f=frame: spareopt.write_table(f, None)))
    cases.append(_case("write_table", "format: x", lambda: spareopt.write_table(_sales(), None, format="x")))
    cases.append(_case("write_table", "path: 5", lambda: spareopt.write_table(_sales(), 5)))
    dealers = pd.DataFrame({"dealer": ["D1", "D2"], "name": ["North", "South"]})
    for label, frame in {"an empty frame": pd.DataFrame(), "no rows": dealers.iloc[:0], "None": None,
                         "duplicate columns": dealers.rename(columns={"name": "dealer"}), "a list": [["D1", "North"]],
                         "lists in dealer": dealers.assign(dealer=[["D1"], ["D2"]]),
                         "a NUL in dealer": dealers.assign(dealer=["D\x001", "D2"]),
                         "a dealer twice": dealers.assign(dealer=["D1", "D1"])}.items():
        cases.append(_case("load_dealers", label, lambda f=frame: spareopt.load_dealers(f)))
    planned = spareopt.must_stock(_sales())
    for name in ("table_view", "dealer_packs"):
        for label, call in {"a frame for the result": lambda n=name: getattr(spareopt, n)(_sales(), "must-stock"),
                            "None for the result": lambda n=name: getattr(spareopt, n)(None, "must-stock"),
                            "an unknown job": lambda n=name: getattr(spareopt, n)(planned, "bogus"),
                            "an unknown column set": lambda n=name: getattr(spareopt, n)(planned, "must-stock",
                                                                                         column_set="x"),
                            "a frame for the dealers": lambda n=name: getattr(spareopt, n)(planned, "must-stock",
                                                                                           dealers=_sales())}.items():
            cases.append(_case(name, label, call))
    for label, call in {"a frame for the result": lambda: spareopt.report_page(_sales(), "must-stock"),
                        "None for the result": lambda: spareopt.report_page(None, "must-stock"),
                        "an unknown job": lambda: spareopt.report_page(planned, "bogus"),
                        "a frame for the dealers": lambda: spareopt.report_page(planned, "must-stock", dealers=_sales()),
                        "a frame for the evaluation": lambda: spareopt.report_page(planned, "report",
                                                                                   evaluation=_sales()),
                        "an unknown lang": lambda: spareopt.report_page(planned, "must-stock", config={"lang": "x"}),
                        "a result without rows": lambda: spareopt.report_page(planned.replace(table=_sales().iloc[:0]),
                                                                              "must-stock")}.items():
        cases.append(_case("report_page", label, call))
    for label, value in {"ssq_divisor 1e308": {"ssq_divisor": 1e308}, "abc_a NaN": {"abc_a": NAN},
                         "ssq_divisor -1": {"ssq_divisor": -1}, "abc_a text": {"abc_a": "x"},
                         "weights 5": {"weights": 5},
                         "an unknown key": {"bogus": 1}, "lead time 1e20": {"defaults": {"lead_time_days": 1e20}},
                         "a frame": _sales(), "a list": [1, 2], "defaults 5": {"defaults": 5}}.items():
        cases.append(_case("load_config", label, lambda v=value: spareopt.load_config(v)))
        if isinstance(value, dict) and "defaults" not in value and "bogus" not in value:
            cases.append(_case("Config", label, lambda v=value: spareopt.Config(**v)))
    cases.append(_case("Config", "defaults: text", lambda: spareopt.Config(defaults="x")))
    cases.append(_case("Config", "defaults: lead time 1e20",
                       lambda: spareopt.Config(defaults=spareopt.PartDefaults(lead_time_days=1e20))))
    return cases


CASES = _cases()

NOT_DATA = {
    "DealerMaster": "what load_dealers returns (give load_dealers a frame)",
    "Classes": "the classes classify_series returns, not built from data by a caller",
    "DemandMatrix": "what demand_matrix returns",
    "History": "what load_history returns (give load_history a frame)",
    "Inputs": "what load returns (give load a frame)",
    "PartsMaster": "what load_parts returns (give load_parts a frame)",
    "Stock": "what load_stock returns (give load_stock a frame)",
    "Plan": "what plan_stock returns",
    "Result": "what every job returns",
    "Page": "what report_page returns",
    "RunReport": "a job's run report, a dict the job fills",
    "PartDefaults": "the defaults of a Config, checked when a Config holds them (the Config cases)",
}
"""Public callables that take no data, and why."""


def test_every_public_callable_is_fed_hostile_data_or_named():
    """A public function added to spareopt.__all__ must get cases here, or a reason in NOT_DATA."""
    covered = {param.values[0] for param in CASES} | set(JOBS)
    for name in spareopt.__all__:
        obj = getattr(spareopt, name)
        if not callable(obj) or (isinstance(obj, type) and issubclass(obj, Exception)):
            continue  # a constant, or one of the errors themselves
        assert (name in covered) != (name in NOT_DATA), (
            f"spareopt.{name}: feed it hostile data in CASES (or JOBS), or say in NOT_DATA why it takes none")
    assert set(NOT_DATA) <= set(spareopt.__all__)


@pytest.mark.parametrize(("name", "call", "expected"), CASES)
def test_every_public_function_raises_its_own_errors_on_hostile_data(name, call, expected):
    try:
        call()
    except OURS as err:
        assert expected == ERROR, f"spareopt.{name} refused a case it should answer: {err}"
        assert "\n" not in str(err), str(err)  # the CLI prints it as one line
    else:
        assert expected == RESULT, f"spareopt.{name} answered where it should raise InputError or ConfigError"


@pytest.mark.parametrize(("job", "options"), [
    ("optimize", {"budget": NAN}), ("optimize", {"budget": -1.0}), ("optimize", {"budget": "x"}),
    ("optimize", {"budget": 100.0, "transfer_days": 1e308, "echelons": 2}), ("optimize", {"budget": 100.0,
                                                                                           "echelons": 1e308}),
    ("evaluate", {"holdout_months": 1e308}), ("evaluate", {"holdout_months": "x"}), ("evaluate", {"holdout_months": 0}),
    ("last_buy", {"horizon_months": 24, "service_level": "x"}), ("last_buy", {"horizon_months": 24,
                                                                              "service_level": 1e308}),
    ("last_buy", {"horizon_months": 24, "service_level": 0.9, "fit_months": 1e308}),
    ("classes", {"criteria": ["annual_value"], "weights": 5}), ("classes", {"weights": [NAN]}),
    ("forecasts", {"alpha": 1e308}), ("forecasts", {"sma_months": 1e308}), ("forecasts", {"alpha": "x"}),
    ("order", {"stock": STOCK, "budget": NAN}), ("must_stock", {"as_of": 1e308}), ("must_stock", {"policy": 5}),
    ("must_stock", {"config": {"ssq_divisor": 1e308}}), ("must_stock", {"columns": [1]}),
    ("must_stock", {"as_of": NAN}),
])
def test_absurd_options_of_a_job_raise_its_own_errors(job, options):
    """A scalar option of 1e308, NaN, a negative number, text or a scalar where a list goes."""
    with pytest.raises(OURS) as err:
        getattr(spareopt, job)(_sales(), PARTS, **options)
    assert "\n" not in str(err.value)


@pytest.mark.parametrize("job", JOBS)
def test_every_job_raises_input_error_on_a_hostile_parts_master_or_stock(job):
    """The parts master (and the stock, for the jobs that read one) broken as the history is above."""
    stock = {"order": True, "dead_stock": True, "kpi": True}.get(job, False)
    extra = {"optimize": {"budget": 100.0}, "last_buy": {"horizon_months": 24, "service_level": 0.95}}.get(job, {})
    for label, frame in _frames(PARTS, "unit_cost").items():
        if label in ("None", "NaN in unit_cost"):
            continue  # no parts master, and a blank cost, are not errors
        with pytest.raises(spareopt.InputError):
            getattr(spareopt, job)(_sales(), frame, **extra, **({"stock": STOCK} if stock else {}))
    if stock:
        for label, frame in _frames(STOCK, "on_hand").items():
            if label != "None":
                with pytest.raises(spareopt.InputError):
                    getattr(spareopt, job)(_sales(), stock=frame)
