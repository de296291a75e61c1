"""The values of an SPSS .sav file, read by polars-readstat into pandas columns.

polars-readstat earns its place by speed: it reads a 1M-row, 74-column .sav in ~2-3 s on two
cores, where pyreadstat needs ~11-14 s (even with two processes). pyreadstat still reads the
metadata (names, labels, missing values) and writes .sav files.

Neither reader says where a text value holds bytes its declared encoding cannot decode (polars-readstat
keeps the valid prefix of the value, pyreadstat refuses the file): `undecodable_text` finds the variable and case.
"""

from __future__ import annotations

import codecs
import struct
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path

import numpy as np
import pandas as pd


def read_sav_columns(path: Path, names: Sequence[str], wanted: Sequence[str]) -> pd.DataFrame:
    """The columns `wanted` of a .sav whose variables are `names` (pyreadstat's, in file order).

    Columns are chosen by position and named from `names`: polars-readstat garbles non-ASCII variable
    names in a legacy-encoded file (values are decoded right). User-missing values come back as
    missing (NaN/None), numbers as float64, text as pandas' arrow-backed str (empty cells stay "").
    """
    import polars as pl
    import polars_readstat

    scan = polars_readstat.scan_readstat(str(path), preserve_order=True)
    found = scan.collect_schema().names()
    if len(found) != len(names):
        raise ValueError(f"polars-readstat sees {len(found)} variables, the dictionary {len(names)}")
    position = {name: i for i, name in enumerate(names)}
    data = scan.select([pl.nth(position[c]) for c in wanted]).collect()
    numeric = [i for i, dtype in enumerate(data.dtypes) if dtype.is_numeric()]
    # All numbers in one Fortran-ordered block that pandas takes over without copying it.
    block = data.select(pl.nth(numeric).cast(pl.Float64)).to_numpy(order="fortran") if numeric else None
    frame = pd.DataFrame(block, columns=[wanted[i] for i in numeric], index=pd.RangeIndex(data.height), copy=False)
    for i, c in enumerate(wanted):
        if i not in numeric:
            frame.insert(i, c, _values(data.to_series(i)))
    return frame


def _values(series):
    """One polars column other than numbers as pyreadstat gives it; text not through Python objects."""
    import polars as pl
    import pyarrow as pa

    dtype = series.dtype
    if dtype == pl.String:
        text = series.to_arrow()
        return pd.Series(text if text.type == pa.large_string() else text.cast(pa.large_string()), dtype="str").array
    if dtype == pl.Datetime:
        return series.dt.cast_time_unit("us").to_numpy()
    return np.array(series.to_list(), dtype=object)  # dates and times, as datetime.date/time like pyreadstat


# -- the header and the bytes of text values ---------------------------------------------------------
_HEADER_BYTES = 176  # the fixed file header: "$FL2", product, layout code, case size, compression, cases, ...
_VARIABLE_RECORD_BYTES = 32  # the smallest dictionary record of one 8-byte value of a case


@dataclass(frozen=True)
class SavHeader:
    endian: str  # struct's "<" or ">"
    case_size: int  # 8-byte values per case ("nominal case size"), -1 when unknown
    compression: int  # 0 none, 1 bytecode, 2 zlib (.zsav)
    cases: int  # -1 when unknown


def read_header(path: Path) -> SavHeader | None:
    """The fixed header of a .sav, or None when the file is too short to hold one."""
    with Path(path).open("rb") as handle:
        head = handle.read(_HEADER_BYTES)
    if len(head) < _HEADER_BYTES:
        return None
    endian = "<" if struct.unpack_from("<i", head, 64)[0] in (2, 3) else ">"  # the layout code is 2 or 3
    case_size, compression, _weight, cases = struct.unpack_from(endian + "iiii", head, 68)
    return SavHeader(endian, case_size, compression, cases)


def max_case_size(path: Path) -> int:
    """The most 8-byte values per case a file of this size can describe: each needs a 32-byte variable record.

    polars-readstat allocates per declared value (~176 bytes each) before it reads a case: a header of a 1 KB
    file declaring 2,000,000,000 values per case makes it abort the whole process (a failed 352 GB allocation).
    """
    return max(Path(path).stat().st_size - _HEADER_BYTES, 0) // _VARIABLE_RECORD_BYTES


