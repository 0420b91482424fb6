"""Answers, sources and documents -> the HTML the chat page shows and the Markdown it exports."""

from __future__ import annotations

import re
from collections.abc import Iterator, Sequence
from html import escape, unescape
from urllib.parse import quote, unquote

from assistant.answer import Answer, Citation
from index.records import Paragraph

# A citation link is `<a href="#cite=<turn>/<paragraph id, URL-encoded>">`. Gradio's chat sanitizer
# drops data-* and aria-* attributes but keeps href, class and title (checked in Chromium with
# gradio 6.31), so the reference rides in the href; the page's script turns the click into a
# viewer request. ui.py's script matches this prefix.
REF_PREFIX = "#cite="
MARKER = re.compile(r"\[(\d+(?:\s*,\s*\d+)*)\]")  # [2] and, from an LLM, [1, 3]
VIEWER_CONTEXT = 60  # paragraphs shown either side of the cited one in a very long document
SNIPPET_CHARS = 220

EMPTY_VIEWER = (
    '<div class="viewer-empty"><div class="viewer-empty-title">Document viewer</div>'
    '<p>Click a citation such as <span class="cite demo">1</span> or a source under an answer: '
    "its paragraph opens here, highlighted in place in its document.</p></div>"
)


def citation_ref(turn: int, paragraph_id: str) -> str:
    """The value a citation link carries: which answer of the conversation, and which paragraph."""
    return f"{turn}/{quote(paragraph_id, safe='')}"


def quote_ref(paragraph_id: str) -> str:
    """The value a citation link carries when no answer is behind it (a footnote of the brief)."""
    return quote(paragraph_id, safe="")


def parse_ref(ref: str) -> tuple[int | None, str]:
    """(turn, paragraph id) from a citation reference, with or without the href prefix; turn None if absent."""
    ref = ref.strip().removeprefix(REF_PREFIX)
    turn, slash, encoded = ref.partition("/")
    if slash and turn.isdigit():
        return int(turn), unquote(encoded)
    return None, unquote(ref)


def doc_id_of(paragraph_id: str) -> str:
    """The document id inside a paragraph id `<doc>#p<n>` (or `<doc>#p<n>.<piece>`)."""
    return paragraph_id.rsplit("#p", 1)[0]


def message_text(content: object) -> str:
    """A chat message's text, whether Gradio gave a plain string (gradio_client) or text blocks (the browser)."""
    if isinstance(content, str):
        return content
    if isinstance(content, dict):
        return str(content.get("text", ""))
    if isinstance(content, Sequence):
        return "".join(message_text(block) for block in content)
    return ""


def plain_text(html: str) -> str:
    """What a reader sees of an HTML fragment: tags dropped, entities decoded, spaces collapsed."""
    return " ".join(unescape(re.sub(r"<[^>]+>", " ", html)).split())


# --- the chat ------------------------------------------------------------------------------


def question_html(question: str) -> str:
    return f'<div class="question">{escape(question)}</div>'


PENDING_HTML = '<div class="thinking">Searching the sources<span class="dots"><i></i><i></i><i></i></span></div>'


def streaming_html(text: str) -> str:
    """An answer still arriving: plain text and a caret; markers become links once it is whole."""
    return f'<div class="answer streaming">{escape(text)}<span class="caret"></span></div>'


def answer_html(answer: Answer, turn: int) -> str:
    """The answer as the chat shows it: text with clickable [n] markers, notes, then its numbered sources."""
    if answer.abstained:
        return abstention_html(answer, turn)
    by_number = {c.n: c for c in answer.citations}
    mark = short_answer_offsets(answer)
    lead = ""
    if answer.short_answer is not None and mark is not None:
        lead = f'<div class="short-answer"><strong>{escape(answer.short_answer.text)}</strong></div>'
    body = f'{lead}<div class="answer">{_linked(answer.text, by_number, turn, mark)}</div>'
    return body + _notes_html(answer.notes) + sources_html(answer.citations, turn)


