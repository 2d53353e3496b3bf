"""CBC through PuLP, quietly and the same way everywhere (multi-criteria ABC, last-buy allocation)."""

from __future__ import annotations

import warnings
from typing import Any

import pulp

__all__ = ["cbc", "new_variable", "solve"]


def cbc(time_limit: float | None = None) -> pulp.LpSolver:
    """CBC, quiet: a CBC on the PATH (COIN_CMD) when there is one, else the one bundled with PuLP."""
    coin = pulp.COIN_CMD(msg=False, timeLimit=time_limit)
    if coin.available():
        return coin
    with warnings.catch_warnings():  # PuLP 3.3 deprecates the bundled CBC in favour of pulp[cbc]
        warnings.filterwarnings("ignore", category=DeprecationWarning, module="pulp")
        return pulp.PULP_CBC_CMD(msg=False, timeLimit=time_limit)


def new_variable(prob: pulp.LpProblem, name: str, **bounds: Any) -> pulp.LpVariable:
    """A variable of ``prob``: ``prob.add_variable`` on PuLP >= 3.3 (``LpVariable(...)`` is deprecated there)."""
    add = getattr(prob, "add_variable", None)
    return add(name, **bounds) if add else pulp.LpVariable(name, **bounds)


def solve(prob: pulp.LpProblem, solver: pulp.LpSolver) -> int:
    """``prob.solve(solver)``, without PuLP's deprecation warnings; the status code."""
    with warnings.catch_warnings():
        warnings.filterwarnings("ignore", category=DeprecationWarning, module="pulp")
        return prob.solve(solver)
