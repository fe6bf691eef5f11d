"""Investigation reports (trainings 1 and 4): a report notebook → a Word document and an HTML page.

``crmlab report build reports/model_report_supermarket.ipynb --out build/`` writes
``build/<name>.docx`` and ``build/<name>.html``. The notebook is the group's working file; the
document is what they hand in: a cover page (title, class, group, members with their roles),
the headings and text of the markdown cells, every table a code cell displays (a DataFrame) as a
real Word table, every chart as a picture, page numbers in the footer, and no code. Chinese text
gets an East Asian font (宋体 for the text, 黑体 for headings), so Word does not fall back to a
Western font for it.

The cover comes from the notebook's first cell, a *raw* cell holding YAML front matter::

    ---
    title: 某超市会员客户关系管理调查报告
    class: 市场营销 2301 班
    group: 第 3 组
    date: 2026-05-20
    members:
      - {name: 张三, role: 项目负责人}
      - {name: 李四, role: 总纂}
    ---

A code cell tagged ``remove-output`` shows nothing in the report (for set-up cells that print);
a cell tagged ``remove-cell`` (the template's instructions) is left out entirely.

Examples
--------
>>> blocks = markdown_blocks("## 一、开头\\n调查的**目的**。\\n\\n- 第一点\\n\\n| a | b |\\n|---|---|\\n| 1 | 2 |")
>>> [b[0] for b in blocks]
['heading', 'para', 'bullet', 'table']
>>> blocks[3][1]
[['a', 'b'], ['1', '2']]
"""

from __future__ import annotations

import base64
import html
import io
import re
from pathlib import Path
from typing import Any

from crmlab._checks import CrmlabInputError

#: Fonts: Latin text, East Asian text (body), East Asian text (headings and title).
LATIN_FONT, CJK_FONT, CJK_HEADING_FONT = "Times New Roman", "宋体", "黑体"
#: Width of a chart in the Word document, in centimetres.
PICTURE_WIDTH_CM = 15.0

Block = tuple  # ("heading", level, text) | ("para", text) | ("bullet", text) | ("number", text)
#               | ("table", rows) | ("image", png_bytes) | ("pre", text)

_TABLE_RULE = re.compile(r"^\|?\s*:?-+:?\s*(\|\s*:?-+:?\s*)*\|?$")


def _cells(line: str) -> list[str]:
    return [c.strip() for c in line.strip().strip("|").split("|")]


def _cjk(char: str) -> bool:
    return "\u2e80" <= char <= "\u9fff" or "\uff00" <= char <= "\uffef" or "\u3000" <= char <= "\u303f"


def join_lines(lines: list[str]) -> str:
    """Lines of one paragraph joined as markdown renders them: no space between Chinese lines.

    >>> join_lines(["为企业改进服务", "提出建议。", "SERVQUAL", "gaps"])
    '为企业改进服务提出建议。 SERVQUAL gaps'
    """
    text = lines[0] if lines else ""
    for line in lines[1:]:
        text += ("" if _cjk(text[-1]) and _cjk(line[0]) else " ") + line
    return text


def markdown_blocks(text: str) -> list[Block]:
    """The blocks of one markdown cell: headings, paragraphs, list items and pipe tables."""
    blocks: list[Block] = []
    lines = text.split("\n")
    paragraph: list[str] = []

    def flush() -> None:
        if paragraph:
            blocks.append(("para", join_lines(paragraph)))
            paragraph.clear()

    i = 0
    while i < len(lines):
        line = lines[i].rstrip()
        stripped = line.strip()
        heading = re.match(r"^(#{1,6})\s+(.*)$", stripped)
        if not stripped:
            flush()
        elif heading:
            flush()
            blocks.append(("heading", len(heading.group(1)), heading.group(2).strip()))
        elif stripped.startswith("|") and i + 1 < len(lines) and _TABLE_RULE.match(lines[i + 1].strip()):
            flush()
            rows = [_cells(stripped)]
            i += 2
            while i < len(lines) and lines[i].strip().startswith("|"):
                rows.append(_cells(lines[i]))
                i += 1
            blocks.append(("table", rows))
            continue
        elif re.match(r"^[-*+]\s+", stripped):
            flush()
            blocks.append(("bullet", re.sub(r"^[-*+]\s+", "", stripped)))
        elif re.match(r"^\d+[.)]\s+", stripped):
            flush()
            blocks.append(("number", re.sub(r"^\d+[.)]\s+", "", stripped)))
        elif stripped.startswith(">"):
            flush()
            blocks.append(("para", stripped.lstrip("> ")))
        else:
            paragraph.append(stripped)
        i += 1
    flush()
    return blocks


