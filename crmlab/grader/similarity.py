"""Similarity report: pairs of submissions whose own code is unusually similar.

``crmlab grade ... --similarity`` writes ``<out>/similarity.html`` and ``similarity.csv``. Each
submission's **own code** is what is left of its code cells once the released template is taken
away: cells equal to a template cell, the self-check and personal-data cells, and every line that
also stands in the template (question markers, given skeleton code). That code is cut into
Python tokens (:mod:`tokenize`) with comments dropped and the names the student chose replaced by
one placeholder (attribute names, keyword arguments, keywords and builtins are kept), so renaming
variables or rewriting comments changes nothing. Runs of :data:`K` tokens are hashed and
*winnowed* (Schleimer, Wilkerson & Aiken 2003, the method of MOSS): in every window of :data:`W`
hashes the smallest is kept as a fingerprint, so any common run of ``K + W - 1`` tokens or more is
found wherever it stands, whatever the order of the cells.

A fingerprint that ``k`` of the ``n`` submissions hold weighs ``log((n + 1) / k)``: a run only two
students share is strong evidence, the idioms the whole class writes weigh almost nothing, and
the template's runs nothing. The score of a pair is the weight it shares over the geometric mean
of both submissions' weights (1 for the same code, 0 for nothing in common).

Similarity is a reason to look, not a verdict: short answers,
the course's own idioms and help from the same tutor make honest work similar too.

Why not ``copydetect``: it compares whole files and reports file-level matches, while a notebook's
own code is a set of cells minus a template removed line by line, and its report shows cells side
by side; the same winnowing over Python's own tokenizer is ~200 lines without a dependency.

Examples
--------
>>> a = ["total = orders.groupby('customer_id')['amount'].sum()\\nshare = total.max() / total.sum()"]
>>> b = ["# copied\\nt = orders.groupby('customer_id')['amount'].sum()\\ns = t.max() / t.sum()"]
>>> c = ["counts = orders['customer_id'].value_counts()\\nrepeat = float((counts >= 2).mean())"]
>>> pairs = similar_pairs({"a": a, "b": b, "c": c})
>>> (pairs[0].a, pairs[0].b, round(pairs[0].score, 2))
('a', 'b', 1.0)
"""

from __future__ import annotations

import builtins
import hashlib
import html
import io
import keyword
import math
import tokenize
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

K = 10  #: tokens per hashed run
W = 5  #: winnowing window: every common run of K + W - 1 = 14 tokens is found
NOTE = ("Similarity is a reason to look, not a verdict: short answers, the course's own idioms, working "
        "together as allowed and help from the same tutor make honest work similar too. Read the cells "
        "side by side and talk with the students before drawing any conclusion.")
_BUILTINS = set(dir(builtins))


@dataclass
class Code:
    """One submission's own code: its cells (after the template was removed) and their tokens.

    Parameters
    ----------
    cells : list of str
        The own code cells (:func:`own_cells`).
    tokens : list
        Per cell, its :func:`normalised_tokens`.
    prints : dict
        Fingerprint hash → the places ``(cell, first token)`` where it was chosen.

    Examples
    --------
    >>> code = _fingerprint(["spend = tx.groupby('customer_id')['amount'].sum()"])
    >>> len(code.tokens[0]), len(code.prints) > 0
    (16, True)
    """

    cells: list[str]
    tokens: list[list[tuple[str, int, int]]] = field(default_factory=list)  # per cell: (text, start, end)
    prints: dict[int, list[tuple[int, int]]] = field(default_factory=dict)  # hash → [(cell, first token)]


@dataclass
class Pair:
    """Two submissions, their score, the shares of each one's fingerprints and the shared ones.

    Parameters
    ----------
    a, b : str
        The two students (``a < b``).
    score : float
        Shared weight over the geometric mean of both weights (1: the same code).
    share_a, share_b : float
        Shared weight over A's and over B's weight.
    hashes : set of int
        The shared fingerprints that count (not the template's, not everyone's).

    Examples
    --------
    >>> Pair("s01", "s02", 0.9, 1.0, 0.81, {1, 2}).shared
    2
    """

    a: str
    b: str
    score: float
    share_a: float
    share_b: float
    hashes: set[int]

    @property
    def shared(self) -> int:
        """How many shared fingerprints count."""
        return len(self.hashes)


def _offsets(source: str) -> list[int]:
    starts, total = [], 0
    for line in source.splitlines(keepends=True):
        starts.append(total)
        total += len(line)
    return starts + [total]


