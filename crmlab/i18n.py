"""Message catalogue: the course's user-facing messages in English and Chinese.

Every message has a dotted key (``<area>.<what>``) and one text per language with named format
fields; :func:`t` picks the language and fills the fields (:func:`tn` for a count: ``.one`` /
``.many``). The language is, in order: the ``lang`` argument (e.g. ``--lang``), the one
:func:`using` set for a block (a lab's ``crmlab.language`` while its self-check or its grading
runs), :func:`set_language`'s choice (a notebook's first cell), the ``CRMLAB_LANG`` environment
variable, the locale (``LC_ALL``, ``LC_MESSAGES``, ``LANG`` starting with ``zh``), else English.

Areas: ``grade.*`` and ``summary.*`` (feedback files, the run summary), ``compare.*``,
``hint.*``, ``checks.*``, ``plain.*``, ``selfcheck.*``, ``release.*`` (what a student of a lab
reads), ``cli.*`` (the ``crmlab`` command, its help texts ``cli.help.*``), ``plot.*`` (every
chart text of :mod:`crmlab.plots`), ``survey.*`` (the survey report), ``python.*`` (Python's
own frequent errors, rendered for feedback). The sandboxed runner writes its reports in English;
the grader renders them again in the student's language with :func:`retranslate`.
Adding a message means adding a key here with both texts; ``tests/test_i18n.py`` checks that
every key has every language with the same fields, and that no catalogue text is written again
in the code.

Examples
--------
>>> t("grade.score", "en", total=7.5, max=10)
'Score: 7.5 / 10'
>>> t("grade.score", "zh", total=7.5, max=10)
'得分：7.5 / 10'
>>> resolve_language("zh_CN.UTF-8")
'zh'
"""

from __future__ import annotations

import os
import re
import string
from collections.abc import Iterator, Mapping
from contextlib import contextmanager
from contextvars import ContextVar
from typing import Any

LANGUAGES = ("en", "zh")

