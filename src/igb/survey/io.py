"""Read respondent files (csv, xlsx, sav) into a raw table of cells; write processed outputs atomically.

Only this module touches respondent files on disk. Raw files are opened read-only and never changed.
"""

from __future__ import annotations

import csv
import io
import os
import tempfile
import zipfile
from dataclasses import dataclass, field
from collections.abc import Callable, Sequence
from pathlib import Path

import numpy as np
import pandas as pd

from igb.errors import InputError
from igb.text import every_language

FORMATS = {".csv": "csv", ".txt": "csv", ".xlsx": "xlsx", ".sav": "sav"}
_MAGIC = {"xlsx": (b"PK\x03\x04",), "sav": (b"$FL2", b"$FL3")}

# -- limits against hostile or broken files ---------------------------------------------------------
# A small file must not make igb exhaust memory or time; each limit is far above what a survey export holds
# and is reported (file, place, limit) as an InputError with rule LIMIT. Every message is the text catalog's
# `input.<key>` (params/text/<lang>.yaml), made by `_error`.
LIMIT = "limit_exceeded"
MAX_COLUMNS = 5_000  # the codebook has ~90 items; LimeSurvey and Kobo exports hold a few hundred columns
MAX_SAV_VARIABLES = MAX_COLUMNS  # the same for the variables of a .sav
MAX_HEADER_CHARS = 1_000_000  # characters of the csv header: 5,000 names of 200 characters
MAX_FIELD_CHARS = 131_072  # characters of one csv field: Python's csv default, ~40 pages of free text
MAX_RECORD_CHARS = 2_000_000  # characters of one csv record: room for 15 fields at MAX_FIELD_CHARS
MAX_RECORD_LINES = 10  # a record with a wrong number of fields that spans more physical lines than this
#                        (a newline inside quotes) most likely swallowed lines after a stray quote
MAX_XLSX_BYTES = 200_000_000  # total declared uncompressed size of an .xlsx's members; a study workbook is < 1 MB
MAX_XLSX_ROWS = 1_048_576  # Excel's own row limit: a sheet with more rows was not written by Excel
MAX_XLSX_CELLS = 10_000_000  # rows x columns of the sheet as read (pandas pads every row to the widest):
#                              ~4,000 questionnaires x a few hundred columns is ~1-2M; two cells at A1 and
#                              XFD1048576 of a 5 KB workbook would make 17 billion


@dataclass
class RawTable:
    """The cells of a respondent file as written, before any interpretation.

    `frame` holds one column per file column (values as strings, or numbers from xlsx/sav),
    `rows` the row number a user sees in the file for each frame row (csv line, sheet row,
    SPSS case number), `value_labels` and `user_missing` the SPSS metadata per column, applied by
    `decode` (once per distinct value during validation).
    """

    path: Path
    format: str
    frame: pd.DataFrame
    rows: Sequence[int]
    header_duplicates: list[str] = field(default_factory=list)
    ragged_rows: list[tuple[int, int]] = field(default_factory=list)  # (row, number of fields)
    value_labels: dict[str, dict] = field(default_factory=dict)
    user_missing: dict[str, list] = field(default_factory=dict)
    skipped: list[str] = field(default_factory=list)  # columns of the file not read (see read_raw's `keep`)

    def decode(self, column: str, values) -> np.ndarray:
        """Distinct cells of a column as the user means them: None where missing or user-missing, else label or value.

        Vectorised over the values, as an id column has one distinct value per row.
        """
        out = np.asarray(values, dtype=object).copy()
        specs, labels = self.user_missing.get(column, ()), self.value_labels.get(column, {})
        missing = pd.isna(out)
        if specs or labels:
            numbers = pd.to_numeric(pd.Series(out), errors="coerce").to_numpy(float) if self.frame[column].dtype.kind == "f" else None
            for spec in specs:
                if spec[0] == "value":
                    missing |= out == spec[1]
                elif numbers is not None:
                    missing |= (numbers >= spec[1]) & (numbers <= spec[2])
            if labels:
                found = pd.Index(list(labels)).get_indexer(out)
                out[found >= 0] = np.asarray(list(labels.values()), dtype=object)[found[found >= 0]]
        out[missing] = None
        return out


