"""One source, two editions: the course's notebooks in English and in Chinese (中文版).

The English notebook is the source. Its code cells exist once; the Chinese text of every markdown
cell lives beside it in a translation file, keyed by the cell's id::

    notebooks/01_customers_and_segmentation.ipynb                  the source (English)
    notebooks/translations/01_customers_and_segmentation.zh.yaml   the Chinese prose
    notebooks/zh/01_customers_and_segmentation.ipynb               the Chinese edition (built)

Labs follow the same layout (``exercises/translations/lab01_segmentation.zh.yaml``); their
Chinese edition is written by ``crmlab assign SOURCE --lang zh``.

A translation file looks like this::

    notebook: 01_customers_and_segmentation.ipynb
    language: zh
    cells:
      d9fc4e2b:
        source_sha: 3f5e0c1a9b2d      # hash of the English text this translation was reviewed against
        text: |
          # 第 1 章 · 客户与客户细分
          ...

``source_sha`` is :func:`source_hash` of the English cell as it was when the translation was
written or last reviewed. When the English cell changes, the hash no longer matches and the
edition refuses to build (and a test fails) until a person has updated the translation and its
hash (``python -m crmlab.editions stamp ...`` after reviewing).

Code is never translated. A code cell shows Chinese through the language setting: the source's
first code cell calls ``crmlab.set_language("en")``, which the Chinese edition turns into
``crmlab.set_language("zh")`` (the only difference the two editions' code may have), and the
notebook's own labels are written ``crmlab.tr("Customers", "客户")``.

Command line (what ``make notebooks`` runs)::

    python -m crmlab.editions init   notebooks/01_x.ipynb        # start a translation file
    python -m crmlab.editions status notebooks/*.ipynb      # missing / stale / orphan translations, and
                                                            # a committed edition that is not current
    python -m crmlab.editions build  notebooks/*.ipynb      # write notebooks/zh/*.ipynb (unexecuted)
    python -m crmlab.editions stamp  notebooks/01_x.ipynb --cells d9fc4e2b,07f688c0
                                     # after review: record the English text's current hash

Examples
--------
>>> source_hash("# Chapter 1")
'ead29642732d'
"""

from __future__ import annotations

import argparse
import copy
import hashlib
import re
import sys
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

#: Languages an edition can be built in (English is the source).
EDITION_LANGUAGES = ("zh",)

#: The one line of code that differs between editions, in the source's first code cells.
LANGUAGE_LINE = re.compile(r"""^(\s*crmlab\.set_language\()(["'])en\2(\)\s*(#.*)?)$""", re.M)

TRANSLATIONS_DIR = "translations"


class EditionError(ValueError):
    """A translation is missing, stale or malformed, so an edition cannot be built.

    A :class:`ValueError`; its message names the file and, where there is one, the cell and the
    start of its English text.

    Examples
    --------
    >>> load_translation("no/such.zh.yaml")
    Traceback (most recent call last):
    ...
    crmlab.editions.EditionError: no translation file no/such.zh.yaml
    """


def source_hash(text: str) -> str:
    """A short fingerprint of a cell's English text (line endings and trailing spaces ignored).

    Parameters
    ----------
    text : str
        The cell source.

    Returns
    -------
    str
        The first 12 hex digits of the SHA-256 of the normalised text.

    Examples
    --------
    >>> source_hash("# Chapter 1\\n") == source_hash("# Chapter 1")
    True
    """
    lines = [line.rstrip() for line in text.replace("\r\n", "\n").strip("\n").split("\n")]
    return hashlib.sha256("\n".join(lines).encode("utf-8")).hexdigest()[:12]


def cell_text(cell: dict[str, Any]) -> str:
    """A notebook cell's source as one string (nbformat allows a list of lines).

    Parameters
    ----------
    cell : dict
        One cell of a notebook (nbformat JSON as a dict).

    Returns
    -------
    str
        Its ``source``, the lines joined as they are; ``""`` for a cell without a source.

    Examples
    --------
    >>> cell_text({"cell_type": "markdown", "source": ["# Chapter 1\\n", "Customers."]})
    '# Chapter 1\\nCustomers.'
    >>> cell_text({"cell_type": "markdown", "source": "# Chapter 1"})
    '# Chapter 1'
    """
    source = cell.get("source", "")
    return "".join(source) if isinstance(source, list) else source


