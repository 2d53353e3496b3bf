"""The language of what a person reads (``--lang``, config ``lang``): one translation table, from the English text
the code writes to each other language's.

The display headers and the plain words of each decision (:mod:`spareopt.outputs`: ``DISPLAY_COLUMNS``, ``WHY``,
``TITLES``), the summary sheet (its name, its items and its warnings: templates whose fields are in braces), the
sheet names and print titles of a pack, and the figures' titles, axes and legends go through :func:`tr`.  So does
the whole run report on stderr (:func:`spareopt.report.report_lines`, a planner reads it: one template a line, whose
fields keep their machine values, numbers, months, files, config keys, rules and policies, that a planner types
back), and the CLI's other lines there: what was written, the progress bar's stages, the line of an interruption.
A job's own text with numbers in it (a warning, a calibration note, a stage) is a :class:`Text`, so that it
follows ``lang`` wherever it is shown.  Error messages (``Error: ...``) and ``--help`` stay English.

A text the table lacks stays English, and :func:`missing` lists them: tests keep it empty for every display text
and every template the code passes to :func:`tr`, and check that each translation has its English's fields.
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
    "no monthly demand on the part cards: the run kept no months (the stream and dask engines and optimize "
    "--echelons 2 keep none); run with --engine local":
        "配件卡片上没有月需求：本次运行未保留月份数据（stream 和 dask 引擎以及 optimize --echelons 2 不保留）；请用 --engine local 运行",
    "no what-if budget: the two-echelon plans are compared at one budget (optimize --plot draws their curves); the "
    "what-if is the dealers' curve (optimize without --echelons 2)":
        "无预算模拟：两级库存方案只在一个预算下比较（optimize --plot 画出其曲线）；预算模拟使用服务站的曲线（不带 --echelons 2 的 optimize）",
    "no what-if budget: {job} computes no stock-to-service curve (spareopt report or optimize --html draws it)":
        "无预算模拟：{job} 不计算库存金额与服务水平曲线（spareopt report 或 optimize --html 会画出）",
    "no promise kept: nothing was replayed (spareopt report --holdout-months 12, or evaluate --html)":
        "无承诺兑现情况：没有回放（请用 spareopt report --holdout-months 12，或 evaluate --html）",
    "report page: {listed:,} of {rows:,} rows listed, {mb:.1f} MB": "报告页面：列出 {rows:,} 行中的 {listed:,} 行，{mb:.1f} MB",
    "; not in it: {missing}": "；未包含：{missing}", "wrote the report page to {output}": "已写入报告页面：{output}",
    "write the report page": "写入报告页面",
    "no parts master: every part took the default unit_cost, lead_time_days and order_cycle_days, so the stock "
    "values are 0 and ABC is by quantity (pass --parts FILE)":
        "无配件主数据：所有配件使用默认的 unit_cost、lead_time_days 和 order_cycle_days，因此库存金额为 0，ABC 按数量分类（请传 --parts FILE）",
    "no font with Chinese glyphs is installed: the figures' Chinese text shows as empty boxes. Install one (Debian: "
    "apt-get install fonts-noto-cjk; Windows and macOS have one), or pass --lang en":
        "未安装含中文字形的字体：图中的中文会显示为方框。请安装一种（Debian：apt-get install fonts-noto-cjk；Windows 和 "
        "macOS 已自带），或使用 --lang en",
    "{parts:,} part(s) of {source} are not in the history (first: {first}); they have no sales to move. Check the part "
    "numbers if you expected sales of them": "{source} 中有 {parts:,} 个配件不在历史数据中（前几个：{first}）；它们没有可转移"
                                            "的销售。如果这些配件应有销售，请检查件号",
    "{shown} (+{more:,} more)": "{shown}（另有 {more:,} 个）",
    # the run report on stderr (spareopt.report.report_lines): templates, their fields in braces; the fields keep
    # their machine values (numbers, months, files, config keys, rules, policies)
    " (first: {items})": "（前几个：{items}）", "n/a": "无数据", "; ": "；", " ({models})": "（{models}）",
    ", value {value:,.2f}": "，金额 {value:,.2f}",
    "read {rows:,} rows from {where}{encoding}": "读取 {where}{encoding}：{rows:,} 行",
    " (sheet {sheet})": "（工作表 {sheet}）", ", {encoding}": "（编码 {encoding}）",
    "  columns: {columns}": "  列映射：{columns}", "  columns ignored: {columns}": "  未使用的列：{columns}",
    "  skipped {rows:,} rows with an empty quantity (no record; first rows {first})":
        "  跳过 {rows:,} 行数量为空的行（不计为记录；最先是第 {first} 行）",
    "  skipped {rows:,} blank rows (first rows {first})": "  跳过 {rows:,} 个空行（最先是第 {first} 行）",
    "  ignored {rows:,} rows before since {since}": "  忽略 since {since} 之前的 {rows:,} 行",
    "  ignored {rows:,} rows after as_of {as_of}": "  忽略 as_of {as_of} 之后的 {rows:,} 行",
    "  netted {lines:,} return lines ({units:,.0f} units) inside their months":
        "  {lines:,} 行退货（{units:,.0f} 件）已在当月冲减",
    "  counted {months:,} series-months with negative net demand as 0": "  {months:,} 个净需求为负的组合月份按 0 计",
    "  header at row {row}: skipped {rows:,} title rows above it (rows {first}; first {title!r})":
        "  表头在第 {row} 行：跳过其上方的 {rows:,} 行标题（第 {first} 行；第一行 {title!r}）",
    "; --skip-rows N sets where the header is": "；--skip-rows N 可指定表头所在行",
    "  dropped {rows:,} footer rows of totals below the data (rows {first}; first {footer!r}), which would count every "
    "line again": "  删除数据下方的 {rows:,} 行合计（第 {first} 行；第一行 {footer!r}），否则每行会被重复计数",
    "engine {engine}{where}: {sets:,} dealer sets of {dealers_min:,}-{dealers_max:,} dealers and {lines_min:,}-"
    "{lines_max:,} lines, read from {files:,} file(s) in {pieces:,} piece(s)":
        "引擎 {engine}{where}：{sets:,} 个服务站分组，每组 {dealers_min:,}-{dealers_max:,} 个服务站、{lines_min:,}-"
        "{lines_max:,} 行，读自 {files:,} 个文件，共 {pieces:,} 块",
    " on {scheduler}": "，调度器 {scheduler}", " on a LocalCluster": "，本机集群 LocalCluster",
    "series {series:,} ({dealers}{parts:,} parts), months {months} ({first}..{as_of}), as_of {as_of}":
        "服务站×配件组合 {series:,} 个（{dealers}{parts:,} 种配件），{months} 个月（{first}..{as_of}），as_of {as_of}",
    "{dealers:,} dealers, ": "{dealers:,} 个服务站，",
    "parts master {source}: {parts:,} parts in the history are not in it and took the defaults":
        "配件主数据 {source}：历史数据中有 {parts:,} 种配件不在其中，使用默认值",
    "  {parts:,} parts of the master have no sales up to as_of but a min_stock or an installed_base: listed with zero "
    "demand at every dealer": "  主数据中有 {parts:,} 种配件截至 as_of 无销售，但有 min_stock 或 installed_base：以零需求"
                              "列入每个服务站",
    "  {parts:,} parts of the master have no sales up to as_of and are not listed":
        "  主数据中有 {parts:,} 种配件截至 as_of 无销售，未列出",
    "  defaults used for: {fields} parts": "  使用默认值的配件数：{fields}",
    "  unit_cost from the history's unit_price for {parts:,} parts": "  {parts:,} 种配件的 unit_cost 取自历史数据的 unit_price",
    "ABC by hits ({hits}) over {months} months{cut}": "ABC 分类：按需求次数（{hits}），近 {months} 个月{cut}",
    "order lines": "订货行数", "months with demand": "有需求的月数",
    "ABC by quantity over {months} months{cut}{why}": "ABC 分类：按数量，近 {months} 个月{cut}{why}",
    "ABC by value over {months} months{cut}{unknown}": "ABC 分类：按金额，近 {months} 个月{cut}{unknown}",
    " by item share": "（按品种数占比划分）", ": no unit_cost is known": "：没有任何 unit_cost",
    "; {parts:,} parts without unit_cost are C": "；{parts:,} 种无 unit_cost 的配件归为 C 类",
    "multi-criteria ABC: {method} on {criteria}{weights}{solves}": "多准则 ABC 分类：方法 {method}，准则 {criteria}{weights}"
                                                                   "{solves}",
    ", weights {weights}": "，权重 {weights}", " ({solves:,} LP solves)": "（求解线性规划 {solves:,} 次）",
    "  criterion {name}: {parts:,} parts without a value were taken as the least important":
        "  准则 {name}：{parts:,} 种无取值的配件按最不重要处理",
    "{column}: {counts}": "{column} 各类组合数：{counts}",
    "phase_in {phase_in:,}, phase_out {phase_out:,}": "需求起量 phase_in {phase_in:,}，需求停止 phase_out {phase_out:,}",
    "decisions: {decisions}": "储备决策：{decisions}", "reasons: {reasons}": "规则：{reasons}",
    "class policy rows used: {rows}": "使用的分类策略行：{rows}",
    "dealer stock value at max_stock: {value:,.2f}": "门店最高库存金额（max_stock）：{value:,.2f}",
    "min_stock: {rows:,} rows have a planner's floor; it stocked {stocked:,} rows the policy would not ({new:,} of new "
    "parts) and raised {raised:,}, adding {units:,} units at max_stock, stock value {value:,.2f}{unknown}":
        "min_stock：{rows:,} 行有计划员最低储备；其中 {stocked:,} 行策略本不储备（{new:,} 行为新件），{raised:,} 行被提高，"
        "max_stock 共增加 {units:,} 件，库存金额 {value:,.2f}{unknown}",
    " ({units:,} units without a unit_cost)": "（其中 {units:,} 件无 unit_cost）",
    "installed_base: {parts:,} parts have one, but none of them sold in the window: no failure rate fitted, the demand "
    "model is the one without it": "installed_base：{parts:,} 种配件有保有量，但在窗口内均无销售：未拟合故障率，需求模型不使用"
                                   "保有量",
    "installed_base: failure rate per unit in the field a month {rates}, fitted on {fitted:,} parts with both{spread}; "
    "it set the prior of {series:,} series ({rows:,} rows of parts never sold, {stocked:,} of them stocked)":
        "installed_base：每单位保有量每月故障率 {rates}，基于 {fitted:,} 种既有保有量又有销售的配件拟合{spread}；用作 "
        "{series:,} 个组合的先验（其中从未销售的配件 {rows:,} 行，储备 {stocked:,} 行）",
    " (overall)": "（总体）", ", spread c2 {c2:.3g}": "，离散度 c2 {c2:.3g}",
    "policy {policy}{target}; demand model: forecast {method} ({methods}), lead-time demand {ltd}{used} over a "
    "{window}-month window": "策略 {policy}{target}；需求模型：预测 {method}（{methods}），到货周期内需求 {ltd}{used}，基于"
                             "近 {window} 个月数据",
    ", target {target} by default": "，默认目标 {target}",
    "  backtest: the history is too short (backtest_months + 6 months); each pattern takes its default model, "
    "unscaled": "  回测：历史数据太短（需 backtest_months + 6 个月）；各需求模式使用其默认模型，不缩放",
    "  backtest over the last {months} months: {patterns}": "  近 {months} 个月回测：{patterns}",
    "{pattern} {model} x{scale:g} (promised {promised:.3f}, achieved {achieved:.3f}, {series:,} series)":
        "{pattern} {model} x{scale:g}（承诺 {promised:.3f}，实际 {achieved:.3f}，{series:,} 个组合）",
    "  backtest, series whose demand had stopped: {patterns}": "  回测，需求已停止的组合：{patterns}",
    "{pattern} {series:,} series, {demand:,.0f} units came; error of the forecast {error_none:,.0f} as it was, "
    "{error_tsb:,.0f} with TSB's: {chosen}": "{pattern} {series:,} 个组合，之后仍有 {demand:,.0f} 件需求；预测误差：保持原"
                                            "预测 {error_none:,.0f}，用 TSB {error_tsb:,.0f}：选 {chosen}",
    "  obsolescence {obsolescence}: {series:,} series whose demand stopped forecast by TSB (forecast_method tsb)":
        "  obsolescence {obsolescence}：{series:,} 个需求已停止的组合改用 TSB 预测（forecast_method tsb）",
    "  dealer rows: {models}; implied service: mean CSL {csl:.3f}{fill}":
        "  门店储备行：{models}；隐含服务水平：平均周期服务水平 {csl:.3f}{fill}",
    ", fill rate {fill:.3f} (weighted by forecast)": "，满足率 {fill:.3f}（按预测加权）",
    "forecasts: {methods}; {params}{auto}": "预测方法：{methods}；参数 {params}{auto}",
    " (auto: {methods})": "（auto：{methods}）",
    "last buy: every part of the history, {parts:,} parts": "末次订货：历史数据中的全部配件，共 {parts:,} 种",
    "last buy: {parts:,} discontinued parts ({status:,} by status, {end:,} by end_of_production{later})":
        "末次订货：{parts:,} 种停产配件（按 status {status:,} 种，按 end_of_production {end:,} 种{later}）",
    "; {parts:,} end production after as_of": "；{parts:,} 种在 as_of 之后停产",
    "service level {level:g}": "服务水平 {level:g}",
    "cost mode, critical ratio {low:.3f}..{high:.3f} (holding_rate {rate:g})":
        "成本模式，临界比 {low:.3f}..{high:.3f}（holding_rate {rate:g}）",
    ", dispersion {dispersion}": "，离散度 {dispersion}",
    "  fit {fit} ({fit_months} months), horizon {horizon} ({horizon_months} months), {target}, {model}":
        "  拟合期 {fit}（{fit_months} 个月），服务期 {horizon}（{horizon_months} 个月），{target}，{model}",
    "  flags: {flags}": "  标记：{flags}",
    "  expected demand {demand:,.1f} units; last buy {last_buy:,.0f} units, to buy {buy:,.0f}{value}; expected "
    "shortage {shortage:,.1f}, leftover {leftover:,.1f}": "  预期需求 {demand:,.1f} 件；末次订货量 {last_buy:,.0f} 件，需购入 "
                                                          "{buy:,.0f} 件{value}；预期缺货 {shortage:,.1f} 件，剩余 "
                                                          "{leftover:,.1f} 件",
    "  stock {source}: {rows:,} rows{summed}; {parts:,} planned parts have no row (0)":
        "  库存 {source}：{rows:,} 行{summed}；{parts:,} 种计划配件没有库存行（按 0 计）",
    "  {parts:,} stock parts are not planned and were ignored ({units:,.0f} units on hand)":
        "  {parts:,} 种库存配件不在计划内，已忽略（现有库存 {units:,.0f} 件）",
    "  caps ({method}): {used}; {parts:,} parts bought less than last_buy_qty (flag budget_cut)":
        "  上限（{method}）：{used}；{parts:,} 种配件的购入量少于 last_buy_qty（标记 budget_cut）",
    "spent {spent:,.2f} of the budget {budget:,.2f}": "预算 {budget:,.2f} 已用 {spent:,.2f}",
    "volume {used:,.2f} of {max:,.2f}": "体积 {max:,.2f} 已用 {used:,.2f}",
    "  backtest: real demand {demand:,.0f} units; {parts:,} parts ({share:.3f}) covered, expected {expected:.3f}"
    "{fill}; left over {leftover:,.0f} units": "  回测：实际需求 {demand:,.0f} 件；{parts:,} 种配件（{share:.3f}）需求被"
                                               "覆盖，预期 {expected:.3f}{fill}；剩余 {leftover:,.0f} 件",
    ", unit fill rate {rate:.3f}": "，满足率 {rate:.3f}",
    "stock {source}: {rows:,} rows{summed}, plan policy {policy}": "库存 {source}：{rows:,} 行{summed}，计划策略 {policy}",
    " ({rows:,} summed into their dealer and part)": "（其中 {rows:,} 行按服务站和配件合并）",
    "  stock columns ignored: {columns}": "  库存文件中未使用的列：{columns}",
    "  {cells:,} blank {name} cells taken as 0": "  {cells:,} 个空的 {name} 单元格按 0 计",
    "  {rows:,} stock rows of old part numbers count toward their leading parts ({units:,.0f} units after the "
    "factors): use them first": "  {rows:,} 行旧件号库存计入其新件号（按系数折算后 {units:,.0f} 件）：请优先使用",
    "  {rows:,} stock rows have no sales up to as_of (flag no_history)":
        "  {rows:,} 行库存截至 as_of 无销售（标记 no_history）",
    "order: {lines:,} lines, {units:,.0f} units{value}; {rows:,} dealer-stocked rows, {above:,} above their reorder "
    "point": "订货：{lines:,} 行，{units:,.0f} 件{value}；门店储备 {rows:,} 行，其中 {above:,} 行高于订货点（不订货）",
    "  budget {budget:,.2f} per dealer cut {lines:,} lines worth {value:,.2f} (reason budget_cut)":
        "  每个服务站预算 {budget:,.2f}，削减 {lines:,} 行，金额 {value:,.2f}（规则 budget_cut）",
    "dead stock: {rows:,} rows on the shelf, value {value:,.2f}; by months since the last demand: {aging}":
        "呆滞库存：在库 {rows:,} 行，金额 {value:,.2f}；按距上次需求月数：{aging}",
    "  excess {units:,.0f} units ({value:,.2f}): transfer {transfer:,.0f} in {moves:,} moves, return "
    "{returned:,.0f}, hold {hold:,.0f}, scrap review {scrap:,.0f}":
        "  超储 {units:,.0f} 件（{value:,.2f}）：调拨 {transfer:,.0f} 件（{moves:,} 次），退货 {returned:,.0f} 件，保留 "
        "{hold:,.0f} 件，待报废审核 {scrap:,.0f} 件",
    "kpi (network): stock value {value:,.2f}, turns {turns} (cost of goods sold over {months} months, per year), "
    "projected fill rate {fill}, must-stock coverage {coverage}":
        "KPI（全网）：库存金额 {value:,.2f}，周转次数 {turns}（按近 {months} 个月销售成本折算为年），预计满足率 {fill}，"
        "必备储备覆盖率 {coverage}",
    "  the projected fill rate is what the plan's levels promise on the forecast once they are kept, not the service "
    "of the stock on hand: `spareopt evaluate --policy current` replays that":
        "  预计满足率是库存保持在计划水平时按预测可达到的满足率，不是现有库存的服务水平：`spareopt evaluate --policy "
        "current` 可回放后者",
    "  {rows:,} stock rows without unit_cost count 0 in the values": "  {rows:,} 行库存无 unit_cost，金额按 0 计",
    "optimize ({method}): budget {budget:,.2f} per {per}, spent {spent:,.2f}; {rows:,} rows stocked; expected unit "
    "fill rate {fill} of {demand:,.0f} units a year":
        "优化方法 {method}：预算 {budget:,.2f}（按 {per}），已用 {spent:,.2f}；储备 {rows:,} 行；每年 {demand:,.0f} 件需求的"
        "预期满足率 {fill}",
    "METRIC (Sherbrooke's convex envelope over central levels), objective {objective}":
        "METRIC（按中转库库存水平的 Sherbrooke 凸包络），目标 {objective}",
    "  {name}: stock value {value:,.2f}, expected fill rate {rate:.3f}": "  {name}：库存金额 {value:,.2f}，预期满足率 {rate:.3f}",
    "  two echelons, objective {objective}, transfer {days:g} days; {parts:,} parts held centrally too":
        "  两级库存，目标 {objective}，调拨 {days:g} 天；另有 {parts:,} 种配件在中转库储备",
    "  {plan}: stock value {value:,.2f} (central {central:,.2f}), fill rate {rate:.3f}, expected dealer backorders "
    "{backorders:,.2f} (a unit of demand waits {wait:,.2f} days on average)":
        "  {plan}：库存金额 {value:,.2f}（中转库 {central:,.2f}），满足率 {rate:.3f}，服务站预期缺货 {backorders:,.2f}（每件"
        "需求平均等待 {wait:,.2f} 天）",
    "two echelons (optimized)": "两级库存（优化）", "all stock at dealers (optimized)": "全部储备在服务站（优化）",
    "seed rules": "种子方法规则",
    "  {rows:,} rows with demand have no unit_cost and are not stocked": "  {rows:,} 行有需求但无 unit_cost，未储备",
    "  min_stock: the planner's floor of {rows:,} rows was bought first, for {value:,.2f} of the budget; the rest was "
    "optimised ({floor:,} rows hold only the floor){unknown}":
        "  min_stock：先购入计划员最低储备 {rows:,} 行，占用预算 {value:,.2f}；其余部分优化（{floor:,} 行只有最低储备）"
        "{unknown}",
    "; {units:,} floor units have no unit_cost": "；最低储备中 {units:,} 件无 unit_cost",
    "evaluation: trained on {train}, replayed {holdout} ({months} months); policies {policies}":
        "回测评估：训练期 {train}，回放期 {holdout}（{months} 个月）；策略 {policies}",
    "  lead time in the replay: {months}": "  回放中的到货周期：{months}",
    "under 1 month {series:,} series": "不足 1 个月 {series:,} 个组合",
    "{low} to {high} months {series:,} series": "{low} 至 {high} 个月 {series:,} 个组合",
    "  {series:,} series have an order_cycle_days below a month: their plans protect that shorter review, but the "
    "replay reviews monthly, so it is harsher than the plan":
        "  {series:,} 个组合的 order_cycle_days 不足一个月：其计划按这一更短的订货周期设置，但回放按月检查，因此比计划更严格",
    "  {policy}: promised fill rate {promised}, achieved {achieved} on its stocked series ({verdict})":
        "  {policy}：承诺满足率 {promised}，储备组合的实际满足率 {achieved}（{verdict}）",
    "; target {target:.1%} ({verdict})": "；目标 {target:.1%}（{verdict}）",
    ": {note}": "：{note}", "{note}; {reason}": "{note}；{reason}",
    "demand {ratio:.1f}x the forecast": "需求为预测的 {ratio:.1f} 倍", "demand {units:,.0f} units, none forecast":
        "需求 {units:,.0f} 件，但预测为零",
    "whole units: the least stock that meets each part's target promises {promised:.1%}":
        "按整件取整：满足每个配件目标的最少库存承诺 {promised:.1%}",
    "{share:.0%} of the demand ({units:,.0f} units) came above the largest month of its series' history":
        "{share:.0%} 的需求（{units:,.0f} 件）超出了其组合历史上的最大月需求",
    "holds": "承诺兑现", "over-promises": "承诺过高", "under-promises": "承诺过低", "no demand": "无需求",
    "no forecast": "无预测", "meets": "达标", "above target": "高于目标", "below target": "低于目标",
    "  {policy}: {rows:,} rows held only for the planner's min_stock (holdout demand {demand:,.0f} units, "
    "{filled:,.0f} filled) are left out of the calibration: the policy promised them nothing":
        "  {policy}：{rows:,} 行仅为计划员的 min_stock 而储备（验证期需求 {demand:,.0f} 件，满足 {filled:,.0f} 件），不计入"
        "校准：策略对其未作承诺",
    "  optimized: the planner's min_stock was bought first, for {value:,.2f} of the budget":
        "  optimized：先购入计划员的 min_stock，占用预算 {value:,.2f}",
    "  {policy} (objective {objective}, transfer {days:g} days): central stock {value:,.2f} in {parts:,} parts; a unit "
    "of demand waited {waited} days on average in the replay, METRIC expected {promised}":
        "  {policy}（目标 {objective}，调拨 {days:g} 天）：中转库库存 {value:,.2f}，{parts:,} 种配件；回放中每件需求平均等待 "
        "{waited} 天，METRIC 预期 {promised} 天",
    "  current: {series:,} series without a reorder_point or max_stock in the master hold no stock; {below:,} have "
    "max_stock < reorder_point": "  current：{series:,} 个组合在主数据中无 reorder_point 或 max_stock，不持有库存；{below:,} "
                                 "个组合的 max_stock < reorder_point",
    "supersessions {source}: {rows:,} rows in force, {old:,} old part numbers lead to {leading:,} parts (longest chain "
    "{chain}, splits {splits:,})": "替换关系 {source}：{rows:,} 行生效，{old:,} 个旧件号指向 {leading:,} 种配件（最长替换链 "
                                   "{chain}，拆分 {splits:,}）",
    "  {rows:,} rows not in force yet at as_of (effective later)": "  {rows:,} 行在 as_of 时尚未生效（生效日期更晚）",
    "  moved {lines:,} history lines of {old:,} old parts to their leading parts: {units:,.0f} units, "
    "{realigned:,.0f} after the factors": "  将 {old:,} 个旧件号的 {lines:,} 行历史数据转到其新件号：{units:,.0f} 件，按系数"
                                          "折算后 {realigned:,.0f} 件",
    "  {rows:,} parts master rows of old parts left out": "  配件主数据中 {rows:,} 行旧件号未使用",
    "dealer master {source}: names {named:,} of the {dealers:,} dealers":
        "服务站主数据 {source}：{dealers:,} 个服务站中有 {named:,} 个有名称",
    "{dealers:,} dealer(s) have no name in it{first}: their files and sheets carry the dealer id only":
        "{dealers:,} 个服务站在其中没有名称{first}：其文件和工作表只标服务站编号",
    # the CLI's other lines on stderr (spareopt_cli): what was written, an interruption, the progress bar's stages
    "wrote {rows:,} rows to {output}": "已写入 {rows:,} 行：{output}",
    "wrote {files:,} dealer files ({rows:,} rows) and {summary} to {output}":
        "已写入 {files:,} 个服务站文件（{rows:,} 行）和 {summary}：{output}",
    "  note: {output} also holds {files:,} file(s) this run did not write: {names}{more}; files of an earlier run, for "
    "dealers not in this one?": "  注意：{output} 中还有 {files:,} 个本次运行未写入的文件：{names}{more}；可能是之前运行留下"
                                "的、本次没有的服务站的文件？",
    " (and {more:,} more)": "（另有 {more:,} 个）",
    "Aborted: interrupted after writing {written} (other files are unchanged).":
        "已中止：写入 {written} 后被中断（其他文件未改动）。",
    "Aborted: interrupted; no output file was written (previous files are unchanged).":
        "已中止：运行被中断；未写入任何输出文件（原有文件未改动）。",
    "read and check the history": "读取并检查历史数据", "read the parts master": "读取配件主数据",
    "demand matrix": "生成需求矩阵", "classify, forecast, decide": "分类、预测、决策",
    "fit the decline and size the last buy": "拟合需求衰减并计算末次订货量", "plan and join the stock": "制定计划并关联库存",
    "write the output": "写入输出文件", "scan the history": "扫描历史数据", "network sums": "全网汇总",
    "the network budget": "全网预算", "{job} on {sets} dealer set(s)": "{job}：{sets} 个服务站分组", "merge": "合并结果",
    "the demand model: priors": "需求模型：先验", "the demand model: backtest": "需求模型：回测",
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
