"""Read respondent files (csv, xlsx, sav) into a raw table of cells; write processed outputs atomically.

Only this module touches respondent files on disk. Raw files are opened read-only and never changed.
"""

from __future__ import annotations

import csv
import io
import os
import tempfile
from dataclasses import dataclass, field
from collections.abc import Callable, Sequence
from pathlib import Path

import numpy as np
import pandas as pd

from igb.errors import InputError

FORMATS = {".csv": "csv", ".txt": "csv", ".xlsx": "xlsx", ".sav": "sav"}
_MAGIC = {"xlsx": (b"PK\x03\x04",), "sav": (b"$FL2", b"$FL3")}


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


def file_format(path: Path) -> str:
    """The format a file's extension claims, or an InputError naming the extensions we read."""
    fmt = FORMATS.get(Path(path).suffix.lower())
    if fmt is None:
        raise InputError(
            f"{path}: unsupported file type {Path(path).suffix!r}; igb reads .csv, .xlsx and .sav "
            f"/ bestandstype niet ondersteund",
            path=path, rule="unsupported_format",
        )
    return fmt


def _check_content(path: Path, fmt: str, head: bytes) -> None:
    """Refuse a file whose bytes are not what its extension says."""
    if fmt in _MAGIC:
        if not head.startswith(_MAGIC[fmt]):
            raise InputError(
                f"{path}: the extension says {fmt}, but the file's contents are not a {fmt} file "
                f"/ de inhoud is geen {fmt}-bestand",
                path=path, rule="file_type_mismatch",
            )
        return
    for other, magics in _MAGIC.items():
        if head.startswith(magics):
            raise InputError(
                f"{path}: the extension says csv, but the file is a {other} file; rename it to .{other} "
                f"/ het bestand is een {other}-bestand",
                path=path, rule="file_type_mismatch",
            )
    if head.startswith((b"\xff\xfe", b"\xfe\xff")):  # UTF-16 with a byte-order mark (Excel's "Unicode text")
        return
    if b"\x00" in head[:4096]:
        raise InputError(
            f"{path}: the extension says csv, but the file holds binary data (NUL bytes) "
            f"/ het bestand bevat binaire gegevens",
            path=path, rule="file_type_mismatch",
        )


def read_raw(path: str | Path, *, encoding: str | None = None, sheet: str | int = 0,
             keep: Callable[[str], bool] | None = None) -> RawTable:
    """Read a respondent file's cells without interpreting them (of a .sav only the columns `keep` accepts).

    Raises InputError (with a `rule`) when the file is missing, empty, not what its extension
    says, or not decodable; everything that concerns single cells is left to validation.
    """
    path = Path(path)
    fmt = file_format(path)
    if not path.is_file():
        raise InputError(f"{path}: file not found / bestand niet gevonden", path=path, rule="file_missing")
    with path.open("rb") as handle:  # a binary file is read by its reader: only its head here
        data = handle.read() if fmt == "csv" else handle.read(4096)
    if not data.strip() and (fmt == "csv" or path.stat().st_size <= len(data)):
        raise InputError(f"{path}: the file is empty / het bestand is leeg", path=path, rule="file_empty")
    _check_content(path, fmt, data[:4096])
    reader = {"csv": _read_csv, "xlsx": _read_xlsx, "sav": _read_sav}[fmt]
    if fmt == "csv":
        table = reader(path, data, encoding)
    elif fmt == "xlsx":
        table = reader(path, sheet)
    else:
        table = reader(path, keep)
    if (table.frame.shape[1] == 0 and not table.skipped) or (not len(table.frame) and not len(table.frame.columns)):
        raise InputError(f"{path}: the file has no header row / geen kopregel", path=path, rule="file_empty")
    return table