MESSAGES: dict[str, dict[str, str]] = {
    # feedback a student reads
    "grade.feedback_title": {"en": "{lab}: feedback for {student}", "zh": "{lab}：{student} 的反馈"},
    "grade.score": {"en": "Score: {total:g} / {max:g}", "zh": "得分：{total:g} / {max:g}"},
    "grade.status": {"en": "status: {status}", "zh": "状态：{status}"},
    "grade.table_header": {"en": "| question | points | result |", "zh": "| 题目 | 得分 | 结果 |"},
    "grade.correct": {"en": "✓ correct", "zh": "✓ 正确"},
    "grade.wrong": {"en": "✗ {message}", "zh": "✗ {message}"},
    "grade.overridden": {"en": "{question} set to {points:g} by the instructor",
                         "zh": "{question} 由教师改为 {points:g} 分"},
    "grade.overridden_comment": {"en": "{question} set to {points:g} by the instructor ({comment})",
                                 "zh": "{question} 由教师改为 {points:g} 分（{comment}）"},
    "grade.manual_pending": {"en": "graded by hand: not graded yet", "zh": "人工评分：尚未评分"},
    "grade.manual_scored": {"en": "graded by hand", "zh": "人工评分"},
    "grade.manual_comment": {"en": "graded by hand: {comment}", "zh": "人工评分：{comment}"},
    "grade.manual_note": {"en": "{question} (graded by hand): {comment}", "zh": "{question}（人工评分）：{comment}"},
    "grade.late": {"en": "{days} day(s) late: {percent:.0f} % deducted", "zh": "迟交 {days} 天：扣除 {percent:.0f}%"},
    "grade.late_tag": {"en": "marked late by the LMS (time unknown, counted as 1 day): {percent:.0f} % deducted",
                       "zh": "学习平台标记为迟交（时间未知，按 1 天计）：扣除 {percent:.0f}%"},
    "grade.notes": {"en": "**Notes:** {notes}", "zh": "**说明：** {notes}"},
    "grade.errors_heading": {"en": "## Errors in your notebook", "zh": "## 你的笔记本中的错误"},
    # grading one submission (crmlab.grader.grade, jobs, manual, the runner's reports)
    "grade.file_too_large": {"en": "the notebook file is {size} MB (limit {limit} MB)",
                             "zh": "笔记本文件有 {size} MB（上限 {limit} MB）"},
    "grade.bad_json": {"en": "not a valid notebook file (JSON error: {error})", "zh": "不是有效的笔记本文件（JSON 错误：{error}）"},
    "grade.cannot_read": {"en": "cannot read the file ({error})", "zh": "无法读取文件（{error}）"},
    "grade.no_notebook": {"en": "not a valid notebook file (no notebook object)", "zh": "不是有效的笔记本文件（没有笔记本对象）"},
    "grade.unreadable": {"en": "not a readable notebook ({error})", "zh": "无法读取的笔记本（{error}）"},
    "grade.no_cells": {"en": "not a valid notebook file (no list of cells)", "zh": "不是有效的笔记本文件（没有单元格列表）"},
    "grade.source_not_text": {"en": "not a valid notebook file (a cell's source is not text)",
                              "zh": "不是有效的笔记本文件（某个单元格的内容不是文本）"},
    "grade.not_computed": {"en": "`{name}` was not computed", "zh": "`{name}` 没有算出来"},
    "grade.not_defined": {"en": "(`{name}` was not defined)", "zh": "（`{name}` 没有定义）"},
    "grade.no_answer": {"en": "no answer", "zh": "没有答案"},
    "grade.timeout": {"en": "the notebook ran longer than {seconds} s and was stopped",
                      "zh": "笔记本运行超过 {seconds} 秒，已被终止"},
    "grade.killed": {"en": "the notebook's process was killed by signal {signal}",
                     "zh": "笔记本的进程被信号 {signal} 终止"},
    "grade.killed_memory": {"en": "the notebook's process was killed by signal {signal} (memory limit?)",
                            "zh": "笔记本的进程被信号 {signal} 终止（超出内存限制？）"},
    "grade.exited": {"en": "the notebook's process exited early (exit code {code}: os._exit or a crash)",
                     "zh": "笔记本的进程提前退出（退出码 {code}：os._exit 或崩溃）"},
    "grade.could_not_run": {"en": "the grader could not run this submission", "zh": "评分程序无法运行这份作业"},
    "grade.code_cell_error": {"en": "code cell {cell}: {error}", "zh": "第 {cell} 个代码单元格：{error}"},
    "grade.call_timeout": {"en": "the call ran longer than the time limit", "zh": "函数调用超过了时间限制"},
    "grade.unwritable": {"en": "the answer could not be written ({error})", "zh": "答案无法导出（{error}）"},
    "grade.return_unreadable": {"en": "the return value could not be read ({error})", "zh": "无法读取返回值（{error}）"},
    "grade.not_a_function": {"en": "`{name}` is not a function", "zh": "`{name}` 不是函数"},
    "grade.cases_not_built": {"en": "{variable} could not be built ({error})", "zh": "无法生成 {variable}（{error}）"},
    "grade.answer_unreadable": {"en": "the answer could not be read ({error})", "zh": "无法读取答案（{error}）"},
    "grade.undefined": {"en": "`{name}` is not defined{why}", "zh": "`{name}` 没有定义{why}"},
    "grade.cell_raised": {"en": " (the question's cell raised {error})", "zh": "（该题的单元格出错：{error}）"},
    "grade.status_name.ok": {"en": "ok", "zh": "正常"},
    "grade.status_name.errors": {"en": "errors", "zh": "有错误"},
    "grade.status_name.timeout": {"en": "timeout", "zh": "超时"},
    "grade.status_name.crashed": {"en": "crashed", "zh": "崩溃"},
    "grade.status_name.invalid notebook": {"en": "invalid notebook", "zh": "无效的笔记本"},
    "grade.status_name.runner failure": {"en": "runner failure", "zh": "评分程序故障"},
    # Python's own most frequent error in a student's notebook (the grader shows it in the feedback)
    "python.name_error": {"en": "NameError: name '{name}' is not defined", "zh": "NameError：名称 '{name}' 没有定义"},
    "grade.reason_line": {"en": "{reason}. {where}", "zh": "{reason}。{where}"},
    "grade.reason_only": {"en": "{reason}.", "zh": "{reason}。"},
    "grade.stopped_in_cell": {"en": "It stopped while running code cell {cell} (starts with: {start})",
                              "zh": "停止时正在运行第 {cell} 个代码单元（开头：{start}）"},
    # the crmlab command (crmlab.cli)
    "cli.wrote": {"en": "wrote {path}", "zh": "已写入 {path}"},
    "cli.assign_wrote": {"en": "wrote {notebook}\nwrote {checks}  (give students both files, in the same folder)",
                         "zh": "已写入 {notebook}\n已写入 {checks}（把这两个文件一起发给学生，放在同一个文件夹里）"},
    "cli.error": {"en": "crmlab: error: {error}", "zh": "crmlab：错误：{error}"},
    "cli.interrupted": {"en": "crmlab: interrupted", "zh": "crmlab：已中断"},
    "cli.times_need_deadline": {"en": "error: --times/--times-from-files need --deadline",
                                "zh": "错误：--times/--times-from-files 需要同时给出 --deadline"},
    "cli.grade_refused": {"en": "crmlab grade: refused: {error}", "zh": "crmlab grade：拒绝运行：{error}"},
    "cli.grade_interrupted": {"en": "crmlab grade: interrupted; results written so far are kept, temporary folders removed",
                              "zh": "crmlab grade：已中断；已写出的结果保留，临时文件夹已删除"},
    "cli.warning": {"en": "warning: {warning}", "zh": "警告：{warning}"},
    "cli.student_wrote": {"en": "wrote {out}: {notebooks} chapter notebooks, {labs} labs with self-checks, "
                                "{datasets} data files, {reports} report files; no solutions found in it",
                          "zh": "已写入 {out}：{notebooks} 个章节笔记本，{labs} 个带自测的实训，{datasets} 个数据文件，"
                                "{reports} 个报告文件；其中没有发现答案"},
    "cli.rows": {"en": "{name:<28} {rows:>12,} rows", "zh": "{name:<28} {rows:>12,} 行"},
    "cli.note": {"en": "note: {note}", "zh": "提示：{note}"},
    "cli.scorecard_input": {"en": "crmlab scorecard: the input has problems: {error}",
                            "zh": "crmlab scorecard：输入数据有问题：{error}"},
    "cli.scorecard_error": {"en": "crmlab scorecard: {error}", "zh": "crmlab scorecard：{error}"},
    "cli.scorecard_graded": {"en": "graded {count} customers at {month}: {counts}",
                             "zh": "已对 {count} 个客户完成 {month} 的分级：{counts}"},
    "cli.scorecard_demoted": {"en": "{count} customers moved from C to D after two consecutive C grades",
                              "zh": "{count} 个客户因连续两次 C 级降为 D 级"},
    "cli.scorecard_wrote": {"en": "wrote {path} (confidential: 机密)", "zh": "已写入 {path}（机密）"},
    "cli.scorecard_template": {"en": "wrote {path}: edit the points, edges and grade floors, then use --config {path}",
                               "zh": "已写入 {path}：修改分值、分界点和各级最低分后，用 --config {path} 使用它"},
    "cli.scorecard_explain_note": {"en": "(The grade of this month's score alone; `crmlab scorecard run` also applies "
                                         "\"two consecutive C grades → D\".)",
                                   "zh": "（这只是本月得分对应的等级；`crmlab scorecard run` 还会应用“连续两次 C 级 → D 级”的规则。）"},
    "cli.survey_draft": {"en": "wrote {path}: check the types and labels, then add dimensions, roles, reverse rows and "
                               "required questions (docs/survey_codebook.md)",
                         "zh": "已写入 {path}：请检查题型和选项标签，再补充维度、角色、反向题和必答题（见 docs/survey_codebook.md）"},
    "cli.exists": {"en": "{path} exists; edit it, or pass --force to overwrite it",
                   "zh": "{path} 已存在；请编辑它，或加 --force 覆盖"},
    "cli.wrote_files": {"en": "wrote {paths}", "zh": "已写入 {paths}"},
    "cli.finding": {"en": "- {finding}", "zh": "- {finding}"},
    # charts (crmlab.plots: titles, axis labels, legends, annotations)
    "plot.pareto.customer_value": {"en": "customer value", "zh": "客户价值"},
    "plot.pareto.x": {"en": "cumulative share of customers (largest first)", "zh": "客户累计占比（从大到小）"},
    "plot.pareto.y": {"en": "value per customer", "zh": "每位客户的价值"},
    "plot.pareto.cum_value": {"en": "cumulative value share", "zh": "价值累计占比"},
    "plot.pareto.cum_value_axis": {"en": "cumulative share of value", "zh": "价值累计占比"},
    "plot.pareto.title": {"en": "Pareto chart (80/20 rule, 二八法则)", "zh": "帕累托图（二八法则）"},
    "plot.lorenz.title": {"en": "Lorenz curve", "zh": "洛伦兹曲线"},
    "plot.lorenz.equality": {"en": "equality", "zh": "完全平均线"},
    "plot.lorenz.x": {"en": "cumulative share of customers (smallest first)", "zh": "客户累计占比（从小到大）"},
    "plot.pyramid.title": {"en": "Customer pyramid (客户金字塔)", "zh": "客户金字塔"},
    "plot.pareto.reach": {"en": "{reach:.0%} of customers → {reference:.0%} of value", "zh": "{reach:.0%} 的客户 → {reference:.0%} 的价值"},
    "plot.lorenz.gini": {"en": " (Gini = {gini:.3f})", "zh": "（基尼系数 = {gini:.3f}）"},
    "plot.pyramid.VIP": {"en": "贵宾型 VIP", "zh": "贵宾型"},
    "plot.pyramid.important": {"en": "重要型 important", "zh": "重要型"},
    "plot.pyramid.ordinary": {"en": "普通型 ordinary", "zh": "普通型"},
    "plot.pyramid.inactive": {"en": "不活跃 inactive", "zh": "不活跃"},
    "plot.pyramid.layer": {"en": "{name}\n{customers:.1%} of customers · {value:.1%} of value", "zh": "{name}\n客户占 {customers:.1%} · 价值占 {value:.1%}"},
    "plot.rfm.title": {"en": "RFM heatmap: mean spend and customers per R × F cell", "zh": "RFM 热力图：每个 R × F 格子的平均消费和客户数"},
    "plot.segments.customers": {"en": "share of customers", "zh": "客户占比"},
    "plot.segments.revenue": {"en": "share of revenue", "zh": "收入占比"},
    "plot.segments.share": {"en": "share", "zh": "占比"},
    "plot.segments.title": {"en": "Segments: share of customers vs share of revenue", "zh": "客户细分：客户占比与收入占比"},
    "plot.k.inertia_label": {"en": "inertia (elbow)", "zh": "惯性（肘部法）"},
    "plot.k.x": {"en": "number of clusters k", "zh": "聚类数 k"},
    "plot.k.inertia": {"en": "inertia (lower = tighter)", "zh": "惯性（越低越紧凑）"},
    "plot.k.silhouette_label": {"en": "silhouette", "zh": "轮廓系数"},
    "plot.k.silhouette": {"en": "silhouette (higher = better separated)", "zh": "轮廓系数（越高分得越开）"},
    "plot.k.title": {"en": "Choosing k: elbow and silhouette", "zh": "选择 k：肘部法与轮廓系数"},
    "plot.profile.title": {"en": "Segment profiles (colour: low → high within each column)", "zh": "细分群体画像（颜色：每列内由低到高）"},
    "plot.rfm.mean": {"en": "mean {value}", "zh": "{value} 的平均值"},
    "plot.rfm.x": {"en": "{f} score (frequency, 5 = most often)", "zh": "{f} 得分（消费频率，5 = 最频繁）"},
    "plot.rfm.y": {"en": "{r} score (recency, 5 = most recent)", "zh": "{r} 得分（最近一次消费，5 = 最近）"},
    "plot.cohort.percent": {"en": "% of cohort still buying", "zh": "仍在购买的客户占同期群 %"},
    "plot.cohort.x": {"en": "periods since first purchase", "zh": "距首次购买的期数"},
    "plot.cohort.y": {"en": "acquisition cohort", "zh": "获客同期群"},
    "plot.cohort.title": {"en": "Cohort retention (同期群留存)", "zh": "同期群留存"},
    "plot.matrix.title": {"en": "Value × loyalty matrix (客户价值-忠诚度矩阵)", "zh": "客户价值-忠诚度矩阵"},
    "plot.matrix.quadrant": {"en": "quadrant", "zh": "象限"},
    "plot.clv.value": {"en": "lifetime value", "zh": "终身价值"},
    "plot.clv.retention": {"en": "retention rate per period", "zh": "每期保留率"},
    "plot.clv.discount": {"en": "discount rate per period", "zh": "每期折现率"},
    "plot.clv.title": {"en": "CLV sensitivity (客户终身价值敏感性)", "zh": "客户终身价值（CLV）敏感性"},
    "plot.value.value": {"en": "value", "zh": "价值"},
    "plot.matrix.x": {"en": "loyalty: {loyalty}", "zh": "忠诚度：{loyalty}"},
    "plot.matrix.y": {"en": "value: {value}", "zh": "价值：{value}"},
    "plot.quadrant.core": {"en": "core", "zh": "核心客户"},
    "plot.quadrant.valuable but fickle": {"en": "valuable but fickle", "zh": "高价值低忠诚"},
    "plot.quadrant.loyal but low value": {"en": "loyal but low value", "zh": "高忠诚低价值"},
    "plot.quadrant.low value, low loyalty": {"en": "low value, low loyalty", "zh": "低价值低忠诚"},
    "plot.btyd.actual": {"en": "actual", "zh": "实际"},
    "plot.btyd.model": {"en": "model", "zh": "模型"},
    "plot.btyd.repeat_x": {"en": "repeat purchases in the calibration period", "zh": "校准期内的重复购买次数"},
    "plot.customers": {"en": "customers", "zh": "客户数"},
    "plot.btyd.repeat_title": {"en": "Repeat purchases: actual vs model", "zh": "重复购买：实际与模型"},
    "plot.btyd.holdout_y": {"en": "mean purchases in the holdout period", "zh": "检验期内的平均购买次数"},
    "plot.btyd.holdout_title": {"en": "Calibration vs holdout", "zh": "校准期与检验期"},
    "plot.btyd.p_alive": {"en": "P(alive)", "zh": "存活概率"},
    "plot.btyd.alive_title": {"en": "Probability a customer is still active", "zh": "客户仍然活跃的概率"},
    "plot.btyd.time_ahead": {"en": "time ahead", "zh": "未来时长"},
    "plot.btyd.expected_cum": {"en": "expected purchases (cumulative)", "zh": "预期购买次数（累计）"},
    "plot.btyd.end_calibration": {"en": "end of calibration", "zh": "校准期结束"},
    "plot.btyd.tracking_x": {"en": "period since the cohort's first purchase", "zh": "距同期群首次购买的期数"},
    "plot.btyd.cum_repeat": {"en": "cumulative repeat transactions", "zh": "累计重复交易数"},
    "plot.btyd.repeat": {"en": "repeat transactions", "zh": "重复交易数"},
    "plot.btyd.tracking_cum": {"en": "Tracking: cumulative repeat transactions, actual vs model", "zh": "跟踪：累计重复交易，实际与模型"},
    "plot.btyd.tracking_period": {"en": "Tracking: per period repeat transactions, actual vs model", "zh": "跟踪：每期重复交易，实际与模型"},
    "plot.btyd.expected_title": {"en": "Expected purchases in the coming period", "zh": "下一期的预期购买次数"},
    "plot.btyd.expected": {"en": "expected purchases", "zh": "预期购买次数"},
    "plot.btyd.sbg": {"en": "sBG model", "zh": "sBG 模型"},
    "plot.btyd.since_signup": {"en": "period since sign-up", "zh": "注册后的期数"},
    "plot.btyd.active": {"en": "active customers", "zh": "活跃客户数"},
    "plot.btyd.retention_title": {"en": "Retention: actual vs sBG projection", "zh": "留存：实际与 sBG 预测"},
    "plot.btyd.recency": {"en": "recency: time of the last purchase", "zh": "最近一次消费（R）：最后一次购买的时间"},
    "plot.btyd.frequency": {"en": "frequency: repeat purchases", "zh": "消费频率（F）：重复购买次数"},
    "plot.yoy.title": {"en": "Year-on-year sales classes 销量同比", "zh": "销量同比分类"},
    "plot.collections.title": {"en": "Collections matrix 信用管理 (amount open)", "zh": "信用管理：回款矩阵（未收金额）"},
    "plot.grades.total": {"en": "total points", "zh": "总分"},
    "plot.grades.title": {"en": "Grade distribution 客户分级", "zh": "客户分级分布"},
    "plot.grades.grade": {"en": "grade", "zh": "级别"},
    "plot.points.maximum": {"en": "maximum", "zh": "满分"},
    "plot.points.points": {"en": "points", "zh": "得分"},
    "plot.history.title": {"en": "Grades month by month 客户级别变化", "zh": "各月客户级别变化"},
    "plot.yoy.increase": {"en": "increase\n增长", "zh": "增长"},
    "plot.yoy.flat": {"en": "flat\n持平", "zh": "持平"},
    "plot.yoy.decline": {"en": "decline\n下降", "zh": "下降"},
    "plot.yoy.lost": {"en": "lost\n流失", "zh": "流失"},
    "plot.yoy.new": {"en": "new\n新客户", "zh": "新客户"},
    "plot.yoy.inactive": {"en": "inactive\n无销量", "zh": "无销量"},
    "plot.collections.cell": {"en": "{action}\n{amount:,.0f}\n{customers} customers", "zh": "{action}\n{amount:,.0f}\n{customers} 个客户"},
    "plot.collections.open": {"en": "open total {band}", "zh": "未收合计 {band}"},
    "plot.collections.overdue": {"en": "age {ageing}", "zh": "账龄 {ageing}"},
    "plot.points.title": {"en": "{customer}: {total} points, grade {grade}", "zh": "{customer}：{total} 分，{grade} 级"},
    "plot.likert.x": {"en": "percent of answers (left: disagree, right: agree)", "zh": "回答占比 %（左：不同意，右：同意）"},
    "plot.likert.answer": {"en": "answer", "zh": "回答"},
    "plot.nps.x": {"en": "percent of respondents", "zh": "受访者占比 %"},
    "plot.gap.x": {"en": "gap = perception − expectation (negative: expectations not met)", "zh": "差距 = 感知 − 期望（负值：未达到期望）"},
    "plot.ipa.concentrate": {"en": "concentrate here\n重点改进", "zh": "重点改进"},
    "plot.ipa.keep": {"en": "keep up the good work\n继续保持", "zh": "继续保持"},
    "plot.ipa.low": {"en": "low priority\n次要改进", "zh": "次要改进"},
    "plot.ipa.overkill": {"en": "possible overkill\n过度投入", "zh": "过度投入"},
    "plot.ipa.x": {"en": "performance (mean perception)", "zh": "表现（感知均值）"},
    "plot.ipa.y": {"en": "importance (mean rating)", "zh": "重要性（评分均值）"},
    "plot.tally.x": {"en": "percent of valid questionnaires", "zh": "占有效问卷的百分比"},
    "plot.funnel.x": {"en": "questionnaires", "zh": "问卷数"},
    "plot.nps.group": {"en": "{group} {percent:.0f}%", "zh": "{group} {percent:.0f}%"},
    "plot.nps.title": {"en": "NPS = {value:.1f}  (promoters − detractors)", "zh": "净推荐值 NPS = {value:.1f}（推荐者 − 贬损者）"},
    "plot.nps.promoters": {"en": "promoters", "zh": "推荐者"},
    "plot.nps.passives": {"en": "passives", "zh": "被动者"},
    "plot.nps.detractors": {"en": "detractors", "zh": "贬损者"},
    "plot.funnel.received": {"en": "received", "zh": "收到问卷"},
    "plot.funnel.valid": {"en": "valid", "zh": "有效问卷"},
    "plot.churn.title": {"en": "Customers by churn state", "zh": "各流失状态的客户"},
    "plot.gains.random": {"en": "random", "zh": "随机"},
    "plot.gains.title": {"en": "Cumulative gains", "zh": "累计增益"},
    "plot.gains.x": {"en": "share of customers contacted (highest churn score first)", "zh": "联系的客户占比（流失得分从高到低）"},
    "plot.gains.y": {"en": "share of churners reached", "zh": "覆盖的流失客户占比"},
    "plot.effects.odds": {"en": "odds ratio of churning (log scale; > 1 raises churn)", "zh": "流失的优势比（对数刻度；> 1 提高流失）"},
    "plot.effects.auc": {"en": "drop in ROC AUC when the feature is shuffled", "zh": "打乱该特征后 ROC AUC 的下降"},
    "plot.effects.title": {"en": "What drives churn", "zh": "哪些因素导致流失"},
    "plot.winback.x": {"en": "expected value of winning back (historic value × P(return))", "zh": "挽回的预期价值（历史价值 × 回流概率）"},
    "plot.winback.title": {"en": "Win-back list: top {top}", "zh": "挽回名单：前 {top} 名"},
    "plot.state.active": {"en": "active", "zh": "活跃"},
    "plot.state.at_risk": {"en": "at_risk", "zh": "有流失风险"},
    "plot.state.churned": {"en": "churned", "zh": "已流失"},
    "plot.quality.y": {"en": "share of values", "zh": "值的占比"},
    "plot.quality.title": {"en": "Data quality per column", "zh": "各列的数据质量"},
    "plot.pairs.different": {"en": "different entities", "zh": "不同实体"},
    "plot.pairs.same": {"en": "same entity", "zh": "同一实体"},
    "plot.pairs.candidates": {"en": "candidate pairs", "zh": "候选记录对"},
    "plot.pairs.x": {"en": "pair score", "zh": "记录对得分"},
    "plot.pairs.y": {"en": "pairs (log scale)", "zh": "记录对数（对数刻度）"},
    "plot.pairs.title": {"en": "How candidate pairs score", "zh": "候选记录对的得分分布"},
    "plot.clusters.x": {"en": "records per entity", "zh": "每个实体的记录数"},
    "plot.clusters.y": {"en": "entities", "zh": "实体数"},
    "plot.clusters.title": {"en": "Records per customer after de-duplication", "zh": "去重后每位客户的记录数"},
    "plot.pairs.threshold": {"en": "threshold {threshold}", "zh": "阈值 {threshold}"},
    "plot.quality.completeness": {"en": "completeness", "zh": "完整性"},
    "plot.quality.validity": {"en": "validity", "zh": "有效性"},
    "plot.quality.uniqueness": {"en": "uniqueness", "zh": "唯一性"},
    "plot.quality.accuracy": {"en": "accuracy", "zh": "准确性"},
    "plot.quality.consistency": {"en": "consistency", "zh": "一致性"},
    "plot.quality.timeliness": {"en": "timeliness", "zh": "及时性"},
    "plot.funnel_sales.title": {"en": "Sales funnel (销售漏斗): opportunities reaching each stage", "zh": "销售漏斗：到达各阶段的商机数"},
    "plot.roi.x": {"en": "ROI = (attributed revenue × margin − cost) ÷ cost", "zh": "投资回报率 = （归因收入 × 毛利率 − 成本）÷ 成本"},
    "plot.roi.title": {"en": "Return on each marketing campaign (营销活动投资回报率)", "zh": "各营销活动的投资回报率"},
    "plot.funnel_sales.previous": {"en": "  ({conversion:.0%} of previous)", "zh": "（上一阶段的 {conversion:.0%}）"},
    "plot.basket.title": {"en": "Association rules (关联规则): support, confidence and lift", "zh": "关联规则：支持度、置信度与提升度"},
    "plot.basket.x": {"en": "{x} (share of all baskets)", "zh": "{x}（占全部购物篮的比例）"},
    "plot.service.hours_log": {"en": "hours from opening to resolution (log scale)", "zh": "从开单到解决的小时数（对数刻度）"},
    "plot.service.hours": {"en": "hours from opening to resolution", "zh": "从开单到解决的小时数"},
    "plot.service.tickets": {"en": "tickets", "zh": "工单数"},
    "plot.service.cum_tickets": {"en": "cumulative share of tickets", "zh": "工单累计占比"},
    "plot.service.complaints_title": {"en": "Complaint categories (投诉分类): the vital few in red", "zh": "投诉分类：红色为关键的少数"},
    "plot.service.share_tickets": {"en": "share of tickets", "zh": "工单占比"},
    "plot.service.resolution_title": {"en": "Resolution time by {by}", "zh": "按 {by} 的解决时长"},
    "plot.sla.title": {"en": "SLA status (服务时限) by {by}", "zh": "按 {by} 的服务时限（SLA）状态"},
    "plot.sla.resolved in time": {"en": "resolved in time", "zh": "按时解决"},
    "plot.sla.open in time": {"en": "open in time", "zh": "未超时待处理"},
    "plot.sla.resolved late": {"en": "resolved late", "zh": "超时解决"},
    "plot.sla.open overdue": {"en": "open overdue", "zh": "已超时未解决"},
    # the survey report (crmlab.survey.report: headings and sentences, table columns, words in tables, sheets)
    "survey.report.title": {"en": "Survey report", "zh": "调查报告"},
    "survey.report.workbook": {"en": "statistics_tables.xlsx", "zh": "统计表.xlsx"},
    "survey.report.findings": {"en": "Key findings (主要发现)", "zh": "主要发现"},
    "survey.report.funnel": {"en": "Response funnel (检查问卷: 废卷与白卷)", "zh": "问卷检查（废卷与白卷）"},
    "survey.report.funnel_note": {"en": "Blank (白卷) and invalid (废卷) questionnaires are not counted. Every questionnaire received is either valid or listed below with its reason.", "zh": "白卷和废卷不计入统计。收到的每份问卷要么有效，要么在下表中列出剔除原因。"},
    "survey.report.more_rejected": {"en": "… and {n} more rejected questionnaires.", "zh": "……另有 {n} 份被剔除的问卷。"},
    "survey.report.statistics": {"en": "Statistics table (统计表)", "zh": "统计表"},
    "survey.report.statistics_note": {"en": "Count of valid questionnaires choosing each answer, and that count ÷ valid questionnaires (multiple choice: percent of respondents, so options add up to more than 100 %).", "zh": "选择各答案的有效问卷数，及其占有效问卷数的百分比（多选题为占答题人数的百分比，各选项之和可超过 100%）。"},
    "survey.report.questions": {"en": "Answers per question (各题统计)", "zh": "各题统计"},
    "survey.report.overall": {"en": "Overall satisfaction and recommendation (CSAT, NPS)", "zh": "总体满意度与推荐意愿（CSAT、NPS）"},
    "survey.report.overall_note": {"en": "CSAT: percent answering one of the two highest answers (Wilson 95 % interval); NPS: percent promoters (9–10) − percent detractors (0–6).", "zh": "CSAT：选择最高两档答案的百分比（Wilson 95% 置信区间）；NPS：推荐者（9–10 分）百分比减去贬损者（0–6 分）百分比。"},
    "survey.report.likert": {"en": "Likert items (李克特量表)", "zh": "李克特量表题"},
    "survey.report.likert_note": {"en": "Answers as given (reverse-worded items are marked in the codebook); top and bottom box are the percent of the two highest / lowest answers.", "zh": "按原始答案统计（反向题在编码本中标出）；前两项/后两项为最高/最低两档答案的百分比。"},
    "survey.report.likert_axis": {"en": "percent of answers (left: disagree, right: agree)", "zh": "答案百分比（左：不同意，右：同意）"},
    "survey.report.bar_axis": {"en": "percent of valid questionnaires", "zh": "占有效问卷的百分比"},
    "survey.report.answer": {"en": "answer", "zh": "答案"},
    "survey.report.reverse": {"en": " (reverse-worded)", "zh": "（反向题）"},
    "survey.report.texts": {"en": "Free-text answers (开放题)", "zh": "开放题回答"},
    "survey.report.texts_more": {"en": "… and {n} more answers.", "zh": "……另有 {n} 条回答。"},
    "survey.report.other_text": {"en": "{q}: “other” written in", "zh": "{q}：“其他”填写内容"},
    "survey.report.groups": {"en": "Group comparison by {by}", "zh": "分组比较：{by}"},
    "survey.report.groups_note": {"en": "Per group: CSAT and NPS with 95 % intervals, Likert means with t intervals. Tests across groups: chi-square on the counts (effect size Cramér's V), Kruskal–Wallis on the scores (effect size ε² = H / (n − 1)).", "zh": "各组 CSAT、NPS（95% 置信区间）及李克特题均值（t 区间）。组间检验：计数用卡方检验（效应量 Cramér's V），分数用 Kruskal–Wallis 检验（效应量 ε² = H / (n − 1)）。"},
    "survey.report.crosstabs": {"en": "Cross-tabulations (交叉分析)", "zh": "交叉分析"},
    "survey.report.crosstab_line": {"en": "{row} × {col}: χ² = {chi2:.2f}, df = {dof}, p = {p:.4f}, Cramér's V = {v:.3f}", "zh": "{row} × {col}：χ² = {chi2:.2f}，自由度 {dof}，p = {p:.4f}，Cramér's V = {v:.3f}"},
    "survey.report.counts": {"en": "counts", "zh": "人数"},
    "survey.report.row_percent": {"en": "row %", "zh": "行百分比"},
    "survey.report.reliability": {"en": "Reliability (信度: Cronbach's alpha)", "zh": "信度（Cronbach's alpha）"},
    "survey.report.reliability_note": {"en": "Listwise deletion; reverse-coded items recoded; 95 % Feldt confidence interval.", "zh": "成列删除缺失值；反向题已反向计分；95% Feldt 置信区间。"},
    "survey.report.item_analysis": {"en": "Item analysis ({role} items):", "zh": "题项分析（{role}）："},
    "survey.report.servqual": {"en": "SERVQUAL gaps (服务质量差距) and satisfaction ratio", "zh": "SERVQUAL 服务质量差距与满意度比值"},
    "survey.report.servqual_note": {"en": "Gap = perception − expectation (negative: expectations not met); ratio = perception ÷ expectation, the course's satisfaction ratio (below 1: not met).", "zh": "差距 = 感知 − 期望（负值：未达期望）；比值 = 感知 ÷ 期望（小于 1：未达期望）。"},
    "survey.report.ipa": {"en": "Importance–performance analysis (重要性–绩效分析)", "zh": "重要性–绩效分析"},
    "survey.report.ipa_note": {"en": "Cut-offs are the means over dimensions; a value at or above its cut-off counts as high.", "zh": "分界线为各维度的平均值；不低于分界线即为“高”。"},
    "survey.report.by_unit": {"en": "By {by}:", "zh": "按 {by}："},
    "survey.report.f_received": {"en": "{received} questionnaires received, {valid} valid ({pct:.1f} %); {rejected} set aside as blank or invalid.", "zh": "共收到问卷 {received} 份，有效 {valid} 份（{pct:.1f}%）；{rejected} 份为白卷或废卷，未计入。"},
    "survey.report.f_csat": {"en": "CSAT {csat:.1f} % of respondents are satisfied or very satisfied (95 % CI {lo:.1f}–{hi:.1f} %).", "zh": "CSAT 为 {csat:.1f}%：满意或非常满意的受访者比例（95% 置信区间 {lo:.1f}–{hi:.1f}%）。"},
    "survey.report.f_nps": {"en": "NPS {nps:+.1f} (95 % CI {lo:+.1f} to {hi:+.1f}): {p} promoters, {pa} passives, {d} detractors.", "zh": "NPS 为 {nps:+.1f}（95% 置信区间 {lo:+.1f} 至 {hi:+.1f}）：推荐者 {p} 人，中立者 {pa} 人，贬损者 {d} 人。"},
    "survey.report.f_by": {"en": "By {by}: highest NPS {best} ({bv:+.1f}), lowest {worst} ({wv:+.1f}).", "zh": "按 {by}：NPS 最高为 {best}（{bv:+.1f}），最低为 {worst}（{wv:+.1f}）。"},
    "survey.report.f_by_csat": {"en": "By {by}: CSAT {best} {bv:.1f} % vs {worst} {wv:.1f} % ({sig}, χ² p = {p:.3f}).", "zh": "按 {by}：{best} 的 CSAT 为 {bv:.1f}%，{worst} 为 {wv:.1f}%（{sig}，卡方检验 p = {p:.3f}）。"},
    "survey.report.sig": {"en": "a significant difference", "zh": "差异显著"},
    "survey.report.nosig": {"en": "no significant difference", "zh": "差异不显著"},
    "survey.report.f_gap": {"en": "Largest shortfall: {label} (perception − expectation = {gap:+.2f}; satisfaction ratio {ratio:.2f}).", "zh": "差距最大：{label}（感知 − 期望 = {gap:+.2f}；满意度比值 {ratio:.2f}）。"},
    "survey.report.f_met": {"en": "Expectations met or exceeded on: {labels}.", "zh": "达到或超过期望：{labels}。"},
    "survey.report.f_focus": {"en": "Improve first (important but under-performing): {labels}.", "zh": "优先改进（重要但表现不佳）：{labels}。"},
    "survey.report.f_overkill": {"en": "Possible over-investment (performing well, less important): {labels}.", "zh": "可能过度投入（表现好但不太重要）：{labels}。"},
    "survey.report.f_low_item": {"en": "Lowest-rated item: {item} (mean {mean:.2f}, reverse-worded items flipped).", "zh": "得分最低的题目：{item}（均值 {mean:.2f}，反向题已反向计分）。"},
    "survey.column.stage": {"en": "stage", "zh": "阶段"},
    "survey.column.questionnaires": {"en": "questionnaires", "zh": "问卷数"},
    "survey.column.percent_of_received": {"en": "% of received", "zh": "占收到问卷%"},
    "survey.column.number": {"en": "no.", "zh": "题号"},
    "survey.column.question": {"en": "question", "zh": "题目代码"},
    "survey.column.text": {"en": "text", "zh": "题目"},
    "survey.column.code": {"en": "code", "zh": "代码"},
    "survey.column.label": {"en": "answer", "zh": "答案"},
    "survey.column.count": {"en": "count", "zh": "人数"},
    "survey.column.percent": {"en": "%", "zh": "百分比%"},
    "survey.column.percent_of_respondents": {"en": "% of respondents", "zh": "占答题人数%"},
    "survey.column.percent_of_answers": {"en": "% of answers", "zh": "占选择次数%"},
    "survey.column.measure": {"en": "measure", "zh": "指标"},
    "survey.column.value": {"en": "value", "zh": "数值"},
    "survey.column.ci_low": {"en": "95% CI low", "zh": "95%置信下限"},
    "survey.column.ci_high": {"en": "95% CI high", "zh": "95%置信上限"},
    "survey.column.n": {"en": "n", "zh": "样本量"},
    "survey.column.group": {"en": "group", "zh": "组别"},
    "survey.column.test": {"en": "test", "zh": "检验"},
    "survey.column.statistic": {"en": "statistic", "zh": "统计量"},
    "survey.column.df": {"en": "df", "zh": "自由度"},
    "survey.column.p_value": {"en": "p", "zh": "p值"},
    "survey.column.effect_size": {"en": "effect size", "zh": "效应量"},
    "survey.column.effect": {"en": "effect measure", "zh": "效应量指标"},
    "survey.column.row": {"en": "row", "zh": "行号"},
    "survey.column.status": {"en": "status", "zh": "状态"},
    "survey.column.reason": {"en": "reason", "zh": "原因"},
    "survey.column.detail": {"en": "detail", "zh": "详情"},
    "survey.column.item": {"en": "item", "zh": "题目代码"},
    "survey.column.mean": {"en": "mean", "zh": "均值"},
    "survey.column.sd": {"en": "sd", "zh": "标准差"},
    "survey.column.top_box": {"en": "top-2-box %", "zh": "前两项%"},
    "survey.column.bottom_box": {"en": "bottom-2-box %", "zh": "后两项%"},
    "survey.column.answer_text": {"en": "answer", "zh": "回答"},
    "survey.column.questionnaire": {"en": "questionnaire no.", "zh": "问卷编号"},
    "survey.column.scale": {"en": "scale", "zh": "量表"},
    "survey.column.items": {"en": "items", "zh": "题数"},
    "survey.column.alpha": {"en": "alpha", "zh": "α 系数"},
    "survey.value.received": {"en": "received", "zh": "收到问卷"},
    "survey.value.valid": {"en": "valid", "zh": "有效问卷"},
    "survey.value.rejected: ": {"en": "rejected: ", "zh": "剔除："},
    "survey.value.blank": {"en": "blank", "zh": "白卷"},
    "survey.value.invalid": {"en": "invalid", "zh": "废卷"},
    "survey.value.chi-square": {"en": "chi-square", "zh": "卡方检验"},
    "survey.value.Kruskal–Wallis": {"en": "Kruskal–Wallis", "zh": "Kruskal–Wallis 检验"},
    "survey.value.mean: ": {"en": "mean: ", "zh": "均值："},
    "survey.value.no answer": {"en": "no answer", "zh": "未回答"},
    "survey.value.CSAT (% top-2-box)": {"en": "CSAT (% top-2-box)", "zh": "CSAT（前两项%）"},
    "survey.value.duplicate_number": {"en": "questionnaire number used twice", "zh": "问卷编号重复"},
    "survey.value.missing_number": {"en": "no questionnaire number", "zh": "无问卷编号"},
    "survey.value.unreadable": {"en": "text where a number is expected", "zh": "数字题填了文字"},
    "survey.value.out_of_range": {"en": "answer code not allowed", "zh": "答案不在允许范围"},
    "survey.value.missing_required": {"en": "required question not answered", "zh": "必答题未答"},
    "survey.value.speeder": {"en": "answered too fast", "zh": "答题过快"},
    "survey.value.repeated_ip": {"en": "IP address used before", "zh": "IP 地址重复"},
    "survey.value.straight_lining": {"en": "same answer everywhere (straight-lining)", "zh": "所有题选同一答案"},
    "survey.sheet.statistics": {"en": "statistics", "zh": "统计表"},
    "survey.sheet.funnel": {"en": "funnel", "zh": "问卷检查"},
    "survey.sheet.rejected": {"en": "rejected", "zh": "剔除问卷"},
    "survey.sheet.matrix": {"en": "matrix", "zh": "矩阵"},
    "survey.sheet.likert": {"en": "likert", "zh": "李克特"},
    "survey.sheet.free_text": {"en": "free_text", "zh": "开放题"},
    "survey.sheet.group_measures": {"en": "group_measures", "zh": "分组指标"},
    "survey.sheet.group_tests": {"en": "group_tests", "zh": "分组检验"},
    "survey.sheet.reliability": {"en": "reliability", "zh": "信度"},
    "survey.sheet.item_analysis": {"en": "item_analysis", "zh": "题项分析"},
    "cli.help.list_describe_export_or_regenerate": {"en": "list, describe, export or regenerate the course datasets", "zh": "列出、查看、导出或重新生成课程数据集"},
    "cli.help.name_and_one_line_description": {"en": "name and one-line description of every table", "zh": "每张表的名称和一行说明"},
    "cli.help.columns_types_and_size_of": {"en": "columns, types and size of one table", "zh": "一张表的列、类型和大小"},
    "cli.help.write_one_table_to_a": {"en": "write one table to a .csv (Excel-friendly) or .xlsx file", "zh": "把一张表写成 .csv（可用 Excel 打开）或 .xlsx 文件"},
    "cli.help.regenerate_the_synthetic_tables_larger": {"en": "regenerate the synthetic tables (larger with --scale)", "zh": "重新生成合成数据表（用 --scale 生成更大的）"},
    "cli.help.folder_to_write_to_default": {"en": "folder to write to (default: the shipped datasets)", "zh": "写入的文件夹（默认：课程自带的数据集）"},
    "cli.help.size_relative_to_the_shipped": {"en": "size relative to the shipped data (default 1)", "zh": "相对于自带数据的规模（默认 1）"},
    "cli.help.crm_analytics_course_toolkit_datasets": {"en": "CRM analytics course toolkit: datasets, exercises, grading, surveys.", "zh": "CRM 数据分析课程工具：数据集、练习、评分、问卷。"},
    "cli.help.write_the_student_edition_of": {"en": "write the student edition of the course (no solutions)", "zh": "生成课程的学生版（不含答案）"},
    "cli.help.folder_to_write_default_student": {"en": "folder to write (default: student/)", "zh": "写入的文件夹（默认：student/）"},
    "cli.help.the_course_folder_default_here": {"en": "the course folder (default: here)", "zh": "课程文件夹（默认：当前文件夹）"},
    "cli.help.compute_the_labs_self_check": {"en": "compute the labs' self-check data without bubblewrap (not isolated)", "zh": "不用 bubblewrap 计算实训的自测数据（不隔离）"},
    "cli.help.investigation_reports_trainings_1_and": {"en": "investigation reports (trainings 1 and 4)", "zh": "调查报告（实训一和实训四）"},
    "cli.help.turn_a_report_notebook_into": {"en": "turn a report notebook into a Word document (.docx) and an HTML page", "zh": "把报告笔记本转成 Word 文档（.docx）和网页（HTML）"},
    "cli.help.the_report_notebook_see_reports": {"en": "the report notebook (see reports/report_template.ipynb)", "zh": "报告笔记本（见 reports/report_template.ipynb）"},
    "cli.help.folder_for_name_docx_and": {"en": "folder for <name>.docx and <name>.html", "zh": "存放 <name>.docx 和 <name>.html 的文件夹"},
    "cli.help.run_the_notebook_first_default": {"en": "run the notebook first (default: use its stored outputs)", "zh": "先运行笔记本（默认：使用其中保存的输出）"},
    "cli.help.printable_score_sheets_xlsx_and": {"en": "printable score sheets (xlsx and docx) from a rubric YAML", "zh": "根据评分标准 YAML 生成可打印的评分表（xlsx 和 docx）"},
    "cli.help.the_rubric_e_g_exercises": {"en": "the rubric, e.g. exercises/rubric_presentation.yaml", "zh": "评分标准，例如 exercises/rubric_presentation.yaml"},
    "cli.help.folder_for_the_xlsx_and": {"en": "folder for the .xlsx and .docx sheets", "zh": "存放 .xlsx 和 .docx 评分表的文件夹"},
    "cli.help.rater_rows_per_student_in": {"en": "rater rows per student in the xlsx (default 1)", "zh": "xlsx 中每名学生的评分人行数（默认 1）"},
    "cli.help.blank_rows_in_the_xlsx": {"en": "blank rows in the xlsx (default 30)", "zh": "xlsx 中的空白行数（默认 30）"},
    "cli.help.seconds_per_notebook_default_300": {"en": "seconds per notebook (default 300)", "zh": "每个笔记本的秒数上限（默认 300）"},
    "cli.help.seconds_per_cell_default_30": {"en": "seconds per cell (default 30)", "zh": "每个单元格的秒数上限（默认 30）"},
    "cli.help.memory_per_submission_in_mb": {"en": "memory per submission in MB (default 2048)", "zh": "每份作业的内存上限，单位 MB（默认 2048）"},
    "cli.help.private_tmp_holding_the_job": {"en": "private /tmp (holding the job folder) per submission in MB (default 256)", "zh": "每份作业私有的 /tmp（含作业文件夹）大小，单位 MB（默认 256）"},
    "cli.help.run_without_bubblewrap_not_isolated": {"en": "run without bubblewrap (NOT isolated: only for code you trust; recorded in gradebook.meta.json). Without it, grading refuses when bubblewrap is missing", "zh": "不用 bubblewrap 运行（不隔离：只用于你信任的代码；会记录在 gradebook.meta.json 中）。不加此选项时，没有 bubblewrap 就拒绝评分"},
    "cli.help.release_a_lab_strip_solutions": {"en": "release a lab: strip solutions, add self-checks", "zh": "发布实训：去掉答案，加上自测"},
    "cli.help.the_instructor_s_source_notebook": {"en": "the instructor's source notebook", "zh": "教师的源笔记本"},
    "cli.help.folder_for_the_student_version": {"en": "folder for the student version", "zh": "存放学生版的文件夹"},
    "cli.help.release_language_zh_takes_the": {"en": "release language: zh takes the markdown from <folder>/translations/<lab>.zh.yaml and gives Chinese stubs, self-checks and check messages (default en)", "zh": "发布语言：zh 使用 <folder>/translations/<lab>.zh.yaml 中的文字，占位代码、自测和检查提示都是中文（默认 en）"},
    "cli.help.autograde_submitted_notebooks_into_a": {"en": "autograde submitted notebooks into a gradebook", "zh": "自动评阅提交的笔记本并生成成绩表"},
    "cli.help.folder_or_zip_student_ipynb": {"en": "folder or .zip: <student>.ipynb files, a Canvas or Moodle download", "zh": "文件夹或 .zip：<学生>.ipynb 文件，或从 Canvas、Moodle 下载的作业"},
    "cli.help.folder_for_gradebook_exports_and": {"en": "folder for gradebook, exports and feedback", "zh": "存放成绩表、导出文件和反馈的文件夹"},
    "cli.help.submissions_graded_at_once_default": {"en": "submissions graded at once (default: CPU cores)", "zh": "同时评阅的作业份数（默认：CPU 核数）"},
    "cli.help.regrade_submissions_that_already_have": {"en": "regrade submissions that already have a result", "zh": "重新评阅已有结果的作业"},
    "cli.help.re_grade_only_this_student": {"en": "(re)grade only this student (LMS id, 学号 or unique name)", "zh": "只（重新）评阅这名学生（LMS 编号、学号或唯一的姓名）"},
    "cli.help.iso_date_time_e_g": {"en": "ISO date-time, e.g. 2026-03-01T23:59", "zh": "ISO 格式的日期时间，例如 2026-03-01T23:59"},
    "cli.help.submission_times_csv_student_submitted": {"en": "submission times: CSV student,submitted_at (LMS id, 学号 or name) or Moodle's grading worksheet; every student must be listed (see --times-partial)", "zh": "提交时间：CSV 文件 student,submitted_at（LMS 编号、学号或姓名），或 Moodle 的评分工作表；必须列出每名学生（见 --times-partial）"},
    "cli.help.students_missing_from_times_count": {"en": "students missing from --times count as on time", "zh": "--times 中没有列出的学生按按时提交计算"},
    "cli.help.use_the_files_modification_times": {"en": "use the files' modification times for students without a time (wrong after copying)", "zh": "没有提交时间的学生使用文件的修改时间（复制后会不准确）"},
    "cli.help.class_list_csv_name_lms": {"en": "class list CSV: 学号, 姓名/name, lms_id, email", "zh": "班级名单 CSV：学号、姓名/name、lms_id、email"},
    "cli.help.merge_a_filled_in_manual": {"en": "merge a filled-in manual/scores.csv or .xlsx (hand-graded questions)", "zh": "合并填好的 manual/scores.csv 或 .xlsx（人工评分的题目）"},
    "cli.help.feedback_language_en_or_zh": {"en": "feedback language: en or zh (default: the lab's, CRMLAB_LANG, locale)", "zh": "反馈语言：en 或 zh（默认：各学生所交实训的语言，其次 CRMLAB_LANG、系统语言）"},
    "cli.help.share_of_the_total_deducted": {"en": "share of the total deducted per started day late (default 0.10)", "zh": "每迟交一天（不足一天按一天）扣除总分的比例（默认 0.10）"},
    "cli.help.zero_points_from_this_many": {"en": "zero points from this many days late", "zh": "迟交达到这么多天时记零分"},
    "cli.help.csv_student_question_points_comment": {"en": "CSV student,question,points[,comment]", "zh": "CSV 文件：student,question,points[,comment]"},
    "cli.help.no_progress_bar": {"en": "no progress bar", "zh": "不显示进度条"},
    "cli.help.secret_run_the_source_and": {"en": "secret: run the source and every submission on hidden data generated from it (default: <out>/.private/variant-seed if present)", "zh": "密钥：用由它生成的隐藏数据运行源笔记本和每份作业（默认：存在时使用 <out>/.private/variant-seed）"},
    "cli.help.read_the_secret_from_this": {"en": "read the secret from this file", "zh": "从这个文件读取密钥"},
    "cli.help.score_presentations_with_a_rubric": {"en": "score presentations with a rubric", "zh": "按评分标准给展示打分"},
    "cli.help.combine_raters_score_sheets_csv": {"en": "combine raters' score sheets (CSV or xlsx) into student and group scores", "zh": "把各评分人的评分表（CSV 或 xlsx）汇总成学生和小组得分"},
    "cli.help.exit_status_0_all_scores": {"en": "Exit status: 0 all scores present; 1 scores computed but some are missing (the warnings say which, one line per problem); 2 unusable input (nothing written).", "zh": "退出状态：0 所有分数齐全；1 已算出分数但有缺失（警告逐行说明缺哪些）；2 输入无法使用（什么也没写）。"},
    "cli.help.score_sheets_csv_utf_8": {"en": "score sheets: CSV (UTF-8 or GBK) or xlsx files (every sheet of a workbook is read)", "zh": "评分表：CSV（UTF-8 或 GBK）或 xlsx 文件（读取工作簿的每张工作表）"},
    "cli.help.the_rubric_yaml": {"en": "the rubric (YAML)", "zh": "评分标准（YAML）"},
    "cli.help.rater_role_weights_e_g": {"en": "rater-role weights, e.g. teacher=0.6,student=0.4 (default: the rubric's)", "zh": "评分人角色权重，例如 teacher=0.6,student=0.4（默认：评分标准中的）"},
    "cli.help.csv_student_group_to_roll": {"en": "CSV student,group to roll up group scores", "zh": "CSV 文件 student,group，用于汇总小组得分"},
    "cli.help.csv_rater_student_or_rater": {"en": "CSV rater,student or rater,group: who scores whom (only missing assigned scores warn)", "zh": "CSV 文件 rater,student 或 rater,group：谁给谁打分（只对缺少的指定评分发出警告）"},
    "cli.help.folder_for_students_csv_groups": {"en": "folder for students.csv, groups.csv, details.csv", "zh": "存放 students.csv、groups.csv、details.csv 的文件夹"},
    "cli.help.month_end_customer_grading_a": {"en": "month-end customer grading A–D (客户分级) and the grade table", "zh": "月末客户分级（A–D 级）和客户分级表"},
    "cli.help.grade_every_customer_and_write": {"en": "grade every customer and write the grade table", "zh": "给每位客户评级并写出客户分级表"},
    "cli.help.write_the_table_xlsx_or": {"en": "write the table (.xlsx or .csv)", "zh": "写出分级表（.xlsx 或 .csv）"},
    "cli.help.month_ends_graded_ending_at": {"en": "month ends graded, ending at --month-end (default 2: enough for the two-consecutive-C rule)", "zh": "评级的月末数，截至 --month-end（默认 2：足以应用“连续两次 C 级”规则）"},
    "cli.help.year_on_year_basis_year": {"en": "year-on-year basis: year to date (default) or trailing 12 months", "zh": "同比口径：本年累计（默认）或滚动 12 个月"},
    "cli.help.collections_command": {"en": "the collections matrix (信用管理) and the receivables-ageing table",
                                     "zh": "回款矩阵（信用管理）和账龄分析表"},
    "cli.help.collections_month_end": {"en": "the review day (a month end)", "zh": "检查日（月末）"},
    "cli.help.collections_data": {"en": "folder with b2b_invoices.csv (default: shipped data)",
                                  "zh": "含 b2b_invoices.csv 的文件夹（默认：课程自带数据）"},
    "cli.help.collections_age_basis": {"en": "age receivables from the invoice date (账龄, default) or the due date",
                                       "zh": "账龄从发票日期算起（默认）或从到期日算起"},
    "cli.help.collections_amount_line": {"en": "a customer's open total at or above this is large (default 100000)",
                                         "zh": "客户未收回总额达到此数即为欠款多（默认 100000）"},
    "cli.help.collections_age_line": {"en": "a receivable this many months old or more is aged (default 2)",
                                      "zh": "账龄达到此月数即为账龄长（默认 2）"},
    "cli.help.collections_out": {"en": "write the receivables-ageing table (.xlsx or .csv)",
                                 "zh": "写出账龄分析表（.xlsx 或 .csv）"},
    "cli.collections_heading_invoice": {"en": "collections matrix at {month}, receivables aged from the invoice date (账龄):",
                                        "zh": "{month} 的回款矩阵，账龄从发票日期算起："},
    "cli.collections_heading_due": {"en": "collections matrix at {month}, receivables aged from the due date (months overdue):",
                                    "zh": "{month} 的回款矩阵，账龄从到期日算起（逾期月数）："},
    "cli.collections_not_due": {"en": "not yet due (in no cell): {count} receivables of {customers} customers, {amount}",
                                "zh": "尚未到期（不进入任何格子）：{customers} 位客户的 {count} 张应收账款，共 {amount}"},
    "cli.help.assign_roster": {"en": "class list CSV (学号/name/lms_id): one notebook per student, <out>/<student id>/, "
                                     "each with the student's own data (needs the secret)",
                               "zh": "班级名单 CSV（学号/姓名/lms_id）：每名学生一个笔记本，<out>/<学号>/，"
                                     "每人用自己的一份数据（需要密钥）"},
    "cli.help.assign_variant_seed": {"en": "with --roster: the class's secret (16+ characters; prefer --variant-seed-file)",
                                     "zh": "与 --roster 一起用：本班的密钥（至少 16 个字符；最好用 --variant-seed-file）"},
    "cli.help.assign_jobs": {"en": "with --roster: students prepared at once", "zh": "与 --roster 一起用：同时准备的学生数"},
    "cli.help.grade_similarity": {"en": "also write similarity.html/.csv: pairs of submissions whose own code is unusually "
                                        "similar (a reason to look, not a verdict)",
                                  "zh": "另写出 similarity.html/.csv：自己写的代码异常相似的作业对（值得查看，不是结论）"},
    "cli.assign_seed_without_roster": {"en": "error: --variant-seed is for --roster (personal datasets); a release "
                                             "without a roster uses the public data",
                                       "zh": "错误：--variant-seed 用于 --roster（每人一份数据）；不带名单的发布使用公开数据"},
    "cli.assign_roster_needs_secret": {"en": "error: --roster needs the class's secret: --variant-seed-file FILE (or "
                                             "--variant-seed SECRET), the same one you will give crmlab grade",
                                       "zh": "错误：--roster 需要本班的密钥：--variant-seed-file 文件（或 --variant-seed 密钥），"
                                             "与之后给 crmlab grade 的相同"},
    "cli.assign_roster_wrote": {"en": "wrote {count} personal notebooks: {out}/<student id>/{name} and {stem}.checks.json "
                                      "(give each student their own folder)",
                                "zh": "已写入 {count} 个个人笔记本：{out}/<学号>/{name} 和 {stem}.checks.json"
                                      "（把各自的文件夹发给每名学生）"},
    "cli.help.write_the_course_s_scorecard": {"en": "write the course's scorecard to edit", "zh": "写出课程的评分表，供修改"},
    "cli.help.a_yaml_or_json_file": {"en": "a .yaml or .json file", "zh": "一个 .yaml 或 .json 文件"},
    "cli.help.why_a_customer_got_its": {"en": "why a customer got its grade", "zh": "解释某位客户为什么得到这个级别"},
    "cli.help.last_day_of_the_graded": {"en": "last day of the graded month", "zh": "评级月份的最后一天"},
    "cli.help.folder_with_the_three_b2b": {"en": "folder with the three b2b_*.csv files (default: shipped data)", "zh": "包含三个 b2b_*.csv 文件的文件夹（默认：课程自带数据）"},
    "cli.help.scorecard_yaml_json_default_the": {"en": "scorecard .yaml/.json (default: the course's scorecard)", "zh": "评分表 .yaml/.json（默认：课程的评分表）"},
    "cli.help.draft_a_codebook_validate_tally": {"en": "draft a codebook, validate, tally and report a satisfaction survey", "zh": "满意度调查：起草编码本、检查问卷、统计并生成报告"},
    "cli.help.draft_a_codebook_from_a": {"en": "draft a codebook from a survey export", "zh": "根据问卷导出文件起草编码本"},
    "cli.help.codebook_tools_the_format_is": {"en": "Codebook tools. The format is documented in docs/survey_codebook.md.", "zh": "编码本工具。格式说明见 docs/survey_codebook.md。"},
    "cli.help.write_a_starting_codebook_numbers": {"en": "write a starting codebook (numbers, texts, guessed types, options found)", "zh": "写出一份初始编码本（题号、题目、推测的题型、找到的选项）"},
    "cli.help.read_an_export_best_s": {"en": "Read an export (best: 问卷星's by-option-text export) and write a codebook to edit: question numbers and texts, types guessed (single, multiple with options, matrix with rows, 0–10 rating, number, free text) and the option labels found. Then add dimensions, roles, reverse rows and required flags.", "zh": "读取导出文件（最好是问卷星“按选项文本”导出的文件），写出一份待修改的编码本：题号和题目、推测的题型（单选、带选项的多选、带行的矩阵题、0–10 评分、数字、开放题）以及找到的选项标签。然后补充维度、角色、反向题和必答标记。"},
    "cli.help.survey_export_csv_or_xlsx": {"en": "survey export (.csv or .xlsx)", "zh": "问卷导出文件（.csv 或 .xlsx）"},
    "cli.help.codebook_file_to_write_yaml": {"en": "codebook file to write (YAML)", "zh": "要写出的编码本文件（YAML）"},
    "cli.help.excel_sheet_name_or_number": {"en": "Excel sheet name or number", "zh": "Excel 工作表名称或序号"},
    "cli.help.overwrite_out_if_it_exists": {"en": "overwrite --out if it exists", "zh": "--out 已存在时覆盖它"},
    "cli.help.survey_export_csv_utf_8": {"en": "survey export: .csv (UTF-8/GBK) or .xlsx from 问卷星, 腾讯问卷, Qualtrics, Google Forms, or typed in with the codebook's ids", "zh": "问卷导出文件：来自问卷星、腾讯问卷、Qualtrics、Google 表单的 .csv（UTF-8/GBK）或 .xlsx，或按编码本的题目代码录入的数据"},
    "cli.help.questionnaire_definition_yaml_yml_or": {"en": "questionnaire definition (.yaml/.yml or .json)", "zh": "问卷定义（.yaml/.yml 或 .json）"},
    "cli.help.questionnaires_sharing_a_number_keep": {"en": "questionnaires sharing a number: keep the first valid one, or reject all", "zh": "问卷编号重复时：保留第一份有效问卷，或全部剔除"},
    "cli.help.exit_with_status_1_when": {"en": "exit with status 1 when any questionnaire was rejected", "zh": "有问卷被剔除时以状态 1 退出"},
    "cli.help.tally_only_this_question_id": {"en": "tally only this question id (repeatable; default: every closed question)", "zh": "只统计这道题（可重复；默认：所有封闭题）"},
    "cli.help.tally_per_unit_of_this": {"en": "tally per unit of this column or question (e.g. collector)", "zh": "按这一列或这道题分组统计（例如 collector）"},
    "cli.help.question_or_column_whose_groups": {"en": "question (or column) whose groups are compared, e.g. the membership question: CSAT, NPS and Likert means per group with intervals and tests", "zh": "用于分组比较的题目（或列），例如会员题：各组的 CSAT、NPS 和李克特均值，带置信区间和检验"},
    "cli.help.cross_tabulate_two_questions_with": {"en": "cross-tabulate two questions with chi-square and Cramér's V (repeatable)", "zh": "对两道题做交叉分析，给出卡方检验和 Cramér's V（可重复）"},
    "cli.help.language_of_headings_and_column": {"en": "language of headings and column names (default: zh when the codebook's texts are Chinese, else en)", "zh": "标题和列名的语言（默认：编码本的题目是中文时为 zh，否则为 en）"},
    "cli.help.report_title_default_the_codebook": {"en": "report title (default: the codebook's)", "zh": "报告标题（默认：编码本中的标题）"},
    "cli.help.survey_description": {"en": "Start with `crmlab survey codebook draft EXPORT --out codebook.yaml`, edit the codebook (docs/survey_codebook.md), then validate, tally and report. Check questionnaires (blank 白卷 / invalid 废卷), tally answers and write a report.", "zh": "先用 `crmlab survey codebook draft EXPORT --out codebook.yaml` 起草编码本，修改它（见 docs/survey_codebook.md），再检查、统计并生成报告：检查问卷（白卷、废卷），统计答案，写出调查报告。"},
    "cli.help.survey_exit": {"en": "Exit status: 0 results written (rejected questionnaires are listed, not an error); 1 only with --strict when a questionnaire was rejected; 2 nothing could be produced.", "zh": "退出状态：0 已写出结果（被剔除的问卷会列出，不算错误）；1 仅在加了 --strict 且有问卷被剔除时；2 什么也没能生成。"},
    "cli.help.survey_validate": {"en": "list rejected questionnaires with reasons; --out writes valid.csv, rejected.csv, issues.csv", "zh": "列出被剔除的问卷及原因；--out 写出 valid.csv、rejected.csv、issues.csv"},
    "cli.help.survey_tally": {"en": "the statistics table (counts and %% of valid questionnaires); --out writes statistics.csv", "zh": "统计表（人数及占有效问卷的百分比）；--out 写出 statistics.csv"},
    "cli.help.survey_report": {"en": "write report.html (self-contained), report.md and 统计表.xlsx to --out", "zh": "把 report.html（单个文件即可打开）、report.md 和 统计表.xlsx 写到 --out"},
    "cli.help.sentence_end": {"en": ". ", "zh": "。"},
    "cli.help.out_report": {"en": "folder to write results to", "zh": "写入结果的文件夹"},
    "cli.help.out_print": {"en": "folder to write results to (none: print only)", "zh": "写入结果的文件夹（不给则只显示）"},
    "plot.no_cjk_font": {
        "en": "No Chinese (CJK) font is installed, so Chinese labels will show as empty boxes. Install one and restart "
              "the kernel: Debian/Ubuntu `sudo apt-get install fonts-noto-cjk` (or the small fonts-wqy-microhei); "
              "Fedora `sudo dnf install google-noto-sans-cjk-fonts`; Windows and macOS already have Microsoft YaHei / "
              "PingFang SC.",
        "zh": "没有安装中文（CJK）字体，图中的中文会显示成空方框。请安装一个中文字体后重启内核：Debian/Ubuntu 用 "
              "`sudo apt-get install fonts-noto-cjk`（或较小的 fonts-wqy-microhei）；Fedora 用 "
              "`sudo dnf install google-noto-sans-cjk-fonts`；Windows 和 macOS 已自带微软雅黑 / 苹方。"},
    # what a computation left out (crmlab._checks.ExclusionReport): the frame, then each reason
    "excluded.all_used": {"en": "all {received} rows used", "zh": "全部 {received} 行都已使用"},
    "excluded.summary": {"en": "{received} rows received, {excluded} excluded: {parts}",
                         "zh": "收到 {received} 行，排除 {excluded} 行：{parts}"},
    "excluded.reason": {"en": "{count} {reason} (e.g. {examples})", "zh": "{reason} {count} 个（例如 {examples}）"},
    "excluded.separator": {"en": "; ", "zh": "；"},
    "excluded.warning": {"en": "{what} left rows out: {report}", "zh": "{what} 排除了部分行：{report}"},
    "excluded.receivables_not_yet_due": {"en": "receivables not yet due (in no cell: they cannot be collected yet)",
                                         "zh": "尚未到期的应收账款（不进入任何格子：现在还不能催收）"},
    "excluded.customers_without_invoice": {"en": "customers without an invoice in the 12 months (payment cycle and "
                                                 "default rate not measured: the median cycle and a rate of 0 are used)",
                                           "zh": "12 个月内没有发票的客户（回款周期和违约率无法测量：使用回款周期中位数和 0 违约率）"},
    "excluded.oversized_blocks": {"en": "records in {label} blocks of more than {size} records (not compared on {label})",
                                  "zh": "{label} 分块超过 {size} 条记录的记录（不按 {label} 比较）"},
    "excluded.rows_without_customer": {"en": "rows without a customer id", "zh": "没有客户编号的行"},
    "excluded.rows_without_date": {"en": "rows without a date", "zh": "没有日期的行"},
    "excluded.rows_without_amount": {"en": "rows without an amount", "zh": "没有金额的行"},
    "excluded.rows_after_as_of": {"en": "rows dated on or after the as-of date", "zh": "日期在分析截止日当天或之后的行"},
    "excluded.negative_value": {"en": "customers with a negative value", "zh": "价值为负的客户"},
    "excluded.only_returns": {"en": "rows of customers who only returned goods (no purchase)",
                              "zh": "只有退货（没有购买）的客户的行"},
    "excluded.open_include_open": {"en": "open opportunities (include_open=False)",
                                   "zh": "尚未结束的商机（include_open=False）"},
    "excluded.open": {"en": "open opportunities (not yet won or lost)", "zh": "尚未结束的商机（还没有赢单或丢单）"},
    "excluded.not_outcome": {"en": "opportunities not {outcomes}", "zh": "结果不是 {outcomes} 的商机"},
    "excluded.closed_without_dates": {"en": "closed opportunities without a created or closed date",
                                      "zh": "缺少创建日期或结束日期的已结束商机"},
    "excluded.organic": {"en": "opportunities without a campaign (organic)", "zh": "没有来源活动的商机（自然来源）"},
    "excluded.unknown_campaign": {"en": "opportunities naming an unknown campaign", "zh": "来源活动不存在的商机"},
    "excluded.no_opening_time": {"en": "tickets without an opening time", "zh": "没有开单时间的工单"},
    "excluded.after_as_of_moment": {"en": "tickets opened on or after the as-of moment", "zh": "在分析截止时刻当时或之后开单的工单"},
    "excluded.not_surveyed": {"en": "tickets without a satisfaction score (not surveyed)", "zh": "没有满意度评分的工单（未回访）"},
    "excluded.no_category": {"en": "tickets without a category", "zh": "没有类别的工单"},
    "excluded.after_observation_end": {"en": "dated after observation_end {date}", "zh": "日期晚于 observation_end {date}"},
    "excluded.after_calibration_end": {"en": "of customers whose first purchase is after calibration_end {date}",
                                       "zh": "首次购买晚于 calibration_end {date} 的客户的记录"},
    "excluded.returns": {"en": "rows of returns or without a positive {column}", "zh": "退货或 {column} 不为正数的行"},
    "excluded.rows_without_column": {"en": "rows without a {column}", "zh": "没有 {column} 的行"},
    "excluded.rows_without_any": {"en": "rows without {what}", "zh": "没有 {what} 的行"},
    "survey.validation.summary": {"en": "{received} questionnaires received: {valid} valid, {rejected} rejected",
                                  "zh": "收到问卷 {received} 份：有效 {valid} 份，剔除 {rejected} 份"},
    "survey.validation.parts": {"en": " ({parts})", "zh": "（{parts}）"},
    "survey.validation.part": {"en": "{count} {reason}", "zh": "{reason} {count} 份"},
    "survey.validation.separator": {"en": ", ", "zh": "，"},
    # the run summary an instructor reads
    "summary.graded": {"en": "graded {count} submission(s) ({total} in {path})",
                       "zh": "本次评了 {count} 份作业（{path} 中共 {total} 份）"},
    "summary.variant": {"en": "hidden data variant", "zh": "使用了隐藏数据变体"},
    "summary.problems": {"en": "{count} with status timeout/crashed/invalid (see the gradebook)",
                         "zh": "{count} 份状态为超时/崩溃/无效（见成绩表）"},
    "summary.late": {"en": "{count} student(s) late: {details}", "zh": "{count} 名学生迟交：{details}"},
    "summary.late_one": {"en": "{student} {days} day(s)", "zh": "{student} {days} 天"},
    "summary.on_time": {"en": "no student was late (deadline {deadline})", "zh": "无人迟交（截止 {deadline}）"},
    "summary.others": {"en": "{student}: graded {graded}; also handed in {others}",
                       "zh": "{student}：评分 {graded}；另交了 {others}"},
    "summary.not_by_name": {"en": "{student}: no notebook named {assignment}.ipynb, graded {graded}; also handed in {others}",
                            "zh": "{student}：没有名为 {assignment}.ipynb 的笔记本，评分 {graded}；另交了 {others}"},
    "summary.not_on_roster": {"en": "{student} ({file}) is not on the roster", "zh": "{student}（{file}）不在名单中"},
    "summary.no_submission": {"en": "{count} student(s) on the roster without a submission: {students}",
                              "zh": "名单中 {count} 名学生未提交：{students}"},
    "summary.roster_ambiguous": {"en": "{student}: {count} students of this name on the roster and no id to tell them "
                                       "apart (name the file with the 学号)",
                                 "zh": "{student}：名单中有 {count} 名同名学生且没有编号可区分（请用学号命名文件）"},
    "summary.manual_pending": {"en": "{count} answer(s) to grade by hand: see {path}",
                               "zh": "{count} 个答案需人工评分：见 {path}"},
    "summary.manual_merged": {"en": "merged {count} hand-graded score(s) from {path}",
                              "zh": "已从 {path} 合并 {count} 个人工评分"},
    # comparing an answer (grader and self-check share these: crmlab.grader.compare)
    "compare.correct": {"en": "correct", "zh": "正确"},
    "compare.not_correct": {"en": "not correct", "zh": "不正确"},
    "compare.kind.number": {"en": "numbers", "zh": "数字"},
    "compare.kind.text": {"en": "text", "zh": "文本"},
    "compare.kind.datetime": {"en": "dates", "zh": "日期"},
    "compare.kind.bool": {"en": "True/False values", "zh": "True/False 值"},
    "compare.kind.mixed": {"en": "a mix of types", "zh": "多种类型混合的值"},
    "compare.type.frame": {"en": "a DataFrame", "zh": "一个 DataFrame（表）"},
    "compare.type.series": {"en": "a Series", "zh": "一个 Series（序列）"},
    "compare.type.list": {"en": "a list", "zh": "一个列表（list）"},
    "compare.type.set": {"en": "a set", "zh": "一个集合（set）"},
    "compare.type.dict": {"en": "a dict", "zh": "一个字典（dict）"},
    "compare.type.scalar": {"en": "a single value", "zh": "单个值"},
    "compare.type.unknown": {"en": "an unknown value", "zh": "无法识别的值"},
    "compare.value.missing": {"en": "None/NaN", "zh": "空值（None/NaN）"},
    "compare.value.number": {"en": "a number", "zh": "一个数字"},
    "compare.value.text": {"en": "text", "zh": "文本"},
    "compare.value.bool": {"en": "a True/False value", "zh": "一个 True/False 值"},
    "compare.value.datetime": {"en": "a date", "zh": "一个日期"},
    "compare.value.other": {"en": "a value", "zh": "一个值"},
    "compare.want.number": {"en": "a number", "zh": "一个数字"},
    "compare.want.text": {"en": "text (a str)", "zh": "文本（str）"},
    "compare.want.bool": {"en": "True or False", "zh": "True 或 False"},
    "compare.want.choice": {"en": "one label as text, e.g. 'B'", "zh": "一个选项标签（文本），例如 'B'"},
    "compare.expected_got": {"en": "expected {want}, got {got}", "zh": "应为{want}，实际得到{got}"},
    "compare.expected_list": {"en": "a list of values", "zh": "一组值（列表）"},
    "compare.expected_collection": {"en": "a collection of values", "zh": "一组值（集合或列表）"},
    "compare.duplicate_columns": {"en": "column {columns} appears more than once", "zh": "列 {columns} 出现了不止一次"},
    "compare.missing_columns.one": {"en": "missing column {columns}", "zh": "缺少列 {columns}"},
    "compare.missing_columns.many": {"en": "missing columns {columns}", "zh": "缺少列 {columns}"},
    "compare.extra_columns.one": {"en": "unexpected column {columns}", "zh": "多出了列 {columns}"},
    "compare.extra_columns.many": {"en": "unexpected columns {columns}", "zh": "多出了列 {columns}"},
    "compare.rows_off.one": {"en": "{count} row too {how}", "zh": "行数{how} {count} 行"},
    "compare.rows_off.many": {"en": "{count} rows too {how}", "zh": "行数{how} {count} 行"},
    "compare.items_off.one": {"en": "{count} item too {how}", "zh": "项数{how} {count} 项"},
    "compare.items_off.many": {"en": "{count} items too {how}", "zh": "项数{how} {count} 项"},
    "compare.too_many": {"en": "many", "zh": "多了"},
    "compare.too_few": {"en": "few", "zh": "少了"},
    "compare.column_kind": {"en": "column `{column}` should hold {want}, it holds {got}",
                            "zh": "列 `{column}` 应为{want}，现在是{got}"},
    "compare.after_sorting_rows": {"en": "after sorting the rows, ", "zh": "按行排序后，"},
    "compare.after_sorting": {"en": "after sorting, ", "zh": "排序后，"},
    "compare.frame_differs.one": {"en": "{where}values differ from row {first} on ({bad} of {count} rows; column {columns})",
                                  "zh": "{where}从第 {first} 行起数值不同（{count} 行中有 {bad} 行；列 {columns}）"},
    "compare.frame_differs.many": {"en": "{where}values differ from row {first} on ({bad} of {count} rows; columns {columns})",
                                   "zh": "{where}从第 {first} 行起数值不同（{count} 行中有 {bad} 行；列 {columns}）"},
    "compare.index_differs": {"en": "the row labels (index) differ from row {position} on",
                              "zh": "从第 {position} 行起行标签（索引）不同"},
    "compare.whole_columns": {"en": "values differ in column {columns} (the self-check does not say which rows for "
                                    "whole numbers, text and labels: that would let a script recover them one cell "
                                    "at a time)",
                              "zh": "列 {columns} 的值不对（对整数、文本和标签，自测不指出是哪几行：否则脚本可以逐格试出答案）"},
    "compare.index_differs_whole": {"en": "the row labels (index) differ", "zh": "行标签（index）不对"},
    "compare.sequence_differs_whole": {"en": "the values differ (the self-check does not say where for whole numbers, "
                                             "text and labels: that would let a script recover them one at a time)",
                                       "zh": "值不对（对整数、文本和标签，自测不指出位置：否则脚本可以逐个试出答案）"},
    "compare.set_differs_whole": {"en": "the collection is not the expected one ({count} distinct items expected; the "
                                        "self-check does not say which are missing, so that no script can find them "
                                        "one by one)",
                                  "zh": "这组值不对（应有 {count} 个不同的项；自测不指出缺了哪些，以免脚本逐个试出）"},
    "compare.series_name": {"en": "the Series has the wrong name", "zh": "Series 的名称（name）不对"},
    "compare.series_kind": {"en": "the Series should hold {want}, it holds {got}", "zh": "Series 应为{want}，现在是{got}"},
    "compare.sequence_differs_row": {"en": "{where}values differ from row {first} on ({bad} of {count})",
                                     "zh": "{where}从第 {first} 行起数值不同（{count} 个中有 {bad} 个）"},
    "compare.sequence_differs_position": {"en": "{where}values differ from position {first} on ({bad} of {count})",
                                          "zh": "{where}从第 {first} 个位置起数值不同（{count} 个中有 {bad} 个）"},
    "compare.items_missing.one": {"en": "{count} expected item is missing", "zh": "缺少 {count} 个应有的项"},
    "compare.items_missing.many": {"en": "{count} expected items are missing", "zh": "缺少 {count} 个应有的项"},
    "compare.items_extra.one": {"en": "{count} item that should not be there", "zh": "有 {count} 个不该出现的项"},
    "compare.items_extra.many": {"en": "{count} items that should not be there", "zh": "有 {count} 个不该出现的项"},
    "compare.not_a_choice": {"en": "'{value}' is not one of the choices {choices}", "zh": "'{value}' 不是选项 {choices} 之一"},
    "compare.value_wrong": {"en": "the value is not correct", "zh": "数值不正确"},
    "compare.unreadable": {"en": "the answer could not be read", "zh": "无法读取这个答案"},
    "compare.format_only_note": {"en": "the form is right; the value itself is not checked here (it is graded)",
                                 "zh": "形式正确；这里不检查具体数值（评分时会检查）"},
    "compare.not_called": {"en": "not called", "zh": "没有被调用"},
    "compare.case.one": {"en": "hidden case {numbers}", "zh": "隐藏测试 {numbers}"},
    "compare.case.many": {"en": "hidden cases {numbers}", "zh": "隐藏测试 {numbers}"},
    "compare.case_failed": {"en": "{cases}: {message}", "zh": "{cases}：{message}"},
    "compare.named": {"en": "`{name}`: {message}", "zh": "`{name}`：{message}"},
    "compare.list_sep": {"en": "; ", "zh": "；"},
    # hints for numeric slips (crmlab.grader.hints)
    "hint.percentage": {"en": "looks like a percentage: the answer is a share (divide by 100)",
                        "zh": "看起来是百分数：答案应是比例（除以 100）"},
    "hint.share": {"en": "looks like a share: the answer is a percentage (multiply by 100)",
                   "zh": "看起来是比例：答案应是百分数（乘以 100）"},
    "hint.factor": {"en": "off by a factor of {factor}: check the units", "zh": "相差 {factor} 倍：请检查单位"},
    "hint.factor_1000": {"en": "1,000 (thousands?)", "zh": "1000（千？）"},
    "hint.factor_1000000": {"en": "1,000,000 (millions?)", "zh": "1000000（百万？）"},
    "hint.rounded.one": {"en": "looks rounded to {count} decimal too early: keep full precision until the end",
                         "zh": "看起来过早四舍五入到了 {count} 位小数：请保留完整精度，最后再取舍"},
    "hint.rounded.many": {"en": "looks rounded to {count} decimals too early: keep full precision until the end",
                          "zh": "看起来过早四舍五入到了 {count} 位小数：请保留完整精度，最后再取舍"},
    "hint.close": {"en": "close, but outside the tolerance", "zh": "很接近，但超出了允许误差"},
    "hint.sign": {"en": "the sign is wrong", "zh": "正负号错了"},
    # partial-credit checks (crmlab.grader.checks)
    "checks.failed_detail": {"en": "{message} ({detail})", "zh": "{message}（{detail}）"},
    "checks.failed_points.one": {"en": "{message} ({points} point)", "zh": "{message}（{points} 分）"},
    "checks.failed_points.many": {"en": "{message} ({points} points)", "zh": "{message}（{points} 分）"},
    # answers that cannot be exported (crmlab.grader.plain)
    "plain.unsupported_type": {"en": "a value of type {type} cannot be graded; use numbers, text, booleans, dates, "
                                     "lists, dicts, Series or DataFrames",
                               "zh": "类型为 {type} 的值无法评分；请使用数字、文本、布尔值、日期、列表、字典、Series 或 DataFrame"},
    "plain.too_large": {"en": "the {what} has {size} values; answers are limited to {limit}",
                        "zh": "这个 {what} 有 {size} 个值；答案最多只能有 {limit} 个"},
    # the self-check in a released lab (crmlab.grader.selfcheck)
    "selfcheck.invalid_data": {"en": "{path} is not valid self-check data (was it edited?)",
                               "zh": "{path} 不是有效的自测数据（是否被修改过？）"},
    "selfcheck.other_release": {"en": "{files} belongs to another release of {lab}, not to this notebook: download the "
                                      "notebook and {lab}.checks.json again, together, and keep them in the same folder",
                                "zh": "{files} 属于 {lab} 的另一次发布，不属于这个笔记本：请重新一起下载笔记本和 "
                                      "{lab}.checks.json，并放在同一个文件夹里"},
    "selfcheck.no_data": {"en": "no self-check data for {lab} in {where}{others}: put {lab}.checks.json, which came with "
                                "this notebook, next to it, or call check.load(path)",
                          "zh": "在 {where} 中找不到 {lab} 的自测数据{others}：请把随笔记本一起发下的 {lab}.checks.json "
                                "放在笔记本旁边，或调用 check.load(path)"},
    "selfcheck.other_labs": {"en": " (the files here belong to other labs: {files})",
                             "zh": "（这里的文件属于其他实训：{files}）"},
    "selfcheck.or": {"en": " or ", "zh": " 或 "},
    "selfcheck.not_found": {"en": "self-check data {path} not found", "zh": "找不到自测数据 {path}"},
    "selfcheck.wrong_file": {"en": "{path} is not the self-check data of this notebook ({lab}): use the .checks.json "
                                   "file that came with it",
                             "zh": "{path} 不是这个笔记本（{lab}）的自测数据：请使用随笔记本一起发下的 .checks.json 文件"},
    "selfcheck.none_here": {"en": "no self-check data (a *.checks.json file) in this folder: keep the file that came "
                                  "with the lab next to the notebook, or call check.load(path)",
                            "zh": "这个文件夹里没有自测数据（*.checks.json 文件）：请把随实训发下的文件放在笔记本旁边，"
                                  "或调用 check.load(path)"},
    "selfcheck.several": {"en": "several self-check files here ({files}): run the notebook's first cells (its "
                                "check.bind line picks the right one), or call check.load(path)",
                          "zh": "这里有多个自测文件（{files}）：请先运行笔记本开头的单元格（其中的 check.bind 会选出正确的文件），"
                                "或调用 check.load(path)"},
    "selfcheck.unknown_question": {"en": "no question {qid!r} in the self-check data of {lab}; its questions are {questions}",
                                   "zh": "{lab} 的自测数据中没有题目 {qid!r}；它的题目是 {questions}"},
    "selfcheck.raised": {"en": "raised {error}", "zh": "出错：{error}"},
    "selfcheck.cannot_grade": {"en": "the return value cannot be graded: {error}", "zh": "返回值无法评分：{error}"},
    "selfcheck.example": {"en": "example {number}: {call}", "zh": "示例 {number}：{call}"},
    "selfcheck.example_error": {"en": "{call} {error} (expected {want})", "zh": "{call} {error}（应返回 {want}）"},
    "selfcheck.example_wrong": {"en": "{call} should return {want}, got {got} ({message})",
                                "zh": "{call} 应返回 {want}，实际返回 {got}（{message}）"},
    "selfcheck.examples_pass": {"en": "its {count} public example(s) pass; the grader also uses other inputs",
                                "zh": "{count} 个公开示例全部通过；评分时还会用其他输入"},
    "selfcheck.needs_values": {"en": "{qid} needs {count} value(s): {names}", "zh": "{qid} 需要 {count} 个值：{names}"},
    "selfcheck.not_function": {"en": "`{name}` should be a function", "zh": "`{name}` 应该是一个函数"},
    "selfcheck.function_note": {"en": "a function: it will be called with hidden inputs when graded",
                                "zh": "这是一个函数：评分时会用隐藏的输入调用它"},
    "selfcheck.needs_text": {"en": "`{name}` should hold your written answer as text",
                             "zh": "`{name}` 应以文本形式保存你写的答案"},
    "selfcheck.manual_note": {"en": "a written answer: graded by hand", "zh": "文字作答：由教师人工评分"},
    "selfcheck.wrong": {"en": "✗ {qid}: {problems}", "zh": "✗ {qid}：{problems}"},
    "selfcheck.ok_note": {"en": "✓ {qid}: {note}", "zh": "✓ {qid}：{note}"},
    "selfcheck.ok": {"en": "✓ {qid} looks correct", "zh": "✓ {qid} 看起来正确"},
    "selfcheck.cannot_check": {"en": "? {qid}: {problem}", "zh": "? {qid}：{problem}"},
    "selfcheck.not_defined": {"en": "✗ {qid}: `{name}` is not defined yet", "zh": "✗ {qid}：`{name}` 还没有定义"},
    "selfcheck.summary": {"en": "{passed} of {total} questions pass their self-check",
                          "zh": "{total} 道题中有 {passed} 道通过了自测"},
    # a released lab (crmlab.grader.release)
    "release.about_checks": {
        "en": "**Checking your work.** `check(...)` after each question runs on your computer with the public "
              "datasets: for a function it runs the example shown in the question; for a table or a number it says "
              "what looks wrong without showing the answer; for a choice, a True/False or a whole number it only "
              "checks the form (otherwise it would give the answer away). It is not your grade. The grader runs your "
              "whole notebook again, top to bottom, on its own copy of the datasets (same tables and columns, "
              "other customers and numbers) and calls your functions with other inputs, so compute every answer "
              "from the data: numbers copied from the public data or from the course notebooks earn nothing.",
        "zh": "**自测说明。** 每道题后面的 `check(...)` 在你自己的电脑上用公开数据集运行：如果答案是函数，它运行题目中"
              "给出的示例；如果答案是表格或数字，它指出哪里看起来不对，但不会显示正确答案；如果答案是选项、True/False "
              "或整数，它只检查形式（否则就等于泄露答案）。自测结果不是你的成绩。评分程序会在它自己的一份数据集上"
              "（表和列相同，客户和数字不同）从头到尾重新运行你的整个笔记本，并用其他输入调用你的函数，所以每个答案都要"
              "从数据计算出来：从公开数据或课程笔记本里抄来的数字不得分。"},
    "release.stub_comment": {"en": "# YOUR CODE HERE", "zh": "# 在这里写你的代码"},
    "release.stub_error": {"en": "{qid}: replace this line with your code", "zh": "{qid}：请把这一行换成你的代码"},
    "release.cannot_release": {"en": "cannot release {lab} in {edition}: {problem}", "zh": "无法发布 {lab} 的 {edition} 版：{problem}"},
    "release.missing_chinese": {"en": "{source}: texts without their Chinese (add zh=\"...\" after a check's English message, "
                                      "# RUBRIC zh: lines under the rubric): {missing}",
                                "zh": "{source}：以下文字缺少中文（在检查项的英文消息后加 zh=\"...\"，在评分标准下加 # RUBRIC zh: 行）：{missing}"},
    "release.bind_comment": {"en": "this notebook's self-check data: {name}.checks.json",
                             "zh": "本笔记本的自测数据：{name}.checks.json"},
}


