"""Files under a corpus -> Documents: the walk, the ids, the bounded read; index/extract.py turns bytes into text."""

from __future__ import annotations

import errno
import hashlib
import os
import stat
from collections.abc import Iterable, Iterator, Mapping
from dataclasses import dataclass
from pathlib import Path, PurePosixPath

from index.extract import READERS, LoadError, to_document
from index.metadata import MetadataError, find_date, is_sidecar, parse_front_matter, sidecar, sidecar_hash
from index.records import Document, DocumentSummary, LoadFailure, UnchangedFile

__all__ = ["LoadError", "LoadResult", "find_date", "load_file", "load_paths", "parse_front_matter"]
_find_date = find_date  # the name tests and older callers use

SUPPORTED_SUFFIXES = tuple(READERS)
# Corpus folders carry their own README (seeds/README.md describes the seeds); it is
# documentation about the corpus, not a source, so it is never indexed.
IGNORED_NAMES = {"readme.md", "readme.txt", "readme"}


@dataclass(frozen=True)
class LoadResult:
    documents: tuple[Document, ...]
    failures: tuple[LoadFailure, ...]
    skipped: tuple[LoadFailure, ...]  # files in a folder that are not of a supported type
    roots: tuple[str, ...]  # folders that were walked whole: documents gone from them may be removed
    unchanged: tuple[UnchangedFile, ...] = ()  # files that match `indexed`: hashed, not extracted


def load_paths(
    paths: Iterable[str | Path],
    root: str | Path | None = None,
    max_text_chars: int | None = None,
    claimed: Mapping[str, str] | None = None,
    indexed: Mapping[str, DocumentSummary] | None = None,
) -> LoadResult:
    """Load every supported file under the given files and folders; never raises for a bad file.

    A file's id is its path relative to the folder it was found in, or to root when given and the
    file lies under it (uploads: root/uploads/report.md -> "uploads/report.md"). With root given, a
    folder outside it is named by its folder name (a/report.txt, b/report.txt), so two folders holding
    the same file name never replace each other. claimed maps the ids already indexed to the folder
    each was read from: a folder whose file would take an id held by another file that still exists
    is named by more of its path (x/docs/report.txt, y/docs/report.txt), while a moved folder, whose
    old files are gone, keeps its ids. The walk never leaves a folder: links to files or folders
    outside it are refused, and FIFOs, devices, sockets and link loops are skipped unopened.
    max_text_chars bounds a file's extracted text (None: no bound). indexed maps ids to their records:
    a file whose id, folder, bytes and sidecar match its record is listed as unchanged, not extracted
    (None: every file is extracted).
    """
    base = Path(root).expanduser().resolve() if root is not None else None
    held = dict(claimed or {})  # grows with this run's ids, so two same-named folders in one run differ too
    documents: list[Document] = []
    unchanged: list[UnchangedFile] = []
    failures: list[LoadFailure] = []
    skipped: list[LoadFailure] = []
    roots: list[str] = []
    found = _Found(documents, unchanged, failures)
    for raw in paths:
        path = Path(raw).expanduser()
        if path.is_symlink() and not os.path.exists(path):
            failures.append(LoadFailure(str(raw), "a broken link or a link loop; point it at a real file or remove it"))
            continue
        if not path.exists():
            failures.append(LoadFailure(str(raw), "no such file or folder; check the path"))
            continue
        first, first_unchanged = len(documents), len(unchanged)
        if path.is_dir():
            folder = path.resolve()
            roots.append(str(folder))
            entries = list(corpus_files(folder))
            files = [entry[0] for entry in entries if not isinstance(entry, LoadFailure)]
            prefix = _free_prefix(folder, _id_prefix(folder, base), files, held)
            for entry in entries:
                if isinstance(entry, LoadFailure):
                    (failures if entry.reason.startswith(REFUSED) else skipped).append(entry)
                    continue
                file, target = entry
                if file.suffix.lower() not in SUPPORTED_SUFFIXES:
                    skipped.append(LoadFailure(str(file), f"unsupported file type '{file.suffix or file.name}'"))
                    continue
                _load_into(file, folder, found, max_text_chars, prefix, target, indexed)
        else:
            # Named as given (a link keeps its own name), read from what it resolves to.
            file = path.absolute().parent.resolve() / path.name
            under = base is not None and file.is_relative_to(base)
            parent = base if under and base is not None else file.parent
            prefix = _free_prefix(parent, "", [file], held)
            _load_into(file, parent, found, max_text_chars, prefix, path.resolve(), indexed)
        held.update((document.id, document.root) for document in documents[first:])
        held.update((same.id, same.root) for same in unchanged[first_unchanged:])
    return LoadResult(tuple(documents), tuple(failures), tuple(skipped), tuple(roots), tuple(unchanged))


