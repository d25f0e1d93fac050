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
import itertools
import re
import xml.etree.ElementTree as ET
import zipfile
from collections.abc import Iterator
from concurrent.futures import ThreadPoolExecutor
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


class SharedStrings:
    """A workbook's shared-string table, read once for all its sheets (when first needed), as
    "\ue000" + index -> the string; None when the workbook has none."""

    def __init__(self):
        self._lookup, self._read = None, False

    def lookup(self, kept: dict[str, bytes], part: str | None, sheet: SheetWindows) -> dict[str, str] | None:
        if not self._read:
            self._lookup, self._read = _shared_strings(kept, part, sheet), True
        return self._lookup


def window_rows(path, sheet: SheetWindows, shared: SharedStrings | None = None) -> Iterator[list]:
    """Every row of the sheet from the first, as calamine gives cell values, in its columns;
    rows with nothing in them come as []. `shared`: the table of the workbook, if another sheet
    of it has read it already.

    The next window is parsed by calamine on a thread of its own while the caller works through
    this one's rows: calamine lets go of the interpreter while it parses XML, so on a machine with
    two cores the parsing of a long member sheet is hidden behind the checks of its rows."""
    with zipfile.ZipFile(path) as archive:
        worksheets = {n for n in _sheet_parts(archive).values()}
        kept = {
            info.filename: archive.read(info)
            for info in archive.infolist()
            if info.filename not in worksheets and not info.is_dir()
        }
        kept.update((part, _EMPTY_SHEET) for part in worksheets if part != sheet.part)
        part = _strings_part(archive)
        lookup = (shared or SharedStrings()).lookup(kept, part, sheet)
        strings = None if lookup is None else _Strings(lookup, {**kept, part: _EMPTY_STRINGS})
        next_row, waiting = 0, None
        with archive.open(sheet.part) as xml, ThreadPoolExecutor(1) as reader:
            for piece in itertools.chain(_pieces(xml, WINDOW_BYTES), [None]):
                loading = piece and reader.submit(_load_piece, kept, strings, sheet, piece)
                if waiting is not None:
                    for number, row in _piece_rows(*waiting.result()):
                        while next_row < number:
                            yield []
                            next_row += 1
                        yield row
                        next_row += 1
                waiting = loading


@dataclass
class _Strings:
    """The shared-string table read once, and the workbook parts a window is read with when its
    shared strings are marked (the table left out)."""

    lookup: dict[str, str]  # "\ue000" + index -> the string
    parts: dict[str, bytes]


LISTING_WIDTH = 1000  # shared strings a row of the sheet that lists them


def _shared_strings(kept: dict[str, bytes], part: str | None, sheet: SheetWindows) -> dict[str, str] | None:
    """The table, read by calamine from a sheet (in place of `sheet`) that lists each entry in turn
    (so every entry reads as the same cell of the whole sheet would), or None when there is none.
    The listing's rows and cells carry no references: calamine places them one after another."""
    if part is None or part not in kept:
        return None
    count = len(re.findall(rb"<si\b", kept[part]))
    rows = (
        b"<row>"
        + b"".join(b'<c t="s"><v>%d</v></c>' % i for i in range(start, min(start + LISTING_WIDTH, count)))
        + b"</row>"
        for start in range(0, count, LISTING_WIDTH)
    )
    head = b'<worksheet xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main"><sheetData>'
    listing = _load(kept, sheet, head + b"".join(rows) + _SHEET_END)
    values = list(itertools.chain.from_iterable(listing.to_python(skip_empty_area=False))) if count else []
    values += [""] * (count - len(values))  # trailing empty strings, if calamine leaves them out
    return {f"{MARK}{index}": value for index, value in enumerate(values[:count])}


def _load_piece(kept: dict[str, bytes], strings: _Strings | None, sheet: SheetWindows, piece: bytes):
    """(calamine's sheet of one piece, the table its marked cells are to be read with, or None):
    its shared strings marked where the piece allows it, else read with the table as it is."""
    if strings is None or MARK.encode() in piece:
        return _load(kept, sheet, piece), None
    marked = piece.replace(_SHARED_CELL, _MARKED_CELL)
    if b' t="s"' in marked:
        return _load(kept, sheet, piece), None
    return _load(strings.parts, sheet, marked), strings.lookup


def _load(parts: dict[str, bytes], sheet: SheetWindows, piece: bytes):
    """calamine's sheet of one piece: the piece in place of the sheet, with the workbook's parts."""
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", zipfile.ZIP_STORED) as mini:
        for name, data in parts.items():
            mini.writestr(name, data)
        mini.writestr(sheet.part, piece)
    buffer.seek(0)
    return CalamineWorkbook.from_filelike(buffer).get_sheet_by_name(sheet.name)


def _piece_rows(values, lookup: dict[str, str] | None) -> Iterator[tuple[int, list]]:
    """(0-based row number, cells from column A) of one piece; marked cells replaced by their
    shared string (`lookup`: marked text -> string; any other value is kept: map(get, row, row)
    runs in C)."""
    if values.start is None:
        return
    first_row, first_column = values.start
    pad = [""] * first_column
    get = lookup.get if lookup is not None else None
    for offset, row in enumerate(values.to_python(skip_empty_area=True)):
        if first_column:
            row = pad + row
        yield first_row + offset, list(map(get, row, row)) if get else row


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
            last = max(last, _last_row_number(block))
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


_ROW_NUMBER = re.compile(rb'<row\b[^>]*?\sr="(\d+)"')


def _last_row_number(block: bytes) -> int:
    """The number of the last whole <row …> tag in the block (0 if none): looked for from the end,
    not by finding every row (a row cut by the block's end is whole in the next block)."""
    position = len(block)
    while (position := block.rfind(b"<row", 0, position)) >= 0:
        if match := _ROW_NUMBER.match(block, position):
            return int(match.group(1))
    return 0


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
