"""Hostile input, the security family (issue 23): XML bombs and external entities in an XLSX are refused with
a clear error, and an output never replaces a file the run reads (see test_hostile_outputs.py).
"""

from __future__ import annotations

import zipfile
from pathlib import Path

import openpyxl
import pytest
from conftest import run_cli

ENTITIES = '<!ENTITY lol "lol">' + "".join(
    f'<!ENTITY lol{i} "{("&lol%s;" % (i - 1 if i > 2 else "")) * 10}">' for i in range(2, 10))
BOMB = f'<?xml version="1.0"?><!DOCTYPE worksheet [{ENTITIES}]>'
XXE = '<?xml version="1.0"?><!DOCTYPE worksheet [<!ENTITY xxe SYSTEM "file:///etc/passwd">]>'


def _workbook(folder: Path, name: str, prolog: str, entity: str) -> Path:
    """A plain 12-month history whose first sheet's XML carries ``prolog`` and uses ``entity`` in a cell."""
    book = openpyxl.Workbook()
    book.active.append(["dealer", "part", "date", "quantity"])
    for m in range(1, 13):
        book.active.append(["D1", "P1", f"2024-{m:02d}-15", 2])
    plain = folder / "plain.xlsx"
    book.save(plain)
    target = folder / name
    with zipfile.ZipFile(plain) as source, zipfile.ZipFile(target, "w") as out:
        for item in source.infolist():
            data = source.read(item.filename)
            if item.filename == "xl/worksheets/sheet1.xml":
                data = (prolog + data.decode().replace("<v>2</v>", f"<v>{entity}</v>", 1)).encode()
            out.writestr(item, data)
    return target


@pytest.mark.parametrize(("name", "prolog", "entity"), [
    ("bomb.xlsx", BOMB, "&lol9;"),
    ("xxe.xlsx", XXE, "&xxe;"),
])
def test_xml_entities_in_an_xlsx_are_refused(tmp_path, monkeypatch, name, prolog, entity):
    """Every XML part's prolog is checked before any is parsed: a DTD is refused (calamine would read the entity's
    cell as empty, and the line would be lost as "no record")."""
    path = _workbook(tmp_path, name, prolog, entity)
    monkeypatch.chdir(tmp_path)
    Path("out.csv").write_bytes(b"previous\n")
    result = run_cli("must-stock", name, "-o", "out.csv", "-q")
    assert (result.exit_code, result.stderr) == (1, (
        f"Error: file {name} is not a readable XLSX workbook (xl/worksheets/sheet1.xml declares a DTD); its XML "
        "declares entities, which a spreadsheet never writes: it is refused\n"))
    assert Path("out.csv").read_bytes() == b"previous\n" and path.exists()