def _error(key: str, path, rule: str, **params) -> InputError:
    """The InputError whose message is the catalog's `input.<key>` (with `file`, the path), in every language."""
    params = {"file": path, **params}
    return InputError(key, every_language(f"input.{key}", **params), path=path, rule=rule, **params)


def file_format(path: Path) -> str:
    """The format a file's extension claims, or an InputError naming the extensions we read."""
    fmt = FORMATS.get(Path(path).suffix.lower())
    if fmt is None:
        raise _error("unsupported_format", path, "unsupported_format", suffix=Path(path).suffix)
    return fmt


def _check_content(path: Path, fmt: str, head: bytes) -> None:
    """Refuse a file whose bytes are not what its extension says."""
    if fmt in _MAGIC:
        if not head.startswith(_MAGIC[fmt]):
            raise _error("not_that_format", path, "file_type_mismatch", format=fmt)
        return
    for other, magics in _MAGIC.items():
        if head.startswith(magics):
            raise _error("csv_is_other_format", path, "file_type_mismatch", format=other)
    if head.startswith((b"\xff\xfe", b"\xfe\xff")):  # UTF-16 with a byte-order mark (Excel's "Unicode text")
        return
    if b"\x00" in head[:4096]:
        raise _error("csv_is_binary", path, "file_type_mismatch")


def read_raw(path: str | Path, *, encoding: str | None = None, sheet: str | int = 0,
             keep: Callable[[str], bool] | None = None) -> RawTable:
    """Read a respondent file's cells without interpreting them (of a .sav only the columns `keep` accepts).

    Raises InputError (with a `rule`) when the file is missing, empty, not what its extension
    says, or not decodable; everything that concerns single cells is left to validation.
    """
    path = Path(path)
    fmt = file_format(path)
    if not path.is_file():
        raise _error("file_missing", path, "file_missing")
    with path.open("rb") as handle:  # a binary file is read by its reader: only its head here
        data = handle.read() if fmt == "csv" else handle.read(4096)
    if not data.strip() and (fmt == "csv" or path.stat().st_size <= len(data)):
        raise _error("file_empty", path, "file_empty")
    _check_content(path, fmt, data[:4096])
    reader = {"csv": _read_csv, "xlsx": _read_xlsx, "sav": _read_sav}[fmt]
    if fmt == "csv":
        table = reader(path, data, encoding)
    elif fmt == "xlsx":
        table = reader(path, sheet)
    else:
        table = reader(path, keep)
    if (table.frame.shape[1] == 0 and not table.skipped) or (not len(table.frame) and not len(table.frame.columns)):
        raise _error("no_header", path, "file_empty")
    return table


def _decode(path: Path, data: bytes, encoding: str | None) -> str:
    enc = encoding or ("utf-16" if data.startswith((b"\xff\xfe", b"\xfe\xff")) else "utf-8-sig")
    try:
        return data.decode(enc)
    except UnicodeDecodeError as exc:
        line = data[: exc.start].count(b"\n") + 1
        raise _error("undecodable", path, "encoding", line=line, byte=data[exc.start:exc.start + 1],
                     offset=exc.start, encoding=enc) from None
    except LookupError:
        raise _error("unknown_encoding", path, "encoding", encoding=enc) from None


def _sniff_delimiter(first_line: str) -> str:
    counts = {d: first_line.count(d) for d in (",", ";", "\t")}
    best = max(counts, key=counts.get)
    return best if counts[best] else ","


class _RecordTooLong(Exception):
    """A csv record grew beyond its character limit before csv.reader finished it."""


def _bounded_lines(lines, state: list[int]):
    """The physical lines for csv.reader, refusing a record before it grows into millions of fields.

    `state` is [characters handed out, offset where the current record starts, limit on its characters]; the
    reader of the records moves the start after each record, so `state` also tells where each one began.
    """
    for line in lines:
        state[0] += len(line)
        if state[0] - state[1] > state[2]:
            raise _RecordTooLong
        yield line


