"""The one-page brief: sections of verbatim cited claims, disagreements between sources, topics and refusals."""

from __future__ import annotations

import re
from dataclasses import replace
from pathlib import Path

import pytest
from conftest import fixture_paragraphs
from typer.testing import CliRunner

from assistant.brief import (
    NO_DISAGREEMENT,
    NOTHING_ON_TOPIC,
    SECTION_TITLES,
    Brief,
    BriefSection,
    NothingOnTopic,
    agree_within_rounding,
    brief_from_paragraphs,
    conflict,
    date_range,
    figures_in,
    make_brief,
    quotable_spans,
    rewritten,
    standalone_spans,
)
from assistant.brief.sections import actor_name, is_open_question
from assistant.brief.timeline import parse_date
from assistant.brief.vocabulary import opens_dangling
from assistant.brief_render import fits_one_page, render_markdown
from assistant.cli import app
from assistant.library import Library
from index.embed import Embedder

SEED_000 = "000_e084a2483af8de05.txt"
SEED_001 = "001_d1faf3667c1376a5.txt"
SEED_002 = "002_a3f7a866cd068518.txt"


@pytest.fixture(scope="module")
def seeds_brief(seeded_library: Library) -> Brief:
    return make_brief(seeded_library, fits=fits_one_page)


@pytest.fixture(scope="module")
def export_brief(seeded_library: Library) -> Brief:
    return make_brief(seeded_library, topic="chip export controls")


# --- sections and citations ---------------------------------------------------------------


@pytest.mark.parametrize("key", list(SECTION_TITLES))
def test_every_section_of_the_seeds_brief_has_claims(seeds_brief: Brief, key: str) -> None:
    assert seeds_brief.section(key).claims


def test_sections_come_in_the_order_a_reader_expects(seeds_brief: Brief) -> None:
    assert [s.title for s in seeds_brief.sections] == [
        "Bottom line",
        "Key facts",
        "Who is involved",
        "Timeline",
        "Risks and opportunities",
        "Open questions",
    ]


def test_the_bottom_line_is_two_or_three_sentences(seeds_brief: Brief) -> None:
    assert 2 <= len(seeds_brief.section("bottom_line").claims) <= 3


def test_every_claim_is_quoted_verbatim_from_each_paragraph_it_cites(seeds_brief: Brief) -> None:
    for claim in seeds_brief.claims:
        assert claim.citations, claim.text
        assert len(claim.citations) == len(claim.quotes)
        assert claim.verbatim and claim.text == claim.quotes[0].text
        assert claim.text in claim.quotes[0].paragraph.text
        for n, quote in zip(claim.citations, claim.quotes, strict=True):
            assert quote.text in quote.paragraph.text
            assert seeds_brief.citations[n - 1].paragraph == quote.paragraph


def test_footnotes_are_numbered_in_reading_order_without_gaps(seeds_brief: Brief) -> None:
    seen: list[int] = []
    for claim in seeds_brief.claims:
        seen += [n for n in claim.citations if n not in seen]
    assert seen == list(range(1, len(seeds_brief.citations) + 1))
    assert [c.n for c in seeds_brief.citations] == seen


def test_the_same_fact_in_several_reports_is_one_claim_cited_several_times(embedder: Embedder) -> None:
    said = "The auction of Yuganskneftegaz in Moscow lasted ten minutes and drew only two bidders."
    docs = {**SALE, "d.txt": [said], "e.txt": [said.replace("lasted ten minutes", "took ten minutes")]}
    brief = _fixture_brief(embedder, docs)
    restated = [c for c in brief.claims if "ten minutes" in c.text]
    assert len(restated) == 1
    assert {q.paragraph.doc_id for q in restated[0].quotes} == {"d.txt", "e.txt"}


def test_a_quote_two_seeds_carry_is_stated_once(seeds_brief: Brief) -> None:
    # 000 and 001 both carry Bessent's "non-state actors don't get a hold of these models" quote.
    texts = [c.text.lower() for c in seeds_brief.claims]
    assert sum("get a hold of these models" in t for t in texts) <= 1


def test_open_questions_are_what_the_sources_say_is_unknown(seeds_brief: Brief) -> None:
    unknown = re.compile(r"whether|which|not been disclosed|unclear|open question|no timeline|not detailed", re.I)
    assert all(unknown.search(c.text) for c in seeds_brief.section("open_questions").claims)


def test_who_is_involved_names_each_actor_once_in_a_sentence_that_names_them(seeds_brief: Brief) -> None:
    claims = seeds_brief.section("who").claims
    labels = [c.label for c in claims]
    assert all(labels) and len(set(labels)) == len(labels)
    assert all(c.label.split()[-1] in c.text for c in claims)


