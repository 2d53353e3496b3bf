"""Hostile input, the outputs family (issue 23): a run never destroys a file it reads, and a failed run leaves
every previous output as it was.

Every output is checked before the run reads anything (not an input, not another output's path, an existing
folder, a known format, a regular file or nothing), written to a temporary file, and all of them renamed over
their targets together at the end.  Each case asserts the exact ``Error:`` line, the exit code, that every file
in the folder is byte for byte what it was, and that no temporary file is left.
"""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pandas as pd
import pytest
from conftest import run_cli

import spareopt.io

PREVIOUS = b"previous output\n"


@pytest.fixture
def desk(cli_files: Path, sales: pd.DataFrame) -> Path:
    """sales.csv, parts.csv and stock.csv in the working folder, with earlier outputs out.csv and totals.csv."""
    stock = sales[["dealer", "part"]].drop_duplicates().assign(on_hand=3)
    stock.to_csv("stock.csv", index=False)
    for name in ("out.csv", "totals.csv"):
        Path(name).write_bytes(PREVIOUS)
    return cli_files


def _snapshot(folder: Path) -> dict[str, bytes]:
    return {p.name: p.read_bytes() for p in sorted(folder.iterdir()) if p.is_file() and not p.is_symlink()}


def _refused(folder: Path, args: tuple[str, ...], code: int, message: str) -> None:
    before = _snapshot(folder)
    result = run_cli(*args)
    assert (result.exit_code, result.stderr) == (code, f"Error: {message}\n"), result.output
    assert _snapshot(folder) == before  # nothing written, nothing replaced, no temporary file left


STOCK = ("--parts", "parts.csv", "--stock", "stock.csv")


@pytest.mark.parametrize(("args", "message"), [
    (("must-stock", "sales.csv", "-o", "sales.csv"), ("cannot write -o sales.csv: it is an input of this run; name "
                                                      "another file, e.g. sales_out.csv")),
    (("must-stock", "sales.csv", "--parts", "parts.csv", "-o", "parts.csv"),
     "cannot write -o parts.csv: it is an input of this run; name another file, e.g. parts_out.csv"),
    (("order", "sales.csv", *STOCK, "--totals", "stock.csv"),
     "cannot write --totals stock.csv: it is an input of this run; name another file, e.g. stock_out.csv"),
    (("kpi", "sales.csv", *STOCK, "--by-part", "./parts.csv"),
     "cannot write --by-part parts.csv: it is an input of this run; name another file, e.g. parts_out.csv"),
    (("evaluate", "sales.csv", "--holdout-months", "2", "-o", "out.csv", "--totals", "out.csv"),
     "cannot write --totals out.csv: -o writes out.csv already; give each output its own file"),
])
def test_an_output_that_is_an_input_or_another_output_is_refused(desk, args, message):
    _refused(desk, args, 2, message)


def test_a_link_to_an_input_is_the_input(desk):
    os.symlink("sales.csv", "link.csv")
    os.link("parts.csv", "hard.csv")
    _refused(desk, ("must-stock", "sales.csv", "-o", "link.csv"), 2,
             "cannot write -o link.csv: it is an input of this run; name another file, e.g. link_out.csv")
    _refused(desk, ("must-stock", "sales.csv", "--parts", "parts.csv", "-o", "hard.csv"), 2,
             "cannot write -o hard.csv: it is an input of this run; name another file, e.g. hard_out.csv")


