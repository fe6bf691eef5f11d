"""The message catalogue: every message in every language, with the same format fields."""

from __future__ import annotations

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