def resolve_language(value: str | None) -> str | None:
    """``zh``/``zh_CN.UTF-8``/``Chinese`` → ``zh``; ``en…`` → ``en``; anything else → None.

    Parameters
    ----------
    value : str or None
        A language as a person or the system writes it: ``--lang``, ``CRMLAB_LANG``, a locale
        such as ``LANG``'s value. Case and surrounding spaces do not matter.

    Returns
    -------
    str or None
        ``"zh"`` for a value starting with ``zh``, ``chinese`` or ``中文``; ``"en"`` for one
        starting with ``en`` or ``english``; ``None`` for anything else (``C.UTF-8``, ``fr_FR``,
        an empty string), so the next source of the language is asked.

    Examples
    --------
    >>> [resolve_language(value) for value in ("zh_CN.UTF-8", " Chinese", "中文", "en_US.UTF-8")]
    ['zh', 'zh', 'zh', 'en']
    >>> [resolve_language(value) for value in ("C.UTF-8", "fr_FR", "", None)]
    [None, None, None, None]
    """
    if not value:
        return None
    value = value.strip().lower()
    if value.startswith(("zh", "chinese", "中文")):
        return "zh"
    if value.startswith(("en", "english")):
        return "en"
    return None


_chosen_language: str | None = None


def set_language(lang: str | None) -> None:
    """Choose the language of charts, tables and messages for this Python session.

    The course's chapter notebooks call it in their first code cell (``crmlab.set_language("zh")``
    in the Chinese edition); ``None`` goes back to ``CRMLAB_LANG``/the locale.

    Parameters
    ----------
    lang : {"en", "zh"} or None
        The language (``"zh_CN"``, ``"Chinese"`` … are understood too).

    Raises
    ------
    ValueError
        For a language the course is not written in.

    Examples
    --------
    >>> set_language("zh"); tr("Customers", "客户")
    '客户'
    >>> set_language(None)
    """
    global _chosen_language
    if lang is None:
        _chosen_language = None
        return
    found = resolve_language(lang)
    if found is None:
        raise ValueError(f"the course is written in {' and '.join(LANGUAGES)}, not {lang!r}")
    _chosen_language = found


