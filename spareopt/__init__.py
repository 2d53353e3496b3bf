"""spareopt: dealer must-stock lists from a car maker's after-sales parts sales history.

The public API, in the order of the data path
read -> clean -> demand matrix -> classify -> forecast -> policy -> must-stock list:

>>> import spareopt
>>> table = spareopt.must_stock("sales.csv", parts="parts.csv")  # doctest: +SKIP
"""

from .calibration import calibration_table
from .classify import abc
from .classify.series import Classes, classify_series
from .classify.table import CLASS_COLUMNS
from .config import Config, PartDefaults, load_config
from .dealers import DealerMaster, load_dealers
from .errors import ConfigError, InfeasibleError, InputError, SpareoptError, UsageError
from .forecast import half_year_quantity, mad
from .history import DemandMatrix, History, demand_matrix, load_history
from .inputs import Inputs, load
from .io import read_table, write_table
from .jobs.classify import classes
from .jobs.dead_stock import dead_stock
from .jobs.evaluate import evaluate
from .jobs.forecast import FORECAST_COLUMNS, forecasts
from .jobs.kpi import kpi
from .jobs.last_buy import LAST_BUY_COLUMNS, last_buy
from .jobs.must_stock import must_stock
from .jobs.optimize import optimize
from .jobs.order import order
from .jobs.report import network_report
from .outputs import dealer_packs, table_view
from .page import Page, report_page
from .parts import PartsMaster, load_parts
from .plan import OUTPUT_COLUMNS, Plan, plan_stock
from .policy import max_stock, reorder_point, ssq
from .result import Result
from .run_report import RunReport
from .stock import Stock, load_stock

__version__ = "0.1.0"

__all__ = [
    "CLASS_COLUMNS",
    "FORECAST_COLUMNS",
    "LAST_BUY_COLUMNS",
    "OUTPUT_COLUMNS",
    "Classes",
    "Config",
    "ConfigError",
    "DealerMaster",
    "DemandMatrix",
    "History",
    "InfeasibleError",
    "InputError",
    "Inputs",
    "Page",
    "PartDefaults",
    "PartsMaster",
    "Plan",
    "Result",
    "RunReport",
    "SpareoptError",
    "Stock",
    "UsageError",
    "__version__",
    "abc",
    "calibration_table",
    "classes",
    "classify_series",
    "dead_stock",
    "dealer_packs",
    "demand_matrix",
    "evaluate",
    "forecasts",
    "half_year_quantity",
    "kpi",
    "last_buy",
    "load",
    "load_config",
    "load_dealers",
    "load_history",
    "load_parts",
    "load_stock",
    "mad",
    "max_stock",
    "must_stock",
    "network_report",
    "optimize",
    "order",
    "plan_stock",
    "read_table",
    "reorder_point",
    "report_page",
    "ssq",
    "table_view",
    "write_table",
]