def translation_path(notebook: str | Path, lang: str = "zh") -> Path:
    """Where the translation of ``notebook`` lives: ``<folder>/translations/<name>.<lang>.yaml``.

    Parameters
    ----------
    notebook : path
        The English source notebook (it need not exist).
    lang : str
        The translation's language.

    Returns
    -------
    Path
        The translation file's path, beside the notebook in the ``translations`` folder.

    Examples
    --------
    >>> translation_path("notebooks/01_x.ipynb").as_posix()
    'notebooks/translations/01_x.zh.yaml'
    """
    notebook = Path(notebook)
    return notebook.parent / TRANSLATIONS_DIR / f"{notebook.stem}.{lang}.yaml"


def edition_path(notebook: str | Path, lang: str = "zh") -> Path:
    """Where the ``lang`` edition of a chapter notebook is written: ``<folder>/<lang>/<name>``.

    Parameters
    ----------
    notebook : path
        The English source notebook (it need not exist).
    lang : str
        The edition's language.

    Returns
    -------
    Path
        The edition's path: same file name, in the ``lang`` folder beside the notebook.

    Examples
    --------
    >>> edition_path("notebooks/01_x.ipynb").as_posix()
    'notebooks/zh/01_x.ipynb'
    """
    notebook = Path(notebook)
    return notebook.parent / lang / notebook.name


@dataclass
class Translation:
    """The translated markdown cells of one notebook: ``{cell id: (source_sha, text)}``.

    :func:`load_translation` reads one from its file, :func:`save_translation` writes it.

    Parameters
    ----------
    notebook : str
        The file name of the English source notebook, e.g. ``"01_x.ipynb"``.
    language : str
        The translation's language, e.g. ``"zh"``.
    cells : dict of str to (str, str)
        Cell id → ``(source_sha, text)``: :func:`source_hash` of the English text the translation
        was reviewed against, and the translated markdown. In the notebook's order.
    path : Path or None
        The file it was read from (set by :func:`load_translation`; error messages name it).

    Examples
    --------
    >>> translation = Translation("01_x.ipynb", "zh", {"intro": (source_hash("# Chapter 1"), "# 第 1 章")})
    >>> translation.cells["intro"]
    ('ead29642732d', '# 第 1 章')
    >>> translation.path is None
    True
    """

    notebook: str
    language: str
    cells: dict[str, tuple[str, str]] = field(default_factory=dict)
    path: Path | None = None


