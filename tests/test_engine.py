"""The stream and dask engines equal the local engine, row for row (issue 9)."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pandas as pd
import pytest
from conftest import make_history

import spareopt
from spareopt import engine
from spareopt.engine import run
from spareopt.engine.merge import merge_reports
from spareopt.errors import InputError
from spareopt.run_report import undeclared

JOB_OPTIONS = {
    "must-stock": {},
    "classify": {},
    "evaluate": {"holdout_months": 6, "policies": ("seed", "traditional", "service-level", "current", "optimized")},
    "order": {"stock": "stock"},
    "dead-stock": {"stock": "stock"},
    "kpi": {"stock": "stock"},
}


@pytest.fixture(scope="module")
def network(tmp_path_factory: pytest.TempPathFactory) -> dict[str, object]:
    rng = np.random.default_rng(9)
    folder = tmp_path_factory.mktemp("network")
    history = make_history(rng)
    path = folder / "history.parquet"
    history.to_parquet(path, row_group_size=700)
    parts = pd.DataFrame({"part": [f"P{p:03d}" for p in range(45)]})
    parts["unit_cost"] = np.where(rng.random(45) < 0.4, np.nan, rng.uniform(5, 500, 45).round(2))
    parts["lead_time_days"] = rng.choice([3, 10, 30, 60], 45)
    parts["attribute"] = rng.choice(list("ABC"), 45)
    parts["reorder_point"] = rng.integers(0, 4, 45)
    parts["max_stock"] = parts["reorder_point"] + rng.integers(0, 4, 45)
    parts_path = folder / "parts.csv"
    parts.to_csv(parts_path, index=False)
    stock = history[["dealer", "part"]].drop_duplicates().sample(frac=0.6, random_state=1)
    stock["on_hand"] = rng.integers(0, 9, len(stock))
    stock = pd.concat([stock, pd.DataFrame({"dealer": ["D03", "D07"], "part": ["P099", "P001"],
                                            "on_hand": [4, 2]})])  # a part no dealer sold; maybe a new pair
    stock_path = folder / "stock.csv"
    stock.to_csv(stock_path, index=False)
    hive = folder / "by_dealer"
    for dealer, rows in history.groupby("dealer", sort=True):  # one folder per dealer, as a DMS may store it
        (hive / f"dealer={dealer}").mkdir(parents=True)
        rows.drop(columns="dealer").to_parquet(hive / f"dealer={dealer}" / "part-0.parquet")
    return {"history": path, "parts": parts_path, "stock": stock_path, "hive": hive, "frame": history}


@pytest.fixture(scope="module")
def local_plan(network: dict[str, object]) -> spareopt.Result:
    """spareopt.must_stock on the network's history and master, once: the table several tests compare with."""
    return spareopt.must_stock(network["history"], network["parts"])


def options(job: str, net: dict[str, object]) -> dict[str, object]:
    return {k: (net[v] if k == "stock" else v) for k, v in JOB_OPTIONS[job].items()}


def assert_same(local: spareopt.Result, other: spareopt.Result) -> None:
    """The same table and side tables bit for bit, and the same run report (but the engine's own section)."""
    pd.testing.assert_frame_equal(local.table, other.table, check_exact=True)
    assert [name for name, _ in local.side_tables()] == [name for name, _ in other.side_tables()]
    for name, table in local.side_tables():
        pd.testing.assert_frame_equal(table.reset_index(drop=True), getattr(other, name).reset_index(drop=True),
                                      check_exact=True, obj=name)
    assert undeclared(local.report) == [] and undeclared(other.report) == []  # every field typed, with its merge
    mine = {k: v for k, v in local.report.items() if k != "engine"}
    theirs = {k: v for k, v in other.report.items() if k != "engine"}
    assert plain(theirs) == approx(plain(mine))


def plain(value: object) -> object:
    """A report with its tables (the supersession mapping, the superseded stock rows) as dicts of lists."""
    if isinstance(value, dict):
        return {k: plain(v) for k, v in value.items()}
    if isinstance(value, pd.DataFrame):
        return value.reset_index(drop=True).astype(object).to_dict("list")
    return value


