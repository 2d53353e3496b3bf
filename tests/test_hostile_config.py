"""Hostile input, the config family (issue 23): a config file or value the run cannot use stops it before it
reads the data, with the key, the value and the file named.

A folder or a missing file given to ``--config``, a file that is not TOML (a syntax error, binary bytes), an
unknown key, a value of the wrong type, a negative or NaN value, and a number of 1e20 to 1e308 in any key (which
overflowed a stock level, or made a unit cost unknown, or ran).  Each case asserts the exact ``Error:`` line, exit
code 1 (a ConfigError; 2 is kept for options that do not fit together), and that the previous output is byte
for byte unchanged (helpers in tests/hostile.py); the Python API raises :class:`spareopt.ConfigError` with the
same words.
"""

from __future__ import annotations

import dataclasses
import os
from pathlib import Path

import pytest
from conftest import run_cli
from hostile import fails, write

import spareopt

SIZE = "must be at most 1,000,000,000,000,000 in size (a typo?)"


def test_a_config_that_is_a_folder(here):
    os.mkdir("conf")
    fails(("must-stock", "ok.csv", "--config", "conf"),
          "config file conf is a folder; give --config a TOML file, e.g. `spareopt config > spareopt.toml`")


@pytest.mark.parametrize(("toml", "message"), [
    ("ssq_divisor = 1e308\n", f"config key ssq_divisor {SIZE}, got 1e+308 in bad.toml"),
    ("abc_a = 1e308\n", f"config key abc_a {SIZE}, got 1e+308 in bad.toml"),
    ("[defaults]\nlead_time_days = 1e20\n", f"config key defaults.lead_time_days {SIZE}, got 1e+20 in bad.toml"),
    ("[defaults]\nunit_cost = 1e308\n", f"config key defaults.unit_cost {SIZE}, got 1e+308 in bad.toml"),
    ("ssq_divisor = -1\n", "config key ssq_divisor must be > 0, got -1.0 in bad.toml"),
    ("[defaults]\nlead_time_days = -5\n", "config key defaults.lead_time_days must be >= 0, got -5.0 in bad.toml"),
    ("service_level = nan\n", "config key service_level in bad.toml must be a finite number, got nan"),
    ("high_value_cost = -inf\n", "config key high_value_cost in bad.toml must be a finite number, got -inf"),
    ('abc_a = "x"\n', "config key abc_a in bad.toml must be a finite number, got 'x'"),
    ("sma_months = 2.5\n", "config key sma_months must be a whole number >= 1, got 2.5 in bad.toml"),
    ("weights = 5\n", "config key weights in bad.toml must be a list, e.g. weights = [...], got 5"),
    ("policy = 7\n", "config key policy in bad.toml must be text, got 7"),
    ("defaults = 5\n", "[defaults] in bad.toml must be a table of keys, got 5"),
    ("ssq_divisr = 6\n", ("unknown config key ssq_divisr in bad.toml; did you mean ssq_divisor? (`spareopt config` "
                          "prints every key)")),
    ("abc_a = \n", "config file bad.toml is not valid TOML: Invalid value (at line 1, column 9)"),
])
def test_a_bad_config_value_names_the_key_and_the_file(here, toml, message):
    write("bad.toml", toml)
    fails(("must-stock", "ok.csv", "--config", "bad.toml"), message)
    with pytest.raises(spareopt.ConfigError) as err:  # the API says what the CLI says
        spareopt.must_stock("ok.csv", config="bad.toml")
    assert str(err.value) == message


@pytest.mark.parametrize(("content", "message"), [
    (b"\xff\xfe\x00garbage", ("config file bad.toml is not valid TOML: 'utf-8' codec can't decode byte 0xff in "
                              "position 0: invalid start byte")),
    (None, "config file bad.toml does not exist; check the path given to --config"),
])
def test_a_config_file_that_is_not_text_or_not_there(here, content, message):
    if content is not None:
        Path("bad.toml").write_bytes(content)
    fails(("must-stock", "ok.csv", "--config", "bad.toml"), message)


def _number_keys() -> list[str]:
    """Every key of the config that holds a number (or a list of numbers), the defaults' as ``defaults.KEY``."""
    config = spareopt.Config()
    return ([f.name for f in dataclasses.fields(config) if "float" in str(f.type) or str(f.type) == "int"]
            + [f"defaults.{f.name}" for f in dataclasses.fields(config.defaults)
               if "float" in str(f.type) or str(f.type) == "int"])


def test_a_number_of_1e20_to_1e308_in_any_key_is_refused(here):
    """Every number key, at 1e20, 1e308 and -1e308: exit 1 naming that key (``spareopt config`` reads the file
    as every command does, without the data)."""
    keys = _number_keys()
    assert {"ssq_divisor", "alpha", "weights", "defaults.lead_time_days", "defaults.unit_cost"} <= set(keys)
    for key in keys:
        section, _, name = key.rpartition(".")
        for value in ("1e20", "1e308", "-1e308"):
            write("bad.toml", f"[{section}]\n{name} = {value}\n" if section else f"{name} = {value}\n")
            result = run_cli("config", "--config", "bad.toml")
            assert result.exit_code == 1 and result.stderr.startswith(f"Error: config key {key} "), (key, value,
                                                                                                  result.output)
            assert result.stderr.count("\n") == 1 and len(result.stderr) < 300, result.stderr  # no 309 digits
