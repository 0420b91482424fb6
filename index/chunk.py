"""Documents -> Paragraphs with stable ids `<doc>#p<n>`, character offsets and the heading they sit under."""

from __future__ import annotations

import re
from collections.abc import Callable
from dataclasses import dataclass

from index.records import HEADER_PARAGRAPH, Document, Paragraph
from index.text import has_sentence_punctuation, sentence_spans, word_spans

EMBEDDING_WINDOW = 256  # all-MiniLM-L6-v2 truncates at 256 word pieces
LABEL_MAX_WORDS = 12
_BULLET = re.compile(r"^\s*(?:[-*•–]|\d{1,3}[.)])\s+")
_MD_HEADING = re.compile(r"^\s{0,3}(#{1,6})\s+(.*?)\s*#*\s*$")
_BLOCKQUOTE = re.compile(r"^\s*>\s?")
# A byline is short like a label but is a statement of its own ("Originally reported by cnbc.com").
_BYLINE = re.compile(r"^(?:originally (?:reported|published) by|reported by|published by|by|source:?|via)\s", re.I)


@dataclass(frozen=True)
class _Line:
    start: int  # offsets of the stripped content
    end: int
    text: str


def chunk_document(
    document: Document,
    count_tokens: Callable[[str], int] | None = None,
    max_tokens: int = EMBEDDING_WINDOW,
) -> list[Paragraph]:
    """Cut a document into citable paragraphs; headings and one-line labels become their metadata."""
    count = count_tokens or _approximate_word_pieces
    units = _units(document.text, document.body_start)
    paragraphs: list[Paragraph] = []
    headings: list[tuple[int, str]] = []  # (level, text); labels sit at level 7, under any Markdown heading
    previous_was_label = False
    list_label = False  # the latest label introduced a bullet list: its scope ends with the list
    number = 0
    header = _header_span(document)
    if header is not None:
        # Who wrote it and when is asked about too: the header is quotable source text.
        paragraphs.append(
            Paragraph(
                id=f"{document.id}#p{HEADER_PARAGRAPH}",
                doc_id=document.id,
                text=document.text[header[0] : header[1]],
                start=header[0],
                end=header[1],
                heading="",
                title=document.title,
                date=document.date,
                outlet=document.outlet,
            )
        )
    for index, unit in enumerate(units):
        heading = _MD_HEADING.match(unit.text)
        if heading:
            level = len(heading.group(1))
            headings = [h for h in headings if h[0] < level] + [(level, heading.group(2))]
            previous_was_label = False
            continue
        if _is_label(unit.text) and index + 1 < len(units):
            if not previous_was_label:
                headings = [h for h in headings if h[0] < 7]
            headings.append((7, unit.text))
            previous_was_label = True
            list_label = index + 1 < len(units) and bool(_BULLET.match(units[index + 1].text))
            continue
        if list_label and not _BULLET.match(unit.text):
            # "What we don't know yet" + bullets, then a byline: the byline is not one of the unknowns.
            headings = [h for h in headings if h[0] < 7]
            list_label = False
        previous_was_label = False
        number += 1
        start, end = _content_span(document.text, unit)
        base_id = f"{document.id}#p{number}"
        path = " > ".join(text for _, text in headings)
        pieces = _split_long(document.text, start, end, count, max_tokens)
        for piece, (piece_start, piece_end) in enumerate(pieces, start=1):
            paragraphs.append(
                Paragraph(
                    id=base_id if len(pieces) == 1 else f"{base_id}.{piece}",
                    doc_id=document.id,
                    text=document.text[piece_start:piece_end],
                    start=piece_start,
                    end=piece_end,
                    heading=path,
                    title=document.title,
                    date=document.date,
                    outlet=document.outlet,
                )
            )
    return paragraphs


