"""``python -m spareopt``: the same command-line tool as ``spareopt``."""

from spareopt_cli.main import main

if __name__ == "__main__":
    main()