def short_answer_offsets(answer: Answer) -> tuple[int, int] | None:
    """Where the short answer stands in answer.text (its claim found there, then the span in it), if it does."""
    short = answer.short_answer
    if short is None or short.claim >= len(answer.claims):
        return None
    claim = answer.claims[short.claim].text
    before = sum(len(c.text) for c in answer.claims[: short.claim])
    at = answer.text.find(claim, before)  # the claims come in order, each followed by its markers
    if at < 0 or claim[short.in_claim : short.in_claim + len(short.text)] != short.text:
        return None
    return at + short.in_claim, at + short.in_claim + len(short.text)


def _linked(text: str, by_number: dict[int, Citation], turn: int, mark: tuple[int, int] | None = None) -> str:
    parts: list[str] = []
    cursor = 0

    def plain(begin: int, end: int) -> str:  # text[begin:end] escaped, the short answer in it marked
        if mark is None or not (begin <= mark[0] and mark[1] <= end):
            return escape(text[begin:end])
        return (
            escape(text[begin : mark[0]])
            + f'<mark class="short-answer">{escape(text[mark[0] : mark[1]])}</mark>'
            + escape(text[mark[1] : end])
        )

    for match in MARKER.finditer(text):
        numbers = [int(n) for n in re.findall(r"\d+", match.group(1))]
        if not all(n in by_number for n in numbers):
            continue  # a bracketed number quoted from the source itself, not a citation
        sentence = text[cursor : match.start()]
        parts.append(plain(cursor, match.start()))
        parts.append("".join(_marker_html(by_number[n], turn, sentence) for n in numbers))
        cursor = match.end()
    parts.append(plain(cursor, len(text)))
    return "".join(parts)


def hover_text(p: Paragraph, quote: str) -> str:
    """What a marker's hover card shows, one field a line: title, date, the cited sentence in full, a hint.

    It rides in the title attribute (which the chat's sanitizer keeps); the page's script shows it
    as a card and keeps the browser's own tooltip, which cuts it short, from showing.
    """
    quote = " ".join(quote.split()) or _snippet(p.text)
    return "\n".join((p.title or p.doc_id, p.date or "", f"“{quote}”", "Click to open it in its document"))


def _marker_html(citation: Citation, turn: int, sentence: str = "") -> str:
    p = citation.paragraph
    hover = hover_text(p, sentence)
    return f'<a class="cite" href="{REF_PREFIX}{citation_ref(turn, p.id)}" title="{escape(hover)}">{citation.n}</a>'


def sources_html(citations: Sequence[Citation], turn: int) -> str:
    """The numbered sources under an answer: title, date, paragraph id; each opens the viewer."""
    if not citations:
        return ""
    items = "".join(
        f'<li><a class="source" href="{REF_PREFIX}{citation_ref(turn, c.paragraph.id)}" '
        f'title="{escape(hover_text(c.paragraph, ""))}">'
        f'<span class="source-n">{c.n}</span>{_source_body(c.paragraph)}</a></li>'
        for c in citations
    )
    return f'<div class="sources"><div class="sources-head">Sources</div><ol>{items}</ol></div>'


def abstention_html(answer: Answer, turn: int) -> str:
    """An abstention said plainly, then the closest material there is, each passage clickable."""
    if not answer.passages and not answer.closest:
        return (
            f'<div class="answer abstained">{escape(answer.text)}</div>'
            '<div class="note">Nothing is indexed yet: add documents in the Corpus tab.</div>'
        )
    lead = f'<div class="answer abstained">{escape(answer.text)}</div>' + _notes_html(answer.notes)
    if not answer.closest:
        return lead
    items = "".join(
        f'<li><a class="source closest" href="{REF_PREFIX}{citation_ref(turn, p.paragraph.id)}">'
        f'<span class="source-n">¶</span>{_source_body(p.paragraph, quote=True)}</a></li>'
        for p in answer.closest
    )
    return lead + f'<div class="sources"><div class="sources-head">Closest material</div><ul>{items}</ul></div>'


def _notes_html(notes: Sequence[str]) -> str:
    return "".join(f'<div class="note">{escape(note)}</div>' for note in notes)


def _source_body(p: Paragraph, quote: bool = False) -> str:
    date = f'<span class="source-date">{escape(p.date)}</span>' if p.date else ""
    quoted = f'<span class="source-quote">“{escape(_snippet(p.text))}”</span>' if quote else ""
    return (
        f'<span class="source-body"><span class="source-title">{escape(p.title or p.doc_id)}</span>'
        f'<span class="source-meta">{date}<span class="source-pid">{escape(p.id)}</span></span>{quoted}</span>'
    )