def tr(en: str, zh: str) -> str:
    """The text in the chosen language (:func:`set_language`): a notebook's own labels.

    Parameters
    ----------
    en, zh : str
        The English and the Chinese text.

    Returns
    -------
    str
        ``zh`` when the language is Chinese, else ``en``.

    Examples
    --------
    >>> set_language("en"); tr("Share of customers", "客户占比")
    'Share of customers'
    >>> set_language("zh"); tr("Share of customers", "客户占比")
    '客户占比'
    >>> set_language(None)
    """
    return zh if language() == "zh" else en


#: The language of the messages being produced right now (:func:`using`): a lab's language while
#: its self-check or its grading runs. A context variable, so grading threads do not mix.
_current: ContextVar[str | None] = ContextVar("crmlab_language", default=None)


@contextmanager
def using(lang: str | None) -> Iterator[str]:
    """Produce messages in ``lang`` inside the ``with`` block (``None``: no change).

    The self-check uses it with the released lab's language, the grader with each submission's,
    so :func:`t` calls deep in the comparison code need no ``lang`` argument.

    Parameters
    ----------
    lang : str or None
        ``"en"``, ``"zh"`` (or anything :func:`resolve_language` understands).

    Returns
    -------
    context manager
        Yields the language in force inside the block.

    Examples
    --------
    >>> with using("zh"):
    ...     t("compare.correct")
    '正确'
    """
    found = resolve_language(lang) if lang else None
    token = _current.set(found) if found else None
    try:
        yield language()
    finally:
        if token is not None:
            _current.reset(token)


