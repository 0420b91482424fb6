"""Documents -> Paragraphs: stable ids, exact offsets, headings as metadata, long paragraphs cut to the window."""

from __future__ import annotations

import re
from itertools import pairwise
from pathlib import Path

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from index.chunk import EMBEDDING_WINDOW, WINDOW_STRIDE, WINDOW_WORDS, chunk_document, quote_spans
from index.embed import Embedder
from index.load import load_paths
from index.records import Document, Paragraph
from index.text import sentence_spans, word_spans

SEEDS = Path(__file__).resolve().parent.parent / "seeds"
SEED_000 = "000_e084a2483af8de05.txt"
SEED_001 = "001_d1faf3667c1376a5.txt"
SEED_002 = "002_a3f7a866cd068518.txt"


def document(text: str, doc_id: str = "report.md", body_start: int = 0) -> Document:
    return Document(
        id=doc_id, path=doc_id, root="/corpus", text=text, content_hash="0" * 64, title="T", body_start=body_start
    )


@pytest.fixture(scope="module")
def seed_documents() -> dict[str, Document]:
    return {d.id: d for d in load_paths([SEEDS]).documents}


@pytest.fixture(scope="module")
def seed_paragraphs(seed_documents: dict[str, Document], embedder: Embedder) -> dict[str, list[Paragraph]]:
    return {doc_id: chunk_document(d, count_tokens=embedder.count_tokens) for doc_id, d in seed_documents.items()}


def by_text(paragraphs: list[Paragraph], opening: str) -> Paragraph:
    return next(p for p in paragraphs if p.text.startswith(opening))


# --- the seeds -------------------------------------------------------------------------------


def test_seed_paragraph_ids_are_doc_hash_p_n_and_unique(seed_paragraphs: dict[str, list[Paragraph]]) -> None:
    for doc_id, paragraphs in seed_paragraphs.items():
        ids = [p.id for p in paragraphs]
        assert len(ids) == len(set(ids))
        assert all(re.fullmatch(re.escape(doc_id) + r"#p\d+(\.\d+)?", pid) for pid in ids)
        assert all(p.doc_id == doc_id for p in paragraphs)


def test_seed_paragraphs_are_the_same_on_a_second_run(
    seed_documents: dict[str, Document], seed_paragraphs: dict[str, list[Paragraph]], embedder: Embedder
) -> None:
    again = {doc_id: chunk_document(d, count_tokens=embedder.count_tokens) for doc_id, d in seed_documents.items()}

    assert again == seed_paragraphs


def test_every_seed_paragraph_is_the_exact_stretch_of_text_its_offsets_name(
    seed_documents: dict[str, Document], seed_paragraphs: dict[str, list[Paragraph]]
) -> None:
    for doc_id, paragraphs in seed_paragraphs.items():
        text = seed_documents[doc_id].text
        for paragraph in paragraphs:
            assert paragraph.text == text[paragraph.start : paragraph.end]
            assert paragraph.text == paragraph.text.strip() != ""


def test_seed_paragraphs_carry_the_documents_title_date_and_outlet(
    seed_documents: dict[str, Document], seed_paragraphs: dict[str, list[Paragraph]]
) -> None:
    for doc_id, paragraphs in seed_paragraphs.items():
        source = seed_documents[doc_id]
        assert {(p.title, p.date, p.outlet) for p in paragraphs} == {(source.title, source.date, source.outlet)}


@pytest.mark.parametrize(
    ("doc_id", "opening"),
    [
        (SEED_000, "Read Time 6 minutes\nTags AI Geopolitics"),
        (SEED_001, '--- headline: "US and China Announce AI Safety Protocol Plan'),
    ],
)
def test_a_seeds_header_is_paragraph_p0(
    seed_paragraphs: dict[str, list[Paragraph]], seed_documents: dict[str, Document], doc_id: str, opening: str
) -> None:
    header = seed_paragraphs[doc_id][0]

    assert header.id == f"{doc_id}#p0"
    assert header.text.startswith(opening)
    assert header.end <= seed_documents[doc_id].body_start
    assert header.heading == ""


def test_a_seed_without_header_lines_has_no_p0(seed_paragraphs: dict[str, list[Paragraph]]) -> None:
    assert f"{SEED_002}#p0" not in {p.id for p in seed_paragraphs[SEED_002]}