def _quote_left_open(text: str, delimiter: str) -> bool:
    """Whether the csv records of `text` end inside a quoted field (csv.reader's lenient mode keeps them silently)."""
    try:
        for _ in csv.reader(io.StringIO(text, newline=""), delimiter=delimiter, strict=True):
            pass
    except csv.Error as exc:
        return "unexpected end of data" in str(exc)
    return False


def _read_csv(path: Path, data: bytes, encoding: str | None) -> RawTable:
    """The cells of a csv file; `rows` holds the line each record starts on.

    The header is checked against MAX_HEADER_CHARS and MAX_COLUMNS before anything else is split into fields, and
    each record against MAX_RECORD_CHARS and MAX_FIELD_CHARS while it is read, so that a file of a few MB cannot
    make millions of fields. A quote that is never closed is reported at the line of the record it opens.
    """
    text = _decode(path, data, encoding)
    head = text[: MAX_HEADER_CHARS + 1]
    ends = [i for i in (head.find("\n"), head.find("\r")) if i >= 0]
    first_line = head[: min(ends, default=len(head))]
    if len(first_line) > MAX_HEADER_CHARS:
        raise _error("header_line_too_long", path, LIMIT, limit=MAX_HEADER_CHARS)
    delimiter = _sniff_delimiter(first_line)
    previous_limit = csv.field_size_limit(MAX_FIELD_CHARS)
    try:
        return _parse_csv(path, text, delimiter)
    finally:
        csv.field_size_limit(previous_limit)


def _parse_csv(path: Path, text: str, delimiter: str) -> RawTable:
    state = [0, 0, MAX_HEADER_CHARS]
    reader = csv.reader(_bounded_lines(io.StringIO(text, newline=""), state), delimiter=delimiter)
    header, width, end = None, 0, 0  # end: the last physical line of the last complete record
    records, rows, ragged = [], [], []
    last = (0, 1)  # (offset, line) where the last complete record starts
    try:
        header = [h.strip() for h in next(reader)]
        width, end, last, state[1], state[2] = len(header), reader.line_num, (0, 1), state[0], MAX_RECORD_CHARS
        if width > MAX_COLUMNS:
            raise _error("too_many_columns", path, LIMIT, columns=width, limit=MAX_COLUMNS)
        for record in reader:
            start, end = end + 1, reader.line_num
            last, state[1] = (state[1], start), state[0]
            n = len(record)
            if n != width:
                if end - start >= MAX_RECORD_LINES:
                    raise _swallowed(path, text[last[0]:state[0]], delimiter, start, end, n, width)
                if n > width:
                    if any(c.strip() for c in record[width:]):
                        ragged.append((start, n))
                    del record[width:]  # the cells beyond the header are not kept (a row of a million fields)
                else:
                    record.extend([""] * (width - n))
            records.append(record)
            rows.append(start)
    except StopIteration:
        raise _error("file_empty", path, "file_empty") from None
    except _RecordTooLong:
        start = end + 1
        if header is None:
            raise _error("header_too_long", path, LIMIT, line=start, limit=MAX_HEADER_CHARS) from None
        raise _error("record_too_long", path, LIMIT, line=start, limit=MAX_RECORD_CHARS,
                     read_to=reader.line_num + 1) from None
    except csv.Error as exc:
        start = end + 1
        if "field larger than field limit" in str(exc):
            raise _error("field_too_long", path, LIMIT, line=start, limit=MAX_FIELD_CHARS,
                         read_to=reader.line_num) from None
        raise _error("csv_unreadable", path, "csv_syntax", line=start, error=str(exc)) from None
    if _quote_left_open(text[last[0]:], delimiter):
        raise _error("quote_not_closed", path, "csv_syntax", line=last[1], end=end)
    frame = pd.DataFrame(records, columns=range(width), dtype=object)
    frame.columns = _unique_names(header)
    return RawTable(path, "csv", frame, rows, _duplicates(header), ragged)


def _swallowed(path: Path, record_text: str, delimiter: str, start: int, end: int, n: int, width: int) -> InputError:
    """The error for a record that spans many lines and has a wrong number of fields: a stray quote, most likely."""
    if _quote_left_open(record_text, delimiter):
        return _error("quote_not_closed", path, "csv_syntax", line=start, end=end)
    return _error("record_runs_on", path, "csv_syntax", line=start, end=end, lines=end - start + 1,
                  limit=MAX_RECORD_LINES, fields=n, columns=width)


