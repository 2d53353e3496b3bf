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
from typing import Any, Self

__all__ = ["LANGS", "ZH", "Text", "check_lang", "missing", "tr"]

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
    "no font with Chinese glyphs is installed: the figures' Chinese text shows as empty boxes. Install one (Debian: "
    "apt-get install fonts-noto-cjk; Windows and macOS have one), or pass --lang en":
        "未安装含中文字形的字体：图中的中文会显示为方框。请安装一种（Debian：apt-get install fonts-noto-cjk；Windows 和 "
        "macOS 已自带），或使用 --lang en",
    "{parts:,} part(s) of {source} are not in the history (first: {first}); they have no sales to move. Check the part "
    "numbers if you expected sales of them": "{source} 中有 {parts:,} 个配件不在历史数据中（前几个：{first}）；它们没有可转移"
                                            "的销售。如果这些配件应有销售，请检查件号",
    "{shown} (+{more:,} more)": "{shown}（另有 {more:,} 个）",
}
"""English -> Chinese, for every text of the outputs a person reads (DOMAIN.md's words: 必备储备清单, 门店储备,
中转库储备, 按需订货, 满足率)."""

_TABLES = {"zh": ZH}


class Text(str):
    """A text in English (it is that ``str``) that keeps its template and fields, so that :func:`tr` renders it in
    another language wherever it is shown: a warning a job puts in its report, a progress stage with a number.

    >>> text = Text("{n:,} parts", n=1200)
    >>> text, tr(text, "zh")
    ('1,200 parts', '1,200 种配件')
    """

    template: str
    fields: dict[str, Any]

    def __new__(cls, template: str, /, **fields: Any) -> Self:
        text = super().__new__(cls, template.format(**fields))
        text.template, text.fields = template, fields
        return text

    def __reduce__(self) -> tuple[Any, ...]:  # pickled (the dask engine, a copy) with its template and fields
        return _text, (self.template, self.fields)


def _text(template: str, fields: dict[str, Any]) -> Text:
    return Text(template, **fields)


def check_lang(lang: object) -> str:
    """``lang``, checked to be one of :data:`LANGS` (a :class:`ConfigError` otherwise)."""
    from .errors import ConfigError  # errors' format_examples gives a Text

    if lang not in LANGS:
        raise ConfigError(f"lang must be one of {', '.join(LANGS)}; got {lang!r}")
    return str(lang)


def tr(text: str, lang: str | None) -> str:
    """``text`` in ``lang`` (English, the text itself, for ``en``, None, or a text the table lacks); a
    :class:`Text`: its template in ``lang`` with its fields (a field that is a :class:`Text` in ``lang`` too).

    >>> tr("Why", "zh"), tr("Why", "en"), tr("Why", None)
    ('说明', 'Why', 'Why')
    """
    if isinstance(text, Text):
        return tr(text.template, lang).format(**{k: tr(v, lang) if isinstance(v, Text) else v
                                                 for k, v in text.fields.items()})
    return _TABLES.get(lang or "en", {}).get(text, text)


def missing(texts: Iterable[str], lang: str) -> list[str]:
    """The texts that :func:`tr` would leave in English for ``lang``."""
    table = _TABLES.get(lang, {})
    return [t for t in texts if t not in table]