def _snippet(text: str, limit: int = SNIPPET_CHARS) -> str:
    text = " ".join(text.split())
    return text if len(text) <= limit else text[:limit].rsplit(" ", 1)[0] + "…"


def chat_messages(conversation: Sequence[Answer]) -> list[dict[str, str]]:
    """The Chatbot's history, rebuilt from the session's answers (the answers are the truth)."""
    messages: list[dict[str, str]] = []
    for turn, answer in enumerate(conversation):
        asked = question_html(answer.question)
        if answer.understood:  # a follow-up, read with the previous turn: say how it was understood
            asked += f'<div class="understood">Read as: {escape(answer.understood)}</div>'
        messages.append({"role": "user", "content": asked})
        messages.append({"role": "assistant", "content": answer_html(answer, turn)})
    return messages


def reveal(text: str, steps: int = 14, min_words: int = 3) -> Iterator[str]:
    """Growing prefixes of text, word group by word group, ending with the whole text."""
    words = list(re.finditer(r"\S+", text))
    if not words:
        yield text
        return
    size = max(min_words, -(-len(words) // steps))
    for i in range(size, len(words), size):
        yield text[: words[i - 1].end()]
    yield text


# --- the document viewer --------------------------------------------------------------------


def quotes_for(answer: Answer | None, paragraph_id: str) -> list[str]:
    """The sentences of the answer that cite this paragraph: the viewer marks them inside it."""
    if answer is None:
        return []
    numbers = {c.n for c in answer.citations if c.paragraph.id == paragraph_id}
    return [claim.text for claim in answer.claims if numbers & set(claim.citations)]


def cited_number(answer: Answer | None, paragraph_id: str) -> int | None:
    if answer is None:
        return None
    return next((c.n for c in answer.citations if c.paragraph.id == paragraph_id), None)


def document_html(
    paragraph_id: str,
    paragraphs: Sequence[Paragraph],
    text: str | None,
    quotes: Sequence[str] = (),
    cited_as: int | None = None,
) -> str:
    """The viewer: the document's title, date and outlet; its text with the cited paragraph highlighted."""
    ordered = sorted(paragraphs, key=lambda p: (p.start, p.id))
    index = next((i for i, p in enumerate(ordered) if p.id == paragraph_id), None)
    if index is None:
        return (
            '<div class="viewer-empty"><div class="viewer-empty-title">Paragraph not found</div>'
            f"<p>{escape(paragraph_id)} is no longer in the index: its document was removed or re-indexed "
            "since this answer was given. Ask again to cite the current text.</p></div>"
        )
    target = ordered[index]
    first, last = max(0, index - VIEWER_CONTEXT), min(len(ordered), index + VIEWER_CONTEXT + 1)
    shown = ordered[first:last]
    body: list[str] = []
    if first > 0:
        body.append(f'<div class="doc-elided">… {first} earlier paragraphs not shown …</div>')
    cursor = shown[0].start if first > 0 else 0
    for p in shown:
        if text is not None:
            body.append(_gap_html(text[cursor : p.start]))
            cursor = max(cursor, p.end)
        elif p.heading and (p is shown[0] or p.heading != shown[shown.index(p) - 1].heading):
            body.append(f'<div class="doc-heading">{escape(p.heading.split(" > ")[-1])}</div>')
        body.append(_paragraph_html(p, p.id == paragraph_id, quotes, cited_as))
    if last < len(ordered):
        body.append(f'<div class="doc-elided">… {len(ordered) - last} later paragraphs not shown …</div>')
    elif text is not None:
        body.append(_gap_html(text[cursor:]))
    meta = [m for m in (target.date, target.outlet) if m]
    meta_html = "".join(f'<span class="doc-meta-item">{escape(m)}</span>' for m in meta)
    # The header is citable but is no paragraph of the text: "paragraph 1" is #p1.
    body_paragraphs = [p for p in ordered if not p.is_header]
    position = (
        f"paragraph {body_paragraphs.index(target) + 1} of {len(body_paragraphs)}"
        if target in body_paragraphs
        else "the document's header"
    )
    return (
        '<div class="doc">'
        f'<div class="doc-header"><div class="doc-title">{escape(target.title or target.doc_id)}</div>'
        f'<div class="doc-meta">{meta_html}<span class="doc-meta-item doc-id">{escape(target.doc_id)}</span>'
        f'<span class="doc-meta-item">{position}</span></div></div>'
        f'<div class="doc-body">{"".join(body)}</div></div>'
    )


def _paragraph_html(p: Paragraph, cited: bool, quotes: Sequence[str], cited_as: int | None) -> str:
    if not cited:
        return f'<p class="para">{escape(p.text)}</p>'
    label = f"Cited as [{cited_as}]" if cited_as else "Closest material"
    return (
        f'<div class="cited-label"><span class="cited-as">{label}</span>'
        f'<span class="cited-pid">{escape(p.id)}</span></div>'
        f'<p class="para cited" id="cited-paragraph">{_marked(p.text, quotes)}</p>'
    )


def _marked(text: str, quotes: Sequence[str]) -> str:
    """The paragraph with each quoted sentence wrapped in <mark>; quotes not found verbatim are ignored."""
    spans: list[tuple[int, int]] = []
    for q in quotes:
        at = text.find(q) if q else -1
        if at >= 0:
            spans.append((at, at + len(q)))
    merged: list[tuple[int, int]] = []
    for start, end in sorted(spans):
        if merged and start <= merged[-1][1]:
            merged[-1] = (merged[-1][0], max(end, merged[-1][1]))
        else:
            merged.append((start, end))
    out: list[str] = []
    cursor = 0
    for start, end in merged:
        out.append(escape(text[cursor:start]))
        out.append(f'<mark class="quote">{escape(text[start:end])}</mark>')
        cursor = end
    out.append(escape(text[cursor:]))
    return "".join(out)


_HEADING_LINE = re.compile(r"^#{1,6}\s+")
_MARKER_ONLY = re.compile(r"^(?:[-*•–>]|\d{1,3}[.)])$")


def _gap_html(gap: str) -> str:
    # Text between paragraphs is what the chunker kept as metadata: headings, labels, front
    # matter, bullet markers. It is shown, muted, so the paragraph reads in its real place.
    out: list[str] = []
    for line in gap.splitlines():
        line = line.strip()
        if not line or _MARKER_ONLY.match(line):
            continue
        if _HEADING_LINE.match(line) or (len(line) <= 90 and not re.search(r"[.!?;:,\"”’]$", line)):
            out.append(f'<div class="doc-heading">{escape(_HEADING_LINE.sub("", line))}</div>')
        else:
            out.append(f'<div class="doc-aside">{escape(line)}</div>')
    return "".join(out)


# --- the export -----------------------------------------------------------------------------


def conversation_markdown(conversation: Sequence[Answer], collection: str = "") -> str:
    """The conversation as Markdown: each question, its answer with [n] markers, the cited paragraphs quoted."""
    lines = ["# Briefing conversation", ""]
    if collection:
        lines += [f"Collection: `{collection}`", ""]
    for turn, answer in enumerate(conversation, start=1):
        lines += [f"## {turn}. {answer.question}", ""]
        if answer.understood:
            lines += [f"*Read as:* {answer.understood}", ""]
        if answer.short_answer is not None:
            lines += [f"**{answer.short_answer.text}**", ""]
        lines += [answer.text, ""]
        lines += [f"*Note: {note}*" for note in answer.notes]
        if answer.notes:
            lines.append("")
        if answer.abstained:
            if answer.closest:
                lines += ["**Closest material**", ""]
                for passage in answer.closest:
                    lines += _quoted(passage.paragraph, "-")
        elif answer.citations:
            lines += ["**Sources**", ""]
            for citation in answer.citations:
                lines += _quoted(citation.paragraph, f"[{citation.n}]")
    return "\n".join(lines).rstrip() + "\n"


def _quoted(p: Paragraph, label: str) -> list[str]:
    dated = f", {p.date}" if p.date else ""
    outlet = f", {p.outlet}" if p.outlet else ""
    quoted = [f"> {line}" if line.strip() else ">" for line in p.text.splitlines()] or [">"]
    return [f"{label} **{p.title or p.doc_id}**{dated}{outlet} — `{p.id}`", "", *quoted, ""]
