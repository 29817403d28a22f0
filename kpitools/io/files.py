"""Read CRM export files as text frames, remembering each row's place in the file.

Parquet's typed columns (dates, numbers, flags) stay typed; text is pandas' "str" dtype.

CSV in any common encoding and delimiter, Excel (every visible sheet) and Parquet. Nothing is
dropped without a record: blank lines, report footers and lines with too many fields come back
as ``dropped`` rows (file row, text, reason) for the quality report. A folder is listed without
following links that lead outside it.
"""
from __future__ import annotations

import codecs
import csv
import io
import mmap
import re
import warnings
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np
import openpyxl
import pandas as pd
import pyarrow as pa
import pyarrow.compute as pc
import pyarrow.csv as pacsv
import pyarrow.parquet as pq

from kpitools.io import values
from kpitools.io.values._common import Bytes, arrow_chunks
from kpitools.schema import TEXT

CSV_SUFFIXES = (".csv", ".txt", ".tsv")
EXCEL_SUFFIXES = (".xlsx", ".xlsm")
PARQUET_SUFFIXES = (".parquet", ".pq")
DATA_SUFFIXES = CSV_SUFFIXES + EXCEL_SUFFIXES + PARQUET_SUFFIXES
_DELIMITERS = (",", ";", "\t", "|")
# Arrow's CSV blocks: read as fast as with its 1 MB default, and every later step walks
# through 16 times fewer chunks.
_BLOCK_BYTES = 2**24
# How Arrow says a line has another number of fields than the header (expected, found).
_FIELDS_FOUND = re.compile(r"Expected (\d+) columns, got (\d+)")


class ReadError(ValueError):
    """A file could not be parsed at all (the loader turns this into a SchemaError)."""


@dataclass
class RawFile:
    """One table-shaped piece of a file: a CSV, a Parquet file or one Excel sheet.

    ``rows`` holds the 0-based data row in the file of each frame row; ``dropped`` the rows
    removed before mapping as (row, text, reason).
    """

    label: str
    path: Path
    frame: pd.DataFrame
    rows: np.ndarray
    dropped: list = field(default_factory=list)
    notes: list = field(default_factory=list)
    sheet: str | None = None

    @property
    def modified(self) -> float:
        """The file's modification time (seconds since the epoch)."""
        return self.path.stat().st_mtime


def list_folder(folder: Path) -> tuple[list[Path], list[str]]:
    """The data files of a folder, sorted, and notes on everything else in it. Sub-folders are
    not searched; a link that leads outside the folder is not followed (its target is neither
    read nor quoted).

    Examples
    --------
    >>> import tempfile, pathlib
    >>> folder = pathlib.Path(tempfile.mkdtemp())
    >>> _ = (folder / "deals.csv").write_text("a\\n1\\n"); (folder / "notes.md").touch()
    >>> paths, notes = list_folder(folder)
    >>> [p.name for p in paths], notes
    (['deals.csv'], ['notes.md: not a CSV, Excel or Parquet file; not loaded.'])
    """
    paths, notes = [], []
    inside = folder.resolve()
    for path in sorted(folder.iterdir()):
        if path.is_symlink() and inside not in path.resolve().parents:
            notes.append(f"{path.name}: a link to something outside the folder; not followed.")
        elif path.is_dir():
            notes.append(f"{path.name}/: sub-folders are not searched.")
        elif is_data_file(path):
            paths.append(path)
        else:
            notes.append(f"{path.name}: not a CSV, Excel or Parquet file; not loaded.")
    return paths, notes


def is_data_file(path: Path) -> bool:
    """True for the file types ``load_crm`` picks from a folder: .txt (often a README) only
    when named explicitly; Excel lock files ``~$...`` never."""
    return (path.suffix.lower() in DATA_SUFFIXES and path.suffix.lower() != ".txt"
            and not path.name.startswith("~$"))