def approx(value: object) -> object:
    """A report with its floats compared to the last digits (sums over partitions) and the rest exactly."""
    if isinstance(value, dict):
        return {k: approx(v) for k, v in value.items()}
    if isinstance(value, (list, tuple)):
        return [approx(v) for v in value]
    if isinstance(value, float):
        return pytest.approx(value, rel=1e-12, nan_ok=True)
    return value


@pytest.mark.parametrize("job", engine.ENGINE_JOBS)
@pytest.mark.parametrize("as_of", [None, "2022-09"])
def test_stream_equals_local_row_for_row(network: dict[str, object], job: str, as_of: str | None) -> None:
    opts = options(job, network)
    local = run(job, network["history"], network["parts"], None, as_of, engine="local", **opts)
    streamed = run(job, network["history"], network["parts"], None, as_of, engine="stream", partitions=4, **opts)
    assert streamed.report["engine"]["partitions"] == 4
    assert_same(local, streamed)


def same_with_column(network: dict[str, object], folder: Path, job: str, column: str, values: list[object],
                     config: dict[str, str] | None, as_of: str | None) -> spareopt.Result:
    """The network's parts master with one more column: the stream engine's table equals the local one's."""
    parts = pd.read_csv(network["parts"])
    parts[column] = values
    path = folder / f"parts_{column}.csv"
    parts.to_csv(path, index=False)
    opts = options(job, network)
    local = run(job, network["history"], path, config, as_of, engine="local", **opts)
    streamed = run(job, network["history"], path, config, as_of, engine="stream", partitions=4, **opts)
    assert_same(local, streamed)
    return local


@pytest.mark.parametrize("job", engine.ENGINE_JOBS)
@pytest.mark.parametrize("as_of", [None, "2022-09"])
def test_min_stock_on_the_engines_equals_local(network: dict[str, object], tmp_path: pytest.TempPathFactory,
                                               job: str, as_of: str | None) -> None:
    """A planner's floor on sold parts and on P040..P044, which no dealer sold: the same rows on every engine."""
    floor = [2 if p % 7 == 0 or p >= 40 else None for p in range(45)]
    local = same_with_column(network, tmp_path, job, "min_stock", floor, None, as_of)
    if job == "must-stock":
        assert set(local.table.loc[local.table["part"] >= "P040", "reason"]) == {"min_stock"}
        assert local.report["new_parts"] == 5


@pytest.mark.parametrize(("job", "config"), [(job, None) for job in engine.ENGINE_JOBS]
                         + [(job, {"lead_time_demand": "poisson_gamma"}) for job in ("must-stock", "evaluate")])
def test_installed_base_on_the_engines_equals_local(network: dict[str, object], tmp_path: pytest.TempPathFactory,
                                                    job: str, config: dict[str, str] | None) -> None:
    """A failure rate fitted on the network's sums, the dealers' shares, and P040..P044 (never sold) with a base."""
    frame = network["frame"]
    units = frame[frame["quantity"] > 0].groupby("part")["quantity"].sum()  # a base that predicts the demand
    base = [None if p % 5 == 0 else round(20 * units.get(f"P{p:03d}", 25.0)) for p in range(45)]
    local = same_with_column(network, tmp_path, job, "installed_base", base, config, None)
    if job == "must-stock" and config:
        report = local.report["installed_base"]
        assert report["series_with_prior"] > 100 and report["new_part_rows"] == 4 * 12  # P041..P044 x 12 dealers


SUPERSESSIONS = pd.DataFrame({
    "old_part": ["P001", "P002", "P005", "P005", "P010", "P030"],
    "new_part": ["P002", "P041", "P006", "P007", "P011", "P031"],  # P041 never sold: a new leading part
    "factor": [2.0, 0.5, 1.0, 1.0, 1.0, 3.0],
    "split": ["", "", "yes", "yes", "", ""],
    "effective": ["", "", "", "", "2023-01", ""],  # P010 -> P011 in force from 2023-01 only
})


