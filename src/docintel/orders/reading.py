"""Reading an order-book file into rows of cells: CSV in any encoding Chinese spreadsheets export, or XLSX.

The type is read from the bytes, not the suffix (a GBK CSV saved as .xls by a user, an XLSX
renamed .csv). A CSV has no declared encoding, so every plausible one that decodes is offered,
in order, and the importer keeps the first whose header row it recognises: GBK and Big5 bytes
often both decode, and only one of them yields 订单号.
"""

from __future__ import annotations

import codecs
import csv
import io
import unicodedata
import zipfile
from collections.abc import Iterator
from dataclasses import dataclass
from enum import StrEnum
from pathlib import Path

from docintel.errors import DocintelError, ErrorCode

Cell = str | int | float | bool | object | None
Row = tuple[int, list[Cell]]  # (1-based row number in the file, cells)

# Tried in this order when there is no BOM. UTF-8 first: valid UTF-8 is almost never meant as GBK.
# GB18030 is the superset of GBK and GB2312; cp950 is Big5 as Windows in Taiwan and Hong Kong writes it.
CSV_ENCODINGS = ("utf-8", "gb18030", "cp950")
_BOMS = ((codecs.BOM_UTF8, "utf-8-sig"), (codecs.BOM_UTF16_LE, "utf-16"), (codecs.BOM_UTF16_BE, "utf-16"))
CSV_DELIMITERS = ",\t;|"
HEAD_LINES_FOR_SNIFFING = 20
_ZIP_MAGIC = b"PK\x03\x04"
_OLE_MAGIC = b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1"  # legacy .xls, .doc
# Text with more control characters than this share is a binary file that happened to decode.
_MAX_CONTROL_SHARE = 0.01


class FileFormat(StrEnum):
    CSV = "csv"
    XLSX = "xlsx"


@dataclass
class RawTable:
    """One candidate reading of the file: a CSV in one encoding, or one worksheet."""

    format: FileFormat
    rows: list[Row]
    encoding: str | None = None
    sheet: str | None = None


def read_tables(path: Path) -> Iterator[RawTable]:
    """Candidate tables of an order-book file, most likely first. Raises DocintelError for bad files."""
    data = _read_bytes(path)
    if data.startswith(_ZIP_MAGIC):
        yield from _xlsx_tables(path, data)
        return
    if data.startswith(_OLE_MAGIC):
        raise DocintelError(ErrorCode.UNSUPPORTED_TYPE, f"{path.name}: a legacy Excel .xls file; save it as .xlsx or CSV")
    for encoding, text in _decodings(path, data):
        yield RawTable(FileFormat.CSV, _csv_rows(text), encoding=encoding)


def _read_bytes(path: Path) -> bytes:
    try:
        data = path.read_bytes()
    except (FileNotFoundError, IsADirectoryError, PermissionError, NotADirectoryError) as exc:
        raise DocintelError(ErrorCode.UNREADABLE_FILE, f"{path}: {exc.strerror or exc}") from exc
    except OSError as exc:
        raise DocintelError(ErrorCode.UNREADABLE_FILE, f"{path}: {exc}") from exc
    if not data:
        raise DocintelError(ErrorCode.EMPTY_FILE, f"{path.name}: the file is empty")
    return data


def _decodings(path: Path, data: bytes) -> Iterator[tuple[str, str]]:
    for bom, encoding in _BOMS:
        if data.startswith(bom):
            text = _decode_or_none(data, encoding)
            if text is None or _looks_binary(text):
                raise DocintelError(ErrorCode.UNSUPPORTED_TYPE, f"{path.name}: not a CSV file (bad {encoding} text)")
            yield encoding, text
            return
    if b"\x00" in data:
        raise DocintelError(ErrorCode.UNSUPPORTED_TYPE, f"{path.name}: a binary file, not CSV or XLSX")
    decoded = [(enc, text) for enc in CSV_ENCODINGS if (text := _decode_or_none(data, enc)) is not None]
    decoded = [(enc, text) for enc, text in decoded if not _looks_binary(text)]
    if not decoded:
        raise DocintelError(
            ErrorCode.UNSUPPORTED_TYPE, f"{path.name}: neither an XLSX workbook nor CSV text in UTF-8, GBK or Big5"
        )
    yield from decoded


def _decode_or_none(data: bytes, encoding: str) -> str | None:
    try:
        return data.decode(encoding)
    except UnicodeDecodeError:
        return None


def _looks_binary(text: str) -> bool:
    controls = sum(1 for ch in text if unicodedata.category(ch) == "Cc" and ch not in "\t\r\n")
    return controls > _MAX_CONTROL_SHARE * len(text)


def _csv_rows(text: str) -> list[Row]:
    reader = csv.reader(io.StringIO(text, newline=""), delimiter=_sniff_delimiter(text))
    # Numbered by record, as a spreadsheet shows them: a quoted cell spanning lines is still one row.
    return [(number, list(cells)) for number, cells in enumerate(reader, start=1)]


def _sniff_delimiter(text: str) -> str:
    sample = "\n".join(text.splitlines()[:HEAD_LINES_FOR_SNIFFING])
    try:
        return csv.Sniffer().sniff(sample, delimiters=CSV_DELIMITERS).delimiter
    except csv.Error:
        return ","


def _xlsx_tables(path: Path, data: bytes) -> Iterator[RawTable]:
    try:
        with zipfile.ZipFile(io.BytesIO(data)) as archive:
            is_workbook = "xl/workbook.xml" in archive.namelist()
    except zipfile.BadZipFile as exc:
        raise DocintelError(ErrorCode.CORRUPT_SPREADSHEET, f"{path.name}: a damaged ZIP/XLSX file") from exc
    if not is_workbook:
        raise DocintelError(ErrorCode.UNSUPPORTED_TYPE, f"{path.name}: a ZIP archive, not an XLSX workbook")
    # Imported here: openpyxl costs ~0.2 s to import and most commands never read a workbook.
    import openpyxl

    try:
        workbook = openpyxl.load_workbook(io.BytesIO(data), read_only=True, data_only=True)
    except Exception as exc:  # openpyxl raises anything from KeyError to XML errors on damaged parts
        raise DocintelError(
            ErrorCode.CORRUPT_SPREADSHEET, f"{path.name}: the workbook cannot be read ({exc})"
        ) from exc
    try:
        for sheet in workbook.worksheets:
            # Some writers record a wrong sheet size, and read-only mode would trust it and cut columns.
            sheet.reset_dimensions()
            try:
                rows = [(number, list(values)) for number, values in enumerate(sheet.iter_rows(values_only=True), start=1)]
            except Exception as exc:
                raise DocintelError(
                    ErrorCode.CORRUPT_SPREADSHEET, f"{path.name}: sheet {sheet.title!r} cannot be read ({exc})"
                ) from exc
            yield RawTable(FileFormat.XLSX, rows, sheet=sheet.title)
    finally:
        workbook.close()