def load_translation(path: str | Path) -> Translation:
    """Read a translation file (YAML, layout in the module docstring).

    Parameters
    ----------
    path : path
        The translation file, e.g. ``translation_path(notebook)``.

    Returns
    -------
    Translation
        Its notebook, language and cells, with ``path`` set to the file read.

    Raises
    ------
    EditionError
        When the file is missing or does not follow the layout (the message names the cell).

    Examples
    --------
    >>> import tempfile
    >>> from pathlib import Path
    >>> with tempfile.TemporaryDirectory() as folder:
    ...     path = Path(folder) / "01_x.zh.yaml"
    ...     _ = path.write_text("notebook: 01_x.ipynb\\nlanguage: zh\\ncells:\\n"
    ...                         "  intro:\\n    source_sha: ead29642732d\\n    text: '# 第 1 章'\\n",
    ...                         encoding="utf-8")
    ...     translation = load_translation(path)
    ...     _ = path.write_text("cells:\\n  intro:\\n    text: '# 第 1 章'\\n", encoding="utf-8")
    ...     load_translation(path)  # doctest: +ELLIPSIS
    Traceback (most recent call last):
    ...
    crmlab.editions.EditionError: ...01_x.zh.yaml: cell intro needs source_sha and text (both strings)
    >>> translation.notebook, translation.language, translation.cells
    ('01_x.ipynb', 'zh', {'intro': ('ead29642732d', '# 第 1 章')})
    """
    import yaml

    path = Path(path)
    if not path.is_file():
        raise EditionError(f"no translation file {path}")
    try:
        data = yaml.safe_load(path.read_text(encoding="utf-8")) or {}
    except yaml.YAMLError as exc:  # e.g. a translator's unindented line inside a text block
        mark = getattr(exc, "problem_mark", None)
        where = f" (line {mark.line + 1})" if mark is not None else ""
        raise EditionError(f"{path}: not valid YAML{where}: {getattr(exc, 'problem', exc)}") from None
    if not isinstance(data, dict) or not isinstance(data.get("cells", {}), dict):
        raise EditionError(f"{path}: expected keys notebook, language and cells (a mapping)")
    cells: dict[str, tuple[str, str]] = {}
    for cell_id, entry in (data.get("cells") or {}).items():
        if not isinstance(entry, dict) or not isinstance(entry.get("text"), str) \
                or not isinstance(entry.get("source_sha"), str):
            raise EditionError(f"{path}: cell {cell_id} needs source_sha and text (both strings)")
        cells[str(cell_id)] = (entry["source_sha"], entry["text"])
    return Translation(notebook=str(data.get("notebook", "")), language=str(data.get("language", "")),
                       cells=cells, path=path)


def save_translation(translation: Translation, path: str | Path) -> None:
    """Write a translation file, cells in the notebook's order, texts as YAML block scalars.

    Parameters
    ----------
    translation : Translation
        What to write (its ``path`` is not used).
    path : path
        The file; its folder is created when needed, an existing file is overwritten.

    Examples
    --------
    >>> import tempfile
    >>> from pathlib import Path
    >>> translation = Translation("01_x.ipynb", "zh", {"intro": ("ead29642732d", "# 第 1 章\\n客户。")})
    >>> with tempfile.TemporaryDirectory() as folder:
    ...     path = Path(folder) / "translations" / "01_x.zh.yaml"
    ...     save_translation(translation, path)
    ...     print(path.read_text(encoding="utf-8"), end="")
    ...     same = load_translation(path).cells == translation.cells
    notebook: 01_x.ipynb
    language: zh
    cells:
      intro:
        source_sha: 'ead29642732d'
        text: |-
          # 第 1 章
          客户。
    >>> same
    True
    """
    lines = [f"notebook: {translation.notebook}", f"language: {translation.language}", "cells:"]
    for cell_id, (sha, text) in translation.cells.items():
        lines += [f"  {_yaml_key(cell_id)}:", f"    source_sha: '{sha}'", "    text: |-"]
        lines += [("      " + line).rstrip() for line in text.strip("\n").split("\n")]
    Path(path).parent.mkdir(parents=True, exist_ok=True)
    Path(path).write_text("\n".join(lines) + "\n", encoding="utf-8")


def _yaml_key(cell_id: str) -> str:
    return f"'{cell_id}'" if not re.fullmatch(r"[A-Za-z_][\w-]*", cell_id) else cell_id


def translatable_cells(nb: dict[str, Any]) -> list[dict[str, Any]]:
    """The cells that need a translation: every markdown cell with text.

    Parameters
    ----------
    nb : dict
        A notebook (nbformat JSON as a dict).

    Returns
    -------
    list of dict
        Its markdown cells whose text is not blank, in the notebook's order (the cells
        themselves, not copies).

    Examples
    --------
    >>> nb = {"cells": [{"id": "intro", "cell_type": "markdown", "source": "# Chapter 1"},
    ...                 {"id": "setup", "cell_type": "code", "source": "import crmlab"},
    ...                 {"id": "gap", "cell_type": "markdown", "source": ["  ", "\\n"]}]}
    >>> [cell["id"] for cell in translatable_cells(nb)]
    ['intro']
    """
    return [c for c in nb["cells"] if c["cell_type"] == "markdown" and cell_text(c).strip()]