def test_no_claim_of_the_seeds_brief_opens_on_a_word_that_points_back(seeds_brief: Brief) -> None:
    assert not [c.text for c in seeds_brief.claims if opens_dangling(c.text)]


def test_document_headers_are_not_claims(seeds_brief: Brief) -> None:
    # Regression: the front matter of 001 ("--- headline: ... date: 2026-05-14 ...") became a key fact.
    assert not any(q.paragraph.id.endswith("#p0") for c in seeds_brief.claims for q in c.quotes)


def test_the_brief_lists_each_cited_document_with_title_date_and_outlet(seeds_brief: Brief) -> None:
    assert [s.doc_id for s in seeds_brief.sources] == [SEED_000, SEED_001, SEED_002]
    assert [s.label for s in seeds_brief.sources] == ["S1", "S2", "S3"]
    by_id = {s.doc_id: s for s in seeds_brief.sources}
    assert by_id[SEED_002].outlet == "cnbc.com"
    assert by_id[SEED_001].title.startswith("US and China Announce AI Safety Protocol Plan")
    assert all(s.date == "2026-05-14" for s in seeds_brief.sources)


def test_the_brief_states_the_date_of_its_sources(seeds_brief: Brief) -> None:
    assert seeds_brief.as_of == "as of 14 May 2026"


@pytest.mark.parametrize(
    ("dates", "said"),
    [
        (["2026-05-14"], "as of 14 May 2026"),
        (["2026-05-14", "2026-05-14"], "as of 14 May 2026"),
        (["2026-05-14", "2026-05-02"], "as of 14 May 2026 (sources from 2 May 2026)"),
        (["2026-05-14", None], "as of 14 May 2026 (some undated)"),
        ([None], "undated sources"),
        ([], "undated sources"),
    ],
)
def test_the_date_range_reads_as_a_person_would_write_it(dates: list[str | None], said: str) -> None:
    assert date_range(dates) == said


# --- disagreements -------------------------------------------------------------------------


def test_the_seeds_disagree_on_whether_an_agreement_was_signed(seeds_brief: Brief) -> None:
    signed = [d for d in seeds_brief.disagreements if "signed" in d.asserted.text]
    assert signed, [d.question for d in seeds_brief.disagreements]
    disagreement = signed[0]
    assert disagreement.asserted.quotes[0].paragraph.doc_id == SEED_002
    contrary = {c.quotes[0].paragraph.doc_id: c.text for c in disagreement.contrary}
    assert "a commitment to talk, not an agreement" in contrary[SEED_001]
    assert "a starting point not a binding agreement" in contrary[SEED_000]


def test_each_side_of_a_disagreement_comes_from_a_different_document(seeds_brief: Brief) -> None:
    # A denial may stand in the same report as the claim it denies; every other kind sets reports against each other.
    for disagreement in (d for d in seeds_brief.disagreements if d.kind != "denial"):
        docs = [c.quotes[0].paragraph.doc_id for c in (disagreement.asserted, *disagreement.contrary)]
        assert len(set(docs)) == len(docs)


def test_a_disputed_statement_is_not_also_stated_as_fact(seeds_brief: Brief) -> None:
    # "signed" is what the sources dispute: the sections must not assert it.
    assert not any(re.search(r"\bsigned\b", c.text) for s in seeds_brief.sections for c in s.claims)


@pytest.mark.parametrize("doc_id", [SEED_000, SEED_001, SEED_002])
def test_a_corpus_of_one_document_has_no_disagreements(seeded_library: Library, doc_id: str) -> None:
    paragraphs = seeded_library.paragraphs(doc_id)
    brief = brief_from_paragraphs(paragraphs, seeded_library.embedder().embed, fits=lambda _: True)
    assert brief.disagreements == ()
    assert [s.doc_id for s in brief.sources] == [doc_id]


AGREEING = {
    "a.md": "# Council approves city budget\n\n"
    "The city council approved a 12 million dollar budget on 3 March 2026, after two hearings.\n\n"
    "Mayor Jane Ortiz said the budget protects libraries and is not a tax increase.\n\n"
    "It remains unclear whether the state will match the transit funds.\n",
    "b.md": "# Budget passes after hearings\n\n"
    "On 3 March 2026 the council passed the city's 12 million dollar budget after two hearings.\n\n"
    "Ortiz argued the plan keeps libraries open; critics said it was not a long-term fix for transit.\n\n"
    "The risk is that state matching funds never arrive.\n",
}