@pytest.mark.parametrize(("args", "message"), [
    (("evaluate", "sales.csv", "--holdout-months", "2", "-o", "out.csv", "--totals", "nodir/t.csv"),
     ("cannot write --totals nodir/t.csv: folder nodir does not exist; create it first, or name a file in an "
     "existing folder")),
    (("optimize", "sales.csv", "--parts", "parts.csv", "--budget", "100", "-o", "out.csv", "--curve", "nodir/c.csv"),
     ("cannot write --curve nodir/c.csv: folder nodir does not exist; create it first, or name a file in an existing "
     "folder")),
    (("dead-stock", "sales.csv", *STOCK, "-o", "out.csv", "--transfers", "x.bad"),
     "cannot tell the output format of --transfers x.bad: use a .csv, .xlsx, .parquet or .json suffix"),
    (("kpi", "sales.csv", *STOCK, "-o", "out.csv", "--by-part", "nodir/b.csv"),
     ("cannot write --by-part nodir/b.csv: folder nodir does not exist; create it first, or name a file in an "
     "existing folder")),
    (("order", "sales.csv", *STOCK, "-o", "out.csv", "--totals", "t.docx"),
     "cannot tell the output format of --totals t.docx: use a .csv, .xlsx, .parquet or .json suffix"),
    (("must-stock", "sales.csv", "-o", "out.csv", "--show-superseded", "nodir/m.csv"),
     ("cannot write --show-superseded nodir/m.csv: folder nodir does not exist; create it first, or name a file in "
     "an existing folder")),
    (("kpi", "sales.csv", *STOCK, "-o", "out.csv", "--plot", "kpi.docx"),
     "cannot write a plot to kpi.docx: name a .png, .svg or .pdf file, e.g. fill_rate.png"),
])
def test_a_bad_second_output_fails_before_the_first_is_written(desk, args, message):
    _refused(desk, args, 1, message)


def test_a_pipe_or_device_is_refused_before_the_run(desk):
    os.mkfifo("pipe.csv")
    result = run_cli("must-stock", "sales.csv", "-o", "pipe.csv")
    assert (result.exit_code, result.stderr) == (1, (
        "Error: cannot write -o pipe.csv: it is not a regular file (a device, pipe or socket), which a finished output "
        "cannot replace; leave out -o to write CSV to standard output, or name a file\n"))
    assert Path("pipe.csv").is_fifo()


@pytest.mark.parametrize(("failure", "code", "message"), [
    (OSError("disk full"), 1, "Error: cannot write --totals totals.parquet: disk full\n"),
    (KeyboardInterrupt(), 130, "Aborted: interrupted; no output file was written (previous files are unchanged).\n"),
])
def test_a_failure_while_writing_keeps_every_previous_output(desk, monkeypatch, failure, code, message):
    """-o out.csv is written first, then --totals totals.parquet fails (a full disk, Ctrl-C): out.csv keeps its
    previous bytes, because the outputs are renamed together only once all are written."""
    Path("totals.parquet").write_bytes(PREVIOUS)

    def broken(*_: object) -> None:
        raise failure

    monkeypatch.setitem(spareopt.io._WRITERS, "parquet", broken)
    before = _snapshot(desk)
    from click.testing import CliRunner
    from spareopt_cli.main import main

    result = CliRunner().invoke(main, ["order", "sales.csv", *STOCK, "-o", "out.csv", "--totals", "totals.parquet"])
    assert (result.exit_code, result.stderr) == (code, message)
    assert _snapshot(desk) == before


def test_ctrl_c_after_the_files_were_written_names_them(desk, monkeypatch):
    """Interrupted while the table goes to standard output, after the side files were committed: the line says
    which files the run replaced."""
    def interrupted(*_: object, **__: object) -> None:
        raise KeyboardInterrupt

    monkeypatch.setattr("spareopt_cli.output.write_table", interrupted)
    result = run_cli("order", "sales.csv", *STOCK, "--totals", "totals.csv", "-q")
    assert (result.exit_code, result.stderr) == (130, ("Aborted: interrupted after writing --totals totals.csv "
                                                       "(other files are unchanged).\n"))
    assert Path("totals.csv").read_bytes() != PREVIOUS and Path("out.csv").read_bytes() == PREVIOUS


FAILING_WHILE_ZIPPING = """
import sys, zipfile

zipped = []

def failing(original):
    def part(self, *args, **kwargs):  # Ctrl-C or a full disk while the workbook is zipped: its ZipFile is open
        zipped.append(1)
        if len(zipped) > 3:
            raise {failure}
        return original(self, *args, **kwargs)
    return part

zipfile.ZipFile.write = failing(zipfile.ZipFile.write)
zipfile.ZipFile.writestr = failing(zipfile.ZipFile.writestr)
from spareopt_cli.main import main
main(sys.argv[1:], prog_name="spareopt")
"""