def _check_zip(path: Path) -> None:
    """Refuse a workbook that is no zip, or whose members declare more than MAX_XLSX_BYTES uncompressed.

    The declared sizes bound what openpyxl can inflate: Python's zipfile stops a member at its declared
    file_size (ZipExtFile cuts the inflated data there and then fails its CRC check). Tried on Python 3.11:
    a member of 50 MB of deflated b"A" whose headers declare 1,000 bytes gives read() == 1,000 bytes with the
    CRC check disabled, and BadZipFile("Bad CRC-32") with it, never 50 MB.
    """
    try:
        with zipfile.ZipFile(path) as archive:
            members = archive.infolist()
    except (zipfile.BadZipFile, zipfile.LargeZipFile, OSError, ValueError, EOFError) as exc:
        raise _error("xlsx_not_zip", path, "file_type_mismatch", error=str(exc)) from None
    total = sum(member.file_size for member in members)
    if total > MAX_XLSX_BYTES:
        raise _error("xlsx_too_large", path, LIMIT, parts=len(members), size=total, limit=MAX_XLSX_BYTES)


def _cell_value(cell):
    """A cell as pandas' openpyxl reader converts it (pandas.io.excel._openpyxl.OpenpyxlReader._convert_cell)."""
    value = cell.value
    if value is None:
        return ""
    if cell.data_type == "e":  # an error such as #DIV/0!
        return np.nan
    if cell.data_type == "n":
        whole = int(value)
        return whole if whole == value else float(value)
    return value


def _sheet_cells(path: Path, sheet) -> list[list]:
    """The rows of a read-only openpyxl sheet as pandas' reader gives them (trailing empty cells and rows trimmed,
    rows padded to the widest), refusing a sheet beyond MAX_XLSX_ROWS rows or MAX_XLSX_CELLS cells as padded.

    A workbook of a few KB can place one cell at XFD1048576: pandas would pad 17 billion cells.
    """
    from openpyxl.utils import get_column_letter

    sheet.reset_dimensions()  # the declared dimensions can be wrong: the cells tell the extent (pandas GH 39486)
    data, last, widest = [], 0, 0
    for number, row in enumerate(sheet.rows, start=1):
        if number > MAX_XLSX_ROWS:
            raise _error("xlsx_too_many_rows", path, LIMIT, sheet=sheet.title, row=number, limit=MAX_XLSX_ROWS)
        cells = [_cell_value(cell) for cell in row]
        while cells and cells[-1] == "":
            cells.pop()
        if cells:
            last, widest = number, max(widest, len(cells))
            if last * widest > MAX_XLSX_CELLS:
                raise _error("xlsx_too_many_cells", path, LIMIT, sheet=sheet.title, row=number,
                             column=get_column_letter(widest), columns=widest, cells=last * widest,
                             limit=MAX_XLSX_CELLS)
        data.append(cells)
    del data[last:]
    return [cells + [""] * (widest - len(cells)) for cells in data]


def _read_xlsx(path: Path, sheet) -> RawTable:
    """Read a sheet as pd.read_excel(header=None, dtype=object, engine="openpyxl") does, within the limits above."""
    _check_zip(path)
    try:
        import openpyxl
        from pandas.io.parsers import TextParser

        book = openpyxl.load_workbook(path, read_only=True, data_only=True, keep_links=False)
        try:
            chosen = book[sheet] if isinstance(sheet, str) else book.worksheets[sheet]
            data = _sheet_cells(path, chosen)
        finally:
            book.close()
        sheet_frame = TextParser(data, header=None, dtype=object, skip_blank_lines=False).read() if data else pd.DataFrame()
    except InputError:
        raise
    except Exception as exc:  # openpyxl raises many types for corrupt workbooks
        raise _error("xlsx_unreadable", path, "file_type_mismatch", error=str(exc)) from None
    if sheet_frame.empty:
        raise _error("sheet_empty", path, "file_empty")
    header = ["" if pd.isna(h) else str(h).strip() for h in sheet_frame.iloc[0]]
    frame = sheet_frame.iloc[1:].reset_index(drop=True)
    frame = frame.astype(object).where(frame.notna(), None)
    frame.columns = _unique_names(header)
    rows = [i + 2 for i in range(len(frame))]
    return RawTable(path, "xlsx", frame, rows, _duplicates(header))