def problems(nb: dict[str, Any], translation: Translation) -> list[str]:
    """What stops the edition from being built: missing, stale and orphan translations.

    A cell's translation is stale when the English text's :func:`source_hash` is no longer the
    ``source_sha`` recorded with it; an empty translation counts as a problem too, and so does a
    translation of a cell id the notebook no longer has (an orphan).

    Parameters
    ----------
    nb : dict
        The English source notebook (nbformat JSON as a dict).
    translation : Translation
        Its translation.

    Returns
    -------
    list of str
        One line per problem, naming the cell id and the start of its English text; empty when
        the translation is complete and up to date.

    Examples
    --------
    >>> nb = {"cells": [{"id": "intro", "cell_type": "markdown", "source": "# Chapter 1"}]}
    >>> problems(nb, Translation("01_x.ipynb", "zh", {"intro": (source_hash("# Chapter 1"), "# 第 1 章")}))
    []
    >>> problems(nb, Translation("01_x.ipynb", "zh"))
    ["cell intro has no translation ('# Chapter 1')"]
    >>> for line in problems(nb, Translation("01_x.ipynb", "zh", {"intro": ("000000000000", "# 第 1 章"),
    ...                                                           "old": ("ead29642732d", "旧的一段")})):
    ...     print(line)
    cell intro changed in English since its translation was reviewed ('# Chapter 1'): update the translation, then stamp it
    translation of cell old: no markdown cell with this id in the notebook
    """
    found: list[str] = []
    ids = set()
    for cell in translatable_cells(nb):
        cell_id = cell.get("id")
        ids.add(cell_id)
        start = cell_text(cell).strip().split("\n")[0][:60]
        if cell_id not in translation.cells:
            found.append(f"cell {cell_id} has no translation ({start!r})")
        elif translation.cells[cell_id][0] != source_hash(cell_text(cell)):
            found.append(f"cell {cell_id} changed in English since its translation was reviewed "
                         f"({start!r}): update the translation, then stamp it")
        elif not translation.cells[cell_id][1].strip():
            found.append(f"cell {cell_id} has an empty translation ({start!r})")
    for cell_id in translation.cells:
        if cell_id not in ids:
            found.append(f"translation of cell {cell_id}: no markdown cell with this id in the notebook")
    return found


def build_edition(nb: dict[str, Any], translation: Translation, lang: str = "zh") -> dict[str, Any]:
    """The ``lang`` edition of a notebook: translated markdown, same code, language switched.

    Parameters
    ----------
    nb : dict
        The source notebook (nbformat JSON as a dict), English.
    translation : Translation
        Its translation (see :func:`load_translation`).
    lang : str
        The edition's language.

    Returns
    -------
    dict
        A new notebook; outputs of code cells are kept (re-execute to refresh them) and its
        metadata records ``crmlab.language``.

    Raises
    ------
    EditionError
        When :func:`problems` finds anything.

    Examples
    --------
    >>> nb = {"cells": [{"id": "intro", "cell_type": "markdown", "source": "# Chapter 1"},
    ...                 {"id": "setup", "cell_type": "code",
    ...                  "source": ["import crmlab\\n", 'crmlab.set_language("en")']}],
    ...       "metadata": {}}
    >>> translation = Translation("01_x.ipynb", "zh", {"intro": (source_hash("# Chapter 1"), "# 第 1 章")})
    >>> edition = build_edition(nb, translation)
    >>> [cell["source"] for cell in edition["cells"]]
    ['# 第 1 章', 'import crmlab\\ncrmlab.set_language("zh")']
    >>> edition["metadata"]
    {'crmlab': {'language': 'zh'}}
    >>> nb["cells"][0]["source"]  # the source notebook is left as it was
    '# Chapter 1'
    >>> build_edition(nb, Translation("01_x.ipynb", "zh"))
    Traceback (most recent call last):
    ...
    crmlab.editions.EditionError: 01_x.ipynb: 1 problem(s):
      cell intro has no translation ('# Chapter 1')
    """
    found = problems(nb, translation)
    if found:
        where = translation.path or translation.notebook
        raise EditionError(f"{where}: {len(found)} problem(s):\n  " + "\n  ".join(found))
    edition = copy.deepcopy(nb)
    for cell in edition["cells"]:
        if cell["cell_type"] == "markdown" and cell.get("id") in translation.cells:
            cell["source"] = translation.cells[cell["id"]][1].strip("\n")
        elif cell["cell_type"] == "code":
            cell["source"] = switch_language(cell_text(cell), lang)
    edition.setdefault("metadata", {}).setdefault("crmlab", {})["language"] = lang
    return edition