def _id_prefix(folder: Path, base: Path | None) -> str:
    """What goes before a file's path in its id: the folder's place under the corpus root, or its name."""
    if base is None or folder == base:
        return ""
    if folder.is_relative_to(base):
        return folder.relative_to(base).as_posix() + "/"
    return folder.name + "/"


def _free_prefix(folder: Path, natural: str, files: list[Path], held: Mapping[str, str]) -> str:
    """The natural prefix, unless it gives a file an id held by another file; then more of the folder's path."""

    def taken(prefix: str) -> bool:
        return any(_held_elsewhere(prefix + file.relative_to(folder).as_posix(), file, held) for file in files)

    if not held or not taken(natural):
        return natural
    depth = len(PurePosixPath(natural).parts)
    for n in range(depth + 1, len(folder.parts)):  # parts[0] is the filesystem root
        longer = "/".join(folder.parts[-n:]) + "/"
        if not taken(longer):
            return longer
    return folder.as_posix().lstrip("/") + "/"


def _held_elsewhere(doc_id: str, file: Path, held: Mapping[str, str]) -> bool:
    """True when doc_id is indexed from a file other than this one, and that file is still there."""
    root = held.get(doc_id)
    if root is None:
        return False
    # The holder's file is its root folder joined with some tail of the id (the id's head is its prefix).
    parts = PurePosixPath(doc_id).parts
    sources = [Path(root).joinpath(*parts[i:]) for i in range(len(parts))]
    if any(source == file or source.resolve() == file.resolve() for source in sources):
        return False  # the same file, indexed before from this folder or from one above it
    return any(source.is_file() for source in sources)


# Reasons that mean "this was refused for safety", reported as failures (exit 1), not as skipped files.
REFUSED = "refused:"


def corpus_files(root: Path) -> Iterator[tuple[Path, Path] | LoadFailure]:
    """(file as named in the corpus, the regular file to read) for each candidate under root, sorted.

    Links are resolved: one to a file inside root is read from its target (unless the target is walked
    under its own name), one leading outside root is refused with a line naming the target. Anything that
    is not a regular file or folder (a FIFO, a device, a socket, a broken link or a link loop) is skipped
    with a line; none of them is ever opened.
    """
    entries: list[Path] = []
    for folder, dirs, files in os.walk(root, followlinks=False):
        here = Path(folder)
        dirs[:] = sorted(d for d in dirs if not d.startswith("."))
        entries.extend(here / d for d in dirs if (here / d).is_symlink())  # os.walk lists, never enters, these
        entries.extend(here / f for f in files if not f.startswith("."))
    walked = {entry for entry in entries if not entry.is_symlink()}
    for entry in sorted(entries):
        if entry.name.lower() in IGNORED_NAMES or is_sidecar(entry):
            continue
        found = _classify(entry, root, walked)
        if found is not None:
            yield found


def _classify(entry: Path, root: Path, walked: set[Path]) -> tuple[Path, Path] | LoadFailure | None:
    target = entry
    if entry.is_symlink():
        try:
            target = Path(os.path.realpath(entry, strict=True))
        except OSError as error:
            why = "a link loop" if error.errno == errno.ELOOP else "a broken link"
            return LoadFailure(str(entry), f"{why}, not followed; remove it or point it at a file in the corpus")
        if not target.is_relative_to(root):
            return LoadFailure(
                str(entry),
                f"{REFUSED} a link to {target}, outside the corpus folder {root}; copy the file into the corpus"
                " to index it",
            )
        if target in walked:
            return None  # indexed under its own name already; the link adds nothing
    try:
        mode = os.stat(target).st_mode
    except OSError as error:
        return LoadFailure(str(entry), f"cannot inspect it ({error.strerror}); check its permissions")
    if stat.S_ISDIR(mode):
        # A link to a folder inside the corpus: that folder is walked already under its own name.
        return None
    if not stat.S_ISREG(mode):
        return LoadFailure(str(entry), f"{_kind(mode)}, not a regular file; not opened")
    return entry, target


def _kind(mode: int) -> str:
    if stat.S_ISFIFO(mode):
        return "a FIFO (named pipe)"
    if stat.S_ISCHR(mode) or stat.S_ISBLK(mode):
        return "a device"
    if stat.S_ISSOCK(mode):
        return "a socket"
    return "a special file"