def _read_sav(path: Path, keep) -> RawTable:
    """Read an SPSS file keeping its codes; value labels and user-missing values travel with the table.

    pyreadstat reads the dictionary, polars-readstat the values (see `igb.survey.sav`), and only of the
    columns `keep` accepts (the others are listed in `skipped`). Labels are applied later, once per
    distinct code of a column (see `RawTable.decode`), which keeps a million-row file numeric and fast.
    """
    from igb.survey import sav

    header = sav.read_header(path)
    if header is not None and header.case_size > sav.max_case_size(path):
        raise _error("sav_case_too_large", path, "file_type_mismatch", values=header.case_size,
                     size=path.stat().st_size)
    try:
        meta = _sav_metadata(path)
    except BaseException as exc:  # pyreadstat.ReadstatError and friends
        raise _sav_unreadable(path, exc) from None
    unnamed = [i for i, c in enumerate(meta.column_names, start=1) if not isinstance(c, str) or not c]
    if unnamed:  # pyreadstat gives None for a name of NUL bytes
        raise _error("sav_unnamed_variable", path, "file_type_mismatch", variable=unnamed[0])
    if len(meta.column_names) > MAX_SAV_VARIABLES:
        raise _error("sav_too_many_variables", path, LIMIT, variables=len(meta.column_names), limit=MAX_SAV_VARIABLES)
    columns = [c for c in meta.column_names if keep is None or keep(c)]
    try:
        if columns:
            frame = sav.read_sav_columns(path, meta.column_names, columns)
            bad = sav.undecodable_text(path, meta, frame, columns)
        else:  # nothing the codebook knows: validation reports the missing columns
            frame, bad = pd.DataFrame(index=pd.RangeIndex(max(meta.number_rows or 0, 0))), None
    except BaseException as exc:  # polars errors and friends
        raise _sav_unreadable(path, exc) from None
    if bad is not None:
        variable, case, raw, encoding = bad
        shown = "" if raw is None else f" ({raw[:60]!r}{'...' if len(raw) > 60 else ''})"
        raise _error("sav_undecodable", path, "encoding", variable=variable, case=case, shown=shown, encoding=encoding)
    missing = {}
    for column, values in (meta.missing_user_values or {}).items():
        missing.setdefault(column, []).extend(("value", v) for v in values)
    for column, ranges in (meta.missing_ranges or {}).items():
        missing.setdefault(column, []).extend(("range", r["lo"], r["hi"]) for r in ranges)
    read = set(columns)
    skipped = [c for c in meta.column_names if c not in read]
    rows = np.arange(1, len(frame) + 1)
    return RawTable(path, "sav", frame, rows, [], [], dict(meta.variable_value_labels or {}), missing, skipped)


def _read_sav_metadata(path: str):
    import pyreadstat

    return pyreadstat.read_sav(path, metadataonly=True, user_missing=True)[1]


def _in_child(path: str):
    import faulthandler

    faulthandler.disable()  # a crash is reported once, as the file's error, without a C traceback
    return _read_sav_metadata(path)


def _sav_metadata(path: Path):
    """pyreadstat's reading of a .sav file's dictionary, done in a forked child process: a crafted variable record
    can make the C library crash (a fuzzing finding), and a crash there must become an error of this file, not the
    end of the command. Costs a fork (milliseconds); the values are read here, by polars-readstat."""
    import multiprocessing
    from concurrent.futures import ProcessPoolExecutor
    from concurrent.futures.process import BrokenProcessPool

    if "fork" not in multiprocessing.get_all_start_methods():  # not on this platform: read it here
        return _read_sav_metadata(str(path))
    with ProcessPoolExecutor(1, mp_context=multiprocessing.get_context("fork")) as child:
        try:
            return child.submit(_in_child, str(path)).result()
        except BrokenProcessPool:
            raise _error("sav_reader_crashed", path, "file_type_mismatch") from None


