"""Meta-tests that keep the docs honest."""

from __future__ import annotations

from pathlib import Path

from retriever.settings import Settings, settings_table

ROOT = Path(__file__).resolve().parent.parent


def test_readme_settings_table_matches_the_code() -> None:
    readme = (ROOT / "README.md").read_text(encoding="utf-8")
    start = readme.index("<!-- settings-table -->") + len("<!-- settings-table -->\n")
    end = readme.index("<!-- /settings-table -->")
    assert readme[start:end].strip() == settings_table().strip(), "regenerate with retriever.settings.settings_table()"


def test_every_setting_is_documented() -> None:
    def walk(model):
        for name, f in model.model_fields.items():
            assert f.description, f"{model.__name__}.{name} has no description"
            ann = f.annotation
            if isinstance(ann, type) and hasattr(ann, "model_fields"):
                walk(ann)

    walk(Settings)


def test_security_doc_names_tests_that_exist() -> None:
    """Every `file::test` (and `::test` continuing the previous file) of docs/security.md is a test function."""
    import re

    doc = (ROOT / "docs" / "security.md").read_text(encoding="utf-8")
    cited = 0
    for row in doc.splitlines():
        current = None
        for path, name in re.findall(r"`(tests/[\w/]+\.py)?::(\w+)`", row):
            current = path or current
            assert current, f"::{name} without a file before it: {row[:80]}"
            source = (ROOT / current).read_text(encoding="utf-8")
            assert re.search(rf"^(async )?def {name}\(", source, re.M), f"{current}::{name} does not exist"
            cited += 1
    assert cited >= 40
