"""Every template exists in both languages, uses the same variables in both, and renders strictly."""

from __future__ import annotations

import pytest

from prompts import LANGS, names, render, variables


@pytest.mark.parametrize("name", names())
def test_template_in_both_languages_with_the_same_variables(name: str) -> None:
    zh, en = (variables(name, lang) for lang in LANGS)
    assert zh == en, f"{name}: zh uses {sorted(zh)}, en uses {sorted(en)}"
    for lang in LANGS:
        rendered = render(name, lang, **{v: f"<{v}>" for v in zh})
        assert all(f"<{v}>" in rendered for v in zh)


def test_render_is_strict() -> None:
    with pytest.raises(KeyError):
        render("out_of_scope", "en")
    with pytest.raises(TypeError):
        render("greeting", "en", extra="x")
    with pytest.raises(KeyError):
        render("no_such_template", "en")