def switch_language(code: str, lang: str) -> str:
    """Turn ``crmlab.set_language("en")`` into ``crmlab.set_language("<lang>")``.

    Only a line holding that call alone (indented or not, single or double quotes, an optional
    trailing comment) is changed; the rest of the code is returned as it is.

    Parameters
    ----------
    code : str
        A code cell's source.
    lang : str
        The edition's language.

    Returns
    -------
    str
        The code with its language line switched.

    Examples
    --------
    >>> switch_language('import crmlab\\ncrmlab.set_language("en")', "zh")
    'import crmlab\\ncrmlab.set_language("zh")'
    """
    return LANGUAGE_LINE.sub(lambda m: f"{m.group(1)}{m.group(2)}{lang}{m.group(2)}{m.group(3)}", code)


def edition_differences(notebook: str | Path, lang: str = "zh") -> list[str]:
    """How the committed ``lang`` edition of ``notebook`` differs from the one its source and
    translation build: a missing file, cells added, removed or reordered, a markdown cell whose
    text is not its translation, a code cell whose code is not the source's (apart from the
    language line), a language line that was not switched. Outputs are not compared (each
    edition stores its own).

    Parameters
    ----------
    notebook : path
        The English source notebook.
    lang : str
        The edition's language.

    Returns
    -------
    list of str
        One line per difference, naming the cell; empty when the edition is current.

    Examples
    --------
    >>> edition_differences("no/such.ipynb")
    ['no/zh/such.ipynb does not exist: python -m crmlab.editions build no/such.ipynb']
    """
    notebook = Path(notebook)
    path = edition_path(notebook, lang)
    if not path.is_file():
        return [f"{path.as_posix()} does not exist: python -m crmlab.editions build {notebook.as_posix()}"]
    source, committed = _read(notebook), _read(path)
    found = []
    if [c.get("id") for c in source["cells"]] != [c.get("id") for c in committed["cells"]]:
        found.append(f"{path.as_posix()}: its cells (ids and order) are not the source's: rebuild it")
        return found
    translation = load_translation(translation_path(notebook, lang))
    for cell, theirs in zip(source["cells"], committed["cells"], strict=True):
        mine = cell_text(cell)
        if cell["cell_type"] == "markdown" and cell.get("id") in translation.cells:
            want = translation.cells[cell["id"]][1].strip("\n")
        elif cell["cell_type"] == "code":
            want = switch_language(mine, lang)
        else:
            want = mine
        if theirs["cell_type"] != cell["cell_type"] or cell_text(theirs) != want:
            found.append(f"{path.as_posix()}: cell {cell.get('id')} ({cell['cell_type']}) is not what the source "
                         f"and its translation give: rebuild it")
    code = [cell_text(c) for c in source["cells"] if c["cell_type"] == "code"]
    if code and not LANGUAGE_LINE.search(code[0]):
        found.append(f"{notebook.as_posix()}: the first code cell has no crmlab.set_language(\"en\") line, so the "
                     f"{lang} edition would run in English")
    if (committed.get("metadata", {}).get("crmlab") or {}).get("language") != lang:
        found.append(f"{path.as_posix()}: metadata crmlab.language is not {lang!r}: rebuild it")
    return found


def _read(path: Path) -> dict[str, Any]:
    import json

    return json.loads(path.read_text(encoding="utf-8"))


