"""Rule set v1.1: two quarantine reasons are a source mapping's deliberate choice and hold
nobody (set_aside_reasons in macros/vocabulary.sql, docs/rules-interpretation.md point 29).
The list is matched by text, so each entry must be a reason a model really gives: a
renamed reason would otherwise silently start holding every such person."""

from __future__ import annotations

import re

from loader.paths import PROJECT_DIR


def test_every_set_aside_reason_is_a_reason_a_model_gives():
    vocabulary = (PROJECT_DIR / "dbt_project/macros/vocabulary.sql").read_text(encoding="utf-8")
    block = vocabulary[vocabulary.index("macro set_aside_reasons") :]
    listed = re.findall(r"'([^']+)'", block[: block.index("endmacro")])
    assert len(listed) == 2
    given = "\n".join(
        path.read_text(encoding="utf-8")
        for folder in ("models", "macros")
        for path in (PROJECT_DIR / "dbt_project" / folder).rglob("*.sql")
        if path.name != "vocabulary.sql"
    )
    for reason in listed:
        assert f"'{reason}'" in given, reason
