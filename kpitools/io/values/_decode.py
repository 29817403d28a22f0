"""File bytes to text: UTF-8 stays UTF-8 even around a stray Windows-1252 byte."""
from __future__ import annotations

import codecs
import threading

from kpitools.io.values._common import counted

_BOMS = ((codecs.BOM_UTF32_LE, "utf-32"), (codecs.BOM_UTF32_BE, "utf-32"),
         (codecs.BOM_UTF16_LE, "utf-16"), (codecs.BOM_UTF16_BE, "utf-16"))


_handled = threading.local()  # .bytes: how many bytes the handler read (this thread's count)


def _windows_1252(error: UnicodeDecodeError) -> tuple[str, int]:
    """A decoding error handler: the bytes the codec could not read, read as Windows-1252
    (as Latin-1, the five bytes Windows-1252 leaves undefined), counted in ``_handled``.
    Registered once, by name."""
    _handled.bytes = getattr(_handled, "bytes", 0) + error.end - error.start
    text = []
    for byte in error.object[error.start:error.end]:
        try:
            text.append(bytes([byte]).decode("cp1252"))
        except UnicodeDecodeError:
            text.append(chr(byte))
    return "".join(text), error.end


codecs.register_error("kpitools-windows-1252", _windows_1252)


def decode(data: bytes) -> tuple[str, list[str]]:
    """The text of a CSV file's bytes and notes on how it was read (none for plain UTF-8).

    UTF-8 with or without a byte-order mark (the mark is dropped); UTF-16 or UTF-32 with a
    mark, and UTF-16 without one (told by its zero bytes); a Windows-1252 (or Latin-1) file.
    A UTF-8 file with a few bytes that are not UTF-8 (a row pasted from an old Windows
    program) stays UTF-8: only those bytes are read as Windows-1252, and a note counts them
    and names the first line, so "Zoë" stays "Zoë" everywhere else.

    Examples
    --------
    >>> decode("rep\\nZoë\\n".encode() + b"Ren\\xe9e\\n")
    ('rep\\nZoë\\nRenée\\n', ['1 byte not in UTF-8 (the first on line 3) read as Windows-1252.'])
    >>> decode("rep\\nZoë\\n".encode("cp1252"))
    ('rep\\nZoë\\n', ['not UTF-8: read as Windows-1252.'])
    """
    for bom, encoding in _BOMS:
        if data.startswith(bom):
            return data.decode(encoding), [f"read as {encoding.upper()}."]
    head = data[:4096]
    if len(head) >= 4 and head.count(b"\x00") * 3 > len(head):
        even, odd = head[0::2].count(b"\x00"), head[1::2].count(b"\x00")
        encoding = "utf-16-le" if odd > even else "utf-16-be"
        return (data.decode(encoding, errors="replace"),
                [f"read as {encoding.upper()} (no byte-order mark)."])
    data = data.removeprefix(codecs.BOM_UTF8)
    try:
        return data.decode("utf-8"), []
    except UnicodeDecodeError as error:
        first = error.start
    if data[:first].isascii() and data[first:].decode("utf-8", errors="ignore").isascii():
        # no character is written the UTF-8 way: a Windows-1252 file
        return data.decode("cp1252", errors="kpitools-windows-1252"), [
            "not UTF-8: read as Windows-1252."]
    _handled.bytes = 0
    text = data.decode("utf-8", errors="kpitools-windows-1252")  # a stray byte: 1 character
    line = data.count(b"\n", 0, first) + 1
    return text, [counted(_handled.bytes, "byte", f" not in UTF-8 (the first on line {line}) "
                                                  "read as Windows-1252.")]