def _write(nb: dict[str, Any], path: Path) -> None:
    import json

    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(json.dumps(nb, ensure_ascii=False, indent=1) + "\n", encoding="utf-8")


def stamp(notebook: str | Path, cell_ids: list[str] | None = None, lang: str = "zh") -> list[str]:
    """Record that the translations of ``cell_ids`` (all when None) were reviewed against the
    English text as it is now. Use it only after reading both.

    The translation file (:func:`translation_path`) is rewritten with the current
    :func:`source_hash` of each stamped cell's English text; the translated texts are unchanged.

    Parameters
    ----------
    notebook : path
        The English source notebook.
    cell_ids : list of str or None
        The cells reviewed; ``None``: every translated cell.
    lang : str
        The translation's language.

    Returns
    -------
    list of str
        The ids stamped.

    Raises
    ------
    EditionError
        When the translation file is missing, or a cell id is not a translated markdown cell of
        the notebook.

    Examples
    --------
    >>> import json, tempfile
    >>> from pathlib import Path
    >>> nb = {"cells": [{"id": "intro", "cell_type": "markdown", "source": "# Chapter 1: customers"}]}
    >>> with tempfile.TemporaryDirectory() as folder:
    ...     notebook = Path(folder) / "01_x.ipynb"
    ...     _ = notebook.write_text(json.dumps(nb), encoding="utf-8")
    ...     old = (source_hash("# Chapter 1"), "# 第 1 章：客户")  # reviewed before the English changed
    ...     save_translation(Translation("01_x.ipynb", "zh", {"intro": old}), translation_path(notebook))
    ...     before = len(problems(nb, load_translation(translation_path(notebook))))
    ...     stamped = stamp(notebook, ["intro"])
    ...     after = load_translation(translation_path(notebook))
    >>> before, stamped, problems(nb, after)
    (1, ['intro'], [])
    >>> after.cells["intro"] == (source_hash("# Chapter 1: customers"), "# 第 1 章：客户")
    True
    """
    notebook = Path(notebook)
    path = translation_path(notebook, lang)
    translation = load_translation(path)
    english = {c.get("id"): cell_text(c) for c in translatable_cells(_read(notebook))}
    done = []
    for cell_id in cell_ids if cell_ids is not None else list(translation.cells):
        if cell_id not in translation.cells or cell_id not in english:
            raise EditionError(f"{path}: no translated markdown cell {cell_id}")
        translation.cells[cell_id] = (source_hash(english[cell_id]), translation.cells[cell_id][1])
        done.append(cell_id)
    save_translation(translation, path)
    return done


def init(notebook: str | Path, lang: str = "zh") -> int:
    """Start or extend a translation file: every markdown cell not yet in it gets an entry with
    the English text's hash and an empty text (which :func:`problems` reports until filled).

    Entries already in the file are kept as they are; entries of cells the notebook no longer
    has are dropped, and the cells are written in the notebook's order.

    Parameters
    ----------
    notebook : path
        The English source notebook.
    lang : str
        The translation's language.

    Returns
    -------
    int
        The number of empty entries in the file (cells still to translate).

    Examples
    --------
    >>> import json, tempfile
    >>> from pathlib import Path
    >>> nb = {"cells": [{"id": "intro", "cell_type": "markdown", "source": "# Chapter 1"},
    ...                 {"id": "setup", "cell_type": "code", "source": "import crmlab"},
    ...                 {"id": "why", "cell_type": "markdown", "source": "Why segments?"}]}
    >>> with tempfile.TemporaryDirectory() as folder:
    ...     notebook = Path(folder) / "01_x.ipynb"
    ...     _ = notebook.write_text(json.dumps(nb), encoding="utf-8")
    ...     first = init(notebook)
    ...     translation = load_translation(translation_path(notebook))
    ...     translation.cells["intro"] = (translation.cells["intro"][0], "# 第 1 章")
    ...     save_translation(translation, translation_path(notebook))
    ...     second = init(notebook)
    ...     cells = load_translation(translation_path(notebook)).cells
    >>> first, second
    (2, 1)
    >>> cells
    {'intro': ('ead29642732d', '# 第 1 章'), 'why': ('b1e104ef65d3', '')}
    """
    notebook = Path(notebook)
    path = translation_path(notebook, lang)
    old = load_translation(path) if path.is_file() else Translation(notebook.name, lang)
    translation = Translation(notebook.name, lang)
    for cell in translatable_cells(_read(notebook)):
        cell_id = cell.get("id")
        translation.cells[cell_id] = old.cells.get(cell_id, (source_hash(cell_text(cell)), ""))
    save_translation(translation, path)
    return sum(not text.strip() for _, text in translation.cells.values())