def test_reports_that_agree_in_other_words_do_not_disagree(library: Library, tmp_path: Path) -> None:
    brief = _brief_of(library, tmp_path, AGREEING)
    assert brief.disagreements == ()
    assert len(brief.sources) == 2


def test_reports_that_give_different_figures_for_the_same_thing_disagree(library: Library, tmp_path: Path) -> None:
    differing = {**AGREEING, "b.md": AGREEING["b.md"].replace("12 million", "15 million")}
    brief = _brief_of(library, tmp_path, differing)
    assert [d.kind for d in brief.disagreements] == ["numbers"]
    sides = [brief.disagreements[0].asserted.text, *(c.text for c in brief.disagreements[0].contrary)]
    assert any("12 million" in s for s in sides) and any("15 million" in s for s in sides)


def _brief_of(library: Library, folder: Path, files: dict[str, str]) -> Brief:
    corpus = folder / "corpus"
    corpus.mkdir()
    for name, text in files.items():
        (corpus / name).write_text(text, encoding="utf-8")
    assert library.index([corpus]).ok
    return make_brief(library, fits=lambda _: True)


def test_no_disagreement_is_said_as_checked_never_as_sources_not_contradicting(
    library: Library, tmp_path: Path
) -> None:
    brief = _brief_of(library, tmp_path, AGREEING)
    text = render_markdown(brief)
    assert NO_DISAGREEMENT.rstrip(".") in text and brief.pairs_checked > 0
    assert "contradict" not in text


# --- small fixtures for each section's rule -------------------------------------------------------


def _fixture_brief(embedder: Embedder, docs: dict[str, list[str]]) -> Brief:
    return brief_from_paragraphs(fixture_paragraphs(docs), embedder.embed)


SALE = {
    "a.txt": [
        "Russian state oil firm Rosneft has bought Baikal Finance Group, the company that won the Yugansk auction.",
        "Baikal Finance Group paid $9.37bn for Yuganskneftegaz at the auction in Moscow on Sunday.",
        "Analysts say Baikal Finance Group was a front for Gazprom, the state gas giant.",
    ],
    "b.txt": [
        "Yukos chief executive Steven Theede said the company would seek damages from anyone who bought Yugansk.",
        "Baikal Finance Group paid $9.4bn for Yuganskneftegaz at the auction in Moscow on Sunday.",
        "Gazprom has denied that Baikal Finance Group was a front for Gazprom in the auction.",
    ],
    "c.txt": [
        "The Kremlin said the sale of Yuganskneftegaz to Rosneft was conducted in line with Russian law.",
        "Baikal Finance Group paid $9.3bn for Yuganskneftegaz at the auction in Moscow on Sunday.",
        "Rosneft, which is merging with Gazprom, now controls Yukos's main production unit.",
    ],
}


def test_actors_are_the_named_entities_most_documents_name(embedder: Embedder) -> None:
    brief = _fixture_brief(embedder, SALE)
    assert {"Baikal Finance Group", "Gazprom", "Rosneft", "Yukos"} <= set(brief.actors)
    assert brief.actors.index("Baikal Finance Group") < brief.actors.index("Steven Theede")


def test_a_figure_that_differs_beyond_rounding_is_a_conflict_and_one_within_rounding_is_not(
    embedder: Embedder,
) -> None:
    brief = _fixture_brief(embedder, SALE)
    numbers = [d for d in brief.disagreements if d.kind == "numbers"]
    assert len(numbers) == 1, [d.question for d in brief.disagreements]
    sides = " | ".join(c.text for c in (numbers[0].asserted, *numbers[0].contrary))
    assert "$9.3bn" in sides and ("$9.37bn" in sides or "$9.4bn" in sides)
    without_the_outlier = {k: v for k, v in SALE.items() if k != "c.txt"}
    agreeing = _fixture_brief(embedder, without_the_outlier)
    assert [d.kind for d in agreeing.disagreements if d.is_conflict and d.kind == "numbers"] == []
    assert any(d.kind == "rounding" and "$9.37bn" in d.question for d in agreeing.disagreements)


def test_a_claim_and_its_denial_by_the_same_subject_disagree(embedder: Embedder) -> None:
    brief = _fixture_brief(embedder, SALE)
    denials = [d for d in brief.disagreements if d.kind == "denial"]
    assert denials and "Gazprom" in denials[0].question
    texts = [denials[0].asserted.text, *(c.text for c in denials[0].contrary)]
    assert any("a front for Gazprom" in t and "denied" not in t for t in texts)
    assert any("has denied" in t for t in texts)