def html_table_rows(table_html: str) -> list[list[str]]:
    """The rows of the first ``<table>`` in an HTML output (a displayed DataFrame) as text."""
    from lxml import html as lxml_html

    tables = lxml_html.fromstring(table_html).xpath("//table")
    if not tables:
        raise CrmlabInputError("the output has no <table>")
    rows = []
    for tr in tables[0].xpath(".//tr"):
        rows.append([" ".join(cell.text_content().split()) for cell in tr.xpath("./th|./td")])
    width = max(len(r) for r in rows)
    rows = [[""] * (width - len(r)) + r if len(r) < width else r for r in rows if any(r)]
    head = tables[0].xpath("./thead/tr")
    if len(head) == 2 and len(rows) > 1 and not any(rows[1][1:]):
        # pandas writes a named index on a second header row: fold it into the first
        rows[0][0] = rows[1][0]
        del rows[1]
    return rows


def output_blocks(output: dict[str, Any]) -> list[Block]:
    """The blocks one code-cell output contributes: a chart, a table or printed text."""
    kind = output.get("output_type")
    if kind == "stream" and output.get("name") == "stdout":
        text = "".join(output.get("text", "")).rstrip()
        return [("pre", text)] if text else []
    if kind not in ("display_data", "execute_result"):
        return []  # errors and stderr are not part of a report
    data = output.get("data", {})
    if "image/png" in data:
        png = data["image/png"]
        return [("image", base64.b64decode("".join(png) if isinstance(png, list) else png))]
    text_html = "".join(data.get("text/html", ""))
    if "<table" in text_html:
        return [("table", html_table_rows(text_html))]
    if "text/markdown" in data:
        return markdown_blocks("".join(data["text/markdown"]))
    return []


def front_matter(nb: Any) -> dict[str, Any]:
    """The cover data from the first raw cell's YAML front matter (title, class, group, members)."""
    import yaml

    first = nb.cells[0] if nb.cells else None
    if first is None or first.cell_type != "raw" or not first.source.strip().startswith("---"):
        raise CrmlabInputError("a report notebook starts with a raw cell of YAML front matter "
                               "(---, title:, class:, group:, members:, ---); see reports/report_template.ipynb")
    meta = yaml.safe_load(first.source.strip().strip("-")) or {}
    missing = [key for key in ("title", "class", "group", "members") if not meta.get(key)]
    if missing:
        raise CrmlabInputError(f"the front matter lacks {', '.join(missing)}")
    for member in meta["members"]:
        if not isinstance(member, dict) or not member.get("name"):
            raise CrmlabInputError(f"each member needs a name and a role, e.g. {{name: 张三, role: 项目负责人}}; got {member!r}")
    return meta


def notebook_blocks(nb: Any) -> list[Block]:
    """Every block of the report body, in order (the front matter and the code left out).

    Heading levels are shifted so that the report's highest level becomes level 1 (the three
    parts are ``##`` headings in the template, Heading 1 in Word).
    """
    blocks: list[Block] = []
    for cell in nb.cells[1:]:
        if "remove-cell" in cell.get("metadata", {}).get("tags", []):
            continue
        if cell.cell_type == "markdown":
            blocks += markdown_blocks(cell.source)
        elif cell.cell_type == "code" and "remove-output" not in cell.get("metadata", {}).get("tags", []):
            for output in cell.get("outputs", []):
                blocks += output_blocks(output)
    top = min((b[1] for b in blocks if b[0] == "heading"), default=1)
    return [("heading", b[1] - top + 1, b[2]) if b[0] == "heading" else b for b in blocks]


# --- Word -------------------------------------------------------------------------------------

def _east_asian(target: Any, font: str) -> None:
    """Set the East Asian font of a run or a style (python-docx sets only the Latin one)."""
    from docx.oxml.ns import qn

    rpr = target.element.get_or_add_rPr() if hasattr(target.element, "get_or_add_rPr") else target._element.get_or_add_rPr()
    fonts = rpr.find(qn("w:rFonts"))
    if fonts is None:
        fonts = rpr.makeelement(qn("w:rFonts"), {})
        rpr.append(fonts)
    fonts.set(qn("w:eastAsia"), font)


def _set_fonts(doc: Any) -> None:
    from docx.shared import RGBColor

    for name in ("Normal", "Title", "Heading 1", "Heading 2", "Heading 3", "List Bullet", "List Number", "Table Grid"):
        style = doc.styles[name]
        style.font.name = LATIN_FONT
        _east_asian(style, CJK_HEADING_FONT if name.startswith(("Heading", "Title")) else CJK_FONT)
        if name.startswith(("Heading", "Title")):
            style.font.color.rgb = RGBColor(0, 0, 0)