@pytest.mark.parametrize(
    ("doc_id", "label", "first_paragraph_below"),
    [
        (SEED_000, "What was announced at the Trump Xi meeting", "One AI safety protocol framework"),
        (SEED_000, "What to watch next", "One Concrete measures"),
        (SEED_001, "Two superpowers, one shared concern", "Bessent was blunt"),
        (SEED_001, "What the protocol could look like", "Details remain scarce."),
        (SEED_002, "Key insights", "The US-China agreement is the first"),
        (SEED_002, "Risks", "If frontier Chinese models close"),
    ],
)
def test_a_heading_line_is_not_a_paragraph_but_the_heading_of_the_paragraphs_below(
    seed_paragraphs: dict[str, list[Paragraph]], doc_id: str, label: str, first_paragraph_below: str
) -> None:
    paragraphs = seed_paragraphs[doc_id]

    assert label not in {p.text for p in paragraphs}
    assert by_text(paragraphs, first_paragraph_below).heading.split(" > ")[-1] == label


def test_the_markdown_heading_of_seed_001_heads_its_subsections(seed_paragraphs: dict[str, list[Paragraph]]) -> None:
    paragraph = by_text(seed_paragraphs[SEED_001], "Bessent was blunt")

    assert paragraph.heading.split(" > ") == [
        "US and China Announce AI Safety Protocol Plan After Trump-Xi Beijing Summit",
        "Two superpowers, one shared concern",
    ]


def test_the_bullets_under_what_we_dont_know_yet_carry_that_heading_without_their_markers(
    seed_paragraphs: dict[str, list[Paragraph]],
) -> None:
    unknowns = [p for p in seed_paragraphs[SEED_002] if p.heading.endswith("What we don't know yet")]

    assert [p.text.split()[:3] for p in unknowns] == [
        ["The", "specific", "verification"],
        ["Which", "Chinese", "tech"],
        ["Whether", "'best", "practices"],
    ]


def test_no_seed_paragraph_keeps_a_bullet_marker(seed_paragraphs: dict[str, list[Paragraph]]) -> None:
    for paragraphs in seed_paragraphs.values():
        assert not [p.id for p in paragraphs if p.text.startswith(("- ", "* ", "• "))]


def test_the_byline_is_its_own_paragraph_outside_the_list_above_it(seed_paragraphs: dict[str, list[Paragraph]]) -> None:
    byline = [p for p in seed_paragraphs[SEED_002] if p.text == "Originally reported by cnbc.com"]

    assert len(byline) == 1
    assert "What we don't know yet" not in byline[0].heading


def test_every_line_of_a_seed_body_is_a_paragraph_or_a_heading(
    seed_documents: dict[str, Document], seed_paragraphs: dict[str, list[Paragraph]]
) -> None:
    for doc_id, source in seed_documents.items():
        paragraphs = seed_paragraphs[doc_id]
        texts = {p.text for p in paragraphs}
        headings = {part for p in paragraphs for part in p.heading.split(" > ")}
        for line in source.text[source.body_start :].splitlines():
            line = line.strip().removeprefix("- ").lstrip("# ")
            assert not line or line in texts or line in headings, (doc_id, line)


# --- layouts ---------------------------------------------------------------------------------


def test_hard_wrapped_markdown_prose_becomes_one_paragraph_per_block() -> None:
    text = (
        "# Harbour works\n\n"
        "The council approved the harbour dredging plan on Monday after a long\n"
        "debate about the cost, which has risen twice since the plan was first\n"
        "put forward by the port authority in the spring of last year.\n\n"
        "Work will start in March and the channel will be closed to large\n"
        "ships for six weeks while the dredgers clear the silt from the bed.\n"
    )

    paragraphs = chunk_document(document(text))

    assert [p.id for p in paragraphs] == ["report.md#p1", "report.md#p2"]
    assert paragraphs[0].text.startswith("The council approved") and paragraphs[0].text.endswith("last year.")
    assert paragraphs[1].text.startswith("Work will start") and paragraphs[1].text.endswith("from the bed.")
    assert {p.heading for p in paragraphs} == {"Harbour works"}


