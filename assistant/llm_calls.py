"""The two calls made through the chat model: an answer over numbered passages, and a brief's claims reworded.

Both verify what the model wrote against the cited paragraphs (assistant/verify.py) and fall back to
the extractive text, with a note, when the model fails (assistant/llm.py raises LLMUnavailable).
"""

from __future__ import annotations

import html
import re
from collections.abc import Callable, Iterator, Sequence
from dataclasses import dataclass, replace
from typing import TYPE_CHECKING

from assistant.answer import NOT_IN_SOURCES, Answer, abstain
from assistant.injection import instruction_spans
from assistant.llm import ChatModel, LLMUnavailable, Message
from assistant.prompts import Prompts, load_prompts
from assistant.verify import SupportScorer, verify, without_markers
from index.records import Paragraph, Passage

if TYPE_CHECKING:
    from assistant.brief import BriefSection


# --- answering -----------------------------------------------------------------------------


def format_passages(passages: Sequence[Passage]) -> str:
    """Number the passages [1]..[k] and fence each as data; angle brackets in documents are escaped."""
    blocks = []
    for number, passage in enumerate(passages, start=1):
        p = passage.paragraph
        # Escaping < and > means no document can close the fence ("</passages>") and talk as the prompt.
        title = html.escape(p.title or p.doc_id, quote=True)
        date = f' date="{html.escape(p.date, quote=True)}"' if p.date else ""
        text = html.escape(without_instructions(p.text), quote=False)
        blocks.append(f'<passage n="{number}" title="{title}"{date}>\n{text}\n</passage>')
    return "\n".join(blocks)


WITHHELD = "[a sentence addressed to an AI was withheld here]"  # what the model sees in an injection's place


def without_instructions(text: str) -> str:
    """The passage with its instruction-like sentences replaced by WITHHELD, before any model reads it."""
    for start, end in reversed(instruction_spans(text)):
        text = text[:start] + WITHHELD + text[end:]
    return text


def answer_messages(question: str, passages: Sequence[Passage], prompts: Prompts) -> list[Message]:
    """The system prompt and the user turn that asks one question over numbered, fenced passages."""
    user = prompts.answer.render(
        question=html.escape(question, quote=False),
        passages=format_passages(passages),
        not_in_sources=NOT_IN_SOURCES,
    )
    return [Message("system", prompts.system.render()), Message("user", user)]


class LLMAnswerer:
    """Question + passages -> verified Answer through a chat model; extractive with a note when the model fails."""

    def __init__(self, chat: ChatModel, show_unsupported: bool = False, prompts: Prompts | None = None) -> None:
        self.chat = chat
        self.show_unsupported = show_unsupported
        self.prompts = prompts or load_prompts()

    def answer(
        self, question: str, passages: Sequence[Passage], scorer: SupportScorer, fallback: Callable[[], Answer]
    ) -> Answer:
        """Ask the model, then verify every sentence; on failure, fallback() with a note saying why."""
        if not passages:
            return abstain(question, passages, mode="llm")
        try:
            reply = self.chat.complete(answer_messages(question, passages, self.prompts))
        except LLMUnavailable as error:
            return _fell_back(fallback(), error)
        return verify(question, reply, passages, scorer, self.show_unsupported)

    def stream(
        self, question: str, passages: Sequence[Passage], scorer: SupportScorer, fallback: Callable[[], Answer]
    ) -> Iterator[str | Answer]:
        """Deltas as the model writes, then the verified Answer (or the fallback, with a note) as the last item."""
        if not passages:
            yield abstain(question, passages, mode="llm")
            return
        parts: list[str] = []
        try:
            for delta in self.chat.stream(answer_messages(question, passages, self.prompts)):
                parts.append(delta)
                yield delta
        except LLMUnavailable as error:
            yield _fell_back(fallback(), error)
            return
        yield verify(question, "".join(parts), passages, scorer, self.show_unsupported)


def _fell_back(answer: Answer, error: LLMUnavailable) -> Answer:
    return replace(answer, notes=(f"LLM unavailable ({error}): answered extractively", *answer.notes))


# --- brief rewriting -----------------------------------------------------------------------


@dataclass(frozen=True)
class ClaimDraft:
    """An extractive claim of a brief and the paragraphs it cites, to be rewritten fluently."""

    text: str
    paragraphs: tuple[Paragraph, ...]


@dataclass(frozen=True)
class Rewrites:
    """One text per draft, in order: the rewrite where it is supported, else the draft unchanged."""

    texts: tuple[str, ...]
    rewritten: int  # how many texts are rewrites
    notes: tuple[str, ...] = ()


_NUMBERED_LINE = re.compile(r"^\s*(?:\[(\d+)\]|(\d+)[.):])\s+(.+?)\s*$")


def rewrite_claims(
    drafts: Sequence[ClaimDraft], chat: ChatModel, scorer: SupportScorer, prompts: Prompts | None = None
) -> Rewrites:
    """Rewrite claims in one request and keep each rewrite only if its own paragraphs support it."""
    originals = tuple(d.text for d in drafts)
    if not drafts:
        return Rewrites((), 0)
    prompts = prompts or load_prompts()
    claims = "\n".join(
        f'<claim n="{n}">\n<quote>{html.escape(d.text, quote=False)}</quote>\n'
        + "".join(f"<source>{html.escape(p.text, quote=False)}</source>\n" for p in d.paragraphs)
        + "</claim>"
        for n, d in enumerate(drafts, start=1)
    )
    messages = [
        Message("system", prompts.system.render()),
        Message("user", prompts.brief_rewrite.render(claims=claims)),
    ]
    try:
        reply = chat.complete(messages)
    except LLMUnavailable as error:
        return Rewrites(originals, 0, (f"LLM unavailable ({error}): claims left as quoted",))
    proposed: dict[int, str] = {}
    for line in reply.splitlines():
        if match := _NUMBERED_LINE.match(line):
            proposed.setdefault(int(match.group(1) or match.group(2)), match.group(3))
    texts = list(originals)
    rewritten = 0
    for n, draft in enumerate(drafts, start=1):
        candidate = without_markers(proposed.get(n, ""))  # the brief numbers its own footnotes
        if candidate and draft.paragraphs and scorer.supports(candidate, draft.paragraphs):
            texts[n - 1] = candidate
            rewritten += 1
    kept = len(drafts) - rewritten
    notes = (
        (f"{kept} of {len(drafts)} claims kept as quoted: their rewrite was missing or unsupported",) if kept else ()
    )
    return Rewrites(tuple(texts), rewritten, notes)


def section_rewriter(
    chat: ChatModel, scorer: SupportScorer, prompts: Prompts | None = None
) -> Callable[[BriefSection], BriefSection]:
    """The rewrite seam of assistant.brief.make_brief: a section's claims reworded in one request, each verified."""

    def rewrite(section: BriefSection) -> BriefSection:
        drafts = [ClaimDraft(c.text, tuple(dict.fromkeys(q.paragraph for q in c.quotes))) for c in section.claims]
        texts = rewrite_claims(drafts, chat, scorer, prompts).texts
        claims = tuple(
            c if text == c.text else replace(c, text=text, verbatim=False)
            for c, text in zip(section.claims, texts, strict=True)
        )
        return replace(section, claims=claims)

    return rewrite