@pytest.mark.parametrize(("failure", "code", "message"), [
    ("KeyboardInterrupt", 130, "Aborted: interrupted; no output file was written (previous files are unchanged)."),
    ("OSError(28, 'No space left on device')", 1, "Error: cannot write -o out.xlsx: No space left on device"),
])
def test_a_failure_while_an_xlsx_is_zipped_is_one_line_and_keeps_every_previous_output(desk, failure, code, message):
    """Issue 23: the ZipFile that the XLSX writer left open on the closed temporary file printed ``Exception ignored
    in ZipFile.__del__`` and a traceback when it was collected.  A real process, so that whatever is printed at
    collection or at exit is seen; the writer's own temporary files (in TMPDIR) are gone too."""
    Path("out.xlsx").write_bytes(PREVIOUS)
    scratch = desk / "scratch"
    scratch.mkdir()
    before = _snapshot(desk)
    driver = FAILING_WHILE_ZIPPING.format(failure=failure)
    proc = subprocess.run([sys.executable, "-c", driver, "must-stock", "sales.csv", "-o", "out.xlsx"],
                          capture_output=True, text=True, timeout=60, check=False, env={**os.environ,
                                                                                       "TMPDIR": str(scratch)})
    assert (proc.returncode, proc.stderr, proc.stdout) == (code, message + "\n", "")
    assert _snapshot(desk) == before  # out.xlsx as it was, no temporary file beside it
    assert list(scratch.iterdir()) == []


def test_ctrl_c_while_the_rows_are_rendered_stops_without_zipping_them(tmp_path, monkeypatch):
    """Ctrl-C while a sheet's rows are rendered stops there: no part of the workbook is zipped (pandas' ExcelWriter
    went on to zip the whole workbook first), and neither the output nor the writer's scratch folder is left."""
    import zipfile

    import spareopt.workbook

    zipped: list[object] = []

    def interrupted(*_: object) -> None:
        raise KeyboardInterrupt

    monkeypatch.setenv("TMPDIR", str(tmp_path / "scratch"))
    (tmp_path / "scratch").mkdir()
    monkeypatch.setattr("tempfile.tempdir", None)
    monkeypatch.setattr(spareopt.workbook._Rows, "_render", interrupted)
    monkeypatch.setattr(zipfile.ZipFile, "write", lambda *args, **kwargs: zipped.append(args))
    monkeypatch.setattr(zipfile.ZipFile, "writestr", lambda *args, **kwargs: zipped.append(args))
    with pytest.raises(KeyboardInterrupt):
        spareopt.io.write_table(pd.DataFrame({"part": ["A"]}), tmp_path / "out.xlsx", summary={"rows": 1})
    assert zipped == [] and [p.name for p in tmp_path.iterdir()] == ["scratch"]
    assert list((tmp_path / "scratch").iterdir()) == []


def test_every_output_of_a_run_is_written_and_a_link_is_kept(desk):
    Path("real.csv").write_bytes(PREVIOUS)
    os.symlink("real.csv", "link.csv")
    result = run_cli("evaluate", "sales.csv", "--holdout-months", "2", "-o", "link.csv", "--totals", "totals.csv",
                     "--calibration", "cal.json", "-q")
    assert result.exit_code == 0, result.output
    assert Path("link.csv").is_symlink() and Path("real.csv").read_bytes().startswith(b"policy,")
    assert pd.read_csv("totals.csv")["policy"].tolist() == ["seed"]
    assert pd.read_json("cal.json")["policy"].iloc[0] == "seed"
    assert not [p for p in desk.iterdir() if p.name.endswith(".tmp")]


def test_outputs_from_python_refuse_an_input_and_commit_together(tmp_path):
    out = spareopt.io.Outputs(inputs=[tmp_path / "sales.csv", None, "-"])
    out.add("-o", tmp_path / "a.csv")
    out.add("--totals", tmp_path / "b.parquet")
    with pytest.raises(spareopt.UsageError, match="it is an input of this run"):
        out.add("--curve", tmp_path / "sales.csv")
    out.write_table("-o", pd.DataFrame({"x": [1]}))
    assert not (tmp_path / "a.csv").exists()  # written, not yet committed
    out.discard()
    assert sorted(p.name for p in tmp_path.iterdir()) == []