def _add_text(paragraph: Any, text: str) -> None:
    """Text with **bold** spans, each run with the East Asian font set."""
    for i, part in enumerate(re.split(r"\*\*(.+?)\*\*", text)):
        if part:
            run = paragraph.add_run(part.replace("`", ""))
            run.bold = i % 2 == 1 or None
            _east_asian(run, CJK_FONT)


def _page_number_footer(section: Any) -> None:
    """'第 N 页' centred in the footer, N a PAGE field that Word fills in."""
    from docx.enum.text import WD_ALIGN_PARAGRAPH
    from docx.oxml import OxmlElement
    from docx.oxml.ns import qn

    paragraph = section.footer.paragraphs[0]
    paragraph.alignment = WD_ALIGN_PARAGRAPH.CENTER
    _add_text(paragraph, "第 ")
    run = paragraph.add_run()
    for kind, text in (("begin", None), (None, " PAGE "), ("separate", None), (None, "1"), ("end", None)):
        if kind:
            element = OxmlElement("w:fldChar")
            element.set(qn("w:fldCharType"), kind)
        else:
            element = OxmlElement("w:instrText" if text.strip() == "PAGE" else "w:t")
            element.set(qn("xml:space"), "preserve")
            element.text = text
        run._r.append(element)
    _add_text(paragraph, " 页")


def _cover(doc: Any, meta: dict[str, Any]) -> None:
    from docx.enum.text import WD_ALIGN_PARAGRAPH, WD_BREAK
    from docx.shared import Pt

    for _ in range(4):
        doc.add_paragraph()
    title = doc.add_paragraph(style="Title")
    title.alignment = WD_ALIGN_PARAGRAPH.CENTER
    _add_text(title, str(meta["title"]))
    for run in title.runs:
        run.font.size = Pt(24)
        _east_asian(run, CJK_HEADING_FONT)
    if meta.get("subtitle"):
        sub = doc.add_paragraph()
        sub.alignment = WD_ALIGN_PARAGRAPH.CENTER
        _add_text(sub, f"——{meta['subtitle']}")
    doc.add_paragraph()
    rows = [("班级", meta["class"]), ("小组", meta["group"])]
    rows += [(str(m.get("role") or "组员"), str(m["name"])) for m in meta["members"]]
    if meta.get("date"):
        rows.append(("日期", str(meta["date"])))
    _word_table(doc, [["项目", "内容"], *[[str(a), str(b)] for a, b in rows]])
    doc.add_paragraph().add_run().add_break(WD_BREAK.PAGE)


def _word_table(doc: Any, rows: list[list[str]]) -> None:
    width = max(len(r) for r in rows)
    table = doc.add_table(rows=len(rows), cols=width, style="Table Grid")
    for r, row in enumerate(rows):
        for c in range(width):
            cell = table.cell(r, c)
            cell.text = ""
            _add_text(cell.paragraphs[0], row[c] if c < len(row) else "")
            if r == 0:
                for run in cell.paragraphs[0].runs:
                    run.bold = True
    doc.add_paragraph()


def write_docx(meta: dict[str, Any], blocks: list[Block], path: Path) -> Path:
    """The Word document: cover, body blocks, page numbers."""
    from crmlab._extras import optional_import

    Document = optional_import("docx", purpose="building a report as a Word document").Document
    from docx.shared import Cm, Pt

    doc = Document()
    _set_fonts(doc)
    doc.styles["Normal"].font.size = Pt(12)
    doc.core_properties.title = str(meta["title"])
    doc.core_properties.author = ", ".join(str(m["name"]) for m in meta["members"])
    _page_number_footer(doc.sections[0])
    _cover(doc, meta)
    for block in blocks:
        kind = block[0]
        if kind == "heading":
            heading = doc.add_heading(level=min(block[1], 3))
            _add_text(heading, block[2])
            for run in heading.runs:
                _east_asian(run, CJK_HEADING_FONT)
        elif kind in ("para", "pre"):
            for line in block[1].split("\n") if kind == "pre" else [block[1]]:
                _add_text(doc.add_paragraph(), line)
        elif kind in ("bullet", "number"):
            _add_text(doc.add_paragraph(style="List Bullet" if kind == "bullet" else "List Number"), block[1])
        elif kind == "table":
            _word_table(doc, block[1])
        elif kind == "image":
            doc.add_picture(io.BytesIO(block[1]), width=Cm(PICTURE_WIDTH_CM))
    path.parent.mkdir(parents=True, exist_ok=True)
    doc.save(path)
    return path