@dataclass
class _Found:
    """What a walk has found so far (appended to as it goes)."""

    documents: list[Document]
    unchanged: list[UnchangedFile]
    failures: list[LoadFailure]


def _load_into(
    file: Path,
    root: Path,
    found: _Found,
    max_text_chars: int | None,
    prefix: str,
    target: Path | None,
    indexed: Mapping[str, DocumentSummary] | None,
) -> None:
    try:
        data = read_source(file, max_text_chars, target)
        doc_id = prefix + file.relative_to(root).as_posix()
        if indexed is not None and _matches(indexed.get(doc_id), file, root, data):
            found.unchanged.append(UnchangedFile(doc_id, str(file), str(root)))
            return
        found.documents.append(to_document(file, root, data, max_text_chars, prefix))
    except LoadError as error:
        found.failures.append(LoadFailure(str(file), str(error)))


def _matches(record: DocumentSummary | None, file: Path, root: Path, data: bytes) -> bool:
    """True when the file is the one its record was made from, as it was: same folder, bytes and sidecar.

    Its text is not extracted again, so a max_text_chars lowered since it was indexed is not applied
    to it (the byte bound read_source checks still is): it stays indexed until its bytes change.
    """
    if record is None or record.root != str(root) or record.content_hash != hashlib.sha256(data).hexdigest():
        return False
    try:
        described = sidecar(file)
    except MetadataError:
        return False  # extracting it names the sidecar's error, as for any file
    return record.sidecar_hash == sidecar_hash(described)


def read_regular_file(file: Path, max_bytes: int | None = None, resolved: bool = False) -> bytes:
    """The bytes of a regular file; a FIFO or device is refused without blocking or reading it.

    Opened non-blocking and checked on the open descriptor, so a file swapped for a FIFO between
    the walk and the read cannot hang the indexer; a resolved path is opened without following a
    link, so one swapped in since the walk cannot lead outside the corpus either.
    """
    flags = os.O_RDONLY | os.O_NONBLOCK | getattr(os, "O_CLOEXEC", 0) | (os.O_NOFOLLOW if resolved else 0)
    try:
        fd = os.open(file, flags)
    except OSError as error:
        raise LoadError(f"cannot read the file ({error.strerror}); check that it exists and is readable") from error
    with os.fdopen(fd, "rb") as handle:
        info = os.fstat(fd)
        if not stat.S_ISREG(info.st_mode):
            raise LoadError(f"{_kind(info.st_mode)}, not a regular file; only files can be indexed")
        if max_bytes is not None and info.st_size > max_bytes:
            raise LoadError(
                f"the file is {info.st_size:,} bytes, over the limit of {max_bytes:,} for its type;"
                " split it into smaller files or raise BRIEFING_MAX_FILE_MB"
            )
        return handle.read()


# A PDF or DOCX holds more bytes than text (fonts, images, zip): its raw size may exceed the text bound by this.
RAW_BYTES_PER_TEXT_CHAR = 10


def load_file(
    file: Path,
    root: Path,
    max_text_chars: int | None = None,
    id_prefix: str = "",
    target: Path | None = None,
) -> Document:
    """One file -> Document; raises LoadError naming the reason. target: the file to read, when file is a link."""
    return to_document(file, root, read_source(file, max_text_chars, target), max_text_chars, id_prefix)


def read_source(file: Path, max_text_chars: int | None = None, target: Path | None = None) -> bytes:
    """The bytes of a file of a supported type and a plain name, within the bound for its type; never empty."""
    suffix = file.suffix.lower()
    if suffix not in SUPPORTED_SUFFIXES:
        supported = " ".join(SUPPORTED_SUFFIXES)
        raise LoadError(f"unsupported file type '{suffix or file.name}'; supported: {supported}")
    if any(ord(ch) < 32 or ord(ch) == 127 for ch in file.name):
        shown = file.name.encode("unicode_escape").decode("ascii")
        raise LoadError(f"the file name '{shown}' holds a control character (a newline?); rename the file")
    text_format = suffix not in (".pdf", ".docx")
    max_bytes = None if max_text_chars is None else max_text_chars * (4 if text_format else RAW_BYTES_PER_TEXT_CHAR)
    data = read_regular_file(target or file, max_bytes, resolved=target is not None)
    if not data.strip():
        raise LoadError("the file is empty; add text or remove it from the corpus")
    return data