class Bilingual(Mapping):
    """A read-only mapping whose values are ``(english, chinese)`` pairs, read in the chosen
    language (:func:`set_language`): what a notebook shows next to its data, such as the action
    suggested for each RFM segment. ``Series.map(mapping)`` works with it.

    Parameters
    ----------
    texts : mapping
        Key → ``(english, chinese)``; copied, so later changes to ``texts`` do not show. A value
        is looked up with :func:`tr` each time it is read.

    Examples
    --------
    >>> actions = Bilingual({"New": ("a welcome offer", "发放欢迎优惠")})
    >>> set_language("zh"); actions["New"]
    '发放欢迎优惠'
    >>> set_language("en"); dict(actions)
    {'New': 'a welcome offer'}
    >>> set_language(None)
    """

    def __init__(self, texts: Mapping[Any, tuple[str, str]]) -> None:
        self._texts = dict(texts)

    def __getitem__(self, key: Any) -> str:
        en, zh = self._texts[key]
        return tr(en, zh)

    def __iter__(self) -> Iterator[Any]:
        return iter(self._texts)

    def __len__(self) -> int:
        return len(self._texts)


def language(preferred: str | None = None) -> str:
    """The language to use: ``preferred``, else the one :func:`using` set, else
    :func:`set_language`'s choice, else ``CRMLAB_LANG``, else the locale, else ``en``.

    Parameters
    ----------
    preferred : str, optional
        A language asked for explicitly (a lab's ``crmlab.language`` metadata, ``--lang``).

    Returns
    -------
    str
        ``"en"`` or ``"zh"``.

    Examples
    --------
    >>> language("zh_CN.UTF-8")
    'zh'
    """
    for value in (preferred, _current.get(), _chosen_language, os.environ.get("CRMLAB_LANG"), os.environ.get("LC_ALL"),
                  os.environ.get("LC_MESSAGES"), os.environ.get("LANG")):
        found = resolve_language(value)
        if found:
            return found
    return "en"


