"""Reads a SWORD zText Bible module (e.g. Debian's ``sword-text-kjv``) into plain text per book.

A zText module holds, per testament (``ot``, ``nt``), three files: ``.bzs`` (blocks:
``<III`` offset, compressed size, uncompressed size), ``.bzv`` (index entries: ``<IIH`` block,
offset in the uncompressed block, size; size 0 is an empty slot) and ``.bzz`` (zlib blocks).
Entries are OSIS markup; a book starts at the entry holding ``<div type="book" sID=...>``, a
chapter at the entry holding ``<chapter sID=...>``; the entries after a chapter's are its verses,
one slot each, so two modules of one versification pair slot by slot.
"""

import html
import re
import struct
import zlib
from pathlib import Path

_BLOCK = struct.Struct("<III")
_ENTRY = struct.Struct("<IIH")
_NOTE = re.compile(r"<note\b[^>]*>.*?</note>", re.S)
_TAG = re.compile(r"<[^>]*>")
_SPACES = re.compile(r"\s+")
_BOOK_START = re.compile(r'<div\b(?=[^>]*\btype="book")(?=[^>]*\bsID=)[^>]*\bosisID="([^"]+)"')
_CHAPTER_START = re.compile(r'<chapter\b(?=[^>]*\bsID=)[^>]*\bosisID="[^"]*?(\d+)"')

VerseKey = tuple[str, int, int]
"""``(osis book id, chapter, verse)``, e.g. ``("Gen", 1, 1)``."""


class SwordModuleError(ValueError):
    """A SWORD module that is missing or not in the zText layout."""


def plain_text(markup: str) -> str:
    """One entry's text: ``<note>`` elements dropped with their content, every other tag dropped
    keeping its text, entities decoded, whitespace collapsed."""
    return _SPACES.sub(" ", html.unescape(_TAG.sub("", _NOTE.sub("", markup)))).strip()


def _slots(directory: Path, testament: str):
    """Every index slot's markup in index order; an empty slot reads as ``""``."""
    try:
        blocks_raw = (directory / f"{testament}.bzs").read_bytes()
        index_raw = (directory / f"{testament}.bzv").read_bytes()
        data = (directory / f"{testament}.bzz").read_bytes()
    except FileNotFoundError as error:
        raise SwordModuleError(f"expected a SWORD zText module in {directory}, missing {error.filename}") from None
    if len(blocks_raw) % _BLOCK.size or len(index_raw) % _ENTRY.size:
        raise SwordModuleError(f"{directory}/{testament}: index sizes are not multiples of the zText records")
    blocks = [_BLOCK.unpack_from(blocks_raw, at) for at in range(0, len(blocks_raw), _BLOCK.size)]
    cache: dict[int, bytes] = {}
    for at in range(0, len(index_raw), _ENTRY.size):
        block, offset, size = _ENTRY.unpack_from(index_raw, at)
        if size == 0:
            yield ""
            continue
        if block not in cache:
            start, compressed, _ = blocks[block]
            cache = {block: zlib.decompress(data[start : start + compressed])}
        yield cache[block][offset : offset + size].decode("utf-8")


def read_books(directory: str | Path) -> list[tuple[str, str]]:
    """``[(osis book id, text)]`` in canonical order; one line per non-empty entry (the book's
    title line, then its verses)."""
    books: list[tuple[str, list[str]]] = []
    for testament in ("ot", "nt"):
        for markup in _slots(Path(directory), testament):
            start = _BOOK_START.search(markup)
            if start:
                books.append((start.group(1), []))
            text = plain_text(markup)
            if text and books:
                books[-1][1].append(text)
    if not books:
        raise SwordModuleError(f"{directory}: no book found in the module")
    return [(name, "\n".join(lines)) for name, lines in books]


def read_verses(directory: str | Path) -> list[tuple[VerseKey, str]]:
    """``[((book, chapter, verse), markup)]`` for every verse slot of the module, empty ones
    (markup ``""``) included, in index order: slot ``i`` of two modules of one versification
    is the same verse. Book and chapter slots are not verses and are left out."""
    verses: list[tuple[VerseKey, str]] = []
    for testament in ("ot", "nt"):
        book, chapter, verse = None, 0, 0
        for markup in _slots(Path(directory), testament):
            book_start, chapter_start = _BOOK_START.search(markup), _CHAPTER_START.search(markup)
            if book_start:
                book, chapter, verse = book_start.group(1), 0, 0
            if chapter_start:
                chapter, verse = int(chapter_start.group(1)), 0
            if book_start or chapter_start or not chapter:
                continue
            verse += 1
            verses.append(((book, chapter, verse), markup))
    if not verses:
        raise SwordModuleError(f"{directory}: no verse found in the module")
    return verses
