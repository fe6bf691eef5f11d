"""Write the report notebooks of reports/ (the template and the two model reports).

Run ``.venv/bin/python reports/make_reports.py`` after editing the text below, then execute the
two model reports (``jupyter nbconvert --to notebook --execute --inplace reports/model_*.ipynb``).
Students never run this: they copy ``report_template.ipynb`` and write in it.
"""

from __future__ import annotations

from pathlib import Path

import nbformat
from nbformat.v4 import new_code_cell, new_markdown_cell, new_notebook, new_raw_cell

HERE = Path(__file__).resolve().parent

SETUP = """\
%matplotlib inline
import matplotlib.pyplot as plt
import pandas as pd
from crmlab.datasets import load_dataset
from crmlab.plots import use_cjk_font

use_cjk_font()"""


def _cells(parts: list[tuple[str, str]]) -> list:
    return [new_markdown_cell(text) if kind == "md" else new_code_cell(text) for kind, text in parts]


def _front(title: str, group: str, subtitle: str = "") -> str:
    sub = f"subtitle: {subtitle}\n" if subtitle else ""
    return f"""---
title: {title}
{sub}class: 市场营销 2301 班
group: {group}
date: 2026-05-20
members:
  - {{name: 王明, role: 项目负责人}}
  - {{name: 李静, role: 总纂}}
  - {{name: 张强, role: 调查员}}
  - {{name: 赵敏, role: 数据分析}}
  - {{name: 陈晨, role: 调查员}}
---"""


TEMPLATE = [
    ("md", """# 调查报告模板（实训一、实训四）

**How to use this template.** Copy it (File → Save As…) to `第N组_调查报告.ipynb`, fill in the cover
in the first cell (a *raw* cell: title, class, group, every member with a role — one 项目负责人
who leads, one 总纂 who edits the whole text), replace every 【…】 with your own text, and add
code cells that show tables and charts. Build what you hand in with

    crmlab report build 第N组_调查报告.ipynb --out build/

which writes a Word document (.docx, with a cover page and page numbers, code hidden) and a web
page. Only markdown text, displayed tables (DataFrames) and charts reach the report; code does not.
This cell is tagged `remove-cell`, so it stays out of the report."""),
    ("md", """## 一、开头：调查目的、背景与方法

### 1. 调查目的
【本次调查要回答什么问题？例如：该企业的客户关系管理做得怎样，存在哪些问题。】

### 2. 调查背景
【被调查企业的基本情况：行业、规模、客户群、现有的客户关系管理做法。】

### 3. 调查方法
【调查对象、样本量、时间、地点；资料来源（一手资料：访谈、问卷；二手资料：企业数据、网站）。】"""),
    ("md", """## 二、正文：调查发现

每一个发现：先用一句话说结论，再用表格和图表支持它，最后联系课程理论（如二八法则、客户金字塔、
客户满意与忠诚）加以分析。

### 发现一：【一句话结论】"""),
    ("code", SETUP),
    ("code", """members = load_dataset("retail_members")
members.groupby("city").size().rename("会员数").to_frame()"""),
    ("code", """ax = members.groupby("age_band").size().plot.bar(title="会员年龄分布")
ax.set_xlabel("年龄段")
ax.set_ylabel("会员数")
plt.show()"""),
    ("md", """【对表格和图表的分析。】

### 发现二：【一句话结论】

【……】"""),
    ("md", """## 三、结尾：结论与建议

### 1. 结论
【概括主要发现，回答开头提出的问题。】

### 2. 建议
1. 【针对发现一的具体建议：谁来做、做什么、预期效果。】
2. 【……】

### 附：小组分工
| 成员 | 角色 | 负责内容 |
|---|---|---|
| 【姓名】 | 项目负责人 | 计划、协调、进度 |
| 【姓名】 | 总纂 | 统稿、格式、校对 |"""),
]

