"""The brief's pipeline on one screen: paragraphs -> candidates -> disagreements -> sections -> fitted page."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import replace
from typing import TYPE_CHECKING

import numpy as np

from assistant.brief import sections as pick
from assistant.brief.candidates import Embed, Pool, Tag, paragraphs_to_read
from assistant.brief.disagreements import find_disagreements
from assistant.brief.fit import fit_to_page
from assistant.brief.records import (
    SECTION_TITLES,
    Brief,
    BriefSection,
    Disagreement,
    Fits,
    NothingOnTopic,
    Rewrite,
)
from assistant.brief.thresholds import DEFAULT, Thresholds
from assistant.brief.timeline import timeline
from assistant.brief.topic import topic_paragraphs
from index.entities import Tagger
from index.records import Paragraph
from index.text import sentence_spans

if TYPE_CHECKING:
    from assistant.library import Library

_TAGGER = Tagger()  # the model loads on the first brief, once per process


def make_brief(
    library: Library,
    topic: str | None = None,
    rewrite: Rewrite | None = None,
    fits: Fits | None = None,
    tag: Tag | None = None,
) -> Brief:
    """The brief of the library's corpus, or of its paragraphs on topic; raises NothingOnTopic.

    rewrite, when given (the LLM mode), rewrites each claim section: see rewritten(). fits says whether
    a brief fits its page (the CLI and UI pass assistant.brief_render.fits_one_page); None fits anything.
    """
    topic = " ".join(topic.split()) if topic else None
    thresholds = Thresholds.of(library.settings)
    if topic:
        paragraphs = topic_paragraphs(library, topic, thresholds)
        if not paragraphs:
            raise NothingOnTopic(topic)
    else:
        paragraphs = library.store.paragraphs()
        if not paragraphs:
            raise ValueError(f"the collection '{library.collection}' is empty; run `briefing index` first")
    embed = _stored_first(library, paragraphs_to_read(paragraphs, thresholds.max_paragraphs))
    brief = brief_from_paragraphs(paragraphs, embed, topic=topic, fits=fits, tag=tag, thresholds=thresholds)
    return brief if rewrite is None else rewritten(brief, rewrite, fits)


def _stored_first(library: Library, paragraphs: Sequence[Paragraph]) -> Embed:
    """An embed that reuses the vectors ingest stored for each sentence, and embeds only the rest."""
    stored = {e.text: v for e, v in library.store.excerpts([p.id for p in paragraphs])}
    model = library.embedder()

    def embed(texts: list[str]) -> np.ndarray:
        for text in texts:
            if text not in stored and (joined := _joined(text)) is not None:
                stored[text] = joined
        missing = sorted({t for t in texts if t not in stored})
        fresh = dict(zip(missing, model.embed(missing), strict=True)) if missing else {}
        return np.asarray([stored[t] if t in stored else fresh[t] for t in texts], dtype=np.float32)

    def _joined(text: str) -> np.ndarray | None:
        # A sentence quoted with the one it leans on: the mean of the two stored sentence vectors
        # stands for it, as embedding it afresh would cost a model call per such pair.
        parts = [text[a:b] for a, b in sentence_spans(text)]
        if len(parts) < 2 or any(p not in stored for p in parts):
            return None
        mean = np.mean([stored[p] for p in parts], axis=0)
        return np.asarray(mean / max(float(np.linalg.norm(mean)), 1e-12), dtype=np.float32)

    return embed


def rewritten(brief: Brief, rewrite: Rewrite, fits: Fits | None = None) -> Brief:
    """The brief with each claim section passed through rewrite, renumbered and fitted to the page again.

    The seam for the LLM mode: rewrite returns the section with claims reworded (verbatim=False) or
    dropped; each claim keeps its quotes, so a verifier can check the new text against the cited
    paragraphs. Disagreements stay verbatim: each side is the source's own words.
    """
    return fit_to_page(replace(brief, sections=tuple(rewrite(s) for s in brief.sections), mode="llm"), fits)


def brief_from_paragraphs(
    paragraphs: Sequence[Paragraph],
    embed: Embed,
    topic: str | None = None,
    fits: Fits | None = None,
    tag: Tag | None = None,
    thresholds: Thresholds = DEFAULT,
) -> Brief:
    """Choose, section and cite the claims of a brief from these paragraphs; the same input gives the same brief."""
    t = thresholds
    pool = Pool.build(paragraphs_to_read(paragraphs, t.max_paragraphs), embed, tag or _TAGGER.entities, topic, t)
    if topic and not pool.candidates:
        raise NothingOnTopic(topic)
    tagged = pick.actors(pool)
    named = pick.mentions(pool, tagged)
    top = pick.with_mentions(tagged, named, pool)[: t.max_actors]
    # A people or party named in the plural acts and denies ("the Tories denied"); "European" does not.
    can_deny = frozenset(a.name for a in tagged if a.label in pick.AGENT_TYPES or _plural_group(a))
    people = frozenset(a.name for a in tagged if a.label == "PERSON")
    found = find_disagreements(pool, named, can_deny, people)
    shown = found.groups[: t.max_disagreements]
    disputed = {i for group in shown for i in group.involved}
    selection = pick.Selection(pool, disputed | {j for i in disputed for j in pool.duplicates[i]})
    chosen: dict[str, list[tuple[int, str]]] = {"bottom_line": [(i, "") for i in pick.bottom_line(pool, selection)]}
    chosen["timeline"] = timeline(pool, selection)
    chosen["who"] = pick.who(pool, selection, top)
    chosen["open_questions"] = [(i, "") for i in pick.open_questions(pool, selection)]
    chosen["key_facts"] = [(i, "") for i in pick.key_facts(pool, selection, top)]
    chosen["risks"] = [(i, "") for i in pick.risks(pool, selection)]
    sections = tuple(
        BriefSection(key, title, tuple(pool.claim(i, label=label) for i, label in chosen[key]))
        for key, title in SECTION_TITLES.items()
    )
    disagreements = tuple(
        Disagreement(
            group.conflict.question,
            group.conflict.kind,
            pool.claim(group.asserted, alone=True, until=group.split),
            tuple(pool.claim(j, alone=True, after=group.split) for j in group.contrary),
        )
        for group in shown
    )
    brief = Brief(
        title=topic[:1].upper() + topic[1:] if topic else _title(top),
        topic=topic,
        as_of="",
        sections=sections,
        disagreements=disagreements,
        sources=(),
        citations=(),
        actors=tuple(a.name for a in top),
        pairs_checked=found.pairs_checked,
    )
    return fit_to_page(brief, fits)


def _plural_group(actor: pick.Actor) -> bool:
    return actor.label == "NORP" and actor.name.endswith("s")


def _title(top: Sequence[pick.Actor]) -> str:
    """The whole-corpus title: who the sources are about, not one article's headline."""
    names = [a.name for a in top if a.label != "NORP"][:3]
    if not names:
        return "What the sources say"
    return names[0] if len(names) == 1 else ", ".join(names[:-1]) + " and " + names[-1]
