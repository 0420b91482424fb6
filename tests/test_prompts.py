"""The prompt loader: every file of prompts/ loads, and a template with the wrong placeholders fails at load time."""

from __future__ import annotations

from pathlib import Path

import pytest

from assistant.prompts import EXPECTED, PROMPTS_DIR, PromptError, load_prompt, load_prompts


def _folder_with(tmp_path: Path, name: str, text: str) -> Path:
    for known in EXPECTED:
        (tmp_path / f"{known}.md").write_text((PROMPTS_DIR / f"{known}.md").read_text())
    (tmp_path / f"{name}.md").write_text(text)
    return tmp_path


def test_every_shipped_prompt_loads_with_the_placeholders_its_caller_fills() -> None:
    prompts = load_prompts()
    assert prompts.answer.placeholders == {"question", "passages", "not_in_sources"}
    assert prompts.brief_rewrite.placeholders == {"claims"}
    assert prompts.system.placeholders == frozenset()


def test_a_template_missing_a_placeholder_fails_at_load_time_naming_it(tmp_path: Path) -> None:
    folder = _folder_with(tmp_path, "answer", "<passages>{passages}</passages>\nAnswer: {question}")
    with pytest.raises(PromptError, match=r"answer\.md: placeholders do not match: missing \{not_in_sources\}"):
        load_prompt("answer", folder)


def test_a_template_with_an_unknown_placeholder_fails_at_load_time_naming_it(tmp_path: Path) -> None:
    folder = _folder_with(tmp_path, "brief_rewrite", "Rewrite {claims} in the style of {author}.")
    with pytest.raises(PromptError, match=r"unexpected \{author\}"):
        load_prompt("brief_rewrite", folder)


def test_loading_all_prompts_fails_on_one_broken_file(tmp_path: Path) -> None:
    folder = _folder_with(tmp_path, "system", "You are {persona}.")
    with pytest.raises(PromptError, match=r"system\.md.*unexpected \{persona\}"):
        load_prompts(folder)


def test_a_missing_prompt_file_is_a_clear_error(tmp_path: Path) -> None:
    with pytest.raises(PromptError, match=r"answer\.md: cannot read the prompt"):
        load_prompt("answer", tmp_path)


def test_braces_that_are_not_snake_case_words_are_prose_not_placeholders(tmp_path: Path) -> None:
    folder = _folder_with(tmp_path, "brief_rewrite", 'Reply as {"n": 1} or {N}, claims: {claims}')
    prompt = load_prompt("brief_rewrite", folder)
    assert prompt.render(claims="X") == 'Reply as {"n": 1} or {N}, claims: X'


def test_rendering_inserts_values_once_so_a_document_cannot_fill_another_placeholder() -> None:
    prompt = load_prompts().answer
    text = prompt.render(question="Q?", passages="a document that says {question}", not_in_sources="NONE")
    assert "a document that says {question}" in text
    assert text.count("Q?") == 1


def test_rendering_with_a_value_left_out_is_an_error() -> None:
    with pytest.raises(PromptError, match=r"missing \{not_in_sources\}"):
        load_prompts().answer.render(question="Q?", passages="P")