# -- the backstop: an exception spareopt did not expect ----------------------------------------------------------


def test_an_internal_error_is_one_line_with_exit_3(desk, monkeypatch):
    from click.testing import CliRunner
    from spareopt_cli.main import main

    def bug(*_: object, **__: object) -> None:
        return {}["no such key"]

    monkeypatch.setattr("spareopt_cli.main.run_job", bug)
    result = CliRunner().invoke(main, ["must-stock", "sales.csv", "-o", "out.csv"])
    assert result.exit_code == 3
    assert result.stderr.startswith("Error: internal error: KeyError: 'no such key' (at test_hostile_outputs.py:")
    assert result.stderr.endswith("This is a bug in spareopt 0.1.0, not in your data or options; please report it "
                                  "with the command line (rerun with SPAREOPT_DEBUG=1 for the traceback)\n")
    assert "Traceback" not in result.output and Path("out.csv").read_bytes() == PREVIOUS
    monkeypatch.setenv("SPAREOPT_DEBUG", "1")
    assert isinstance(CliRunner().invoke(main, ["must-stock", "sales.csv"]).exception, KeyError)


def test_out_of_memory_says_so(desk, monkeypatch):
    from click.testing import CliRunner
    from spareopt_cli.main import main

    def huge(*_: object, **__: object) -> None:
        raise MemoryError

    monkeypatch.setattr("spareopt_cli.main.run_job", huge)
    result = CliRunner().invoke(main, ["must-stock", "sales.csv", "-o", "out.csv"])
    assert (result.exit_code, result.stderr) == (1, (
        "Error: out of memory; run on a machine with more memory, or on a part of the data (--as-of, fewer dealers), "
        "or with --engine stream for a Parquet network\n"))


# -- folder outputs: one file per dealer ---------------------------------------------------------------------------


def _files(*names: str) -> list[spareopt.io.FolderFile]:
    return [spareopt.io.FolderFile(name, pd.DataFrame({"part": [name]})) for name in names]


def _tree(folder: Path) -> dict[str, bytes]:
    return {str(p.relative_to(folder)): (p.read_bytes() if p.is_file() else b"<dir>")
            for p in sorted(folder.rglob("*"))}


def test_a_new_pack_folder_appears_whole(tmp_path):
    with spareopt.io.Outputs() as out:
        out.add("-o", tmp_path / "packs", folder=True, format="csv")
        out.write_folder("-o", _files("D1.csv", "D2.csv", "summary.csv"))
        assert next(p.name for p in tmp_path.iterdir()).startswith(".packs.")  # written aside, not yet in place
        assert not (tmp_path / "packs").exists()
    assert sorted(p.name for p in tmp_path.iterdir()) == ["packs"]
    assert (tmp_path / "packs" / "D2.csv").read_text() == "part\nD2.csv\n"
    mask = os.umask(0o022)
    os.umask(mask)
    assert (tmp_path / "packs").stat().st_mode & 0o777 == 0o777 & ~mask  # not mkdtemp's 0o700
    assert (tmp_path / "packs" / "D1.csv").stat().st_mode & 0o777 == 0o666 & ~mask
    assert out.written == [("-o", tmp_path / "packs")] and out.others("-o") == []


def test_packs_replace_their_namesakes_and_keep_every_other_file(tmp_path):
    packs = tmp_path / "packs"
    packs.mkdir()
    for name in ("D1.csv", "D9.csv", "notes.txt", ".hidden"):
        (packs / name).write_bytes(PREVIOUS)
    os.chmod(packs / "D1.csv", 0o640)
    with spareopt.io.Outputs() as out:
        out.add("-o", packs, folder=True, format="csv")
        out.write_folder("-o", _files("D1.csv", "D2.csv"))
        assert (packs / "D1.csv").read_bytes() == PREVIOUS  # nothing replaced before the commit
    assert (packs / "D1.csv").read_text() == "part\nD1.csv\n" and (packs / "D1.csv").stat().st_mode & 0o777 == 0o640
    assert (packs / "D9.csv").read_bytes() == PREVIOUS and (packs / "notes.txt").read_bytes() == PREVIOUS
    assert out.others("-o") == ["D9.csv", "notes.txt"]
    assert sorted(p.name for p in tmp_path.iterdir()) == ["packs"]  # no temporary folder left