def normalised_tokens(source: str) -> list[tuple[str, int, int]]:
    """Python tokens of ``source`` with chosen names replaced by ``V``: (text, start, end offsets).

    Comments and blank lines are dropped; keywords, builtins, attribute names (after a dot) and
    keyword arguments are kept; strings become ``S:<value>`` (f-strings ``F``); statement ends
    ``;`` and indentation ``{`` / ``}``. Unfinished code gives the tokens read so far.

    Parameters
    ----------
    source : str
        A code cell.

    Returns
    -------
    list of tuple
        ``(token text, start offset, end offset)`` in ``source``.

    Examples
    --------
    >>> [t for t, _, _ in normalised_tokens("rfm = tx.groupby(by='id').size()  # note")]
    ['V', '=', 'V', '.', 'groupby', '(', 'by', '=', "S:'id'", ')', '.', 'size', '(', ')', ';']
    """
    starts = _offsets(source)
    raw: list[tokenize.TokenInfo] = []
    try:
        for tok in tokenize.generate_tokens(io.StringIO(source).readline):
            raw.append(tok)
    except (tokenize.TokenError, IndentationError, SyntaxError):
        pass  # unfinished code: keep the tokens read so far
    out: list[tuple[str, int, int]] = []
    depth = 0
    for i, tok in enumerate(raw):
        kind, text = tok.type, tok.string
        if kind in (tokenize.COMMENT, tokenize.NL, tokenize.ENCODING, tokenize.ENDMARKER):
            continue
        if kind == tokenize.OP:
            depth += text in "([{"
            depth -= text in ")]}"
        if kind == tokenize.NAME:
            before = raw[i - 1].string if i else ""
            after = raw[i + 1].string if i + 1 < len(raw) else ""
            keep = (keyword.iskeyword(text) or text in _BUILTINS or before == "." or (after == "=" and depth > 0))
            text = text if keep else "V"
        elif kind == tokenize.STRING:
            text = _string_token(text)
        elif kind == tokenize.NEWLINE:
            text = ";"
        elif kind == tokenize.INDENT:
            text = "{"
        elif kind == tokenize.DEDENT:
            text = "}"
        start = starts[min(tok.start[0] - 1, len(starts) - 1)] + tok.start[1]
        end = starts[min(tok.end[0] - 1, len(starts) - 1)] + tok.end[1]
        out.append((text, start, end))
    return out


def _string_token(text: str) -> str:
    import ast

    try:
        return "S:" + repr(ast.literal_eval(text))
    except (ValueError, SyntaxError):
        return "F"  # an f-string: its shape, not its text


def _hash(tokens: list[tuple[str, int, int]]) -> int:
    return int.from_bytes(hashlib.blake2b("\x1f".join(t for t, _, _ in tokens).encode(), digest_size=8).digest(),
                          "big")


def winnow(hashes: list[int], window: int = W) -> list[int]:
    """Positions of the fingerprints: the smallest hash of every window (the rightmost on ties).

    Parameters
    ----------
    hashes : list of int
        The hashes of the consecutive k-token runs.
    window : int
        Hashes per window.

    Returns
    -------
    list of int
        Positions into ``hashes``, increasing (the example is the one of Schleimer et al.).

    Examples
    --------
    >>> winnow([77, 74, 42, 17, 98, 50, 17, 98, 8, 88, 67, 39, 77, 74, 42, 17, 98], window=4)
    [3, 6, 8, 11, 15]
    """
    if len(hashes) <= window:
        return [min(range(len(hashes)), key=lambda i: (hashes[i], -i))] if hashes else []
    chosen: list[int] = []
    for start in range(len(hashes) - window + 1):
        best = min(range(start, start + window), key=lambda i: (hashes[i], -i))
        if not chosen or chosen[-1] != best:
            chosen.append(best)
    return chosen


def _fingerprint(cells: list[str]) -> Code:
    """Tokens and winnowed fingerprints of a submission's own cells."""
    code = Code(cells)
    for number, cell in enumerate(cells):
        tokens = normalised_tokens(cell)
        code.tokens.append(tokens)
        hashes = [_hash(tokens[i:i + K]) for i in range(len(tokens) - K + 1)]
        for position in winnow(hashes):
            code.prints.setdefault(hashes[position], []).append((number, position))
    return code


def similar_pairs(submissions: dict[str, list[str]], template: list[str] | None = None) -> list[Pair]:
    """Every pair with a shared fingerprint, most similar first (see :func:`compare_code`).

    Parameters
    ----------
    submissions : dict
        Student → their own code cells.
    template : list of str, optional
        Code whose fingerprints never count.

    Returns
    -------
    list of Pair
        Ranked by score.

    Examples
    --------
    >>> similar_pairs({"a": ["x = 1"], "b": ["y = 2"]})
    []
    """
    return compare_code(submissions, template)[0]