@pytest.mark.parametrize("job", engine.ENGINE_JOBS)
@pytest.mark.parametrize("as_of", [None, "2022-09"])
def test_supersessions_on_the_engines_equal_local(network: dict[str, object], tmp_path: pytest.TempPathFactory,
                                                 job: str, as_of: str | None) -> None:
    """The file's chains, a split, a row not yet in force and the master's replaced_by, resolved once for the
    network at as_of: the lines, the master and the stock of old part numbers move as in the local engine."""
    sup = tmp_path / "supersessions.csv"
    SUPERSESSIONS.to_csv(sup, index=False)
    parts = pd.read_csv(network["parts"])
    parts["replaced_by"] = np.where(parts["part"] == "P020", "P021", "")
    parts_path = tmp_path / "parts.csv"
    parts.to_csv(parts_path, index=False)
    opts = options(job, network)
    local = run(job, network["history"], parts_path, None, as_of, engine="local", supersessions=sup, **opts)
    streamed = run(job, network["history"], parts_path, None, as_of, engine="stream", partitions=4,
                   supersessions=sup, **opts)
    assert_same(local, streamed)
    moved = local.report["supersession"]["history"]
    assert moved["lines_moved"] > 100 and moved["leading_parts_new"] == 1
    if "part" in local.table and job != "evaluate":
        assert not local.table["part"].isin(["P001", "P002", "P005", "P020", "P030"]).any()


def test_stream_prices_from_the_history_equal_bit_for_bit(network: dict[str, object]) -> None:
    """Unit costs from the history's prices: float sums over dealers in the local engine's order."""
    local = spareopt.must_stock(network["history"])
    streamed = run("must-stock", network["history"], engine="stream", partitions=5)
    assert local.report["unit_cost_from_history"] > 30
    assert_same(local, streamed)