def test_one_paragraph_per_line_text_keeps_each_line_apart() -> None:
    text = (
        "Harbour plan\n"
        "The council approved the plan on Monday after a long debate about the cost of it all, which rose twice.\n"
        "Work starts in March."
    )

    paragraphs = chunk_document(document(text, "plan.txt"))

    assert [p.text for p in paragraphs] == [
        "The council approved the plan on Monday after a long debate about the cost of it all, which rose twice.",
        "Work starts in March.",
    ]
    assert {p.heading for p in paragraphs} == {"Harbour plan"}


def test_short_one_line_paragraphs_are_not_mistaken_for_hard_wrapped_prose() -> None:
    # Regression: sentence-ended lines of 30-100 characters were merged as if hard-wrapped.
    text = (
        "The council approved the harbour dredging plan on Monday.\n"
        "Work will start in March and last six weeks in all.\n"
        "The port authority will pay for half of the cost."
    )

    paragraphs = chunk_document(document(text, "plan.txt"))

    assert len(paragraphs) == 3


def test_hard_wrapped_prose_whose_lines_often_end_a_sentence_is_still_one_paragraph() -> None:
    text = (
        "# Harbour\n\n"
        "Dredging of the harbour begins in March, the council said on Monday.\n"
        "The channel will close to large ships for six weeks while the\n"
        "dredgers clear the silt from the bed. Ferries keep to their timetable.\n"
        "Fishermen say they are worried about their moorings.\n"
    )

    paragraphs = chunk_document(document(text))

    assert len(paragraphs) == 1
    assert paragraphs[0].heading == "Harbour"
    assert "while the\ndredgers clear the silt" in paragraphs[0].text


def test_a_label_directly_above_hard_wrapped_prose_heads_one_paragraph() -> None:
    # Regression: the first wrapped line became a heading and each later line a paragraph of its own.
    text = (
        "Summary\n"
        "The council approved the harbour dredging plan on Monday after a long\n"
        "debate about the cost, which has risen twice since the plan was first\n"
        "put forward by the port authority in the spring of last year."
    )

    paragraphs = chunk_document(document(text))

    assert len(paragraphs) == 1
    assert paragraphs[0].heading == "Summary"
    assert paragraphs[0].text.startswith("The council approved")


def test_a_sentence_line_directly_above_a_label_stays_a_paragraph() -> None:
    # Regression: the sentence and the label were taken for one wrapped unit, and the whole became a heading.
    text = "The council met on Monday to approve the budget.\nNext steps\n\nWork on the harbour starts in March."

    paragraphs = chunk_document(document(text, "notes.txt"))

    assert [(p.heading, p.text) for p in paragraphs] == [
        ("", "The council met on Monday to approve the budget."),
        ("Next steps", "Work on the harbour starts in March."),
    ]


def test_the_empty_line_of_a_markdown_blockquote_is_not_a_paragraph() -> None:
    text = "> The reason we are able to talk is that we lead.\n>\n> I do not think we would be talking otherwise."

    paragraphs = chunk_document(document(text))

    assert [p.text for p in paragraphs] == [
        "The reason we are able to talk is that we lead.",
        "I do not think we would be talking otherwise.",
    ]


def test_headings_nest_by_level_and_a_new_heading_closes_the_labels_under_the_old_one() -> None:
    text = "# Budget\n\n## Roads\n\nPotholes\n\nRepairs cost more this year.\n\n## Parks\n\nTrees were planted."

    paragraphs = chunk_document(document(text))

    assert [(p.heading, p.text) for p in paragraphs] == [
        ("Budget > Roads > Potholes", "Repairs cost more this year."),
        ("Budget > Parks", "Trees were planted."),
    ]


def test_numbered_and_starred_list_items_lose_their_markers() -> None:
    text = "Steps\n1. Close the channel.\n2) Dredge the silt.\n* Reopen in May.\n• Tell the ferries."

    paragraphs = chunk_document(document(text))

    assert [p.text for p in paragraphs] == [
        "Close the channel.",
        "Dredge the silt.",
        "Reopen in May.",
        "Tell the ferries.",
    ]


# --- long paragraphs -------------------------------------------------------------------------


