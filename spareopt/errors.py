"""The small tree of errors that spareopt raises.

The CLI catches :class:`SpareoptError` in one place, prints ``Error: <message>``
on stderr and exits with status 1 (2 for a :class:`UsageError`).  Library users catch the same classes.
Every message names what was wrong (file, row, column, value) and how to fix it.
"""

from __future__ import annotations

from collections.abc import Sequence

from .lang import Text

__all__ = ["ConfigError", "InfeasibleError", "InputError", "SpareoptError", "UsageError", "format_examples"]


class SpareoptError(Exception):
    """Base class of every error spareopt raises on purpose."""


class InputError(SpareoptError, ValueError):
    """Bad input data: names the file, row(s), column and value, and the fix."""


class ConfigError(SpareoptError, ValueError):
    """A configuration key or value that is unknown or out of range."""


class UsageError(ConfigError):
    """Options that do not fit together, or an option that does not fit the input (the CLI exits 2)."""


class InfeasibleError(SpareoptError):
    """The constraints cannot be met (for example a budget below the vital parts)."""


def format_examples(items: Sequence[object], total: int | None = None, limit: int = 5) -> str:
    """Render the first few offending items, e.g. ``"row 7 'abc', row 9 'x' (+3 more)"`` (a :class:`Text`, for the
    run report's warnings in another language)."""
    shown = ", ".join(str(item) for item in list(items)[:limit])
    total = len(items) if total is None else total
    more = total - min(limit, len(items))
    return Text("{shown} (+{more:,} more)", shown=shown, more=more) if more > 0 else shown