def test_one_source_calling_a_thing_clear_and_another_unclear_disagree(embedder: Embedder) -> None:
    docs = {
        "a.txt": ["The minister said the new hunting law is very clear and can be enforced by the police."],
        "b.txt": ["Campaigners said the new hunting law is unclear and cannot be enforced by the police."],
        "c.txt": ["Hunts have legal options such as drag hunting, the minister said on Friday."],
        "d.txt": ["Monitors reported illegal hunting by some packs, campaigners said on Friday."],
    }
    kinds = [(d.kind, d.question) for d in _fixture_brief(embedder, docs).disagreements]
    assert ("polarity", "Clear or unclear?") in kinds
    assert not any("illegal" in q for _, q in kinds)  # "legal options" and "illegal hunting" are labels


@pytest.mark.parametrize(
    ("a", "b", "agree"),
    [("$9.37bn", "$9.4bn", True), ("$9.3bn", "$9.37bn", False), ("$9bn", "$9.37bn", True), ("£1,400", "£1,450", False),
     ("12 million dollars", "15 million dollars", False), ("27.5%", "28%", True)],
)  # fmt: skip
def test_two_figures_agree_when_the_finer_rounds_to_the_coarser(a: str, b: str, agree: bool) -> None:
    (fa,), (fb,) = figures_in(f"It cost {a} in all."), figures_in(f"It cost {b} in all.")
    assert fa.unit == fb.unit
    assert agree_within_rounding(fa, fb) is agree


def test_years_and_spans_of_time_are_not_figures_to_dispute() -> None:
    assert figures_in("In 2004 the firm spent 3 years and 10 days in court.") == []


DANGLING = {
    "a.txt": [
        "Deutsche Bank was asked to lead a loan for the sale. It had agreed to loan the money to an arm of Gazprom.",
        "It said the loan had been withdrawn after a court order in Houston, Texas, last week.",
    ],
}


def test_a_sentence_opening_on_a_pronoun_is_quoted_with_the_sentence_before_it_or_not_at_all() -> None:
    first, second = DANGLING["a.txt"]
    assert [first[s:e] for s, e in standalone_spans(first)] == [
        "Deutsche Bank was asked to lead a loan for the sale.",
        "Deutsche Bank was asked to lead a loan for the sale. It had agreed to loan the money to an arm of Gazprom.",
    ]
    assert standalone_spans(second) == []  # nothing before it in its paragraph: it cannot stand alone


def test_the_bottom_line_never_opens_a_sentence_on_a_word_that_points_back(embedder: Embedder) -> None:
    brief = _fixture_brief(embedder, {**DANGLING, **SALE})
    assert brief.section("bottom_line").claims
    assert not [c.text for c in brief.claims if opens_dangling(c.text)]


@pytest.mark.parametrize(
    ("text", "open_"),
    [
        ("It is not yet known who will buy the unit.", True),
        ("The price has yet to be decided by the court.", True),
        ("Officials declined to say how much was paid.", True),
        ("It remains unclear whether the state will match the funds.", True),
        ("No date has been set for the hearing.", True),
        ("An unknown group bought the unit for $9.3bn.", False),  # settled: the group bought it
        ("The previously unknown firm was registered at a vodka bar in Tver.", False),
        ("The court decided the case on Monday.", False),
    ],
)
def test_open_questions_say_something_is_not_known_or_not_yet_decided(text: str, open_: bool) -> None:
    assert is_open_question(text) is open_


@pytest.mark.parametrize(
    ("text", "name"),
    [("Mr Khodorkovsky's", "Khodorkovsky"), ("the Kremlin", "Kremlin"), ("Gazprom", "Gazprom"), ("2004", "")],
)
def test_an_actor_name_drops_honorifics_articles_and_possessives(text: str, name: str) -> None:
    assert actor_name(text) == name


@pytest.mark.parametrize(
    ("written", "parsed"),
    [("19 December 2004", (2004, 12, 19)), ("December 19, 2004", (2004, 12, 19)), ("19 December", (None, 12, 19)),
     ("December 2004", (2004, 12, 0)), ("2022", (2022, 0, 0)), ("last week", None), ("May", None),
     ("Sept. 5, 2005", (2005, 9, 5)), ("5 Sept 2005", (2005, 9, 5)), ("Dec. 19", (None, 12, 19)),
     ("Sep 2004", (2004, 9, 0))],
)  # fmt: skip
def test_a_timeline_date_is_read_as_written(written: str, parsed: tuple[int | None, int, int] | None) -> None:
    assert parse_date(written) == parsed


