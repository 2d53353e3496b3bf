"""The run configuration: every threshold of the method, with its documented default.

A config is a TOML file (``--config FILE``) of flat keys plus one ``[defaults]``
table for part fields the parts master does not give.  The key names are the
same as the function parameters and output columns (one vocabulary), e.g.::

    abc_a = 0.80
    low_volume_max = 12

    [defaults]
    lead_time_days = 7

``spareopt config`` prints the effective configuration in this format.
"""

from __future__ import annotations

import dataclasses
import math
import re
import tomllib
from collections.abc import Mapping
from dataclasses import dataclass, field, fields
from os import PathLike
from pathlib import Path
from typing import Any

from .errors import ConfigError

__all__ = ["Config", "PartDefaults", "load_config"]

_PERCENTILE = re.compile(r"^p(\d+(?:\.\d+)?)$")


@dataclass(frozen=True)
class PartDefaults:
    """Values used for a part the parts master does not describe (or leaves blank)."""

    lead_time_days: float = 7.0
    """L/T in days for parts without one (a typical dealer stock-order delivery)."""
    order_cycle_days: float = 7.0
    """O/C in days for parts without one (a weekly stock order)."""
    attribute: str = "B"
    """Three-in-one attribute for parts without one: B, a common part."""
    pack_size: int = 1
    """Units per pack for parts without one."""
    unit_cost: float | None = None
    """Unit cost for parts without one; unset means unknown (ABC falls back to quantity)."""


@dataclass(frozen=True)
class Config:
    """Every threshold of the must-stock method (see DOMAIN.md and the seed).

    Build one with keywords, ``Config(abc_a=0.7)``, or from TOML with
    :func:`load_config`.
    """

    ssq_divisor: float = 6.0
    """The divisor of the seed's SSQ = MAD x (O/C + L/T) / 6."""
    abc_window_months: int = 12
    """Months up to as_of whose quantity x unit_cost is the ABC value."""
    abc_a: float = 0.80
    """A while the cumulative value share before the part is below this."""
    abc_b: float = 0.95
    """B while the cumulative value share before the part is below this; C otherwise."""
    high_value_cost: float | str = "p95"
    """Rule 2 threshold: a C-attribute part this costly is not stocked at dealers.
    A number, or "pNN" for the NN-th percentile of unit_cost in the parts master."""
    low_volume_max: float = 12.0
    """Rule 4: half_year_quantity at or below this is not stocked (the seed's switch: 12)."""
    central_ssq_min: float = 1.0
    """Rule 5: SSQ below this is kept at the central transit warehouse."""
    defaults: PartDefaults = field(default_factory=PartDefaults)

    def __post_init__(self) -> None:
        for f in fields(self):
            value = getattr(self, f.name)
            if f.name != "defaults" and not (f.name == "high_value_cost" and isinstance(value, str)):
                _check(isinstance(value, (int, float)) and not isinstance(value, bool) and math.isfinite(value),
                       f.name, value, "must be a finite number")
        for f in fields(self.defaults):
            value = getattr(self.defaults, f.name)
            if f.name != "attribute" and not (f.name == "unit_cost" and value is None):
                _check(isinstance(value, (int, float)) and not isinstance(value, bool) and math.isfinite(value),
                       f"defaults.{f.name}", value, "must be a finite number")
        _check(self.ssq_divisor > 0, "ssq_divisor", self.ssq_divisor, "must be > 0")
        _check(
            float(self.abc_window_months).is_integer() and self.abc_window_months >= 1,
            "abc_window_months", self.abc_window_months, "must be a whole number >= 1",
        )
        _check(0 < self.abc_a <= 1, "abc_a", self.abc_a, "must be in (0, 1]")
        _check(self.abc_a <= self.abc_b <= 1, "abc_b", self.abc_b, f"must be in [abc_a={self.abc_a}, 1]")
        _check(self.low_volume_max >= 0, "low_volume_max", self.low_volume_max, "must be >= 0")
        _check(self.central_ssq_min >= 0, "central_ssq_min", self.central_ssq_min, "must be >= 0")
        if isinstance(self.high_value_cost, str):
            m = _PERCENTILE.match(self.high_value_cost)
            _check(bool(m) and 0 <= float(m.group(1)) <= 100, "high_value_cost", self.high_value_cost,
                   'must be a number or a percentile "p0".."p100"')
        else:
            _check(self.high_value_cost >= 0, "high_value_cost", self.high_value_cost, "must be >= 0")
        object.__setattr__(self, "abc_window_months", int(self.abc_window_months))
        d = self.defaults
        _check(d.lead_time_days >= 0, "defaults.lead_time_days", d.lead_time_days, "must be >= 0")
        _check(d.order_cycle_days >= 0, "defaults.order_cycle_days", d.order_cycle_days, "must be >= 0")
        _check(d.attribute in ("A", "B", "C"), "defaults.attribute", d.attribute, "must be A, B or C")
        _check(float(d.pack_size).is_integer() and d.pack_size >= 1, "defaults.pack_size", d.pack_size,
               "must be a whole number >= 1")
        _check(d.unit_cost is None or d.unit_cost >= 0, "defaults.unit_cost", d.unit_cost, "must be >= 0")
        object.__setattr__(d, "pack_size", int(d.pack_size))

    @property
    def high_value_percentile(self) -> float | None:
        """The percentile of ``high_value_cost = "pNN"``, or None for a fixed number."""
        if isinstance(self.high_value_cost, str):
            return float(_PERCENTILE.match(self.high_value_cost).group(1))  # type: ignore[union-attr]
        return None

    def replace(self, **changes: Any) -> Config:
        """A copy with some keys changed; ``defaults`` may be a mapping of its keys."""
        if isinstance(changes.get("defaults"), Mapping):
            changes["defaults"] = _build(PartDefaults, changes["defaults"], "defaults.", "")
        return dataclasses.replace(self, **changes)

    def to_toml(self) -> str:
        """The configuration as TOML, each key with its meaning as a comment."""
        lines = ["# spareopt effective configuration"]
        lines += _toml_lines(self, exclude={"defaults"})
        lines += ["", "[defaults]", "# used for parts that the parts master does not describe"]
        lines += _toml_lines(self.defaults)
        return "\n".join(lines) + "\n"

    def to_dict(self) -> dict[str, Any]:
        return dataclasses.asdict(self)