def compare_code(submissions: dict[str, list[str]],
                 template: list[str] | None = None) -> tuple[list[Pair], dict[str, Code]]:
    """Every pair with a shared fingerprint, most similar first.

    Parameters
    ----------
    submissions : dict
        Student → their own code cells (see :func:`own_cells`).
    template : list of str, optional
        Code whose fingerprints never count (the released notebook's cells).

    Returns
    -------
    tuple
        The pairs, ranked by score, then by the number of shared fingerprints; and each
        submission's :class:`Code` (for showing the shared runs).

    Examples
    --------
    >>> cells = ["t = orders.groupby('customer_id')['amount'].sum()\\ns = t.max() / t.sum()"]
    >>> pairs, codes = compare_code({"a": cells, "b": cells, "c": ["n = len(orders)"]})
    >>> [(p.a, p.b, round(p.score, 2)) for p in pairs], sorted(codes)
    ([('a', 'b', 1.0)], ['a', 'b', 'c'])
    """
    codes = {student: _fingerprint(cells) for student, cells in submissions.items()}
    ignored = set(_fingerprint(template or []).prints)
    counts: dict[int, int] = {}
    for code in codes.values():
        for h in code.prints:
            counts[h] = counts.get(h, 0) + 1
    n = len(codes)
    # rarer is stronger evidence: a run only two students share weighs log(n/2), one everyone writes 0
    weight = {h: (0.0 if h in ignored else math.log((n + 1) / c)) for h, c in counts.items()}
    mass = {s: sum(weight[h] for h in c.prints) for s, c in codes.items()}
    pairs = []
    names = sorted(codes)
    for i, a in enumerate(names):
        for b in names[i + 1:]:
            shared = {h for h in codes[a].prints.keys() & codes[b].prints.keys() if weight[h] > 0}
            if not shared:
                continue
            common = sum(weight[h] for h in shared)
            pairs.append(Pair(a, b, common / math.sqrt(mass[a] * mass[b]), common / mass[a], common / mass[b], shared))
    pairs.sort(key=lambda p: (-p.score, -p.shared, p.a, p.b))
    return pairs, codes


# -- a notebook's own code -------------------------------------------------------------------------

def _code_cells(nb: Any) -> list[tuple[str, dict[str, Any]]]:
    cells = []
    for cell in nb.get("cells", []) if isinstance(nb, dict) else []:
        if not isinstance(cell, dict) or cell.get("cell_type") != "code":
            continue
        source = cell.get("source", "")
        source = "".join(source) if isinstance(source, list) else str(source)
        meta = cell.get("metadata") if isinstance(cell.get("metadata"), dict) else {}
        cells.append((source, meta))
    return cells


def _template_code(nb: Any, lab: Any) -> list[str]:
    """The code cells of the release of the source notebook ``nb`` (what every student starts from)."""
    from crmlab.grader.release import release_notebook

    return [source for source, _ in _code_cells(release_notebook(nb, lab, "lab", ""))]


def own_cells(nb: Any, template: list[str]) -> list[str]:
    """A submitted notebook's own code: template cells, self-check cells and template lines removed.

    IPython magics and shell lines (``%``, ``!``) and the personal-data and binding lines go too.

    Parameters
    ----------
    nb : dict
        The submitted notebook as JSON data.
    template : list of str
        The released notebook's code cells.

    Returns
    -------
    list of str
        The remaining code cells, in order, without empty ones.

    Examples
    --------
    >>> nb = {"cells": [{"cell_type": "code", "source": "x = 1\\ny = x + 1"}, {"cell_type": "code", "source": "z = 3"}]}
    >>> own_cells(nb, ["x = 1", "z = 3"])
    ['y = x + 1']
    """
    return [text for _, text in _own(nb, template)]