def test_the_timeline_puts_dated_events_in_date_order(embedder: Embedder) -> None:
    docs = {
        "d.txt": ["The court in Houston froze the sale of the unit on 16 December 2004, days before the auction."],
        "e.txt": ["Yukos filed for bankruptcy protection in a Texas court on 14 December 2004 to stop the auction."],
        "f.txt": ["Rosneft said on 23 December 2004 that it had bought the company that won the auction."],
        "g.txt": ["Tax officials first charged Yukos with unpaid taxes for 2000 in July 2004, its lawyers say."],
        "h.txt": ["The auction of Yuganskneftegaz went ahead in Moscow on 19 December despite the Texas court order."],
    }
    claims = _fixture_brief(embedder, {**docs, **SALE}).section("timeline").claims
    order = ["July 2004", "14 December 2004", "16 December 2004", "19 December 2004", "23 December 2004"]
    dates = [c.label.split(" (")[0].split(":")[0] for c in claims]
    assert len(dates) >= 3 and set(dates) <= set(order)
    assert dates == sorted(dates, key=order.index)


@pytest.mark.parametrize(
    ("asserted", "contrary", "similarity", "shared", "kind"),
    [
        # the seeds' own conflicts
        (
            "The US and China signed their first government-level AI safety agreement at the summit on May 14.",
            "For now, the announcement is a commitment to talk, not an agreement.",
            0.31,
            2,
            "negation",
        ),
        (
            "H200 chip sales to major Chinese tech firms were cleared alongside the safety pact.",
            "Washington had cleared sales of Nvidia H200 AI chips to several major Chinese technology firms He said "
            "there had been a lot of back and forth on the matter",
            0.37,
            7,
            "unsettled",
        ),
        # agreement in other words is not a conflict
        (
            "The protocol targets non-state actor access to frontier models, not state-to-state AI competition.",
            "The stated goal of the protocol is to prevent non state actors from accessing advanced models",
            0.66,
            4,
            None,
        ),
        # "May 14" is a date, not the modal "may", but a reported clearance asserts nothing
        (
            "Reuters reported that roughly 10 Chinese companies have recently been cleared to purchase the H200.",
            "He said there had been a lot of back and forth on the matter of clearing H200 sales",
            0.5,
            4,
            None,
        ),
        # a different agreement, negated in passing, with nothing done to it
        (
            "Previous efforts, including the November 2023 agreement between Biden and Xi, produced little.",
            "For now, the announcement is a commitment to talk, not an agreement.",
            0.35,
            1,
            None,
        ),
        # the unsettled side must speak of the same act
        (
            "The two governments have formalized a bilateral AI governance channel for the first time.",
            "He said there had been a lot of back and forth on the matter",
            0.5,
            3,
            None,
        ),
        # years are not counts
        ("The ban was passed in 2022 after 3 hearings.", "The ban was passed in 2023 after 3 hearings.", 0.97, 5, None),
    ],
)
def test_conflicts_between_acts_are_denials_or_unsettled_acts(
    asserted: str, contrary: str, similarity: float, shared: int, kind: str | None
) -> None:
    found = conflict(asserted, contrary, similarity, shared)
    assert (found.kind if found else None) == kind


def test_a_denial_is_framed_as_a_neutral_question() -> None:
    found = conflict("They signed the first agreement.", "It is a starting point, not a binding agreement.", 0.4, 1)
    assert found is not None and found.question == "Was an agreement signed?"


# --- unpunctuated text ----------------------------------------------------------------------

SEED_000_P5 = (
    "Two Chip export policy remains fluid Bessent was asked about a Reuters report that Washington had cleared sales "
    "of Nvidia H200 AI chips to several major Chinese technology firms He said there had been a lot of back and "
    "forth on the matter Nvidia CEO Jensen Huang joined Trump delegation to China as a late addition signaling that "
    "chip supply remains a live negotiation point US policy has restricted sales of advanced semiconductors to China "
    "since 2022 with periodic adjustments based on diplomatic and commercial calculations"
)


def test_unpunctuated_text_is_cut_into_verbatim_clauses() -> None:
    clauses = [SEED_000_P5[s:e] for s, e in quotable_spans(SEED_000_P5)]
    assert clauses == [
        "Bessent was asked about a Reuters report that Washington had cleared sales of Nvidia H200 AI chips to "
        "several major Chinese technology firms He said there had been a lot of back and forth on the matter",
        "Nvidia CEO Jensen Huang joined Trump delegation to China as a late addition signaling that chip supply "
        "remains a live negotiation point",
        "US policy has restricted sales of advanced semiconductors to China since 2022 with periodic adjustments "
        "based on diplomatic and commercial calculations",
    ]


