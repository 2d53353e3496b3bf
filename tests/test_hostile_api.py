"""Hostile input, the Python API family (issue 23): the Python API raises :class:`spareopt.InputError` or
:class:`spareopt.ConfigError` for what the CLI reports, never a bare ValueError, KeyError, IndexError or
AttributeError: an empty DataFrame, duplicate column names, an empty parts master, a wrong dtype or an absurd
value, given to every job.
"""

from __future__ import annotations

import pytest


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
        "load")


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
               _sales().assign(quantity=[1e300] * 8), _sales().assign(period=[object()] * 8)]
    for frame in hostile:
        with pytest.raises(spareopt.InputError):
            call(frame, **extra)
