"""The chat page's formatting: markers, sources, the document viewer, abstentions, the Markdown export."""

from __future__ import annotations

import re
from dataclasses import replace
from html.parser import HTMLParser

import pytest

from assistant import render_chat as view
from assistant.answer import NOT_IN_SOURCES, Answer, abstain, compose
from index.records import Paragraph, Passage

DOC = "# Pact signed\n\nBessent announced the protocol. It covers models.\n\nWhy it matters\n\nA <first> step & more.\n"


def paragraph(pid: str, text: str, start: int = 0, **meta: object) -> Paragraph:
    values: dict[str, object] = {"title": "Pact signed", "date": "2026-05-14", "outlet": "cnbc.com", **meta}
    return Paragraph(id=pid, doc_id=view.doc_id_of(pid), text=text, start=start, end=start + len(text), **values)  # type: ignore[arg-type]


P1 = paragraph("doc.txt#p1", "Bessent announced the protocol. It covers models.", DOC.index("Bessent"))
P2 = paragraph("doc.txt#p2", "A <first> step & more.", DOC.index("A <first>"), heading="Why it matters")
OTHER = paragraph("other.md#p4", "Xi agreed to talks.", 0, title="Other report", date=None, outlet=None)


def passages(*paragraphs: Paragraph) -> list[Passage]:
    return [Passage(p, score=1.0 / (i + 1), rank=i + 1) for i, p in enumerate(paragraphs)]


def cited_answer() -> Answer:
    claims = [("Bessent announced the protocol.", P1), ("Xi agreed to talks.", OTHER), ("It covers models.", P1)]
    return compose("Who announced it?", claims, passages(P1, OTHER, P2))


class Elements(HTMLParser):
    """Every element's tag and attributes, in document order."""

    def __init__(self, html: str) -> None:
        super().__init__()
        self.found: list[tuple[str, dict[str, str | None]]] = []
        self.feed(html)

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        self.found.append((tag, dict(attrs)))

    def with_class(self, name: str) -> list[dict[str, str | None]]:
        return [a for _, a in self.found if name in (a.get("class") or "").split()]


def test_every_marker_of_an_answer_becomes_a_link_to_its_paragraph() -> None:
    html = view.answer_html(cited_answer(), turn=3)

    markers = Elements(html).with_class("cite")
    assert [view.parse_ref(str(m["href"])) for m in markers] == [
        (3, "doc.txt#p1"),
        (3, "other.md#p4"),
        (3, "doc.txt#p1"),
    ]
    assert re.findall(r'class="cite"[^>]*>(\d+)</a>', html) == ["1", "2", "1"]


def test_the_answer_text_a_reader_sees_is_the_answer_with_its_markers() -> None:
    answer = cited_answer()

    body = view.answer_html(answer, turn=0).split('<div class="sources">')[0]

    assert view.plain_text(body).replace(" ", "") == answer.text.replace("[", "").replace("]", "").replace(" ", "")


def test_marker_links_carry_the_reference_in_href_because_the_chat_sanitizer_drops_data_attributes() -> None:
    marker = Elements(view.answer_html(cited_answer(), turn=0)).with_class("cite")[0]

    assert str(marker["href"]).startswith(view.REF_PREFIX)
    assert not any(name.startswith("data-") for name in marker)


def test_a_markers_hover_card_holds_title_date_and_the_cited_sentence_one_a_line() -> None:
    marker = Elements(view.answer_html(cited_answer(), turn=0)).with_class("cite")[0]

    title, date, quote, _hint = str(marker["title"]).split("\n")
    assert (title, date) == ("Pact signed", "2026-05-14")
    assert quote == "“Bessent announced the protocol.”"


def test_the_hover_card_quotes_a_long_sentence_in_full_not_cut_short() -> None:
    long = "Bessent announced " + "a very long list of clauses, " * 20 + "and then stopped."
    cited = paragraph("doc.txt#p1", long, 0)
    answer = compose("Q?", [(long, cited)], passages(cited))

    marker = Elements(view.answer_html(answer, turn=0)).with_class("cite")[0]

    assert str(marker["title"]).split("\n")[2] == f"“{' '.join(long.split())}”"