def test_claims_from_the_unpunctuated_seed_are_verbatim_clauses(seeds_brief: Brief) -> None:
    from_000 = [c for c in seeds_brief.claims if c.quotes[0].paragraph.doc_id == SEED_000]
    assert from_000
    for claim in from_000:
        assert claim.text in claim.quotes[0].paragraph.text
        assert 7 <= len(claim.text.split()) <= 55
        assert claim.text.split()[0] not in {"One", "Two", "Three"}  # list labels are not claims


# --- topics --------------------------------------------------------------------------------


def test_a_topic_brief_on_chip_export_controls_brings_in_the_h200_facts(export_brief: Brief) -> None:
    assert export_brief.title == "Chip export controls"
    assert any("H200" in c.text for c in export_brief.claims)
    assert any("H200" in c.text for c in export_brief.section("key_facts").claims)


def test_a_topic_brief_on_chip_export_controls_leaves_out_taiwan(export_brief: Brief) -> None:
    assert not any("Taiwan" in c.paragraph.text for c in export_brief.citations)


@pytest.mark.parametrize("topic", ["football transfer fees", "weather in Paris", "interest rates"])
def test_an_off_corpus_topic_is_refused_clearly(seeded_library: Library, topic: str) -> None:
    with pytest.raises(NothingOnTopic) as refused:
        make_brief(seeded_library, topic=topic)
    assert str(refused.value) == NOTHING_ON_TOPIC.format(topic=topic) == f"The sources have nothing on '{topic}'."


# --- determinism and the LLM seam ------------------------------------------------------------


def test_the_same_corpus_gives_the_same_brief(seeded_library: Library, seeds_brief: Brief) -> None:
    assert make_brief(seeded_library, fits=fits_one_page) == seeds_brief


def test_a_rewrite_replaces_claim_text_and_keeps_the_quotes_to_check_it_against(seeds_brief: Brief) -> None:
    def shout(section: BriefSection) -> BriefSection:
        return replace(section, claims=tuple(replace(c, text=c.text.upper(), verbatim=False) for c in section.claims))

    loud = rewritten(seeds_brief, shout)
    assert loud.mode == "llm"
    claims = [c for s in loud.sections for c in s.claims]
    assert claims and all(c.text.isupper() and not c.verbatim for c in claims)
    assert all(c.quotes[0].text.upper() == c.text for c in claims)
    assert loud.disagreements[0].asserted.verbatim  # the sides of a disagreement stay the sources' own words


# --- the command line ------------------------------------------------------------------------


@pytest.mark.parametrize("name", ["brief.txt", "brief.pdfx", "brief"])
def test_the_cli_names_an_unknown_extension_and_the_choices(tmp_path: Path, name: str) -> None:
    result = CliRunner().invoke(app, ["brief", "--out", str(tmp_path / name)], env={"BRIEFING_DATA_DIR": str(tmp_path)})
    assert result.exit_code == 2
    message = " ".join(result.output.split())
    assert f"'{Path(name).suffix or '(none)'}'" in message
    assert ".md, .html, .pdf, .docx" in message
    assert not (tmp_path / name).exists()


def test_the_cli_refuses_an_off_corpus_topic_with_a_non_zero_exit(seeded_library: Library) -> None:
    env = {"BRIEFING_DATA_DIR": str(seeded_library.settings.data_dir), "BRIEFING_COLLECTION": "seeds"}
    result = CliRunner().invoke(app, ["brief", "--topic", "football transfer fees"], env=env)
    assert result.exit_code == 1
    assert "The sources have nothing on 'football transfer fees'." in result.output


# --- issue 12: denials, counterclaims, qualified figures, changes over time, names, the topic floor --------


@pytest.mark.parametrize(
    ("text", "deniers"),
    [
        ("Gazprom has denied that it was behind the bid.", {"Gazprom"}),
        ("But the claim was denied by Acme, which said no deal was made.", {"Acme"}),
        ("Jane Ortiz spoke at a rally. But challenged on it, she denied attacking the mayor.", {"Jane Ortiz"}),
        ("The mayor spoke at a rally and it was denied.", set()),
    ],
)  # fmt: skip
def test_the_denier_is_named_before_the_verb_after_it_in_the_passive_or_by_a_pronoun(
    text: str, deniers: set[str]
) -> None:
    from assistant.brief.stance import _deniers

    assert _deniers(text, {"Gazprom", "Acme", "Jane Ortiz"}) == deniers


