"""The I/O floor of ``spareopt must-stock`` (issue 26): pyarrow reads the history and writes the same table.

    python -m benchmarks.io_floor HISTORY.parquet TABLE.arrow OUT.csv|OUT.parquet

``TABLE.arrow`` is must-stock's own output as an uncompressed Arrow IPC file, mapped from the page cache, so
that the floor pays for reading the history and writing the table, and for nothing else.
"""

from __future__ import annotations

import sys

import pyarrow as pa
import pyarrow.csv as pa_csv
import pyarrow.parquet as pq


def main(argv: list[str]) -> None:
    history, table, out = argv
    pq.read_table(history)
    with pa.memory_map(table) as source:
        plan = pa.ipc.open_file(source).read_all()
        if out.endswith(".parquet"):
            pq.write_table(plan, out)
        else:
            pa_csv.write_csv(plan, out)


if __name__ == "__main__":
    main(sys.argv[1:])