def _units(text: str, body_start: int) -> list[_Line]:
    """Blank-line blocks; inside a block each line stands alone unless the block is hard-wrapped prose."""
    lines: list[_Line] = []
    offset = body_start
    for raw in text[body_start:].splitlines(keepends=True):
        content = raw.rstrip("\r\n")
        stripped = content.strip()
        if _BLOCKQUOTE.fullmatch(stripped):
            stripped = ""  # a bare ">" between quoted paragraphs separates them, as a blank line would
        lead = len(content) - len(content.lstrip())
        lines.append(_Line(offset + lead, offset + lead + len(stripped), stripped))
        offset += len(raw)
    blocks: list[list[_Line]] = [[]]
    for line in lines:
        if line.text:
            blocks[-1].append(line)
        elif blocks[-1]:
            blocks.append([])
    units: list[_Line] = []
    for block in blocks:
        # A label line opening a block of wrapped prose ("Risks" over three wrapped lines) stands alone.
        if len(block) > 2 and _is_label(block[0].text) and _is_wrapped_prose(block[1:]):
            widths = sorted(len(line.text) for line in block[1:])
            if len(block[0].text) < 0.6 * widths[len(widths) // 2]:
                units.append(block[0])
                block = block[1:]
        if _is_wrapped_prose(block):
            units.append(_Line(block[0].start, block[-1].end, text[block[0].start : block[-1].end]))
        else:
            units.extend(block)
    return units


def _is_wrapped_prose(block: list[_Line]) -> bool:
    if len(block) < 2:
        return False
    if any(_BULLET.match(line.text) or _MD_HEADING.match(line.text) for line in block):
        return False
    inner = block[:-1]
    # Hard-wrapped text: every line but the last is of similar, moderate width, and some line stops
    # mid-sentence. Lines that each end a sentence are one-line paragraphs, however wide.
    mid_sentence = any(not re.search(r"[.!?:\"”’)]$", line.text) for line in inner)
    return all(30 <= len(line.text) <= 100 for line in inner) and mid_sentence


def _header_span(document: Document) -> tuple[int, int] | None:
    start, end = 0, document.body_start
    while start < end and document.text[start].isspace():
        start += 1
    while end > start and document.text[end - 1].isspace():
        end -= 1
    return (start, end) if end > start else None


def _is_label(line: str) -> bool:
    if _BULLET.match(line) or _BLOCKQUOTE.match(line) or _BYLINE.match(line):
        return False
    words = line.split()
    return 0 < len(words) <= LABEL_MAX_WORDS and not re.search(r"[.!?;:,\"”’)]$", line)


def _content_span(text: str, unit: _Line) -> tuple[int, int]:
    """The unit's span without a leading bullet or quote marker."""
    start = unit.start
    marker = _BULLET.match(unit.text) or _BLOCKQUOTE.match(unit.text)
    if marker:
        start += marker.end()
    while start < unit.end and text[start].isspace():
        start += 1
    return start, unit.end


def _split_long(text: str, start: int, end: int, count: Callable[[str], int], max_tokens: int) -> list[tuple[int, int]]:
    """Keep the paragraph whole if it fits the window; else pack sentences, or word windows, into pieces."""
    if count(text[start:end]) <= max_tokens:
        return [(start, end)]
    if has_sentence_punctuation(text[start:end]):
        atoms = sentence_spans(text, start, end)
    else:
        atoms = word_spans(text, start, end)
    result: list[tuple[int, int]] = []
    for piece in _pack(text, atoms, count, max_tokens):
        # A single sentence longer than the window is cut by words.
        if count(text[piece[0] : piece[1]]) > max_tokens and len(word_spans(text, *piece)) > 1:
            result.extend(_pack(text, word_spans(text, *piece), count, max_tokens))
        else:
            result.append(piece)
    return result


def _pack(
    text: str, atoms: list[tuple[int, int]], count: Callable[[str], int], max_tokens: int
) -> list[tuple[int, int]]:
    """Greedily join consecutive spans (sentences or words) into pieces that fit the window."""
    pieces: list[tuple[int, int]] = []
    piece_start, piece_end = atoms[0]
    for atom_start, atom_end in atoms[1:]:
        if count(text[piece_start:atom_end]) > max_tokens:
            pieces.append((piece_start, piece_end))
            piece_start = atom_start
        piece_end = atom_end
    pieces.append((piece_start, piece_end))
    return pieces


def _approximate_word_pieces(text: str) -> int:
    # Used only when no tokenizer is given (unit tests); English averages ~1.3 word pieces a word.
    return int(len(text.split()) * 1.3) + 2


WINDOW_WORDS = 24  # an excerpt of unpunctuated text: about one spoken sentence
WINDOW_STRIDE = 6


def quote_spans(text: str) -> list[tuple[int, int]]:
    """The quotable stretches of a paragraph: its sentences, or overlapping word windows when it has no punctuation."""
    if has_sentence_punctuation(text):
        return sentence_spans(text)
    words = word_spans(text)
    if len(words) <= WINDOW_WORDS + WINDOW_STRIDE:
        return [(words[0][0], words[-1][1])] if words else []
    starts = [*range(0, len(words) - WINDOW_WORDS, WINDOW_STRIDE), len(words) - WINDOW_WORDS]
    return [(words[i][0], words[i + WINDOW_WORDS - 1][1]) for i in starts]