def read(path: Path) -> list[RawFile]:
    """Read one file into RawFile pieces (one per Excel sheet); empty files give a note only.

    Examples
    --------
    >>> import tempfile, pathlib
    >>> folder = pathlib.Path(tempfile.mkdtemp())
    >>> _ = (folder / "x.csv").write_bytes("\\ufeffid;amount\\n004211;12.000,00 €\\n".encode())
    >>> piece = read(folder / "x.csv")[0]
    >>> piece.frame.to_dict("records"), piece.notes
    ([{'id': '004211', 'amount': '12.000,00 €'}], ["x.csv: ';'-separated."])
    """
    suffix = path.suffix.lower()
    if suffix in EXCEL_SUFFIXES:
        return _read_excel(path)
    if suffix in PARQUET_SUFFIXES:
        return [_finish(path.name, path, _to_frame(pq.read_table(path)), [])]
    return [_read_csv(path)]


def _read_excel(path: Path) -> list[RawFile]:
    """Every visible sheet of a workbook; hidden sheets (often stale copies) are named in a
    note and not loaded."""
    book = openpyxl.load_workbook(path, read_only=True)
    try:
        states = {sheet.title: sheet.sheet_state for sheet in book.worksheets}
    finally:
        book.close()
    visible = [name for name, state in states.items() if state == "visible"]
    hidden = [name for name in states if name not in visible]
    notes = [f"{path.name}: hidden sheet(s) {hidden} not loaded; unhide them in Excel to load "
             "them."] if hidden else []
    sheets = pd.read_excel(path, sheet_name=visible, dtype=str, keep_default_na=False,
                           engine="openpyxl") if visible else {}
    many = len(sheets) > 1
    pieces = [_finish(f"{path.name}[{name}]" if many else path.name, path, frame, [],
                      sheet=name if many else None) for name, frame in sheets.items()]
    if pieces:
        pieces[0].notes[:0] = notes
    else:
        pieces = [RawFile(path.name, path, pd.DataFrame(), np.arange(0), notes=notes)]
    return pieces


def as_text_columns(frame: pd.DataFrame) -> pd.DataFrame:
    """Object columns as pandas' string dtype ("str"); typed columns (dates, numbers, flags,
    as Parquet stores them) stay typed so they are not printed and parsed back."""
    frame = frame.rename(columns=str)
    loose = [c for c, dtype in frame.dtypes.items() if dtype == object]
    return frame.astype(dict.fromkeys(loose, "str")) if loose else frame


def filled(column: pd.Series) -> np.ndarray:
    """True where a cell holds something other than blanks."""
    if pd.api.types.is_string_dtype(column):  # Arrow's kernels, block by block
        return np.concatenate([np.zeros(0, bool),
                               *map(_filled_block, arrow_chunks(column).chunks)])
    return column.notna().to_numpy()


def _filled_block(block: pa.Array) -> np.ndarray:
    raw = Bytes.of(block)
    if raw.visible_ascii():  # no value can be all spaces
        return block.is_valid().to_numpy(zero_copy_only=False) & (raw.starts != raw.ends)
    blank = pc.or_(pc.equal(pc.binary_length(block), 0), pc.utf8_is_space(block))
    return pc.invert(blank).fill_null(False).to_numpy(zero_copy_only=False)


def _all_blank(frame: pd.DataFrame) -> np.ndarray:
    """Rows where every cell is blank; columns after the first are only checked for the rows
    still in question (in an export, hardly any row is left after two columns)."""
    rows = np.arange(len(frame))
    for _, column in frame.items():
        if not len(rows):
            break
        rows = rows[~filled(column.iloc[rows] if len(rows) < len(frame) else column)]
    blank = np.zeros(len(frame), dtype=bool)
    blank[rows] = True
    return blank