def _decode(path: Path, data: bytes, encoding: str | None) -> str:
    enc = encoding or ("utf-16" if data.startswith((b"\xff\xfe", b"\xfe\xff")) else "utf-8-sig")
    try:
        return data.decode(enc)
    except UnicodeDecodeError as exc:
        line = data[: exc.start].count(b"\n") + 1
        raise InputError(
            f"{path}, line {line}: byte {data[exc.start:exc.start + 1]!r} at offset {exc.start} cannot be "
            f"decoded as {enc}. Save the file as UTF-8, or set `encoding:` (e.g. cp1252) in the wave's "
            f"mapping file / tekstcodering onleesbaar",
            path=path, rule="encoding",
        ) from None
    except LookupError:
        raise InputError(f"{path}: unknown encoding {enc!r}", path=path, rule="encoding") from None


def _sniff_delimiter(first_line: str) -> str:
    counts = {d: first_line.count(d) for d in (",", ";", "\t")}
    best = max(counts, key=counts.get)
    return best if counts[best] else ","


def _read_csv(path: Path, data: bytes, encoding: str | None) -> RawTable:
    text = _decode(path, data, encoding)
    delimiter = _sniff_delimiter(text.split("\n", 1)[0])
    reader = csv.reader(io.StringIO(text, newline=""), delimiter=delimiter)
    try:
        header = next(reader)
        records, rows = [], []
        for record in reader:
            records.append(record)
            rows.append(reader.line_num)
    except csv.Error as exc:
        raise InputError(f"{path}, line {reader.line_num}: not readable as csv: {exc}", path=path, rule="csv_syntax") from None
    except StopIteration:
        raise InputError(f"{path}: the file is empty / het bestand is leeg", path=path, rule="file_empty") from None
    header = [h.strip() for h in header]
    width = len(header)
    ragged = [(row, len(rec)) for row, rec in zip(rows, records) if len(rec) > width and any(c.strip() for c in rec[width:])]
    cells = [(rec + [""] * width)[:width] for rec in records]
    frame = pd.DataFrame(cells, columns=range(width), dtype=object)
    frame.columns = _unique_names(header)
    return RawTable(path, "csv", frame, rows, _duplicates(header), ragged)


def _read_xlsx(path: Path, sheet) -> RawTable:
    try:
        sheet_frame = pd.read_excel(path, sheet_name=sheet, header=None, dtype=object, engine="openpyxl")
    except Exception as exc:  # openpyxl raises many types for corrupt workbooks
        raise InputError(f"{path}: not readable as an Excel workbook: {exc}", path=path, rule="file_type_mismatch") from None
    if sheet_frame.empty:
        raise InputError(f"{path}: the sheet is empty / het werkblad is leeg", path=path, rule="file_empty")
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
    import pyreadstat

    from igb.survey.sav import read_sav_columns

    try:
        _, meta = pyreadstat.read_sav(str(path), metadataonly=True, user_missing=True)
        columns = [c for c in meta.column_names if keep is None or keep(c)]
        if columns:
            frame = read_sav_columns(path, meta.column_names, columns)
        else:  # nothing the codebook knows: validation reports the missing columns
            frame = pd.DataFrame(index=pd.RangeIndex(max(meta.number_rows or 0, 0)))
    except Exception as exc:  # pyreadstat.ReadstatError, polars errors and friends
        raise InputError(f"{path}: not readable as an SPSS .sav file: {exc}", path=path, rule="file_type_mismatch") from None
    missing = {}
    for column, values in (meta.missing_user_values or {}).items():
        missing.setdefault(column, []).extend(("value", v) for v in values)
    for column, ranges in (meta.missing_ranges or {}).items():
        missing.setdefault(column, []).extend(("range", r["lo"], r["hi"]) for r in ranges)
    read = set(columns)
    skipped = [c for c in meta.column_names if c not in read]
    rows = np.arange(1, len(frame) + 1)
    return RawTable(path, "sav", frame, rows, [], [], dict(meta.variable_value_labels or {}), missing, skipped)


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