def load_config(source: Config | Mapping[str, Any] | str | PathLike[str] | None = None) -> Config:
    """Return a :class:`Config` from a Config, a mapping, a TOML file path, or None (defaults).

    Raises
    ------
    ConfigError
        For a missing or malformed file, an unknown key, or a value out of range.
    """
    if source is None:
        return Config()
    if isinstance(source, Config):
        return source
    where = ""
    if not isinstance(source, Mapping):
        path = Path(source)
        where = f" in {path}"
        try:
            source = tomllib.loads(path.read_text(encoding="utf-8-sig"))
        except FileNotFoundError:
            raise ConfigError(f"config file {path} does not exist; check the path given to --config") from None
        except (tomllib.TOMLDecodeError, UnicodeDecodeError) as exc:
            raise ConfigError(f"config file {path} is not valid TOML: {exc}") from None
    values = dict(source)
    defaults = values.pop("defaults", {})
    if not isinstance(defaults, Mapping):
        raise ConfigError(f"[defaults]{where} must be a table of keys, got {defaults!r}")
    return _build(Config, {**values, "defaults": _build(PartDefaults, defaults, "defaults.", where)}, "", where)


def _build(cls: type, values: Mapping[str, Any], prefix: str, where: str) -> Any:
    known = {f.name: f for f in fields(cls)}
    unknown = sorted(set(values) - set(known))
    if unknown:
        raise ConfigError(
            f"unknown config key {prefix}{unknown[0]}{where}; known keys: "
            + ", ".join(prefix + k for k in known)
        )
    clean: dict[str, Any] = {}
    for key, value in values.items():
        if key == "defaults" and isinstance(value, PartDefaults):
            clean[key] = value
            continue
        clean[key] = _coerce(known[key], value, prefix + key, where)
    try:
        return cls(**clean)
    except ConfigError as exc:
        raise ConfigError(f"{exc}{where}") from None


def _coerce(f: dataclasses.Field, value: Any, name: str, where: str) -> Any:
    kind = str(f.type)
    if kind == "str":
        if not isinstance(value, str):
            raise ConfigError(f"config key {name}{where} must be text, got {value!r}")
        return value.strip().upper() if name.endswith("attribute") else value
    if kind == "float | str" and isinstance(value, str):
        return value.strip().lower()
    if isinstance(value, bool) or not isinstance(value, (int, float)) or not math.isfinite(value):
        raise ConfigError(f"config key {name}{where} must be a finite number, got {value!r}")
    return value if kind == "int" else float(value)


def _check(ok: bool, name: str, value: object, rule: str) -> None:
    if not ok:
        raise ConfigError(f"config key {name} {rule}, got {value!r}")


def _toml_lines(obj: Any, exclude: set[str] = frozenset()) -> list[str]:  # type: ignore[assignment]
    docs = _attribute_docs(type(obj))
    out = []
    for f in fields(obj):
        if f.name in exclude:
            continue
        value = getattr(obj, f.name)
        doc = docs.get(f.name, "")
        out.append("")
        out += [f"# {line.strip()}" for line in doc.splitlines() if line.strip()]
        if value is None:
            out.append(f"# {f.name} =   (unset)")
        elif isinstance(value, str):
            out.append(f'{f.name} = "{value}"')
        elif isinstance(value, float) and value.is_integer():
            out.append(f"{f.name} = {value:.1f}")
        else:
            out.append(f"{f.name} = {value!r}")
    return out


def _attribute_docs(cls: type) -> dict[str, str]:
    """The docstrings written under each dataclass field (read from the source)."""
    import ast
    import inspect
    import textwrap

    tree = ast.parse(textwrap.dedent(inspect.getsource(cls)))
    body = tree.body[0].body  # type: ignore[attr-defined]
    docs = {}
    for node, nxt in zip(body, body[1:]):
        if isinstance(node, ast.AnnAssign) and isinstance(nxt, ast.Expr) and isinstance(nxt.value, ast.Constant):
            docs[node.target.id] = str(nxt.value.value)  # type: ignore[attr-defined]
    return docs
