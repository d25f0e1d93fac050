"""Read an .xlsx sheet a window of rows at a time with python-calamine: memory follows the
window, not the sheet.

python-calamine 0.9 reads a whole sheet into one dense range (about 1.5 KB a row of the
import template: 275 MB for 100,000 rows). Here the sheet's XML is streamed out of the zip and
cut after a row every few megabytes; calamine reads each piece as a small workbook of its
own — the original's parts (workbook, styles, shared strings), this sheet holding only those
rows, the other sheets empty. Rows and cells keep their references (r="C1234"), so every value lands in
the row and column it has in the whole sheet. What stays in memory besides the window is the
shared-string table, whose size follows the file's distinct texts.

The shared-string table is read once (by calamine, from a generated sheet listing each entry), not
once a window: a file of 100,000 households has 11.7 MB of it, and parsing it again for each of
its 53 windows cost about 6 s. A window's shared-string cells (`t="s"`, the index in <v>) are
handed to calamine as formula-string cells holding a marker and the index, which the rows take
back from the table. A window where that rewrite cannot be made plainly (t="s" written before
another attribute, or the marker character already in the XML) is read with the table as before.

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
_STRINGS_TYPE = "http://schemas.openxmlformats.org/officeDocument/2006/relationships/sharedStrings"
_EMPTY_STRINGS = (
    b'<sst xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main" count="0" uniqueCount="0"/>'
)
_SHARED_CELL = b' t="s"><v>'
MARK = "\ue000"  # a private-use character: "\ue000" + index stands for a shared string in a window
_MARKED_CELL = b' t="str"><v>' + MARK.encode()


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
        strings = _shared_strings(kept, _strings_part(archive), sheet)
        next_row = 0
        with archive.open(sheet.part) as xml:
            for piece in _pieces(xml, WINDOW_BYTES):
                for number, row in _piece_rows(kept, strings, sheet, piece):
                    while next_row < number:
                        yield []
                        next_row += 1
                    yield row
                    next_row += 1


@dataclass
class _Strings:
    """The shared-string table read once, and the workbook parts a window is read with when its
    shared strings are marked (the table left out)."""

    part: str
    lookup: dict[str, str]  # "\ue000" + index -> the string
    parts: dict[str, bytes]


def _shared_strings(kept: dict[str, bytes], part: str | None, sheet: SheetWindows) -> _Strings | None:
    """The table, read by calamine from a sheet that lists each entry in turn (so every entry
    reads as the same cell of the whole sheet would), or None when the workbook has none."""
    if part is None or part not in kept:
        return None
    count = len(re.findall(rb"<si\b", kept[part]))
    listing = b"".join(
        b'<row r="%d"><c r="A%d" t="s"><v>%d</v></c></row>' % (i + 1, i + 1, i) for i in range(count)
    )
    head = b'<worksheet xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main"><sheetData>'
    values = [""] * count
    for number, row in _read_piece(kept, sheet, head + listing + _SHEET_END):
        if row and number < count:
            values[number] = row[0]
    lookup = {f"{MARK}{index}": value for index, value in enumerate(values)}
    return _Strings(part, lookup, {**kept, part: _EMPTY_STRINGS})


def _piece_rows(kept: dict[str, bytes], strings: _Strings | None, sheet: SheetWindows, piece: bytes):
    """(0-based row number, cells from column A) of one piece, read by calamine; its shared
    strings marked and taken from the table read once, where the piece allows it."""
    if strings is None or MARK.encode() in piece:
        return _read_piece(kept, sheet, piece)
    marked = piece.replace(_SHARED_CELL, _MARKED_CELL)
    if b' t="s"' in marked:
        return _read_piece(kept, sheet, piece)
    return _unmarked(_read_piece(strings.parts, sheet, marked), strings.lookup)


def _unmarked(rows: Iterator[tuple[int, list]], lookup: dict[str, str]) -> Iterator[tuple[int, list]]:
    """Rows with each marked cell replaced by its shared string (`lookup`: marked text -> string;
    any other value is kept: map(get, row, row) runs in C)."""
    get = lookup.get
    for number, row in rows:
        yield number, list(map(get, row, row))


def _read_piece(parts: dict[str, bytes], sheet: SheetWindows, piece: bytes) -> Iterator[tuple[int, list]]:
    """(0-based row number, cells from column A) of one piece, read by calamine."""
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", zipfile.ZIP_STORED) as mini:
        for name, data in parts.items():
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


def _strings_part(archive: zipfile.ZipFile) -> str | None:
    """The shared-string table's part, from the workbook's relationships (None if it has none)."""
    try:
        relations = ET.fromstring(archive.read("xl/_rels/workbook.xml.rels"))
    except (KeyError, ET.ParseError):
        return None
    for relation in relations.iter(f"{_PACKAGE_REL}Relationship"):
        if relation.get("Type") == _STRINGS_TYPE:
            target = relation.get("Target", "")
            return target.lstrip("/") if target.startswith("/") else f"xl/{target}"
    return None


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