def main(argv: list[str] | None = None) -> int:
    """``python -m crmlab.editions init|status|build|stamp NOTEBOOK... [--lang zh] [--cells ids]``.

    ``init`` runs :func:`init`, ``stamp`` :func:`stamp`; ``status`` prints each notebook's
    :func:`problems` (when there are none and the edition file exists, its
    :func:`edition_differences`); ``build``
    writes :func:`build_edition` to :func:`edition_path`. A notebook's :class:`EditionError` is
    printed to stderr and the next notebook is handled.

    Parameters
    ----------
    argv : list of str or None
        The command-line arguments after ``python -m crmlab.editions`` (default:
        ``sys.argv[1:]``).

    Returns
    -------
    int
        The exit code: 0, or 1 when ``status`` found a problem or an action failed for some
        notebook.

    Examples
    --------
    >>> import contextlib, io, json, tempfile
    >>> from pathlib import Path
    >>> nb = {"cells": [{"id": "intro", "cell_type": "markdown", "source": "# Chapter 1"}]}
    >>> printed = io.StringIO()
    >>> with tempfile.TemporaryDirectory() as folder, contextlib.redirect_stdout(printed):
    ...     notebook = Path(folder) / "01_x.ipynb"
    ...     _ = notebook.write_text(json.dumps(nb), encoding="utf-8")
    ...     codes = [main(["init", str(notebook)]), main(["status", str(notebook)])]
    >>> codes
    [0, 1]
    >>> print(printed.getvalue().replace(folder, "<folder>"), end="")
    <folder>/01_x.ipynb: 1 cell(s) to translate in <folder>/translations/01_x.zh.yaml
    <folder>/01_x.ipynb: 1 problem(s)
      cell intro has an empty translation ('# Chapter 1')
    """
    parser = argparse.ArgumentParser(prog="python -m crmlab.editions", description=__doc__.split("\n")[0])
    parser.add_argument("action", choices=("init", "status", "build", "stamp"))
    parser.add_argument("notebooks", nargs="+", type=Path)
    parser.add_argument("--lang", default="zh", choices=EDITION_LANGUAGES)
    parser.add_argument("--cells", help="stamp: comma-separated cell ids (default: every translated cell)")
    args = parser.parse_args(argv)
    failed = 0
    for notebook in args.notebooks:
        try:
            if args.action == "init":
                print(f"{notebook}: {init(notebook, args.lang)} cell(s) to translate in "
                      f"{translation_path(notebook, args.lang)}")
                continue
            if args.action == "stamp":
                ids = args.cells.split(",") if args.cells else None
                print(f"{notebook}: stamped {len(stamp(notebook, ids, args.lang))} cell(s)")
                continue
            nb, translation = _read(notebook), load_translation(translation_path(notebook, args.lang))
            if args.action == "status":
                found = problems(nb, translation)
                if not found and edition_path(notebook, args.lang).is_file():  # labs have no built edition
                    found += edition_differences(notebook, args.lang)
                print(f"{notebook}: " + ("up to date" if not found else f"{len(found)} problem(s)"))
                for line in found:
                    print(f"  {line}")
                failed += bool(found)
            else:
                out = edition_path(notebook, args.lang)
                _write(build_edition(nb, translation, args.lang), out)
                print(f"{notebook} -> {out}")
        except EditionError as error:
            print(f"{notebook}: {error}", file=sys.stderr)
            failed += 1
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main())