def _own(nb: Any, template: list[str]) -> list[tuple[str, str]]:
    """(where, own code) per kept cell: where = "q1" for a question's cell, else "code cell N"."""
    from crmlab.grader.authoring import QUESTION_PREFIX

    whole = {t.strip() for t in template}
    lines = {line.strip() for t in template for line in t.split("\n") if line.strip()}
    own = []
    for number, (source, meta) in enumerate(_code_cells(nb), start=1):
        if source.strip() in whole or (meta.get("crmlab") or {}).get("selfcheck"):
            continue
        first = source.lstrip().split("\n", 1)[0]
        marked = first.startswith(QUESTION_PREFIX) and len(first.split()) > 2
        qid = (meta.get("crmlab") or {}).get("question") or (first.split()[2] if marked else None)
        kept = [line for line in source.split("\n") if line.strip() not in lines
                and not line.lstrip().startswith(("%", "!")) and "use_personal_data(" not in line
                and "check.bind(" not in line]
        text = "\n".join(kept).strip("\n")
        if text.strip():
            own.append((f"{qid} (code cell {number})" if isinstance(qid, str) else f"code cell {number}", text))
    return own


# -- the report ------------------------------------------------------------------------------------

def _marked(source: str, tokens: list[tuple[str, int, int]], starts: list[int]) -> str:
    """``source`` as HTML with the tokens of the shared runs starting at ``starts`` in <mark>."""
    spans = sorted((tokens[s][1], tokens[min(s + K, len(tokens)) - 1][2]) for s in starts if s < len(tokens))
    merged: list[list[int]] = []
    for start, end in spans:
        if merged and start <= merged[-1][1]:
            merged[-1][1] = max(merged[-1][1], end)
        else:
            merged.append([start, end])
    out, last = [], 0
    for start, end in merged:
        out += [html.escape(source[last:start]), "<mark>", html.escape(source[start:end]), "</mark>"]
        last = end
    return "".join(out) + html.escape(source[last:])


def _side_by_side(pair: Pair, codes: dict[str, Code], where: dict[str, list[str]], limit: int = 8) -> str:
    """Table rows: each cell of A beside the cell of B it shares most with, shared runs marked."""
    a, b = codes[pair.a], codes[pair.b]
    links: dict[tuple[int, int], set[int]] = {}  # (cell of A, cell of B) → shared hashes between them
    for h in pair.hashes:
        for cell_a, _ in a.prints[h]:
            for cell_b, _ in b.prints[h]:
                links.setdefault((cell_a, cell_b), set()).add(h)
    rows = []
    for (cell_a, cell_b), hashes in sorted(links.items(), key=lambda item: (-len(item[1]), item[0]))[:limit]:
        starts_a = [t for h in hashes for c, t in a.prints[h] if c == cell_a]
        starts_b = [t for h in hashes for c, t in b.prints[h] if c == cell_b]
        rows.append(f"<tr><td><small>{html.escape(_where(where, pair.a, cell_a))}</small><pre>"
                    f"{_marked(a.cells[cell_a], a.tokens[cell_a], starts_a)}</pre></td>"
                    f"<td><small>{html.escape(_where(where, pair.b, cell_b))}</small><pre>"
                    f"{_marked(b.cells[cell_b], b.tokens[cell_b], starts_b)}</pre></td></tr>")
    return "".join(rows)


def _where(where: dict[str, list[str]], student: str, cell: int) -> str:
    places = where.get(student, [])
    return places[cell] if cell < len(places) else f"own cell {cell + 1}"