FRONT = {
    "a.txt": [
        "Harbour Holdings paid officials to win the port tender in Leeds, a council report said on Monday.",
        "Harbour Holdings accused the council of selling the port land to Northgate Group in secret. "
        "But the claim was denied by Northgate Group, which said the sale of the port land was public.",
    ],
    "b.txt": ["Dock workers in Leeds marched against the sale of the port land to Northgate Group on Saturday."],
}


def test_a_stretch_that_states_a_claim_and_then_its_denial_is_a_disagreement_of_its_two_sentences(
    embedder: Embedder,
) -> None:
    denials = [d for d in _fixture_brief(embedder, FRONT).disagreements if d.kind == "denial"]
    assert [d.question for d in denials] == ["Does Northgate Group deny what is said of them?"]
    (denial,) = denials
    assert "accused the council of selling the port land" in denial.asserted.text
    assert "denied" not in denial.asserted.text
    assert denial.contrary[0].text.startswith("But the claim was denied by Northgate Group")
    for claim in (denial.asserted, *denial.contrary):  # each side quotes its own words, verbatim
        (quote,) = claim.quotes
        assert quote.text == claim.text


def test_a_speaker_does_not_deny_their_own_statement(embedder: Embedder) -> None:
    docs = {
        "a.txt": ["The hunting law is enforceable and very clear for the police, Alan Price has said."],
        "b.txt": ["Mr Price also denied the hunting law had led to a breakdown of trust with the police."],
    }
    assert [d.kind for d in _fixture_brief(embedder, docs).disagreements] == []


def test_another_actors_answer_after_but_is_a_counterclaim(embedder: Embedder) -> None:
    docs = {
        "a.txt": [
            "The chemical plant met every safety rule on waste during the March inspection, its owners said. "
            "But the Environment Agency claimed the plant had broken the safety rule on waste twice."
        ],
        "b.txt": ["The chemical plant near the river employs 400 people and opened in 1998, its owners said."],
    }
    counter = [d for d in _fixture_brief(embedder, docs).disagreements if d.kind == "counterclaim"]
    assert [d.question for d in counter] == ["Does Environment Agency dispute this?"]
    assert "met every safety rule" in counter[0].asserted.text
    assert counter[0].contrary[0].text.startswith("But the Environment Agency claimed")


def test_figures_said_of_different_places_are_not_one_quantity(embedder: Embedder) -> None:
    national = "The Green Party won 16.1% of the vote at the European elections last June, its leader said."
    docs = {
        "a.txt": [national],
        "b.txt": ["The Green Party won 31% of the vote in Manchester at the European elections last June, it said."],
    }  # fmt: skip
    assert [d.kind for d in _fixture_brief(embedder, docs).disagreements if d.is_conflict] == []
    unqualified = {**docs, "b.txt": [national.replace("16.1%", "31%")]}
    assert [d.kind for d in _fixture_brief(embedder, unqualified).disagreements] == ["numbers"]


def test_a_change_over_time_is_not_a_disagreement_but_a_contrary_statement_is(embedder: Embedder) -> None:
    docs = {
        "a.txt": ["Hunting with dogs in England and Wales was legal on the last day before the ban, hunts said."],
        "b.txt": ["Hunting with dogs in England and Wales is now illegal after the ban came into force, hunts said."],
    }  # fmt: skip
    assert [d.kind for d in _fixture_brief(embedder, docs).disagreements] == []
    disputed = {**docs, "b.txt": [docs["b.txt"][0].replace("is now illegal", "is illegal")]}
    assert [d.kind for d in _fixture_brief(embedder, disputed).disagreements] == ["polarity"]


@pytest.mark.parametrize(
    ("text", "name"),
    [("MEP Nigel Farage", "Nigel Farage"), ("Lib Dem MP Lembit Opik", "Lembit Opik"), ("West MP", "West MP")],
)  # fmt: skip
def test_a_role_before_a_name_is_not_part_of_it(text: str, name: str) -> None:
    assert actor_name(text) == name


def test_a_name_after_a_personal_title_is_a_person_whatever_the_tagger_says(embedder: Embedder) -> None:
    from assistant.brief import sections as pick
    from assistant.brief.candidates import Pool
    from index.records import Entity

    docs = {"a.txt": ["Mr Kilroy-Silk said the party had gone AWOL after the European elections last year."]}
    text = docs["a.txt"][0]

    def org_tagger(texts: list[str]) -> list[tuple[Entity, ...]]:  # the small model's mistake, made on purpose
        return [
            tuple(Entity("Kilroy-Silk", "ORG", t.index("Kilroy"), t.index("Kilroy") + 11) for _ in [0]) for t in texts
        ]

    pool = Pool.build(fixture_paragraphs(docs), embedder.embed, org_tagger, None)
    (actor,) = pick.actors(pool)
    assert (actor.name, actor.label) == ("Kilroy-Silk", "PERSON") and text in pool.candidates[0].text