@pytest.mark.parametrize("failure", [OSError(28, "No space left on device"), KeyboardInterrupt()])
def test_a_failure_while_packs_are_written_leaves_the_old_packs(tmp_path, monkeypatch, failure):
    packs = tmp_path / "packs"
    packs.mkdir()
    (packs / "D1.csv").write_bytes(PREVIOUS)
    before = _tree(tmp_path)
    calls: list[str] = []

    def second_fails(frame: pd.DataFrame, fh: object, *_: object) -> None:
        calls.append(str(frame["part"].iloc[0]))
        if len(calls) == 2:
            raise failure
        spareopt.io._write_csv(frame, fh, *_)

    monkeypatch.setitem(spareopt.io._WRITERS, "csv", second_fails)
    expected = spareopt.InputError if isinstance(failure, OSError) else KeyboardInterrupt
    with pytest.raises(expected) as err, spareopt.io.Outputs() as out:
        out.add("-o", packs, folder=True, format="csv")
        out.write_folder("-o", _files("D1.csv", "D2.csv", "D3.csv"))
    assert calls == ["D1.csv", "D2.csv"] and _tree(tmp_path) == before
    if isinstance(failure, OSError):
        assert str(err.value) == f"cannot write -o {packs}: No space left on device"


def test_a_pack_never_replaces_an_input_or_another_output(tmp_path):
    packs = tmp_path / "packs"
    packs.mkdir()
    (packs / "D1.csv").write_bytes(PREVIOUS)
    out = spareopt.io.Outputs(inputs=[packs / "D1.csv"])
    out.add("-o", packs, folder=True, format="csv")
    out.add("--totals", packs / "D2.csv")
    with pytest.raises(spareopt.UsageError) as err:
        out.write_folder("-o", _files("D1.csv"))
    assert str(err.value) == (f"cannot write -o {packs}: its file D1.csv would replace {packs / 'D1.csv'}, an input "
                              "of this run; name another folder")
    with pytest.raises(spareopt.UsageError) as err:
        out.write_folder("-o", _files("D2.csv"))
    assert str(err.value) == (f"cannot write -o {packs}: its file D2.csv is --totals {packs / 'D2.csv'}; give each "
                              "output its own file")
    out.discard()
    assert _tree(tmp_path) == {"packs": b"<dir>", "packs/D1.csv": PREVIOUS}


@pytest.mark.parametrize(("name", "fmt", "error", "message"), [
    ("taken.csv", "csv", spareopt.InputError, ("cannot write -o {p}: it is a file, and this output is a folder of "
                                              "files (one per dealer); name a folder, e.g. {d}/taken_packs/")),
    ("packs.xlsx", "xlsx", spareopt.UsageError, ("cannot write -o {p}: this output is a folder of files (one per "
                                                "dealer), and packs.xlsx names a file; name a folder, e.g. {d}/packs/")),
    ("packs", "parquet", spareopt.UsageError, ("cannot write -o {p}: a folder of files is written as xlsx or csv, "
                                              "not parquet")),
    ("nodir/packs", "xlsx", spareopt.InputError, ("cannot write -o {p}: folder {d}/nodir does not exist; create it "
                                                 "first (the run creates packs in it)")),
])
def test_a_pack_folder_is_checked_before_the_run(tmp_path, name, fmt, error, message):
    (tmp_path / "taken.csv").write_bytes(PREVIOUS)
    with pytest.raises(error) as err:
        spareopt.io.Outputs().add("-o", tmp_path / name, folder=True, format=fmt)
    assert str(err.value) == message.format(p=tmp_path / name, d=tmp_path)
