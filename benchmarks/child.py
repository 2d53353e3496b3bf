"""A command in a child process, timed, with the child's own peak memory.

The peak is the child's ``VmHWM``, written by the child as it exits: ``wait4``'s ``ru_maxrss`` would carry the
(larger) parent's peak over the fork and exec.
"""

from __future__ import annotations

import subprocess
import sys
import tempfile
import time

_WRAP = """
import atexit, runpy, sys
out = sys.argv[1]
def hwm():
    with open("/proc/self/status") as fh, open(out, "w") as dst:
        dst.write(next(line for line in fh if line.startswith("VmHWM")))
atexit.register(hwm)
sys.argv = sys.argv[2:]
runpy.run_module(sys.argv[0], run_name="__main__", alter_sys=True)
"""


def run_child(module: str, args: list[str]) -> tuple[float, int]:
    """``python -m module args`` in a child: its wall seconds (interpreter start included) and peak RSS in bytes."""
    with tempfile.NamedTemporaryFile("r", suffix=".hwm") as peak:
        start = time.perf_counter()
        subprocess.run([sys.executable, "-c", _WRAP, peak.name, module, *args], check=True,
                       stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
        seconds = time.perf_counter() - start
        return seconds, int(peak.read().split()[1]) * 1024