def test_a_paragraph_over_the_window_is_split_at_sentence_ends_into_numbered_pieces(embedder: Embedder) -> None:
    sentences = [f"Sentence {i} says the harbour works will cost a great deal over many years." for i in range(40)]
    body = " ".join(sentences)
    source = document("# Harbour\n\n" + body + "\n\nA short paragraph follows.")
    assert embedder.count_tokens(body) > EMBEDDING_WINDOW

    paragraphs = chunk_document(source, count_tokens=embedder.count_tokens)

    pieces = [p for p in paragraphs if p.id.startswith("report.md#p1.")]
    assert len(pieces) >= 2
    assert [p.id for p in pieces] == [f"report.md#p1.{i}" for i in range(1, len(pieces) + 1)]
    assert paragraphs[-1].id == "report.md#p2"
    for piece in pieces:
        assert embedder.count_tokens(piece.text) <= EMBEDDING_WINDOW
        assert piece.text.startswith("Sentence ") and piece.text.endswith("years.")
        assert piece.heading == "Harbour"
    assert " ".join(p.text for p in pieces) == body


def test_an_unpunctuated_paragraph_over_the_window_is_split_by_words(embedder: Embedder) -> None:
    body = " ".join(f"word{i} harbour dredging plan" for i in range(120))
    assert embedder.count_tokens(body) > EMBEDDING_WINDOW

    paragraphs = chunk_document(document(body, "plain.txt"), count_tokens=embedder.count_tokens)

    assert len(paragraphs) >= 2
    assert all(p.id.startswith("plain.txt#p1.") for p in paragraphs)
    assert all(embedder.count_tokens(p.text) <= EMBEDDING_WINDOW for p in paragraphs)
    assert " ".join(p.text for p in paragraphs).split() == body.split()


def test_one_sentence_over_the_window_is_cut_by_words(embedder: Embedder) -> None:
    body = "The council " + " and ".join(f"approved plan {i}" for i in range(150)) + "."

    paragraphs = chunk_document(document(body), count_tokens=embedder.count_tokens)

    assert len(paragraphs) >= 2
    assert all(embedder.count_tokens(p.text) <= EMBEDDING_WINDOW for p in paragraphs)
    assert " ".join(p.text for p in paragraphs).split() == body.split()


def test_every_seed_paragraph_fits_the_embedding_window(
    seed_paragraphs: dict[str, list[Paragraph]], embedder: Embedder
) -> None:
    for paragraphs in seed_paragraphs.values():
        assert max(embedder.count_tokens(p.text) for p in paragraphs) <= EMBEDDING_WINDOW


# --- properties over generated documents -----------------------------------------------------

_WORD = st.text(alphabet="abcdefghijklmnopqrstuvwxyz", min_size=1, max_size=9)
_SENTENCE = st.builds(lambda w, rest: " ".join([w.capitalize(), *rest]) + ".", _WORD, st.lists(_WORD, max_size=14))
_PROSE = st.builds(" ".join, st.lists(_SENTENCE, min_size=1, max_size=6))
_LABEL = st.builds(lambda ws: " ".join(w.capitalize() for w in ws), st.lists(_WORD, min_size=1, max_size=5))
_HEADING = st.builds(lambda level, label: "#" * level + " " + label, st.integers(1, 4), _LABEL)


def _wrap(text: str, width: int) -> str:
    lines: list[str] = []
    for word in text.split():
        if lines and len(lines[-1]) + 1 + len(word) <= width:
            lines[-1] += " " + word
        else:
            lines.append(word)
    return "\n".join(lines)


@st.composite
def generated_documents(draw: st.DrawFn) -> tuple[str, set[str]]:
    """A Markdown-ish text and the set of its heading and label lines."""
    parts: list[str] = []
    headings: set[str] = set()
    for _ in range(draw(st.integers(1, 8))):
        kind = draw(st.sampled_from(["heading", "label", "prose", "bullet", "wrapped"]))
        if kind in ("heading", "label"):
            line = draw(_HEADING if kind == "heading" else _LABEL)
            headings.add(line)
            parts.append(line + draw(st.sampled_from(["\n", "\n\n"])))
        elif kind == "wrapped":
            # Hard-wrapped prose stands between blank lines, as Markdown writes it; its lines may happen
            # to end a sentence (the trigger of the regression test above).
            if parts:
                parts[-1] = parts[-1].rstrip("\n") + "\n\n"
            parts.append(_wrap(draw(_PROSE), draw(st.integers(60, 80))) + "\n\n")
        else:
            marker = "- " if kind == "bullet" else ""
            parts.append(marker + draw(_PROSE) + draw(st.sampled_from(["\n", "\n\n", "\n\n\n", "  \n"])))
    parts.append(draw(_PROSE))  # every document ends in text, so no label is left without a paragraph
    return "".join(parts), headings