def _sav_unreadable(path: Path, exc: BaseException) -> InputError:
    """The InputError for an exception of a .sav reader; KeyboardInterrupt and friends go on.

    polars-readstat reports some damage by a Rust panic, pyo3's PanicException, which is a BaseException (a NUL
    byte in a variable name does it).
    """
    if isinstance(exc, InputError):
        return exc
    if not isinstance(exc, Exception) and type(exc).__name__ != "PanicException":
        raise exc
    if "Unable to convert string to the requested encoding" in str(exc):  # readstat, on a name or label
        return _error("sav_name_undecodable", path, "encoding", error=str(exc))
    return _error("sav_unreadable", path, "file_type_mismatch", error=str(exc))


def _duplicates(header: list[str]) -> list[str]:
    seen, dups = set(), []
    for h in header:
        if h in seen and h not in dups:
            dups.append(h)
        seen.add(h)
    return dups


def _unique_names(header: list[str]) -> list[str]:
    """Keep duplicate or blank headers apart (as name#2, column_3) so no cell is lost."""
    out, seen = [], {}
    for i, h in enumerate(header, start=1):
        name = h or f"column_{i}"
        seen[name] = seen.get(name, 0) + 1
        out.append(name if seen[name] == 1 else f"{name}#{seen[name]}")
    return out


# -- atomic writes ----------------------------------------------------------------------------------
def _file_mode() -> int:
    """The mode a new file gets under this process's umask (0644 for the usual 022); tempfile's 0600 is not it."""
    umask = os.umask(0)
    os.umask(umask)
    return 0o666 & ~umask


def atomic_path(path: str | Path, write) -> Path:
    """Call `write(tmp)` on a new, uniquely named file beside `path`, then move it onto `path` (readers see the old
    file or the new one, never half; two runs never share a temporary name). The file gets the normal mode for
    the user's umask. On any failure the temporary file is removed and `path` is untouched."""
    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    fd, tmp = tempfile.mkstemp(prefix=f".{path.name}.", suffix=".tmp" + path.suffix, dir=path.parent)
    os.close(fd)
    try:
        write(Path(tmp))
        os.chmod(tmp, _file_mode())
        os.replace(tmp, path)
    except BaseException:
        Path(tmp).unlink(missing_ok=True)
        raise
    return path


def write_parquet(frame: pd.DataFrame, path: str | Path) -> Path:
    """Write a frame to parquet atomically: readers see the old file or the new one, never half.

    Without column statistics (min/max per page), which only filtered reads use and which cost a quarter of the time.
    """
    return atomic_path(Path(path), lambda tmp: frame.to_parquet(tmp, index=False, write_statistics=False))


def write_csv(frame: pd.DataFrame, path: str | Path) -> Path:
    """Write a frame to csv atomically (UTF-8, '\\n' line ends, no index)."""
    return atomic_path(Path(path), lambda tmp: frame.to_csv(tmp, index=False, lineterminator="\n"))


def write_text(text: str, path: str | Path) -> Path:
    """Write text atomically (UTF-8)."""
    return atomic_path(Path(path), lambda tmp: tmp.write_text(text, encoding="utf-8"))


def write_workbook(sheets: dict[str, pd.DataFrame], path: str | Path) -> Path:
    """Write frames as the sheets of an .xlsx atomically, every text cell typed as text.

    openpyxl stores a string that starts with '=' as a formula; a municipality name or an answer from a respondent
    file must never run in the reader's spreadsheet, so such cells are written as plain strings (data type 's').
    Sheet names are cut to Excel's 31 characters.
    """
    from igb.safe import starts_formula

    def write(tmp: Path) -> None:
        with pd.ExcelWriter(tmp, engine="openpyxl") as writer:
            for name, frame in sheets.items():
                frame.to_excel(writer, sheet_name=str(name)[:31], index=False)
            for sheet in writer.book.worksheets:
                for row in sheet.iter_rows():
                    for cell in row:
                        if cell.data_type == "f" or starts_formula(cell.value):
                            cell.data_type = "s"

    return atomic_path(Path(path), write)