def test_stream_reads_pieces_and_one_folder_per_dealer(network: dict[str, object], local_plan: spareopt.Result,
                                                        monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(engine.scan, "PIECE_ROWS", 1000)  # several scan pieces per file
    local = local_plan
    pieces = run("must-stock", network["history"], network["parts"], engine="stream", partitions=3)
    assert pieces.report["engine"]["scan_pieces"] > 3
    assert_same(local, pieces)
    hive = run("must-stock", network["hive"], network["parts"], engine="stream", partitions=3)
    # the folder's rows are in another order: the rows and classes are the same, float sums to the last bit
    pd.testing.assert_frame_equal(local.table, hive.table, check_exact=False, rtol=1e-12)
    assert hive.report["engine"]["files"] == 12


def test_default_partitions_follow_the_lines(network: dict[str, object], monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(engine, "PARTITION_LINES", 2000)
    table = run("classify", network["history"], network["parts"], engine="stream")
    n = table.report["engine"]["partitions"]
    assert n == -(-sum(table.report["engine"]["lines_per_partition"]) // 2000)
    assert_same(spareopt.classes(network["history"], network["parts"]), table)


def test_stream_errors_name_the_file_and_the_row(tmp_path: pytest.TempPathFactory,
                                                  network: dict[str, object]) -> None:
    frame = network["frame"].copy()
    frame["quantity"] = frame["quantity"].astype(object)
    frame.loc[1234, "quantity"] = "seven"
    frame["quantity"] = frame["quantity"].astype(str)
    path = tmp_path / "bad.parquet"
    frame.to_parquet(path, row_group_size=500)
    with pytest.raises(InputError) as local:
        spareopt.must_stock(path)
    with pytest.raises(InputError) as streamed:
        run("must-stock", path, engine="stream")
    assert str(streamed.value) == str(local.value)
    assert "row 1235" in str(streamed.value)


def test_stream_as_of_before_the_history_is_the_local_error(network: dict[str, object]) -> None:
    with pytest.raises(InputError) as local:
        spareopt.must_stock(network["history"], as_of="2019-01")
    with pytest.raises(InputError) as streamed:
        run("must-stock", network["history"], as_of="2019-01", engine="stream")
    assert str(streamed.value) == str(local.value)


def test_stream_evaluate_spends_the_given_budget_as_local(network: dict[str, object]) -> None:
    """evaluate's budget: one marginal analysis over every dealer set spends B, as the local engine does."""
    opts = {"holdout_months": 6, "policies": ("seed", "optimized"), "budget": 5000.0}
    local = run("evaluate", network["history"], network["parts"], engine="local", **opts)
    streamed = run("evaluate", network["history"], network["parts"], engine="stream", partitions=4, **opts)
    assert_same(local, streamed)
    notes = streamed.report["evaluation"]["optimized"]
    assert (notes["budget"], notes["budget_from"]) == (5000.0, "budget")
    assert streamed.totals.set_index("policy").loc["optimized", "initial_investment"] == pytest.approx(
        notes["spent"])
    assert 4500 < notes["spent"] <= 5000
    for budget, policies in ((-1.0, ("optimized",)), (10.0, ("seed",))):
        with pytest.raises(spareopt.ConfigError, match="budget"):
            run("evaluate", network["history"], network["parts"], engine="stream", holdout_months=6,
                policies=policies, budget=budget)


@pytest.mark.parametrize("history, message", [
    ("history.csv", "the stream and dask engines read Parquet"),
    ("missing.parquet", "does not exist"),
])
def test_stream_needs_parquet(tmp_path: pytest.TempPathFactory, history: str, message: str) -> None:
    (tmp_path / "history.csv").write_text("dealer,part,period,quantity\nD1,P1,2024-01,1\n")
    with pytest.raises(spareopt.SpareoptError, match=message):
        run("must-stock", tmp_path / history, engine="stream")


def test_stream_needs_a_dealer_column(tmp_path: pytest.TempPathFactory) -> None:
    pd.DataFrame({"part": ["P1"] * 6, "period": [f"2024-0{m}" for m in range(1, 7)], "quantity": 1}).to_parquet(
        tmp_path / "h.parquet")
    with pytest.raises(engine.UsageError, match="no dealer column"):
        run("must-stock", tmp_path / "h.parquet", engine="stream")


def test_jobs_that_need_the_whole_network_are_refused(network: dict[str, object]) -> None:
    with pytest.raises(engine.UsageError, match="optimize.*--engine local"):
        run("optimize", network["history"], engine="stream")
    with pytest.raises(engine.UsageError, match="last-buy.*--engine local"):
        run("last-buy", network["history"], engine="dask")


def test_every_command_goes_through_one_dispatch(sales: pd.DataFrame, parts_master: pd.DataFrame) -> None:
    """``run(job, ..., engine="local")`` is the job's library function, for every job of the CLI."""
    stock = sales[["dealer", "part"]].drop_duplicates().assign(on_hand=3)
    options = {"evaluate": {"holdout_months": 2}, "optimize": {"budget": 300.0}, "report": {"holdout_months": 2}, "last-buy": {"horizon_months": 12, "service_level": 0.95, "all_parts": True},
               "order": {"stock": stock}, "dead-stock": {"stock": stock}, "kpi": {"stock": stock}}
    assert set(engine.JOBS) >= set(engine.ENGINE_JOBS) and len(engine.JOBS) == 10
    for job in engine.JOBS:
        function = engine.job_function(job)
        assert function is getattr(spareopt, {"classify": "classes", "forecast": "forecasts", "report": "network_report"}.get(
            job, job.replace("-", "_")))
        kwargs = options.get(job, {})
        dispatched, called = run(job, sales, parts_master, engine="local", **kwargs), function(sales, parts_master,
                                                                                                **kwargs)
        pd.testing.assert_frame_equal(dispatched.table, called.table, check_exact=True)
        assert [n for n, _ in dispatched.side_tables()] == [n for n, _ in called.side_tables()]
        for (name, mine), (_, theirs) in zip(dispatched.side_tables(), called.side_tables(), strict=True):
            pd.testing.assert_frame_equal(mine, theirs, check_exact=True, obj=name)
        assert repr(dispatched.report) == repr(called.report)  # NaN included
    with pytest.raises(engine.UsageError, match="job must be one of must-stock, classify, forecast"):
        run("must_stock", sales, engine="local")
    with pytest.raises(engine.UsageError, match="'forecast' needs the whole network"):
        run("forecast", sales, engine="stream")


def test_dead_stock_transfers_cross_the_dealer_sets(network: dict[str, object], local_plan: spareopt.Result,
                                                    tmp_path: pytest.TempPathFactory) -> None:
    """Senders and receivers of a part in different dealer sets, ties in excess broken as the local engine
    breaks them (its row order), and the 24-month rule on the network's last demand."""
    frame, stock = network["frame"], pd.read_csv(network["stock"])
    plan = local_plan.table
    stocked = plan[plan["decision"] == "dealer"].groupby("part")["dealer"].nunique()
    part = stocked.idxmax()  # dealers stock it, and those without a stock row of it need their max_stock
    need = int(plan.loc[(plan["part"] == part) & (plan["decision"] == "dealer"), "max_stock"].sum())
    strangers = sorted(set(frame["dealer"]) - set(frame.loc[frame["part"] == part, "dealer"]))
    assert len(strangers) >= 2 and need > 0
    extra = pd.DataFrame({"dealer": strangers, "part": part, "on_hand": need})  # equal excess, never sold there
    stock = pd.concat([stock[stock["part"] != part], extra])
    path = tmp_path / "stock.csv"
    stock.to_csv(path, index=False)
    local = spareopt.dead_stock(network["history"], network["parts"], stock=path)
    streamed = run("dead-stock", network["history"], network["parts"], stock=path, engine="stream", partitions=6)
    assert_same(local, streamed)
    moves = local.transfers
    sets = {d: i // 2 for i, d in enumerate(sorted(frame["dealer"].unique()))}
    assert (moves["from_dealer"].map(sets) != moves["to_dealer"].map(sets)).sum() >= 5
    ties = local.table[(local.table["part"] == part) & (local.table["dealer"].isin(strangers))].sort_values("dealer")
    assert ties["transfer_qty"].tolist() == [need] + [0] * (len(strangers) - 1)  # the tie goes to the first row
    assert (local.table["action"] == "scrap_review").any() and (local.table["action"] == "return").any()


def test_stock_dealers_unknown_to_the_network_are_the_local_error(tmp_path: pytest.TempPathFactory,
                                                                  network: dict[str, object]) -> None:
    stock = tmp_path / "stock.csv"
    stock.write_text("dealer,part,on_hand\nD01,P001,3\nD99,P001,1\n")
    with pytest.raises(InputError) as local:
        spareopt.order(network["history"], stock=stock)
    with pytest.raises(InputError) as streamed:
        run("order", network["history"], stock=stock, engine="stream")
    assert str(streamed.value) == str(local.value)


def test_merge_reports_sums_counts_and_keeps_settings() -> None:
    merged = merge_reports([{"order": {"lines": 2, "budget": 100.0}, "as_of": "2024-06", "dealers": 3},
                            {"order": {"lines": 5, "budget": 100.0}, "as_of": "2024-06", "dealers": 4}])
    assert merged == {"order": {"lines": 7, "budget": 100.0}, "as_of": "2024-06", "dealers": 7}


@pytest.fixture(scope="module")
def cluster() -> object:
    """A real LocalCluster of 2 worker processes, started and stopped inside the tests."""
    distributed = pytest.importorskip("dask.distributed")
    with distributed.LocalCluster(n_workers=2, threads_per_worker=1, processes=True,
                                  dashboard_address=":0") as local:
        yield local
    assert local.status.name == "closed"


@pytest.mark.parametrize("job", engine.ENGINE_JOBS)
def test_dask_equals_local_row_for_row(network: dict[str, object], cluster: object, job: str) -> None:
    opts = options(job, network)
    local = run(job, network["history"], network["parts"], None, "2022-12", engine="local", **opts)
    on_dask = run(job, network["history"], network["parts"], None, "2022-12", engine="dask",
                  scheduler=cluster.scheduler_address, partitions=3, **opts)
    assert on_dask.report["engine"]["scheduler"] == cluster.scheduler_address
    assert_same(local, on_dask)


@pytest.mark.parametrize("job", ["must-stock", "evaluate"])
def test_dask_with_a_floor_and_an_installed_base_equals_local(network: dict[str, object], cluster: object,
                                                              tmp_path: pytest.TempPathFactory, job: str) -> None:
    frame = network["frame"]
    units = frame[frame["quantity"] > 0].groupby("part")["quantity"].sum()
    parts = pd.read_csv(network["parts"])
    parts["min_stock"] = [1 if p % 6 == 0 or p >= 43 else None for p in range(len(parts))]
    parts["installed_base"] = [None if p % 5 == 0 else round(20 * units.get(f"P{p:03d}", 25.0))
                               for p in range(len(parts))]
    path = tmp_path / "parts_floor_base.csv"
    parts.to_csv(path, index=False)
    opts = options(job, network)
    local = run(job, network["history"], path, {"lead_time_demand": "poisson_gamma"}, None, engine="local", **opts)
    on_dask = run(job, network["history"], path, {"lead_time_demand": "poisson_gamma"}, None, engine="dask",
                  scheduler=cluster.scheduler_address, partitions=3, **opts)
    assert_same(local, on_dask)


def test_dask_with_supersessions_equals_local(network: dict[str, object], cluster: object,
                                             tmp_path: pytest.TempPathFactory) -> None:
    sup = tmp_path / "supersessions.csv"
    SUPERSESSIONS.to_csv(sup, index=False)
    local = spareopt.dead_stock(network["history"], network["parts"], stock=network["stock"], supersessions=sup)
    on_dask = run("dead-stock", network["history"], network["parts"], stock=network["stock"], supersessions=sup,
                  engine="dask", scheduler=cluster.scheduler_address, partitions=3)
    assert_same(local, on_dask)
    assert len(local.report["stock"]["superseded_stock"]) > 0


def test_dask_starts_and_stops_its_own_local_cluster(network: dict[str, object], local_plan: spareopt.Result) -> None:
    pytest.importorskip("dask.distributed")
    from distributed import Client

    table = run("must-stock", network["history"], network["parts"], engine="dask", workers=2, partitions=2)
    assert_same(local_plan, table)
    assert not Client._instances or all(c.status == "closed" for c in list(Client._instances))


def test_dask_without_a_scheduler_answering_is_a_usage_error(network: dict[str, object],
                                                              monkeypatch: pytest.MonkeyPatch) -> None:
    pytest.importorskip("dask.distributed")
    monkeypatch.setattr(engine, "SCHEDULER_TIMEOUT", "100ms")  # nothing listens there: no need to wait 20 s
    with pytest.raises(engine.UsageError, match="no Dask scheduler answers at tcp://127.0.0.1:1"):
        run("must-stock", network["history"], engine="dask", scheduler="tcp://127.0.0.1:1")


@pytest.mark.parametrize("options, message", [
    ({"engine": "stream", "scheduler": "tcp://127.0.0.1:8786"}, "--scheduler needs --engine dask"),
    ({"engine": "dask", "scheduler": "tcp://127.0.0.1:8786", "workers": 2}, "--workers sizes the LocalCluster"),
    ({"engine": "local", "partitions": 3}, "--partitions needs --engine stream or dask"),
])
def test_engine_option_rules_hold_from_python(network: dict[str, object], options: dict[str, object],
                                              message: str) -> None:
    """The option rules are the library's: a Python caller gets the CLI's usage errors, before any reading."""
    with pytest.raises(engine.UsageError, match=message):
        run("must-stock", network["history"], **options)
