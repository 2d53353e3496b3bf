"""``--engine stream|dask`` from the command line (issue 9): the same files as the local engine."""

from __future__ import annotations

import shutil
from pathlib import Path

import numpy as np
import pandas as pd
import pytest
from conftest import make_history, run_cli

from spareopt import engine as engines


@pytest.fixture(scope="module")
def source(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """The history and stock files, made once for the module (the tests get copies)."""
    folder = tmp_path_factory.mktemp("engine_cli")
    history = make_history(np.random.default_rng(4), n_dealers=6, n_parts=25, n_months=24)
    history.to_parquet(folder / "history.parquet", row_group_size=400)
    stock = history[["dealer", "part"]].drop_duplicates().iloc[::2].assign(on_hand=3)
    stock.to_csv(folder / "stock.csv", index=False)
    return folder


@pytest.fixture
def files(tmp_path: Path, monkeypatch: pytest.MonkeyPatch, source: Path) -> Path:
    monkeypatch.chdir(tmp_path)
    for name in ("history.parquet", "stock.csv"):  # a test may rewrite them: each gets its own copy
        shutil.copyfile(source / name, tmp_path / name)
    return tmp_path


@pytest.mark.parametrize("command, extra", [
    ("must-stock", []),
    ("classify", []),
    ("evaluate", ["--holdout-months", "6", "--policy", "seed,traditional,optimized"]),
    ("evaluate", ["--holdout-months", "6", "--policy", "seed,optimized", "--budget", "3000"]),
    ("order", ["--stock", "stock.csv"]),
    ("dead-stock", ["--stock", "stock.csv"]),
    ("kpi", ["--stock", "stock.csv"]),
])
def test_stream_writes_the_local_file_byte_for_byte(files: Path, command: str, extra: list[str]) -> None:
    local = run_cli(command, "history.parquet", *extra, "-o", "local.csv", "-q")
    assert local.exit_code == 0, local.output
    streamed = run_cli(command, "history.parquet", *extra, "--engine", "stream", "--partitions", "4",
                       "-o", "stream.csv")
    assert streamed.exit_code == 0, streamed.output
    assert Path("stream.csv").read_bytes() == Path("local.csv").read_bytes()
    assert "engine stream: 4 dealer sets" in streamed.output


def test_supersessions_on_the_stream_engine_write_the_local_files(files: Path) -> None:
    Path("s.csv").write_text("old_part,new_part,factor\nP001,P002,2\nP003,P030,1\n")
    outputs = {}
    for engine in ("local", "stream"):
        result = run_cli("order", "history.parquet", "--stock", "stock.csv", "--supersessions", "s.csv", "--engine",
                         engine, "-o", f"{engine}.csv", "--show-superseded", f"{engine}_old.csv")
        assert result.exit_code == 0, result.output
        assert "moved " in result.output and "history lines of 2 old parts" in result.output
        outputs[engine] = [Path(f"{engine}{name}.csv").read_bytes() for name in ("", "_old")]
    assert outputs["stream"] == outputs["local"]


def test_dead_stock_transfers_and_aging_files_are_the_local_ones(files: Path) -> None:
    stock = pd.read_csv("stock.csv")
    stock["on_hand"] = np.arange(len(stock)) % 9  # excess at some dealers, need at others
    stock.to_csv("stock.csv", index=False)
    outputs = {}
    for engine in ("local", "stream"):
        result = run_cli("dead-stock", "history.parquet", "--stock", "stock.csv", "--engine", engine, "-o",
                         f"{engine}.csv", "--transfers", f"{engine}_transfers.csv", "--aging", f"{engine}_aging.csv")
        assert result.exit_code == 0, result.output
        outputs[engine] = [Path(f"{engine}{name}.csv").read_bytes() for name in ("", "_transfers", "_aging")]
    assert outputs["stream"] == outputs["local"]
    assert len(pd.read_csv("local_transfers.csv")) > 0


def test_dask_on_a_local_cluster_writes_the_local_file(files: Path) -> None:
    pytest.importorskip("dask.distributed")
    run_cli("must-stock", "history.parquet", "-o", "local.parquet", "-q")
    result = run_cli("must-stock", "history.parquet", "--engine", "dask", "--workers", "2", "-o", "dask.parquet")
    assert result.exit_code == 0, result.output
    assert "engine dask on a LocalCluster: " in result.output
    pd.testing.assert_frame_equal(pd.read_parquet("dask.parquet"), pd.read_parquet("local.parquet"), check_exact=True)


@pytest.mark.parametrize("args, message", [
    (["--scheduler", "tcp://127.0.0.1:8786"], "Error: --scheduler needs --engine dask"),
    (["--engine", "stream", "--workers", "2"], "Error: --workers sizes the LocalCluster of --engine dask"),
    (["--partitions", "3"], "Error: --partitions needs --engine stream or dask"),
    (["--engine", "dask", "--partitions", "2", "--scheduler", "tcp://127.0.0.1:1"],
     "Error: no Dask scheduler answers at tcp://127.0.0.1:1"),
])
def test_engine_usage_errors_exit_2_and_keep_the_output(files: Path, args: list[str], message: str,
                                                        monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(engines, "SCHEDULER_TIMEOUT", "100ms")  # nothing listens there: no need to wait 20 s
    Path("s.csv").write_text("old_part,new_part\nP001,P002\n")
    Path("out.csv").write_text("previous\n")
    result = run_cli("must-stock", "history.parquet", *args, "-o", "out.csv")
    assert result.exit_code == 2
    assert message in result.output
    assert Path("out.csv").read_text() == "previous\n"


def test_a_csv_history_is_a_usage_error_with_the_fix(files: Path) -> None:
    pd.read_parquet("history.parquet").to_csv("history.csv", index=False)
    result = run_cli("classify", "history.csv", "--engine", "stream", "-o", "out.csv")
    assert result.exit_code == 2
    assert ("Error: history.csv: the stream and dask engines read Parquet (a file, or a directory of files, e.g. one "
            "per dealer); convert it once") in result.output
    assert not Path("out.csv").exists()


def test_a_bad_cell_is_a_data_error_naming_the_row(files: Path) -> None:
    frame = pd.read_parquet("history.parquet")
    frame["quantity"] = frame["quantity"].astype(str)
    frame.loc[17, "quantity"] = "many"
    frame.to_parquet("bad.parquet")
    Path("out.csv").write_text("previous\n")
    result = run_cli("must-stock", "bad.parquet", "--engine", "stream", "-o", "out.csv")
    assert result.exit_code == 1
    assert "Error: bad.parquet: `quantity` must be a finite number" in result.output
    assert "row 18 'many'" in result.output
    assert Path("out.csv").read_text() == "previous\n"