def _blank_and_footer(frame: pd.DataFrame, first: np.ndarray,
                      remove: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """The rows (positions) that are blank, and those of a report footer: after the last row
    with data beyond its first cell, from a blank row on, lines with only a first cell
    ("Grand Total", "Generated by ..."). Only the rows whose first cell is blank and the last
    rows are looked at beyond their first cell."""
    n, rest = len(frame), frame.iloc[:, 1:]
    unread = np.flatnonzero(~first & ~remove)
    blank = unread[_all_blank(rest.iloc[unread])] if len(unread) else unread
    if not len(rest.columns):
        return blank, np.zeros(0, dtype=np.int64)
    size = 64
    while True:  # up from the end, over rows with nothing beyond their first cell
        tail = np.arange(max(n - size, 0), n)
        quiet = _all_blank(rest.iloc[tail[0]:]) & ~remove[tail]  # (a slice: no copy)
        if not quiet.all() or len(tail) == n:
            break
        size *= 8
    loud = np.flatnonzero(~quiet)
    if not len(loud):  # no row has data beyond its first cell: no footer to tell apart
        return blank, np.zeros(0, dtype=np.int64)
    after = tail[loud[-1] + 1:]
    gaps = after[~first[after]]  # a footer starts after a blank row
    footer = after[after >= gaps[0]] if len(gaps) and first[gaps[0]:].any() else after[:0]
    return blank, footer


def _sniff(first_line: str) -> str:
    """The delimiter that splits the header line into the most fields (',' on a tie)."""
    counts = {d: len(next(csv.reader([first_line], delimiter=d), [])) for d in _DELIMITERS}
    return max(_DELIMITERS, key=lambda d: (counts[d], d == ","))


def _read_csv(path: Path) -> RawFile:
    first, longer = _plain_header(_head(path)), False
    if first is not None:  # the common case: Arrow reads the file itself, no copy in Python
        delimiter = _sniff(first)
        frame, longer = _read_regular(path, first, delimiter)
        if frame is not None:
            return _finish(path.name, path, frame, [], notes=_delimiter_note(path, delimiter))
    data = path.read_bytes()
    text, decoded = values.decode(data)
    notes = [f"{path.name}: {note}" for note in decoded]
    text = text.lstrip("\ufeff")
    if not text.strip():
        return RawFile(path.name, path, pd.DataFrame(), np.arange(0), notes=notes)
    line, _, rest = text.partition("\n")
    if line.lower().startswith("sep=") and len(line.strip()) == 5:
        delimiter, text = line.strip()[4], rest
        notes.append(f"{path.name}: first line {line.strip()!r} names the delimiter.")
    else:
        delimiter = _sniff(line.rstrip("\r"))
    notes += _delimiter_note(path, delimiter)
    if (first is None or decoded) and not longer:  # Arrow has not read this text: another
        # encoding, a "sep=" line, or a few bytes that are not UTF-8 (it refuses a whole file
        # for one); a line with more fields than the header it would refuse again
        frame, longer = _read_regular(text.encode("utf-8"), _first_line(text).rstrip("\r"),
                                      delimiter)
        if frame is not None:
            return _finish(path.name, path, frame, [], notes=notes)
    frame, dropped = _read_exactly(text, delimiter, longer)
    return _finish(path.name, path, frame, dropped, notes=notes)


def _read_exactly(text: str, delimiter: str, longer: bool) -> tuple[pd.DataFrame, list]:
    """A file Arrow's plain reading refused: pandas' reader (blank lines, short lines padded),
    then Arrow's reader with the ragged lines put back, or the exact record-by-record path.
    With ``longer`` (a line has more fields than the header, which pandas refuses) the ragged
    reader goes first; pandas still reads a file whose quotes span lines, to tell an
    unclosed quote."""
    ragged = _read_ragged(text, delimiter) if longer else None
    if ragged is not None:
        return ragged
    options = dict(sep=delimiter, dtype=str, keep_default_na=False, skip_blank_lines=False,
                   index_col=False)
    try:
        with warnings.catch_warnings():  # pandas warns, then drops fields: treat it as an error
            warnings.simplefilter("error", pd.errors.ParserWarning)
            return pd.read_csv(io.StringIO(text), **options), []
    except (pd.errors.ParserError, pd.errors.ParserWarning) as error:
        if "EOF inside string" in str(error):
            raise ReadError(f"a quote (\") is opened and never closed; fix that line or "
                            f"re-export (pandas: {error})") from error
        return _read_ragged(text, delimiter) or _read_records(text, delimiter)


def _delimiter_note(path: Path, delimiter: str) -> list[str]:
    return [f"{path.name}: {delimiter!r}-separated."] if delimiter != "," else []


def _first_line(text: bytes | str) -> bytes | str:
    """What comes before the first line break (no copy of the rest)."""
    end = text.find(b"\n" if isinstance(text, bytes) else "\n")
    return text if end < 0 else text[:end]


def _head(path: Path, limit: int = 2**20) -> bytes | None:
    """The file's first line (BOM removed) with its line break; None if there is none in the
    first ``limit`` bytes of a longer file."""
    with open(path, "rb") as handle:
        head = handle.read(limit)
    end = head.find(b"\n")
    if end < 0 and len(head) == limit:
        return None
    return (head if end < 0 else head[:end + 1]).removeprefix(codecs.BOM_UTF8)


def _plain_header(head: bytes | None) -> str | None:
    """The header line of a UTF-8 file whose first line names its columns; None for another
    encoding, a blank first line, a second BOM or an Excel "sep=" line."""
    try:
        first = _first_line(head).decode("utf-8").rstrip("\r") if head is not None else ""
    except UnicodeDecodeError:
        return None
    if (not first.strip() or first.startswith("\ufeff")
            or (first.lower().startswith("sep=") and len(first.strip()) == 5)):
        return None
    return first


def _has_quote(source: Path | bytes) -> bool:
    """Whether a '"' is anywhere in the file (searched where the system maps it, no copy)."""
    if isinstance(source, bytes):
        return b'"' in source
    with open(source, "rb") as handle, mmap.mmap(handle.fileno(), 0,
                                                 access=mmap.ACCESS_READ) as mapped:
        return mapped.find(b'"') >= 0


def _read_regular(source: Path | bytes, first: str,
                  delimiter: str) -> tuple[pd.DataFrame | None, bool]:
    """Arrow's multi-threaded reader for a regular UTF-8 file (a path, or its bytes) whose
    header line is ``first``: distinct, non-empty headers and every line with the header's
    number of fields. None for anything else (blank lines, footers, ragged lines, bad quotes,
    bytes that are not UTF-8), which the exact paths then read; and whether the line Arrow
    stopped at has more fields than the header. Without any quote in the file no value can
    hold a line break, which lets Arrow split the file into blocks without scanning for
    quoted newlines."""
    header = next(csv.reader([first], delimiter=delimiter))
    if len(set(header)) != len(header) or not all(name.strip() for name in header):
        return None, False
    try:
        table = pacsv.read_csv(
            io.BytesIO(source) if isinstance(source, bytes) else source,
            read_options=pacsv.ReadOptions(block_size=_BLOCK_BYTES),
            parse_options=pacsv.ParseOptions(delimiter=delimiter, ignore_empty_lines=False,
                                             newlines_in_values=_has_quote(source)),
            convert_options=_as_text(header))
    except pa.ArrowInvalid as error:
        fields = _FIELDS_FOUND.search(str(error))
        return None, bool(fields) and int(fields[2]) > int(fields[1])
    return _to_frame(table), False


def _as_text(header: list[str]) -> pacsv.ConvertOptions:
    """Every column read as text, as written (an empty value is "", not missing)."""
    return pacsv.ConvertOptions(column_types=dict.fromkeys(header, pa.large_string()),
                                strings_can_be_null=False, quoted_strings_can_be_null=False)


def _to_frame(table: pa.Table) -> pd.DataFrame:
    """An Arrow table as a pandas frame, text as pandas' "str" dtype without a copy of the
    characters (several times faster than ``pd.read_parquet``'s own conversion), in the
    blocks Arrow read it in: joining them would copy every text column once more."""
    for i, kind in enumerate(table.schema):
        if pa.types.is_string(kind.type):
            table = table.set_column(i, kind.with_type(pa.large_string()),
                                     table.column(i).cast(pa.large_string()))
    return table.to_pandas(types_mapper=lambda arrow_type: TEXT if (
        pa.types.is_string(arrow_type) or pa.types.is_large_string(arrow_type)) else None)


def _read_ragged(text: str, delimiter: str) -> tuple[pd.DataFrame, list] | None:
    """:func:`_read_records`' answer from Arrow's reader, for a file whose lines are its
    records (no line break inside quotes, so Arrow's line numbers are the rows): each ragged
    line Arrow skips is put back in place, empty and reported if it has too many fields,
    padded if too few. None for a file with a quoted line break or with blank or repeated
    headers (:func:`_read_records` reads those). On a 1M-line file with 20 long lines: 2.6 s
    instead of 9.3 s (benchmarks/messy.py)."""
    header = next(csv.reader([_first_line(text).rstrip("\r")], delimiter=delimiter), [])
    data = text.encode("utf-8")
    if (len(set(header)) != len(header) or not all(h.strip() for h in header)
            or not _lines_are_records(data)):
        return None
    skipped = []

    def put_aside(row) -> str:
        skipped.append((row.number, row.text.rstrip("\r")))
        return "skip"

    try:
        table = pacsv.read_csv(
            io.BytesIO(data),
            read_options=pacsv.ReadOptions(use_threads=False, block_size=_BLOCK_BYTES),
            parse_options=pacsv.ParseOptions(delimiter=delimiter, ignore_empty_lines=False,
                                             invalid_row_handler=put_aside),
            convert_options=_as_text(header))
    except pa.ArrowInvalid:
        return None
    if any(number is None for number, _ in skipped):
        return None
    width, pieces, dropped, start = len(header), [], [], 0
    for done, (number, line) in enumerate(skipped):
        row = number - 2  # line 1 is the header
        fields = next(csv.reader([line], delimiter=delimiter), [])
        if len(fields) > width:
            dropped.append((row, f"{len(fields)} fields, header has {width}: "
                            + delimiter.join(fields), "wrong number of fields"))
            fields = []
        fields += [""] * (width - len(fields))
        pieces += [table.slice(start, row - done - start),
                   pa.table(dict(zip(header, ([f] for f in fields))), schema=table.schema)]
        start = row - done
    return _to_frame(pa.concat_tables([*pieces, table.slice(start)])), dropped


def _lines_are_records(data: bytes) -> bool:
    """No line break inside quotes: an even number of quote characters before every one."""
    raw = np.frombuffer(data, np.uint8)
    quotes = np.flatnonzero(raw == ord('"'))
    if not len(quotes):
        return True
    return not (np.searchsorted(quotes, np.flatnonzero(raw == ord("\n"))) % 2).any()


def _read_records(text: str, delimiter: str) -> tuple[pd.DataFrame, list]:
    """Slow, exact path for files with ragged lines: a line with more fields than the header
    stays in place as an empty row and is reported; a shorter one is padded (as pandas does)."""
    records = list(csv.reader(io.StringIO(text, newline=""), delimiter=delimiter))
    header, width, rows, dropped = records[0], len(records[0]), [], []
    for number, fields in enumerate(records[1:]):
        if len(fields) > width:
            dropped.append((number, f"{len(fields)} fields, header has {width}: "
                            + delimiter.join(fields), "wrong number of fields"))
            fields = []
        rows.append(fields + [""] * (width - len(fields)))
    seen: dict[str, int] = {}
    names = []
    for name in header:  # duplicate headers as pandas names them: Amount, Amount.1
        names.append(f"{name}.{seen[name]}" if name in seen else name)
        seen[name] = seen.get(name, 0) + 1
    return pd.DataFrame(rows, columns=names, dtype=object), dropped


def _finish(label, path, frame, dropped, notes=None, sheet=None) -> RawFile:
    """Drop (with a record) bad lines, blank rows and a trailing report footer."""
    notes = list(notes or [])
    frame = as_text_columns(frame)
    n = len(frame)
    remove = np.zeros(n, dtype=bool)
    for row, _, _ in dropped:
        remove[row] = True
    if n and len(frame.columns):
        blank, footer = _blank_and_footer(frame, filled(frame.iloc[:, 0]), remove)
        for row in footer:
            dropped.append((int(row), str(frame.iat[row, 0]), "report footer"))
        for row in np.setdiff1d(blank, footer):
            dropped.append((int(row), "", "blank row"))
        remove[blank] = remove[footer] = True
        if len(footer):
            shown = np.setdiff1d(footer, blank)[0]
            notes.append(f"{label}: {len(footer)} footer line(s) after the data (e.g. "
                         f"{str(frame.iat[int(shown), 0])!r}) are not data.")
    rows = np.flatnonzero(~remove)
    kept = frame.iloc[rows].reset_index(drop=True) if remove.any() else frame
    return RawFile(label, path, kept, rows, sorted(dropped), notes, sheet)