def t(key: str, lang: str | None = None, **fields: object) -> str:
    """The message ``key`` in ``lang`` (see :func:`language`) with its fields filled in.

    Parameters
    ----------
    key : str
        A key of :data:`MESSAGES`.
    lang : str, optional
        The language (default: :func:`language`).
    **fields
        The message's format fields.

    Returns
    -------
    str
        The filled-in text.

    Examples
    --------
    >>> t("compare.rows_off.many", "en", count=3, how="many")
    '3 rows too many'
    """
    texts = MESSAGES[key]
    return texts[language(lang)].format(**fields)


def tn(key: str, count: int, lang: str | None = None, **fields: object) -> str:
    """:func:`t` for a message that depends on a count: ``<key>.one`` when ``count`` is 1,
    else ``<key>.many`` (English plurals; Chinese texts of both keys are usually alike).

    Parameters
    ----------
    key : str
        The key without ``.one``/``.many``.
    count : int
        The number the message is about (also given to the text as ``count``).
    lang : str, optional
        The language (default: :func:`language`).
    **fields
        Other format fields.

    Returns
    -------
    str
        The filled-in text.

    Examples
    --------
    >>> tn("compare.items_missing", 1, "en"), tn("compare.items_missing", 2, "zh")
    ('1 expected item is missing', '缺少 2 个应有的项')
    """
    return t(f"{key}.{'one' if count == 1 else 'many'}", lang, count=count, **fields)