def test_sources_under_an_answer_list_number_title_date_and_paragraph_id_once_each() -> None:
    html = view.sources_html(cited_answer().citations, turn=0)

    assert view.plain_text(html) == ("Sources 1 Pact signed 2026-05-14 doc.txt#p1 2 Other report other.md#p4")
    assert [view.parse_ref(str(a["href"]))[1] for a in Elements(html).with_class("source")] == [
        "doc.txt#p1",
        "other.md#p4",
    ]


def test_a_bracketed_number_quoted_from_a_source_is_not_turned_into_a_citation() -> None:
    footnoted = paragraph("doc.txt#p9", "Sales rose [12] percent.")
    answer = compose("How much?", [("Sales rose [12] percent.", footnoted)], passages(footnoted))

    html = view.answer_html(answer, turn=0)

    assert len(Elements(html).with_class("cite")) == 1
    assert "Sales rose [12] percent." in view.plain_text(html)


def test_llm_style_grouped_markers_link_each_number() -> None:
    answer = cited_answer()
    grouped = type(answer)(**{**answer.__dict__, "text": "Both said so [1, 2]."})

    refs = [view.parse_ref(str(a["href"]))[1] for a in Elements(view.answer_html(grouped, 0)).with_class("cite")]

    assert refs == ["doc.txt#p1", "other.md#p4"]


def test_answer_text_is_escaped_so_source_html_shows_as_text() -> None:
    risky = paragraph("doc.txt#p2", 'A <script>alert("x")</script> step.')
    answer = compose("What?", [(risky.text, risky)], passages(risky))

    html = view.answer_html(answer, turn=0)

    assert "<script>" not in html
    assert 'A <script>alert("x")</script> step.' in view.plain_text(html)


def test_an_abstention_says_so_plainly_and_offers_the_closest_material_as_links() -> None:
    answer = abstain("What did the EU say?", passages(OTHER, P2))

    html = view.answer_html(answer, turn=1)

    assert view.plain_text(html).startswith(NOT_IN_SOURCES)
    assert "Closest material" in html
    closest = Elements(html).with_class("closest")
    assert [view.parse_ref(str(a["href"])) for a in closest] == [(1, "other.md#p4"), (1, "doc.txt#p2")]
    assert "Xi agreed to talks." in view.plain_text(html)


def test_an_abstention_over_an_empty_index_says_to_add_documents() -> None:
    html = view.answer_html(abstain("Anything?", []), turn=0)

    assert "Nothing is indexed yet" in view.plain_text(html)


def test_the_viewer_highlights_the_cited_paragraph_among_its_neighbours() -> None:
    html = view.document_html("doc.txt#p2", [P1, P2], DOC, cited_as=2)

    cited = re.search(r'<p class="para cited"[^>]*>(.*?)</p>', html, re.S)
    assert cited is not None
    assert view.plain_text(cited.group(1)) == P2.text
    assert view.plain_text(html).index(P1.text) < view.plain_text(html).index(P2.text)
    assert html.count('class="para cited"') == 1


def test_the_viewer_counts_paragraphs_without_the_document_header() -> None:
    # Regression: with a "#p0" header, #p1 was shown as "paragraph 2 of 3".
    header = replace(P1, id="doc.txt#p0", text="--- date: 2026-05-14 ---", start=0, end=0, heading="")

    text = view.plain_text(view.document_html("doc.txt#p1", [header, P1, P2], DOC, cited_as=1))

    assert "paragraph 1 of 2" in text


def test_the_viewer_shows_title_date_outlet_position_and_the_headings_in_place() -> None:
    text = view.plain_text(view.document_html("doc.txt#p2", [P1, P2], DOC, cited_as=2))

    assert text.startswith("Pact signed 2026-05-14 cnbc.com doc.txt paragraph 2 of 2")
    assert "Why it matters Cited as [2] doc.txt#p2" in text


def test_the_viewer_marks_the_quoted_sentences_inside_the_cited_paragraph() -> None:
    answer = cited_answer()

    html = view.document_html("doc.txt#p1", [P1, P2], DOC, view.quotes_for(answer, "doc.txt#p1"), 1)

    assert re.findall(r'<mark class="quote">(.*?)</mark>', html) == [
        "Bessent announced the protocol.",
        "It covers models.",
    ]