# --- HTML -------------------------------------------------------------------------------------

def _inline_html(text: str) -> str:
    escaped = html.escape(text)
    escaped = re.sub(r"\*\*(.+?)\*\*", r"<strong>\1</strong>", escaped)
    return re.sub(r"`(.+?)`", r"<code>\1</code>", escaped)


def _html_table(rows: list[list[str]]) -> str:
    head = "".join(f"<th>{_inline_html(c)}</th>" for c in rows[0])
    body = "".join("<tr>" + "".join(f"<td>{_inline_html(c)}</td>" for c in row) + "</tr>" for row in rows[1:])
    return f"<table><thead><tr>{head}</tr></thead><tbody>{body}</tbody></table>"


def write_html(meta: dict[str, Any], blocks: list[Block], path: Path) -> Path:
    """One self-contained HTML page (charts inlined as data URIs, no external files)."""
    parts = [f"<h1 class='title'>{_inline_html(str(meta['title']))}</h1>"]
    cover = [["班级", meta["class"]], ["小组", meta["group"]]]
    cover += [[str(m.get("role") or "组员"), str(m["name"])] for m in meta["members"]]
    parts.append(_html_table([["项目", "内容"], *[[str(a), str(b)] for a, b in cover]]))
    in_list = ""
    for block in blocks:
        kind = block[0]
        tag = {"bullet": "ul", "number": "ol"}.get(kind, "")
        if in_list and tag != in_list:
            parts.append(f"</{in_list}>")
            in_list = ""
        if tag and not in_list:
            parts.append(f"<{tag}>")
            in_list = tag
        if kind == "heading":
            level = min(block[1] + 1, 6)
            parts.append(f"<h{level}>{_inline_html(block[2])}</h{level}>")
        elif kind == "para":
            parts.append(f"<p>{_inline_html(block[1])}</p>")
        elif kind == "pre":
            parts.append(f"<pre>{html.escape(block[1])}</pre>")
        elif tag:
            parts.append(f"<li>{_inline_html(block[1])}</li>")
        elif kind == "table":
            parts.append(_html_table(block[1]))
        elif kind == "image":
            parts.append(f"<img alt='chart' src='data:image/png;base64,{base64.b64encode(block[1]).decode()}'>")
    if in_list:
        parts.append(f"</{in_list}>")
    style = ("body{font-family:'Noto Serif CJK SC','SimSun',serif;max-width:50em;margin:2em auto;line-height:1.6}"
             "h1,h2,h3,h4{font-family:'Noto Sans CJK SC','SimHei',sans-serif}.title{text-align:center}"
             "table{border-collapse:collapse;margin:1em 0}td,th{border:1px solid #888;padding:.2em .6em}"
             "img{max-width:100%}")
    page = (f"<!DOCTYPE html>\n<html lang='zh-CN'><head><meta charset='utf-8'><title>{html.escape(str(meta['title']))}"
            f"</title><style>{style}</style></head><body>\n" + "\n".join(parts) + "\n</body></html>\n")
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(page, encoding="utf-8")
    return path


def build_report(notebook: str | Path, out: str | Path, execute: bool = False) -> list[Path]:
    """Build ``<out>/<name>.docx`` and ``<out>/<name>.html`` from a report notebook.

    With ``execute=True`` the notebook is run first (in its own folder; the file is not
    changed). Raises :class:`~crmlab._checks.CrmlabInputError` for a notebook without front
    matter or with an error in a cell.
    """
    import nbformat

    notebook, out = Path(notebook), Path(out)
    nb = nbformat.read(notebook, as_version=4)
    meta = front_matter(nb)
    if execute:
        from crmlab._extras import optional_import

        NotebookClient = optional_import("nbclient", purpose="running the report notebook before building it").NotebookClient
        NotebookClient(nb, timeout=600, resources={"metadata": {"path": str(notebook.parent)}}).execute()
    errors = [i for i, cell in enumerate(nb.cells) if cell.cell_type == "code"
              for output in cell.get("outputs", []) if output.get("output_type") == "error"]
    if errors:
        raise CrmlabInputError(f"{notebook.name}: cell {errors[0]} stopped with an error; fix it before building")
    blocks = notebook_blocks(nb)
    return [write_docx(meta, blocks, out / f"{notebook.stem}.docx"),
            write_html(meta, blocks, out / f"{notebook.stem}.html")]
