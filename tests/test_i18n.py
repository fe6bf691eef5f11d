"""The message catalogue: every message in every language, with the same format fields."""

from __future__ import annotations

import re
import string

import pytest

from crmlab import i18n


def test_every_message_has_every_language_with_the_same_fields():
    for key, texts in i18n.MESSAGES.items():
        assert set(texts) == set(i18n.LANGUAGES), key
        fields = {lang: i18n.fields_of(text) for lang, text in texts.items()}
        assert len({frozenset(f) for f in fields.values()}) == 1, (key, fields)
        # a text with words must be translated (one made of fields and symbols need not be)
        literal = "".join(part for part, *_ in string.Formatter().parse(texts["en"]))
        assert texts["zh"] != texts["en"] or not any(ch.isalpha() for ch in literal), key


@pytest.mark.parametrize("preferred, env, expected", [
    (None, {}, "en"),
    ("zh", {"CRMLAB_LANG": "en"}, "zh"),                   # the lab's language wins
    (None, {"CRMLAB_LANG": "zh"}, "zh"),
    (None, {"LANG": "zh_CN.UTF-8"}, "zh"),
    (None, {"CRMLAB_LANG": "en", "LANG": "zh_CN.UTF-8"}, "en"),
    (None, {"LC_ALL": "C.UTF-8", "LANG": "zh_TW.UTF-8"}, "zh"),  # C says nothing: fall through
    ("klingon", {}, "en"),
])
def test_language_choice(monkeypatch, preferred, env, expected):
    for name in ("CRMLAB_LANG", "LC_ALL", "LC_MESSAGES", "LANG"):
        monkeypatch.delenv(name, raising=False)
    for name, value in env.items():
        monkeypatch.setenv(name, value)
    assert i18n.language(preferred) == expected


def test_messages_fill_their_fields():
    assert i18n.t("grade.late", "zh", days=2, percent=20) == "迟交 2 天：扣除 20%"
    assert i18n.t("grade.late", "en", days=2, percent=20) == "2 day(s) late: 20 % deducted"
    with pytest.raises(KeyError):
        i18n.t("grade.late", "en", days=2)


def _sample_fields(text: str) -> dict[str, object]:
    """A value for every field of ``text`` that its format spec accepts (numbers for specs)."""
    values: dict[str, object] = {}
    for _, name, spec, conversion in string.Formatter().parse(text):
        if name:
            values[name] = 3 if spec else f"<{name}>"
    return values


def test_a_message_picked_at_random_renders_in_both_languages():
    import random

    rng = random.Random(16)
    for key in rng.sample(sorted(i18n.MESSAGES), 25):
        fields = _sample_fields(i18n.MESSAGES[key]["en"])
        english, chinese = i18n.t(key, "en", **fields), i18n.t(key, "zh", **fields)
        for value in fields.values():  # both carry the same facts
            assert str(value) in english and str(value) in chinese, (key, english, chinese)
        literal = "".join(part for part, *_ in string.Formatter().parse(i18n.MESSAGES[key]["zh"]))
        assert not any(ch.isalpha() for ch in literal) or re.search(r"[\u4e00-\u9fff]", chinese) \
            or key.startswith(("plot.nps.group",)), (key, chinese)


def test_using_sets_the_language_of_messages_inside_the_block_only(monkeypatch):
    monkeypatch.delenv("CRMLAB_LANG", raising=False)
    monkeypatch.setenv("LANG", "C.UTF-8")
    assert i18n.t("compare.value_wrong") == "the value is not correct"
    with i18n.using("zh"):
        assert i18n.t("compare.value_wrong") == "数值不正确"
        with i18n.using(None):  # None keeps the language in force
            assert i18n.language() == "zh"
    assert i18n.language() == "en"


def test_retranslate_renders_the_runners_english_reports_again():
    text = "`rfm` is not defined (the question's cell raised NameError: name 'tx' is not defined)"
    assert i18n.retranslate(text, lang="zh") == "`rfm` 没有定义（该题的单元格出错：NameError：名称 'tx' 没有定义）"
    assert i18n.retranslate(text, lang="en") == text
    assert i18n.retranslate("something else entirely", lang="zh") == "something else entirely"


def test_no_catalogue_text_is_written_again_in_the_code():
    """Student-facing and CLI messages live in the catalogue only: none of their English texts
    (long enough to be a sentence) appears in a module that should use the catalogue."""
    from pathlib import Path

    root = Path(i18n.__file__).parent
    modules = [root / "grader" / f"{name}.py" for name in ("selfcheck", "compare", "checks", "hints", "release",
                                                           "grade", "plain", "runner")]
    modules += sorted((root / "cli").glob("*.py")) + sorted((root / "plots").glob("*.py"))
    modules += [root / "survey" / "report.py"]
    strings = {path.name: _code_strings(path.read_text(encoding="utf-8")) for path in modules}
    found = []
    for key, texts in i18n.MESSAGES.items():
        pieces = [part.strip() for part, *_ in string.Formatter().parse(texts["en"]) if len(part.strip()) >= 24]
        for piece in pieces:
            found += [(key, name) for name, literals in strings.items() if any(piece in lit for lit in literals)]
    assert found == []


def _code_strings(source: str) -> list[str]:
    """The string literals of a module's code (f-string parts too), docstrings left out."""
    import ast

    tree = ast.parse(source)
    docstrings = {id(node.body[0].value) for node in ast.walk(tree)
                  if isinstance(node, (ast.Module, ast.ClassDef, ast.FunctionDef, ast.AsyncFunctionDef))
                  and node.body and isinstance(node.body[0], ast.Expr)
                  and isinstance(node.body[0].value, ast.Constant) and isinstance(node.body[0].value.value, str)}
    return [node.value for node in ast.walk(tree)
            if isinstance(node, ast.Constant) and isinstance(node.value, str) and id(node) not in docstrings]


def test_no_message_field_is_named_like_an_argument_of_t():
    """``t(key, lang, **fields)``: a field called ``key`` or ``lang`` could never be filled."""
    clashes = [k for k, texts in i18n.MESSAGES.items() if i18n.fields_of(texts["en"]) & {"key", "lang"}]
    assert clashes == []


def test_every_exclusion_reason_of_the_package_reads_in_chinese():
    """Every reason a crmlab function records in an ExclusionReport (``report.add("...", rows)``)
    has its Chinese text, so a Chinese-edition notebook that prints ``attrs["excluded"]`` reads
    Chinese (the reasons' fields, e.g. a column name, stay as they are)."""
    import ast
    from pathlib import Path

    root = Path(i18n.__file__).parent
    reasons = []
    for path in sorted(root.rglob("*.py")):
        for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
            if (isinstance(node, ast.Call) and isinstance(node.func, ast.Attribute) and node.func.attr == "add"
                    and isinstance(node.func.value, ast.Name) and "report" in node.func.value.id and node.args):
                first = node.args[0]
                if isinstance(first, ast.Constant) and isinstance(first.value, str):
                    reasons.append((path.name, first.value))
                elif isinstance(first, ast.JoinedStr):
                    text = "".join(part.value if isinstance(part, ast.Constant) else "x_y" for part in first.values)
                    reasons.append((path.name, text))
    assert len(reasons) >= 20  # the scan finds the package's reasons
    untranslated = [(name, reason) for name, reason in reasons
                    if i18n.retranslate(reason, i18n.EXCLUSION_KEYS, lang="zh") == reason]
    assert untranslated == []