def test_a_quote_not_found_verbatim_in_the_paragraph_marks_nothing() -> None:
    html = view.document_html("doc.txt#p1", [P1, P2], DOC, ["An LLM's paraphrase of it."], 1)

    assert "<mark" not in html


def test_the_viewer_works_from_paragraphs_alone_when_the_document_text_is_missing() -> None:
    html = view.document_html("doc.txt#p2", [P1, P2], None, cited_as=None)

    assert "Why it matters" in view.plain_text(html)
    assert "Closest material" in view.plain_text(html)


def test_the_viewer_says_when_a_cited_paragraph_is_no_longer_indexed() -> None:
    html = view.document_html("gone.txt#p1", [P1], DOC)

    assert "no longer in the index" in view.plain_text(html)


def test_a_very_long_document_is_shown_as_a_window_around_the_cited_paragraph() -> None:
    many = [paragraph(f"long.txt#p{i}", f"Paragraph number {i}.", i * 30) for i in range(1, 400)]

    html = view.document_html("long.txt#p200", many, None)

    assert "Paragraph number 200." in html
    assert "Paragraph number 100." not in html
    assert "earlier paragraphs not shown" in html and "later paragraphs not shown" in html


@pytest.mark.parametrize(
    ("ref", "expected"),
    [
        (view.citation_ref(4, "a/b c.txt#p3.2"), (4, "a/b c.txt#p3.2")),
        (view.REF_PREFIX + view.citation_ref(0, "x#p1"), (0, "x#p1")),
        ("plain.txt#p7", (None, "plain.txt#p7")),
    ],
)
def test_citation_references_round_trip(ref: str, expected: tuple[int | None, str]) -> None:
    assert view.parse_ref(ref) == expected


@pytest.mark.parametrize(
    ("paragraph_id", "doc_id"),
    [("seeds/a.txt#p3", "seeds/a.txt"), ("a.txt#p3.2", "a.txt"), ("odd#pname.md#p12", "odd#pname.md")],
)
def test_the_document_of_a_paragraph_id(paragraph_id: str, doc_id: str) -> None:
    assert view.doc_id_of(paragraph_id) == doc_id


@pytest.mark.parametrize(
    ("content", "text"),
    [
        ("plain from gradio_client", "plain from gradio_client"),
        ([{"type": "text", "text": "from "}, {"type": "text", "text": "the browser"}], "from the browser"),
        ({"type": "text", "text": "one block"}, "one block"),
        (None, ""),
    ],
)
def test_message_text_normalises_both_history_shapes(content: object, text: str) -> None:
    assert view.message_text(content) == text


def test_revealing_an_answer_grows_word_by_word_group_and_ends_with_the_whole_answer() -> None:
    text = cited_answer().text

    steps = list(view.reveal(text, steps=5))

    assert 2 <= len(steps) <= 6
    assert steps[-1] == text
    assert all(text.startswith(s) for s in steps)
    assert [len(s) for s in steps] == sorted({len(s) for s in steps})


def test_the_chat_history_is_rebuilt_from_the_answers_in_order() -> None:
    first, second = cited_answer(), abstain("Next?", passages(OTHER))

    messages = view.chat_messages([first, second])

    assert [m["role"] for m in messages] == ["user", "assistant", "user", "assistant"]
    assert view.plain_text(messages[2]["content"]) == "Next?"
    assert view.parse_ref(str(Elements(messages[1]["content"]).with_class("cite")[0]["href"]))[0] == 0
    assert view.parse_ref(str(Elements(messages[3]["content"]).with_class("closest")[0]["href"]))[0] == 1


def test_the_export_holds_each_question_answer_and_quoted_cited_paragraph() -> None:
    markdown = view.conversation_markdown([cited_answer(), abstain("What did the EU say?", passages(OTHER))], "seeds")

    assert markdown.startswith("# Briefing conversation\n")
    assert "## 1. Who announced it?" in markdown
    assert cited_answer().text in markdown
    assert "[1] **Pact signed**, 2026-05-14, cnbc.com — `doc.txt#p1`\n\n> " + P1.text in markdown
    assert "[2] **Other report** — `other.md#p4`\n\n> Xi agreed to talks." in markdown
    assert "## 2. What did the EU say?\n\n" + NOT_IN_SOURCES in markdown
    assert "**Closest material**\n\n- **Other report**" in markdown