SUPERMARKET = [
    ("md", """## 一、开头：调查目的、背景与方法

### 1. 调查目的
了解惠邻超市会员卡制度的实际效果：会员的消费是否集中在少数顾客身上，哪些会员值得重点维护，
超市的客户关系管理还可以在哪些方面改进。

### 2. 调查背景
惠邻超市是一家在济南等地经营多家门店的连锁超市，实行积分制会员卡，会员凭卡消费积分、兑换
礼品；门店设有客户服务台，负责办卡、积分兑换和投诉处理。本报告以课程的超市数据（会员档案、
门店和两年的购物小票）为依据。

### 3. 调查方法
以二手资料分析为主：对会员的购物小票按会员汇总消费金额、购物次数和最近一次购物日期，
运用二八法则和客户金字塔分析会员价值的集中程度，并按购物频率划分会员类型。"""),
    ("code", SETUP + """

members = load_dataset("retail_members")
stores = load_dataset("retail_stores")
tx = load_dataset("retail_transactions").rename(columns={"member_id": "customer_id"})  # 会员 = 客户
as_of = tx["date"].max()"""),
    ("md", """## 二、正文：调查发现

### 发现一：各门店的会员和销售额差别很大
"""),
    ("code", """by_store = (tx.groupby("store_id")
              .agg(小票数=("receipt_id", "nunique"), 会员数=("customer_id", "nunique"), 销售额=("amount", "sum"))
              .join(stores.set_index("store_id")["store_name"].rename("门店")))
by_store["销售额（万元）"] = (by_store["销售额"] / 1e4).round(1)
by_store[["门店", "会员数", "小票数", "销售额（万元）"]].set_index("门店").sort_values("销售额（万元）", ascending=False)"""),
    ("md", """销售额最高的门店与最低的门店相差明显。门店之间的差别既来自商圈和开业时间，也来自会员
数量：会员和小票最少的奎文店，销售额不到最高门店的四分之一，说明发展会员、吸引会员常来
是提高门店销售的重要途径。

### 发现二：少数会员贡献了大部分销售额（二八法则）
"""),
    ("code", """spend = tx.groupby("customer_id")["amount"].sum().sort_values(ascending=False)
share = spend.cumsum() / spend.sum()
customers = pd.Series(range(1, len(spend) + 1), index=spend.index) / len(spend)
table = pd.DataFrame({"会员占比": ["前 5%", "前 20%", "前 50%"],
                      "销售额占比": [f"{share.iloc[int(len(spend) * p) - 1]:.1%}" for p in (0.05, 0.2, 0.5)]})
table.set_index("会员占比")"""),
    ("code", """fig, ax = plt.subplots(figsize=(6, 4))
ax.plot(customers.to_numpy() * 100, share.to_numpy() * 100)
ax.plot([0, 100], [0, 100], linestyle="--", color="grey")
ax.set_xlabel("会员累计占比（%，按消费额从高到低）")
ax.set_ylabel("销售额累计占比（%）")
ax.set_title("会员消费的集中程度（帕累托曲线）")
plt.show()"""),
    ("md", """曲线越向左上方凸起，消费越集中。前 20% 的会员贡献了约七成的销售额，前 5% 就贡献了三分之一以上：按照二八法则，
超市应当把有限的服务资源优先投向这部分高价值会员（客户金字塔的顶层）。

### 发现三：经常光顾的会员只占少数
"""),
    ("code", """visits = tx.groupby("customer_id")["receipt_id"].nunique()
months = (tx["date"].max() - tx["date"].min()).days / 30.4
per_month = visits / months
tiers = pd.cut(per_month, [0, 1, 4, float("inf")], right=False, labels=["轻度（每月不到 1 次）", "中度（每月 1–4 次）", "重度（每月 4 次及以上）"])
freq = tiers.value_counts().reindex(tiers.cat.categories).rename("会员数").rename_axis("购物频率").to_frame()
freq["占比"] = (freq["会员数"] / freq["会员数"].sum()).map("{:.1%}".format)
freq"""),
    ("md", """多数会员每月光顾不到一次。轻度会员是提高购物频率的主要对象，可以用积分加倍日、
短信提醒等方式吸引他们常来。

## 三、结尾：结论与建议

### 1. 结论
会员卡制度为超市积累了完整的会员消费记录，分析表明会员消费高度集中，少数高价值会员支撑了
大部分销售额，而大多数会员光顾并不频繁。

### 2. 建议
1. **分级服务**：按消费额把会员分为贵宾、重要和普通三级，贵宾会员享受专人服务和专属活动。
2. **唤醒沉睡会员**：对三个月以上没有消费的会员发送优惠券，跟踪回来的比例。
3. **发挥客户服务台的作用**：把投诉和建议登记进会员档案，定期回访，做到“有诉必复”。
4. **门店间相互学习**：会员少的门店借鉴会员多的门店的办卡和推广做法。"""),
]