#: Messages the sandboxed runner writes in English (it does not know the lab's language); the
#: grader renders them again in the submission's language with :func:`retranslate`.
RUNNER_KEYS = ("selfcheck.raised", "selfcheck.cannot_grade", "grade.call_timeout", "grade.return_unreadable",
               "grade.unwritable", "grade.answer_unreadable", "grade.not_a_function", "grade.cases_not_built",
               "grade.undefined", "grade.cell_raised", "plain.unsupported_type", "plain.too_large",
               "python.name_error")


#: The reasons an :class:`crmlab._checks.ExclusionReport` records (in English, as the computing
#: functions name them), most specific first: shown in the reader's language by :func:`retranslate`.
EXCLUSION_KEYS = tuple(key for key in MESSAGES if key.startswith("excluded.") and key not in (
    "excluded.all_used", "excluded.summary", "excluded.reason", "excluded.separator", "excluded.warning"))


def _pattern(text: str) -> re.Pattern[str]:
    parts, seen = [], set()
    for literal, name, _, _ in string.Formatter().parse(text):
        parts.append(re.escape(literal))
        if name:
            parts.append(f"(?P={name})" if name in seen else f"(?P<{name}>.*?)")
            seen.add(name)
    return re.compile("".join(parts), re.S)


def retranslate(text: str, keys: tuple[str, ...] = RUNNER_KEYS, lang: str | None = None) -> str:
    """An English message of one of ``keys`` (written where the language was unknown) in ``lang``.

    The fields are recovered from the English text and rendered again (nested messages too);
    a text that matches no key is returned as it is.

    Parameters
    ----------
    text : str
        The English message.
    keys : tuple of str
        The catalogue keys it may come from.
    lang : str, optional
        The language wanted (default: :func:`language`).

    Returns
    -------
    str
        The message in ``lang``.

    Examples
    --------
    >>> retranslate("raised ValueError: bad", lang="zh")
    '出错：ValueError: bad'
    """
    if language(lang) == "en":
        return text
    for key in keys:
        match = _pattern(MESSAGES[key]["en"]).fullmatch(text)
        if match:
            fields = {name: retranslate(value, keys, lang) for name, value in match.groupdict().items()}
            return t(key, lang, **fields)
    return text