def undecodable_text(path: Path, meta, frame: pd.DataFrame, columns: Sequence[str]):
    """The first text value of `columns` whose bytes the file's declared encoding cannot decode, or None.

    Returns (variable, case number from 1, the value's bytes or None, encoding). The readers hide such bytes:
    polars-readstat cuts a UTF-8 value short at the first invalid byte (it keeps the valid prefix; it did so
    with a "cp936" file too, a name it does not know), pyreadstat refuses the whole file without saying where.
    So the bytes are checked: read straight from an uncompressed file (numpy, ~0.15 s for three text variables
    of 1M cases), else by pyreadstat with encoding="latin1", which maps every byte to one character and never
    fails (as slow as reading the file with pyreadstat: ~3.5 s per 1M cases of 74 variables). Only values with
    a byte >= 0x80 can be invalid; each distinct one is decoded once.
    """
    strings = [c for c in columns if meta.readstat_variable_types.get(c) == "string"]
    encoding = meta.file_encoding or "windows-1252"
    if not strings or not len(frame):
        return None
    try:
        codec = codecs.lookup(encoding).name
    except LookupError:  # an encoding Python does not know: polars-readstat marks what it cannot decode with U+FFFD
        for c in strings:
            hits = np.flatnonzero(frame[c].str.contains("\ufffd", regex=False).to_numpy(dtype=bool, na_value=False))
            if len(hits):
                return c, int(hits[0]) + 1, None, encoding
        return None
    found = _uncompressed_text(path, meta, strings)
    if found is not None and _first_undecodable(found, codec) is None:
        return None
    # compressed, a layout we do not trust, or a finding to confirm: pyreadstat gives the bytes
    bad = _first_undecodable(_text_via_pyreadstat(path, meta, strings), codec)
    return None if bad is None else (*bad, encoding)


def _units(width: int, kind: str) -> int:
    """8-byte values a variable takes in a case: a string up to 255 bytes one per 8 bytes; longer ones are split
    into segments of 252 bytes stored in 255-byte (32-value) variables."""
    if kind != "string":
        return 1
    if width <= 255:
        return max(1, -(-width // 8))
    segments = -(-width // 252)
    return (segments - 1) * 32 + -(-(width - 252 * (segments - 1)) // 8)


def _uncompressed_text(path: Path, meta, strings: Sequence[str]):
    """{variable: (cases, values)} of the values with a byte >= 0x80 (only those can be invalid) of an uncompressed
    .sav, read from the bytes of its cases; None when the file is compressed or its layout is unclear.

    ~0.15 s for three text variables of 1M cases: each is one strided pass over the mapped file.
    """
    header = read_header(path)
    n = meta.number_rows
    if header is None or header.compression != 0 or n is None or n <= 0:
        return None
    widths, kinds = meta.variable_storage_width, meta.readstat_variable_types
    offsets, unit = {}, 0
    for c in meta.column_names:
        offsets[c] = unit
        unit += _units(int(widths.get(c) or 8), kinds.get(c, "double"))
    start = Path(path).stat().st_size - n * unit * 8  # the cases run to the end, after the end record (999, 0)
    if unit != header.case_size or start < _HEADER_BYTES + 8 or any(int(widths[c]) > 255 for c in strings):
        return None
    with Path(path).open("rb") as handle:
        handle.seek(start - 8)
        if handle.read(8) != struct.pack(header.endian + "ii", 999, 0):
            return None
    data = np.memmap(path, dtype=np.uint8, mode="r", offset=start, shape=(n, unit * 8))
    found = {}
    for c in strings:
        cells = data[:, offsets[c] * 8: offsets[c] * 8 + int(widths[c])]
        cases = np.flatnonzero(np.bitwise_or.reduce(cells, axis=1) & 0x80)
        found[c] = ([int(i) for i in cases], [cells[i].tobytes() for i in cases])
    del data
    return found


def _text_via_pyreadstat(path: Path, meta, strings: Sequence[str]):
    """{variable: (cases, values)} of the values with a byte >= 0x80, read by pyreadstat as latin1 (one byte, one
    character, so it never fails)."""
    import pyreadstat

    _, latin = pyreadstat.read_sav(str(path), metadataonly=True, encoding="latin1")
    as_latin = dict(zip(meta.column_names, latin.column_names))  # the same variables, names decoded byte by byte
    values, _ = pyreadstat.read_sav(str(path), usecols=[as_latin[c] for c in strings], encoding="latin1",
                                    output_format="dict")
    found = {}
    for c in strings:
        column = values[as_latin[c]]
        cases = [i for i, v in enumerate(column) if isinstance(v, str) and not v.isascii()]
        found[c] = (cases, [column[i].encode("latin1") for i in cases])
    return found


def _first_undecodable(found: dict, codec: str):
    """(variable, case from 1, bytes) of the first value `codec` cannot decode, in variable order; None if none.

    A value is taken as polars-readstat takes it: trailing blanks and NULs trimmed (and in UTF-8 all NULs dropped).
    """
    for c, (cases, texts) in found.items():
        verdict: dict[bytes, bool] = {}
        for i, raw in zip(cases, texts):
            ok = verdict.get(raw)
            if ok is None:
                ok = verdict[raw] = _decodes(_trimmed(raw, codec), codec)
            if not ok:
                return c, i + 1, _trimmed(raw, codec)
    return None


def _trimmed(raw: bytes, codec: str) -> bytes:
    return (raw.replace(b"\x00", b"") if codec == "utf-8" else raw).rstrip(b" \x00")


def _decodes(raw: bytes, codec: str) -> bool:
    try:
        raw.decode(codec)
    except UnicodeDecodeError:
        return False
    return True