def test_a_topic_sharing_one_of_its_words_by_chance_is_refused(library: Library, tmp_path: Path) -> None:
    files = {
        "a.md": "# Power\n\nThe prime minister spoke of a transfer of power to the chancellor after the election.\n\n"
        "The chancellor said the party would fight the election on the economy and on public services.\n",
        "b.md": "# Budget\n\nThe chancellor set out tax plans for families and pensioners in the spring budget.\n",
    }
    _brief_of(library, tmp_path, files)
    with pytest.raises(NothingOnTopic):
        make_brief(library, topic="football transfer fees")
    assert make_brief(library, topic="the chancellor's budget", fits=lambda _: True).sources


def test_every_brief_threshold_is_a_settings_field_with_its_default_in_env_example(tmp_path: Path) -> None:
    from dataclasses import fields

    from assistant.brief.thresholds import DEFAULT, PREFIX, Thresholds
    from assistant.settings import Settings

    assert Thresholds.of(Settings(_env_file=None)) == DEFAULT  # type: ignore[call-arg]
    assert Thresholds.of(Settings(_env_file=None, brief_min_words=9)).min_words == 9  # type: ignore[call-arg]
    example = (Path(__file__).resolve().parent.parent / ".env.example").read_text(encoding="utf-8")
    for f in fields(Thresholds):
        field = Settings.model_fields[PREFIX + f.name]
        assert field.description, f.name
        assert f"BRIEFING_{(PREFIX + f.name).upper()}={field.default}" in example, f.name


def test_an_actor_quoted_once_ranks_above_a_place_named_in_two_reports(embedder: Embedder) -> None:
    docs = {
        "a.txt": ["Hunts met across Leicestershire on Saturday, the first day of the ban on hunting with dogs."],
        "b.txt": [
            "Police in Leicestershire watched the hunts on Saturday and made no arrests under the new law.",
            "The ban cannot be enforced by the police, Richard Dodd, the hunt's spokesman, said on Saturday.",
        ],
    }
    actors = list(_fixture_brief(embedder, docs).actors)
    assert "Richard Dodd" in actors and "Leicestershire" in actors
    assert actors.index("Richard Dodd") < actors.index("Leicestershire")


def test_a_bare_year_of_history_does_not_date_an_undated_day(embedder: Embedder) -> None:
    docs = {
        "a.txt": [
            "Campaigners say the 1949 Parliament Act used to pass the hunting law was itself invalid.",
            "The ban on hunting with dogs comes into force on 18 February, the government said.",
        ],
        "b.txt": [
            "The Court of Appeal heard the challenge to the hunting ban on 3 February 2005 in London.",
            "Hunts met across England on 19 February 2005, the first day of the hunting ban.",
        ],
        "c.txt": [
            "Thousands of hunt supporters marched in the rain across the Welsh hills with their hounds.",
            "Police in Devon made two arrests on 20 February 2005 after a hunt was accused of chasing a fox.",
            "Ministers said on 21 February 2005 that the police would enforce the hunting ban in full.",
        ],
    }
    labels = [c.label for c in _fixture_brief(embedder, docs).section("timeline").claims]
    assert labels and not any("February 1949" in label for label in labels), labels


def test_a_name_ending_in_a_number_is_not_found_by_the_number_alone(embedder: Embedder) -> None:
    # Regression (BBC broadband cluster): the tagger read "Xbox 2" as a person, its "surname" 2 matched
    # "2,000" in other reports, and Xbox 2 became the third actor, its role a sentence that never named it.
    docs = {
        "a.txt": [
            "The first of the next generation of games consoles, Xbox 2, is set to launch later this year.",
            "Broadband firm BT said 2 million homes signed up for faster lines this year.",
        ],
        "b.txt": ["A survey of 2,000 broadband users by BT found that 2 in 10 were unhappy with their provider."],
        "c.txt": ["BT said 2 new services would reach 2,000 exchanges in the UK by the summer."],
    }
    brief = _fixture_brief(embedder, docs)
    roles = {c.label: c.text for c in brief.section("who").claims}
    assert all(name in text or name.split()[-1] in text for name, text in roles.items()), roles
    if "Xbox 2" in brief.actors:  # named in one report: it comes after BT, named in three
        assert brief.actors.index("Xbox 2") > brief.actors.index("BT")
        assert "Xbox 2" not in roles or "Xbox 2" in roles["Xbox 2"]
