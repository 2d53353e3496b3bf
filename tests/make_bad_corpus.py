"""Collect every bad input file the tests feed the CLI into ``tests/data/bad/`` (issue 24):

    python tests/make_bad_corpus.py

It runs the suite with ``SPAREOPT_BAD_CORPUS`` set: each CLI run a test sees fail with exit 1 copies its input
files there, named ``KIND-HASH.SUFFIX`` (history, parts, stock, config, supersessions, dealers; files over 64 KB
are left out).  ``tests/test_no_traceback.py`` then runs each through every command that reads its kind.
"""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
from pathlib import Path

HERE = Path(__file__).resolve().parent
CORPUS = HERE / "data" / "bad"


def main() -> None:
    shutil.rmtree(CORPUS, ignore_errors=True)
    env = {**os.environ, "SPAREOPT_BAD_CORPUS": str(CORPUS)}
    subprocess.run([sys.executable, "-m", "pytest", "-q", "-x", "-p", "no:cacheprovider",
                    "--ignore", str(HERE / "test_no_traceback.py")], cwd=HERE.parent, env=env, check=True)
    files = sorted(CORPUS.iterdir())
    print(f"{len(files)} files in {CORPUS.relative_to(HERE.parent)}")


if __name__ == "__main__":
    main()