def _report_html(pairs: list[Pair], codes: dict[str, Code], labels: dict[str, str], lab_name: str,
                 threshold: float, skipped: list[str], where: dict[str, list[str]] | None = None,
                 limit: int = 25) -> str:
    """The HTML page: the note, the ranked pairs at or above ``threshold``, their cells side by side."""
    shown = [p for p in pairs if p.score >= threshold][:limit]
    scores = sorted(p.score for p in pairs)
    median = scores[len(scores) // 2] if scores else 0.0
    head = (f"<!doctype html>\n<html><head><meta charset='utf-8'><title>Similarity: {html.escape(lab_name)}</title>"
            "<style>body{font-family:sans-serif;margin:1em}table{border-collapse:collapse}td,th{border:1px solid #ccc;"
            "padding:4px;vertical-align:top}pre{white-space:pre-wrap;margin:0;font-size:90%}mark{background:#ffd27f}"
            ".note{background:#eef;padding:.6em;border-left:4px solid #88c}td.pair{width:50%}</style></head><body>\n"
            f"<h1>Similarity of the submissions: {html.escape(lab_name)}</h1>\n"
            f"<p class='note'>{html.escape(NOTE)}</p>\n"
            f"<p>{len(codes)} submissions, {len(pairs)} pairs share some code; the median score of those is "
            f"{median:.0%}. Listed: pairs scoring {threshold:.0%} or more (at most {limit}); every pair is in "
            "similarity.csv. Own code = the code cells without the released template; names the students chose are "
            f"ignored, comments too; shared runs of {K + W - 1}+ tokens are found in any order (winnowing, as MOSS "
            "does).</p>\n")
    if skipped:
        head += f"<p>Not compared (unreadable notebooks): {html.escape(', '.join(skipped))}</p>\n"
    table = ["<table><tr><th>#</th><th>student A</th><th>student B</th><th>score</th><th>of A's code</th>"
             "<th>of B's code</th><th>shared fingerprints</th></tr>"]
    for rank, p in enumerate(shown, start=1):
        table.append(f"<tr><td><a href='#pair{rank}'>{rank}</a></td><td>{html.escape(labels.get(p.a, p.a))}</td>"
                     f"<td>{html.escape(labels.get(p.b, p.b))}</td><td>{p.score:.0%}</td><td>{p.share_a:.0%}</td>"
                     f"<td>{p.share_b:.0%}</td><td>{p.shared}</td></tr>")
    table.append("</table>\n")
    if not shown:
        table = [f"<p>No pair scores {threshold:.0%} or more.</p>\n"]
    sections = []
    for rank, p in enumerate(shown, start=1):
        sections.append(f"<h2 id='pair{rank}'>{rank}. {html.escape(labels.get(p.a, p.a))} and "
                        f"{html.escape(labels.get(p.b, p.b))}: {p.score:.0%}</h2>\n<table><tr>"
                        f"<th class='pair'>{html.escape(labels.get(p.a, p.a))}</th>"
                        f"<th class='pair'>{html.escape(labels.get(p.b, p.b))}</th></tr>"
                        f"{_side_by_side(p, codes, where or {})}</table>\n")
    return head + "".join(table) + "".join(sections) + "</body></html>\n"


def _report_csv(pairs: list[Pair], labels: dict[str, str], threshold: float) -> str:
    """Every pair that shares code, ranked, as a CSV for Excel (BOM; a name starting with ``=``
    stays text: :func:`crmlab._spreadsheet.csv_text`)."""
    from crmlab._spreadsheet import csv_text

    header = ["rank", "student_a", "name_a", "student_b", "name_b", "score", "share_of_a", "share_of_b",
              "shared_fingerprints", "listed"]
    return csv_text(header, [[rank, p.a, labels.get(p.a, ""), p.b, labels.get(p.b, ""), round(p.score, 4),
                              round(p.share_a, 4), round(p.share_b, 4), p.shared,
                              "yes" if p.score >= threshold else ""]
                             for rank, p in enumerate(pairs, start=1)])


def write_similarity(out: str | Path, nb: Any, lab: Any, subs: list[Any], lab_name: str,
                     threshold: float = 0.3) -> str:
    """Write ``out/similarity.html`` and ``out/similarity.csv`` for the graded submissions.

    Parameters
    ----------
    out : path
        The grading output folder.
    nb, lab
        The source notebook and its parsed lab (:func:`crmlab.grader.jobs.load_source`).
    subs : list of Submission
        The submissions (:func:`crmlab.grader.lms.discover_submissions`).
    lab_name : str
        Shown in the page's title.
    threshold : float
        Pairs scoring at least this are listed in the page (all are in the CSV).

    Returns
    -------
    str
        One line for the run summary.

    Examples
    --------
    >>> write_similarity("grades/", nb, lab, subs, "lab02_pareto")  # doctest: +SKIP
    'similarity: 1 pair(s) of submissions score 30% or more; see grades/similarity.html (a reason to look, ...'
    """
    import json

    from crmlab.grader.jobs import atomic_write

    template = _template_code(nb, lab)
    own, where, skipped, labels = {}, {}, [], {}
    for sub in subs:
        labels[sub.student] = f"{sub.name} ({sub.student})" if sub.name and sub.name != sub.student else sub.student
        try:
            cells = _own(json.loads(Path(sub.path).read_text(encoding="utf-8")), template)
        except (OSError, ValueError, TypeError, AttributeError):
            skipped.append(labels[sub.student])
            continue
        own[sub.student] = [text for _, text in cells]
        where[sub.student] = [place for place, _ in cells]
    pairs, codes = compare_code(own, template)
    out = Path(out)
    atomic_write(out / "similarity.html", _report_html(pairs, codes, labels, lab_name, threshold, skipped, where))
    atomic_write(out / "similarity.csv", _report_csv(pairs, labels, threshold))
    listed = sum(p.score >= threshold for p in pairs)
    return (f"similarity: {listed} pair(s) of submissions score {threshold:.0%} or more; see "
            f"{out / 'similarity.html'} (a reason to look, not a verdict)")