def catalogue_table(prefix: str) -> dict[str, dict[str, str]]:
    """The messages whose key starts with ``prefix``, as ``{lang: {rest of key: text}}`` (how the
    survey report looks its texts up).

    Parameters
    ----------
    prefix : str
        E.g. ``"survey.report."``.

    Returns
    -------
    dict
        One mapping per language.

    Examples
    --------
    >>> catalogue_table("survey.report.")["zh"]["title"]
    '调查报告'
    """
    return {lang: {key[len(prefix):]: texts[lang] for key, texts in MESSAGES.items() if key.startswith(prefix)}
            for lang in LANGUAGES}


def fields_of(text: str) -> set[str]:
    """The format field names in a message text.

    Parameters
    ----------
    text : str
        A catalogue text (a :meth:`str.format` template).

    Returns
    -------
    set of str
        The names of its fields, each once, without format specs (``{total:g}`` → ``total``).

    Examples
    --------
    >>> sorted(fields_of("Score: {total:g} / {max:g}"))
    ['max', 'total']
    >>> fields_of(MESSAGES["grade.score"]["zh"]) == fields_of(MESSAGES["grade.score"]["en"])
    True
    >>> fields_of("no fields")
    set()
    """
    return {name for _, name, _, _ in string.Formatter().parse(text) if name}
