"""Read an .xlsx sheet a window of rows at a time with python-calamine: memory follows the
window, not the sheet.

python-calamine 0.9 reads a whole sheet into one dense range (about 1.5 KB a row of the
import template: 275 MB for 100,000 rows). Here the sheet's XML is streamed out of the zip and
cut after a row every few megabytes; calamine reads each piece as a small workbook of its
own — the original's parts (workbook, styles, shared strings), this sheet holding only those
rows, the other sheets empty. Rows and cells keep their references (r="C1234"), so every value lands in
the row and column it has in the whole sheet. What stays in memory besides the window is the
shared-string table, whose size follows the file's distinct texts.

A sheet whose rows or cells carry no references (allowed, rarely written), whose XML uses
a namespace prefix (<x:row>), or that holds CDATA sections or comments (where "</row>" is text,
not the end of a row), is not cut: `sheet_windows()` returns None for it and the caller reads it
whole.
"""

import io
import re
import xml.etree.ElementTree as ET
import zipfile
from collections.abc import Iterator
from dataclasses import dataclass

from python_calamine import CalamineWorkbook

_MAIN = "{http://schemas.openxmlformats.org/spreadsheetml/2006/main}"
_REL = "{http://schemas.openxmlformats.org/officeDocument/2006/relationships}"
_PACKAGE_REL = "{http://schemas.openxmlformats.org/package/2006/relationships}"
_EMPTY_SHEET = (
    b'<worksheet xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main"><sheetData/></worksheet>'
)
_SHEET_END = b"</sheetData></worksheet>"
_READ = 1 << 20
WINDOW_BYTES = 4 << 20  # of sheet XML: ~8,300 rows of the generated template file
_CELL_TAG = re.compile(rb"<c\b[^>]*>")


@dataclass
class SheetWindows:
    name: str
    part: str  # the sheet's XML inside the zip, e.g. xl/worksheets/sheet1.xml
    height: int  # rows, counting the last one that has a reference


def sheet_windows(path, name: str) -> SheetWindows | None:
    """How to read sheet `name` of the workbook at `path` by windows, or None if it cannot be."""
    with zipfile.ZipFile(path) as archive:
        part = _sheet_parts(archive).get(name)
        if part is None:
            return None
        last_row = _last_row(archive, part)
    return None if last_row is None else SheetWindows(name, part, last_row)


def window_rows(path, sheet: SheetWindows) -> Iterator[list]:
    """Every row of the sheet from the first, as calamine gives cell values, in its columns;
    rows with nothing in them come as []."""
    with zipfile.ZipFile(path) as archive:
        worksheets = {n for n in _sheet_parts(archive).values()}
        kept = {
            info.filename: archive.read(info)
            for info in archive.infolist()
            if info.filename not in worksheets and not info.is_dir()
        }
        kept.update((part, _EMPTY_SHEET) for part in worksheets if part != sheet.part)
        next_row = 0
        with archive.open(sheet.part) as xml:
            for piece in _pieces(xml, WINDOW_BYTES):
                for number, row in _piece_rows(kept, sheet, piece):
                    while next_row < number:
                        yield []
                        next_row += 1
                    yield row
                    next_row += 1


def _piece_rows(kept: dict[str, bytes], sheet: SheetWindows, piece: bytes) -> Iterator[tuple[int, list]]:
    """(0-based row number, cells from column A) of one piece, read by calamine."""
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", zipfile.ZIP_STORED) as mini:
        for name, data in kept.items():
            mini.writestr(name, data)
        mini.writestr(sheet.part, piece)
    buffer.seek(0)
    values = CalamineWorkbook.from_filelike(buffer).get_sheet_by_name(sheet.name)
    if values.start is None:
        return
    first_row, first_column = values.start
    pad = [""] * first_column
    for offset, row in enumerate(values.to_python(skip_empty_area=True)):
        yield first_row + offset, pad + row if first_column else row


def _pieces(xml, window_bytes: int) -> Iterator[bytes]:
    """The sheet XML as whole worksheets of about `window_bytes` each, cut after a row (the
    part before <sheetData> repeated in each, without its <dimension>, which would size every
    piece as the whole sheet)."""
    buffer, head = b"", None
    while True:
        chunk = xml.read(_READ)
        buffer += chunk
        if head is None:
            start = buffer.find(b"<sheetData")
            if start < 0:
                if not chunk:
                    return
                continue
            close = buffer.index(b">", start)
            if buffer[close - 1 : close] == b"/":  # <sheetData/>: no rows
                return
            head = re.sub(rb"<dimension\b[^>]*/>", b"", buffer[: close + 1])
            buffer = buffer[close + 1 :]
        end = buffer.find(b"</sheetData>")
        if end >= 0:
            buffer = buffer[:end]
        while len(buffer) > window_bytes:
            cut = buffer.rfind(b"</row>", 0, window_bytes)
            if cut < 0:
                cut = buffer.find(b"</row>")  # one row longer than a window
            if cut < 0:
                break
            yield head + buffer[: cut + 6] + _SHEET_END
            buffer = buffer[cut + 6 :]
        if end >= 0 or not chunk:
            if end >= 0 and buffer.strip():
                yield head + buffer + _SHEET_END
            return


def _last_row(archive: zipfile.ZipFile, part: str) -> int | None:
    """The number of the sheet's last row, or None if its rows or cells carry no references, no
    plain <row> element is found (a prefixed namespace, or no rows), or the XML has CDATA or
    comments, which a cut after "</row>" could split: read whole.
    One pass over the XML (a few hundred ms for 100,000 rows): the size of the sheet is known,
    and checked against the limits, before any row is read."""
    last, tail, checked = 0, b"", False
    with archive.open(part) as xml:
        while chunk := xml.read(_READ):
            block = tail + chunk
            if b"<![CDATA[" in block or b"<!--" in block:
                return None
            if not checked and (row := re.search(rb"<row\b[^>]*>", block)):
                checked = True
                cell = _CELL_TAG.search(block, row.end())
                if b' r="' not in row.group() or (cell and b' r="' not in cell.group()):
                    return None
            if numbers := re.findall(rb'<row\b[^>]*?\sr="(\d+)"', block):
                last = max(last, int(numbers[-1]))
            tail = block[-256:]
    return last if checked else None


def _sheet_parts(archive: zipfile.ZipFile) -> dict[str, str]:
    """Sheet name -> its XML part, from the workbook and its relationships."""
    try:
        workbook = ET.fromstring(archive.read("xl/workbook.xml"))
        relations = ET.fromstring(archive.read("xl/_rels/workbook.xml.rels"))
    except (KeyError, ET.ParseError):
        return {}
    targets = {r.get("Id"): r.get("Target", "") for r in relations.iter(f"{_PACKAGE_REL}Relationship")}
    parts = {}
    for sheet in workbook.iter(f"{_MAIN}sheet"):
        target = targets.get(sheet.get(f"{_REL}id"), "")
        if target:
            parts[sheet.get("name")] = target.lstrip("/") if target.startswith("/") else f"xl/{target}"
    return parts