def _check_paragraphs(text: str, headings: set[str], paragraphs: list[Paragraph]) -> None:
    ids = [p.id for p in paragraphs]
    assert len(ids) == len(set(ids))
    for paragraph in paragraphs:
        assert paragraph.text == text[paragraph.start : paragraph.end] == paragraph.text.strip() != ""
    for before, after in pairwise(paragraphs):
        assert before.end <= after.start
    covered = [False] * len(text)
    for paragraph in paragraphs:
        covered[paragraph.start : paragraph.end] = [True] * (paragraph.end - paragraph.start)
    offset = 0
    for line in text.splitlines(keepends=True):
        stripped = line.strip()
        if stripped and stripped not in headings:
            marker = len(line) - len(line.lstrip()) + (2 if stripped.startswith("- ") else 0)
            missing = [c for i, c in enumerate(line) if i >= marker and not c.isspace() and not covered[offset + i]]
            assert not missing, f"{stripped!r} is neither a paragraph nor a heading"
        offset += len(line)


@settings(max_examples=150, deadline=None)
@given(generated_documents())
def test_paragraphs_are_ordered_disjoint_exact_unique_and_cover_the_body(generated: tuple[str, set[str]]) -> None:
    text, headings = generated

    paragraphs = chunk_document(document(text))

    _check_paragraphs(text, headings, paragraphs)
    assert chunk_document(document(text)) == paragraphs


@settings(max_examples=100, deadline=None)
@given(generated_documents(), st.integers(24, EMBEDDING_WINDOW))
def test_split_pieces_keep_every_property_and_fit_the_window(generated: tuple[str, set[str]], window: int) -> None:
    text, headings = generated

    def count(piece: str) -> int:
        return len(piece.split()) + 2

    paragraphs = chunk_document(document(text), count_tokens=count, max_tokens=window)

    _check_paragraphs(text, headings, paragraphs)
    for paragraph in paragraphs:
        assert count(paragraph.text) <= window
    pieces: dict[str, list[str]] = {}
    for pid in (p.id for p in paragraphs if "." in p.id.rsplit("#p", 1)[1]):
        base, number = pid.rsplit(".", 1)
        pieces.setdefault(base, []).append(number)
    for numbers in pieces.values():
        assert numbers == [str(i) for i in range(1, len(numbers) + 1)] and len(numbers) >= 2


# --- quotable spans --------------------------------------------------------------------------


def test_quote_spans_of_punctuated_text_are_its_sentences() -> None:
    text = "Mr. Bessent spoke first. The talks will start soon! Will they last? Nobody knows."

    assert quote_spans(text) == sentence_spans(text)
    assert [text[s:e] for s, e in quote_spans(text)][1] == "The talks will start soon!"


def test_quote_spans_of_a_short_unpunctuated_text_are_the_whole_text() -> None:
    text = "Two Corporate exposure Nvidia and other chip firms remain exposed to policy shifts"

    assert quote_spans(text) == [(0, len(text))]


@settings(max_examples=60, deadline=None)
@given(st.lists(_WORD, min_size=1, max_size=200))
def test_quote_windows_of_unpunctuated_text_cover_every_word_and_hold_at_most_a_window(words: list[str]) -> None:
    text = " ".join(words)

    spans = quote_spans(text)

    all_words = word_spans(text)
    covered = {span for start, end in spans for span in all_words if start <= span[0] and span[1] <= end}
    assert covered == set(all_words)
    if len(words) > WINDOW_WORDS + WINDOW_STRIDE:
        assert all(len(text[s:e].split()) == WINDOW_WORDS for s, e in spans)
    else:  # a text not much longer than one window is quoted whole
        assert spans == [(0, len(text))]
    assert spans == sorted(spans)


def test_quote_windows_of_seed_000_cover_its_longest_paragraph(seed_paragraphs: dict[str, list[Paragraph]]) -> None:
    longest = max(seed_paragraphs[SEED_000], key=lambda p: len(p.text))

    spans = quote_spans(longest.text)

    assert len(spans) > 1
    assert spans[0][0] == 0 and spans[-1][1] == len(longest.text)
    assert all(e1 >= s2 for (_, e1), (s2, _) in pairwise(spans))  # windows overlap: no gap between them
