"""The language of what a person reads (``--lang``, config ``lang``): one translation table, from the English text
the code writes to each other language's.

The display headers and the plain words of each decision (:mod:`spareopt.outputs`: ``DISPLAY_COLUMNS``, ``WHY``,
``TITLES``), the summary sheet (its name, its items and its warnings: templates whose fields are in braces), the
sheet names and print titles of a pack, and the figures' titles, axes and legends go through :func:`tr`.  A text
the table lacks stays English, and :func:`missing` lists them (a test keeps it empty for every display text).
On stderr, the run report's warnings follow ``lang``; its other lines stay English: a log, searched and pasted
into issues.
"""

from __future__ import annotations

from collections.abc import Iterable

from .errors import ConfigError

__all__ = ["LANGS", "ZH", "check_lang", "missing", "tr"]

LANGS = ("en", "zh")
"""The languages of the outputs: English (the texts as written in the code) and Chinese."""

ZH: dict[str, str] = {
    # display headers (spareopt.outputs.DISPLAY_COLUMNS)
    "Dealer": "服务站", "Dealer name": "服务站名称", "Region": "区域", "Part": "配件编号", "Part name": "配件名称",
    "Class": "分类", "ABC class": "ABC分类", "Attribute": "属性", "Demand pattern": "需求模式",
    "Min (reorder point)": "最低库存(订货点)", "Max": "最高库存", "Planner's minimum": "计划员最低储备",
    "Suggested order": "建议订货量", "Why": "说明", "Kept at": "储备位置", "Rule": "规则", "Priority": "优先级",
    "Unit cost": "单价", "Sold, last 6 months": "近6个月销量", "Monthly demand (MAD)": "月均需求(MAD)",
    "Safety stock (SSQ)": "安全库存(SSQ)", "Forecast per month": "月需求预测", "Service target": "服务目标",
    "Cycle service level": "周期服务水平", "Fill rate": "满足率", "On hand": "现有库存", "On order": "在途数量",
    "Reserved": "已预留", "Stock position": "库存位置", "Pack size": "包装数", "Minimum order": "最小订货量",
    "Order value": "订货金额", "Stock value": "库存金额", "Excess": "超储数量", "Excess value": "超储金额",
    "Expected fill rate": "预期满足率", "Promised fill rate": "承诺满足率", "File": "文件", "Parts listed": "配件数",
    "Stocked here": "门店储备", "Central warehouse": "中转库储备", "On demand": "按需订货",
    "Stock value at Max": "最高库存金额", "Order lines": "订货行数", "Units": "数量",
    "Lines cut by the budget": "因预算削减的行数", "Value cut by the budget": "因预算削减的金额", "Budget": "预算",
    # the why of a row (spareopt.outputs.WHY)
    "Stock here": "门店储备",
    "Stock here: the planner's minimum": "门店储备：计划员最低储备",
    "Order from the central warehouse: safety stock too low to keep here": "中转库储备：安全库存过低，不在门店储备",
    "Order on demand: too few sales in the last 6 months": "按需订货：近6个月销量过少",
    "Order on demand: no sale in the last 6 months": "按需订货：近6个月无销售",
    "Order on demand: costly assembly that seldom fails": "按需订货：金额较大的非易损总成件",
    "Order on demand: delivered at once": "按需订货：即时到货",
    "Stock here: class policy": "门店储备：分类策略",
    "Order from the central warehouse: class policy": "中转库储备：分类策略",
    "Order on demand: class policy": "按需订货：分类策略",
    "Stock position at or below Min: order up to Max": "库存位置不高于最低库存：订货至最高库存",
    "Cut: over the dealer's order budget": "削减：超出服务站订货预算",
    # what a pack is, the summary
    "must-stock list": "必备储备清单", "stock order": "订货单", "as of": "截至", "summary": "汇总",
    "item": "项目", "value": "数值", "network": "全网",
    # figures (spareopt.figures and the plot functions)
    "Fill rate against stock value, by policy": "各策略的满足率与库存金额",
    "average stock value over the holdout": "验证期平均库存金额", "(no unit cost known)": "(无单价)",
    "fill rate: % of units filled from the shelf": "满足率：现货满足的数量 %",
    "filled": "满足", "stock value": "库存金额", "stocked": "储备",
    "Promised against achieved fill rate, stocked series": "承诺满足率与实际满足率（储备的配件）",
    "promised fill rate, % (the plan's demand model)": "承诺满足率 %（计划的需求模型）",
    "achieved fill rate, % (the holdout replay)": "实际满足率 %（验证期回放）",
    "promise kept (within 3 points)": "兑现承诺（误差3个百分点内）", "all": "全部", "by": "按",
    "stock-to-service curve": "库存金额与服务水平曲线", "best for each budget": "各预算下的最优方案",
    "expected unit fill rate (%)": "预期满足率 (%)",
    "expected unit fill rate at the dealers (%)": "服务站预期满足率 (%)",
    "expected dealer backorders": "服务站预期缺货数",
    "two echelons: stock-to-service curves": "两级库存：库存金额与服务水平曲线",
    "two echelons: stock-to-backorders curves": "两级库存：库存金额与缺货曲线",
    "two echelons": "两级库存", "all stock at dealers": "全部储备在服务站",
    "Stock on hand": "现有库存", "stock value by months since the last demand": "按距上次需求月数的库存金额",
    "stock value by ABC class": "按ABC分类的库存金额", "{bucket} months": "{bucket} 个月",
    "{n:,} dealers": "{n:,} 个服务站", "{n:,} parts": "{n:,} 种配件", "months": "月数", "dealers": "服务站数",
    "parts": "配件种数",
    # the summary sheet's items (spareopt.report.summary_items): a name, or its kind before a colon
    "warning": "警告", "history": "历史数据文件", "parts_master": "配件主数据文件", "rows_read": "读取行数",
    "rows skipped": "跳过的行", "empty quantity": "数量为空", "blank": "空行", "rows ignored": "忽略的行",
    "before since": "since 之前", "after as_of": "as_of 之后", "return lines netted": "冲减的退货行数",
    "return units netted": "冲减的退货数量", "negative months counted as 0": "按 0 计的负需求月份数",
    "series": "服务站×配件组合数", "parts not in master (defaulted)": "不在主数据中的配件（使用默认值）",
    "master parts without sales (not listed)": "主数据中无销售的配件（未列出）",
    "new parts listed for their min_stock": "因最低储备列出的新配件", "defaulted": "使用默认值",
    "decision": "储备决策", "reason": "规则", "class policy": "分类策略",
    "dealer stock value at max_stock": "门店最高库存金额", "service target (default)": "服务目标（默认）",
    "demand model of dealer rows": "门店储备行的需求模型",
    "implied CSL of dealer rows (mean)": "门店储备行的隐含周期服务水平（平均）",
    "implied fill rate of dealer rows (forecast-weighted)": "门店储备行的隐含满足率（按预测加权）",
    "trained on": "训练期", "replayed": "回放期",
    "(none: defaults for every part)": "（无：所有配件使用默认值）", "(no dealer column)": "（无服务站列）",
    # the warnings (spareopt.report_warnings, spareopt.history.as_of_gap): templates, their fields in braces
    "as_of {as_of} is {months} month(s) after the history's last month ({last}): they count as months without "
    "demand": "as_of {as_of} 比历史数据的最后一个月（{last}）晚 {months} 个月：这些月份按无需求计",
    ", so the seed's {window}-month MAD sees no sale and every series is no_demand. Pass --as-of {last}, or a "
    "history that reaches {as_of}": "，因此种子方法的 {window} 个月 MAD 看不到任何销售，所有配件均为 no_demand。请传 "
                                     "--as-of {last}，或提供截至 {as_of} 的历史数据",
    " (pass --as-of {last} if the export is only older)": "（如果只是导出的数据较旧，请传 --as-of {last}）",
    "sheets not read: {sheets}; the history is sheet {sheet} (--sheet all stacks every sheet that has its columns, "
    "--sheet NAME reads one)": "未读取的工作表：{sheets}；历史数据取自工作表 {sheet}（--sheet all 合并所有含这些列的工作表，"
                               "--sheet NAME 读取指定工作表）",
    "{what} sheets not read: {sheets}; only the first visible sheet with data is read (put the table in one sheet)":
        "{what}未读取的工作表：{sheets}；只读取第一个有数据的可见工作表（请把表放在一个工作表中）",
    "parts master": "配件主数据", "stock file": "库存文件",
    "parts master columns ignored: {columns}": "配件主数据中未使用的列：{columns}",
    "; no column was found for {fields}{note}: map one with --column {first}=HEADER":
        "；未找到以下字段的列：{fields}{note}：请用 --column {first}=列名 映射",
    " (the defaults were used)": "（已使用默认值）",
    "the dealers stock {share:.1%} of the last half year's demand ({dealer:,.0f} of {total:,.0f} units)":
        "门店储备只覆盖近半年需求的 {share:.1%}（{total:,.0f} 件中的 {dealer:,.0f} 件）",
    "; rule {rule} removed the most ({units:,.0f} units, {rule_share:.1%}): see config key {key}":
        "；规则 {rule} 去除最多（{units:,.0f} 件，{rule_share:.1%}）：见配置项 {key}",
    "{rows:,} dealer rows hold a safety stock (SSQ) above a year of their demand: their lead_time_days + "
    "order_cycle_days are that long. Check the parts master's lead_time_days and order_cycle_days (days, not hours "
    "or weeks?), or the config's [defaults]": "{rows:,} 行门店储备的安全库存（SSQ）超过一年的需求：其 lead_time_days + "
                                               "order_cycle_days 过长。请检查配件主数据的 lead_time_days 和 "
                                               "order_cycle_days（单位是天，不是小时或周？），或配置中的 [defaults]",
    # the report page (spareopt.page): its sections, figures, cards and what it lacks
    "Parts stocking report": "配件储备报告", "The network at a glance": "全网概览",
    "What if the budget changes": "预算变化的影响", "Each dealer's list": "各服务站储备清单",
    "Did the plan keep its promise": "计划是否兑现承诺", "Warnings": "警告", "Not in this report": "本报告未包含",
    "Rows stocked": "储备行数", "Rows planned": "计划行数",
    "Expected fill rate, stocked rows": "预期满足率（储备的行）", "Expected fill rate, all demand": "预期满足率（全部需求）",
    "Achieved fill rate, stocked rows ({policy}, replayed)": "实际满足率（储备的行，{policy}，回放）",
    "Achieved fill rate, all demand ({policy}, replayed)": "实际满足率（全部需求，{policy}，回放）",
    "Turns ({policy}, replayed)": "周转次数（{policy}，回放）",
    "Achieved fill rate, stocked rows (replayed)": "实际满足率（储备的行，回放）",
    "Achieved fill rate, all demand (replayed)": "实际满足率（全部需求，回放）", "Turns (replayed)": "周转次数（回放）",
    "Showing the first {shown:,} of {total:,} rows": "显示 {total:,} 行中的前 {shown:,} 行",
    "Why this part": "为什么是这个配件", "Demand per month": "月需求", "Close": "关闭",
    "By dealer": "按服务站", "By ABC class": "按ABC分类", "Decisions": "储备决策", "Reasons": "原因",
    "The best expected fill rate that the budget buys (the curve's last point within it), from optimize's marginal "
    "analysis; the seed plan and the current Min/Max are marked.":
        "该预算能买到的最高预期满足率（曲线上不超过预算的最后一点），来自 optimize 的边际分析；图中标出了种子方法的方案和现行的最低/最高库存。",
    "Promised: the fill rate the plan's demand model expects on the stocked rows. Achieved: the fill rate the replay "
    "of the held-out months delivered on the same rows.":
        "承诺：计划的需求模型对储备行预期的满足率。实际：验证期回放在同样的行上实现的满足率。",
    "Expected fill rate: what the plan's demand model promises (forecast-weighted): on the rows stocked at the "
    "dealers, and on all the demand (the rows not stocked fill nothing from a dealer's shelf). Achieved: what the "
    "replay of held-out months delivered.":
        "预期满足率：计划的需求模型承诺的满足率（按预测加权）：分别按门店储备的行和全部需求计（未储备的行不能从门店货架满足）。"
        "实际满足率：验证期回放实现的满足率。",
    "No rows": "无数据", "Class policy row": "分类策略行", "Forecast method": "预测方法", "Demand model": "需求模型",
    "Stock level": "库存水平", "Expected demand a year": "年预期需求", "Target kind": "目标类型",
    "class policy row {match}: class_code {code} matches it": "分类策略行 {match}：class_code {code} 与之匹配", "Policy": "策略", "Group": "分组", "Series": "组合数",
    "Demand": "需求", "Verdict": "结论", "Parts stocked": "储备配件数", "Average stock value": "平均库存金额",
    "Achieved fill rate": "实际满足率", "Turns": "周转次数", "seed": "种子方法", "optimized": "优化方案",
    "current": "现行最低/最高库存",
    "no dealer lists: {job} has no per-row plan (run must-stock, optimize or spareopt report)":
        "无服务站清单：{job} 没有逐行的计划（请运行 must-stock、optimize 或 spareopt report）",
    "no monthly demand on the part cards: the run kept no months (the stream and dask engines do not); run with "
    "--engine local": "配件卡片上没有月需求：本次运行未保留月份数据（stream 和 dask 引擎不保留）；请用 --engine local 运行",
    "no what-if budget: {job} computes no stock-to-service curve (spareopt report or optimize --html draws it)":
        "无预算模拟：{job} 不计算库存金额与服务水平曲线（spareopt report 或 optimize --html 会画出）",
    "no promise kept: nothing was replayed (spareopt report --holdout-months 12, or evaluate --html)":
        "无承诺兑现情况：没有回放（请用 spareopt report --holdout-months 12，或 evaluate --html）",
    "no parts master: every part took the default unit_cost, lead_time_days and order_cycle_days, so the stock "
    "values are 0 and ABC is by quantity (pass --parts FILE)":
        "无配件主数据：所有配件使用默认的 unit_cost、lead_time_days 和 order_cycle_days，因此库存金额为 0，ABC 按数量分类（请传 --parts FILE）",
}
"""English -> Chinese, for every text of the outputs a person reads (DOMAIN.md's words: 必备储备清单, 门店储备,
中转库储备, 按需订货, 满足率)."""

_TABLES = {"zh": ZH}


def check_lang(lang: object) -> str:
    """``lang``, checked to be one of :data:`LANGS` (a :class:`ConfigError` otherwise)."""
    if lang not in LANGS:
        raise ConfigError(f"lang must be one of {', '.join(LANGS)}; got {lang!r}")
    return str(lang)


def tr(text: str, lang: str | None) -> str:
    """``text`` in ``lang`` (English, the text itself, for ``en``, None, or a text the table lacks).

    >>> tr("Why", "zh"), tr("Why", "en"), tr("Why", None)
    ('说明', 'Why', 'Why')
    """
    return _TABLES.get(lang or "en", {}).get(text, text)


def missing(texts: Iterable[str], lang: str) -> list[str]:
    """The texts that :func:`tr` would leave in English for ``lang``."""
    table = _TABLES.get(lang, {})
    return [t for t in texts if t not in table]