SURVEY = [
    ("md", """## 一、开头：调查目的、背景与方法

### 1. 调查目的
了解物流企业的客户对服务是否满意，找出期望与实际感受差距最大的服务方面，为企业改进服务
提出建议。

### 2. 调查背景
客户满意是客户将实际得到的服务与期望相比较后的感受。物流企业的满意度主要取决于物流成本、
服务承诺的兑现、员工的服务质量和投诉处理。本班 8 个小组各调查一家物流企业的客户（实训三）。

### 3. 调查方法
现场问卷调查。问卷按 SERVQUAL 的五个方面（有形性、可靠性、响应性、保证性、移情性）
分别询问期望和实际感受（1–5 分），另有总体满意度和推荐意愿（0–10 分）。剔除废卷和白卷后
统计有效问卷。"""),
    ("code", SETUP + """

from crmlab.survey import course_codebook, validate

checked = validate(load_dataset("survey_responses"), course_codebook())
survey = checked.valid
status = checked.rejected["status"].map({"blank": "白卷", "invalid": "废卷"}).value_counts()
pd.DataFrame({"份数": [checked.received, status.get("废卷", 0), status.get("白卷", 0), len(survey)]},
             index=pd.Index(["回收问卷", "废卷（剔除）", "白卷（剔除）", "有效问卷"], name="问卷"))"""),
    ("md", """## 二、正文：调查发现

### 发现一：总体满意度中等偏上
"""),
    ("code", """labels = {1: "非常不满意", 2: "不满意", 3: "一般", 4: "满意", 5: "非常满意"}
counts = survey["satisfaction"].map(labels).value_counts().reindex(list(labels.values()), fill_value=0)
sat = counts.rename("人数").rename_axis("总体满意度").to_frame()
sat["占比"] = (sat["人数"] / sat["人数"].sum()).map("{:.1%}".format)
sat"""),
    ("code", """ax = counts.plot.bar(title="总体满意度", rot=0)
ax.set_xlabel("")
ax.set_ylabel("人数")
plt.show()"""),
    ("md", """### 发现二：五个方面中有四个感受低于期望，响应性和可靠性的差距最大
"""),
    ("code", """dimensions = {"tan": "有形性", "rel": "可靠性", "res": "响应性", "ass": "保证性", "emp": "移情性"}
rows = []
for code, name in dimensions.items():
    expected = survey.filter(regex=f"^e_{code}\\\\d$").mean(axis=1).mean()
    perceived = survey.filter(regex=f"^p_{code}\\\\d$").mean(axis=1).mean()
    rows.append({"方面": name, "期望": round(expected, 2), "感受": round(perceived, 2), "差距": round(perceived - expected, 2)})
gaps = pd.DataFrame(rows).set_index("方面").sort_values("差距")
gaps"""),
    ("code", """ax = gaps["差距"].plot.barh(title="服务质量差距（感受 − 期望）", color="tab:red")
ax.set_xlabel("差距（分）")
plt.show()"""),
    ("md", """### 发现三：推荐意愿分化，各企业之间差别明显
"""),
    ("code", """def nps(scores):
    return round(100 * ((scores >= 9).mean() - (scores <= 6).mean()), 1)

by_company = survey.rename(columns={"company": "企业"}).groupby("企业").agg(问卷数=("recommend", "size"), 平均满意度=("satisfaction", "mean"),
                                           净推荐值=("recommend", nps))
by_company["平均满意度"] = by_company["平均满意度"].round(2)
by_company.sort_values("净推荐值", ascending=False)"""),
    ("md", """## 三、结尾：结论与建议

### 1. 结论
被调查物流企业的客户总体上基本满意（约四成半满意或非常满意，约一成半不满意）。除有形性
（车辆设备、员工形象）外，其余四个方面的实际感受都低于期望；差距最大的是响应性（及时答复、
处理投诉）和可靠性（准时、完好、按价收费）。各企业的推荐意愿差别很大，多数企业的净推荐值为负。

### 2. 建议
1. **兑现服务承诺**：公布准时送达率并与客户核对，延误主动告知。
2. **投诉限时答复**：设立统一的投诉入口，超过时限自动升级到主管。
3. **定期回访**：每季度做一次满意度回访，跟踪差距是否缩小。

> 注：本报告为示范报告，数据为课程的模拟调查数据。"""),
]


def write(name: str, front: str, parts: list[tuple[str, str]]) -> Path:
    nb = new_notebook(cells=[new_raw_cell(front), *_cells(parts)])
    nb.metadata["kernelspec"] = {"name": "python3", "display_name": "Python 3", "language": "python"}
    for i, cell in enumerate(nb.cells):
        cell["id"] = f"{name[:12]}-{i:02d}".replace("_", "-")
    if name == "report_template":
        nb.cells[1].metadata["tags"] = ["remove-cell"]
    path = HERE / f"{name}.ipynb"
    nbformat.write(nb, path)
    return path


if __name__ == "__main__":
    write("report_template", _front("【报告题目：不超过 15 个字】", "第【N】组", "【副标题】"), TEMPLATE)
    write("model_report_supermarket", _front("惠邻超市会员客户关系管理调查报告", "第 1 组（示范）"), SUPERMARKET)
    write("model_report_survey", _front("物流企业客户满意度调查报告", "第 2 组（示范）", "基于本班实训三的问卷数据"),
          SURVEY)
