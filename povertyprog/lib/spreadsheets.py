"""Reading and writing spreadsheets safely: checks on hostile files, header matching, value
parsers and cell neutralisation. No Django models: shared by every import and export.

Every refusal is a RefusedFile with a Vietnamese message that says what is wrong and the
limit that applies.
"""

import csv
import functools
import io
import itertools
import re
import uuid
import zipfile
from collections import defaultdict
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass
from datetime import date, datetime
from pathlib import Path

from django.conf import settings
from python_calamine import CalamineError, CalamineWorkbook

from povertyprog.lib.vietnamese import fold
from povertyprog.lib.xlsx_windows import SharedStrings, sheet_windows, window_rows

MAX_UPLOAD_BYTES = 20 * 1024 * 1024  # 20 MB
XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
MAX_UNCOMPRESSED_BYTES = 300 * 1024 * 1024  # a zip bomb expands far beyond this
MAX_COMPRESSION_RATIO = 100
MAX_ROWS = 200_000
MAX_COLUMNS = 200
HEADER_SEARCH_ROWS = 10


class RefusedFile(Exception):
    """The whole file is refused; nothing was read into the registry."""


@dataclass(frozen=True)
class Column:
    key: str
    header: str  # the Vietnamese header the template writes
    synonyms: tuple[str, ...] = ()
    required: bool = False
    help: str = ""


def normalise_header(text: str) -> str:
    """'Thôn, tổ dân phố (*)' -> 'thon to dan pho': no diacritics, case, punctuation or spaces."""
    return " ".join(re.sub(r"[^a-z0-9]+", " ", fold(str(text))).split())


# --- File checks ------------------------------------------------------------------------


def check_upload(name: str, size: int) -> str:
    """The file's kind ('xlsx' or 'csv') from its name and size, or RefusedFile."""
    if size == 0:
        raise RefusedFile("Tệp rỗng: không có dữ liệu.")
    if size > MAX_UPLOAD_BYTES:
        raise RefusedFile(
            f"Tệp quá lớn ({size / 1024 / 1024:.1f} MB). Giới hạn là {MAX_UPLOAD_BYTES // 1024 // 1024} MB; "
            "hãy chia tệp theo xã hoặc theo thôn."
        )
    extension = Path(name).suffix.lower()
    if extension == ".xlsm":
        raise RefusedFile("Tệp có macro (.xlsm) không được nhận. Hãy lưu lại dưới dạng .xlsx.")
    if extension == ".xls":
        raise RefusedFile("Định dạng .xls (Excel 97-2003) không được nhận. Hãy lưu lại dưới dạng .xlsx.")
    if extension not in (".xlsx", ".csv"):
        raise RefusedFile(f"Loại tệp “{extension or name}” không được nhận. Chỉ nhận tệp .xlsx hoặc .csv.")
    return extension[1:]


def upload_dir() -> Path:
    """Uploaded files live under MEDIA_ROOT, which the app never serves, with generated names."""
    path = Path(settings.MEDIA_ROOT) / "imports"
    path.mkdir(parents=True, exist_ok=True)
    return path


def upload_store(upload) -> str:
    """Store an uploaded file (RefusedFile for the wrong kind or size) under upload_dir();
    returns its generated name."""
    kind = check_upload(upload.name, upload.size)
    stored_name = f"{uuid.uuid4().hex}.{kind}"
    with (upload_dir() / stored_name).open("wb") as handle:
        for chunk in upload.chunks():
            handle.write(chunk)
    return stored_name


def check_xlsx(path: Path) -> None:
    """Refuse what is not a plain .xlsx: not a zip, a zip bomb, macros, formulas."""
    if not zipfile.is_zipfile(path):
        raise RefusedFile(
            "Tệp không phải là tệp Excel .xlsx hợp lệ (có thể bị hỏng). Hãy mở và lưu lại bằng Excel."
        )
    try:
        with zipfile.ZipFile(path) as archive:
            entries = archive.infolist()
            names = {entry.filename for entry in entries}
            if "[Content_Types].xml" not in names or not any(n.startswith("xl/worksheets/") for n in names):
                raise RefusedFile("Tệp không phải là bảng tính Excel .xlsx.")
            if any(n.lower().endswith("vbaproject.bin") for n in names):
                raise RefusedFile(
                    "Tệp có macro (VBA) không được nhận. Hãy lưu lại dưới dạng .xlsx không macro."
                )
            expanded = sum(entry.file_size for entry in entries)
            packed = max(sum(entry.compress_size for entry in entries), 1)
            if expanded > MAX_UNCOMPRESSED_BYTES or expanded / packed > MAX_COMPRESSION_RATIO:
                raise RefusedFile(
                    "Tệp giải nén ra quá lớn (nghi tệp độc hại “zip bomb”). Giới hạn: "
                    f"{MAX_UNCOMPRESSED_BYTES // 1024 // 1024} MB dữ liệu, {MAX_ROWS:,} dòng, "
                    f"{MAX_COLUMNS} cột.".replace(",", ".")
                )
            for entry in entries:
                if entry.filename.startswith("xl/worksheets/") and entry.filename.endswith(".xml"):
                    _check_sheet_xml(archive, entry.filename)
    except zipfile.BadZipFile:
        raise RefusedFile("Tệp Excel bị hỏng, không đọc được. Hãy mở và lưu lại bằng Excel.") from None


# A cell formula: <f>, <f t="shared" …/>, or the same element with a namespace prefix (<x:f>).
FORMULA_ELEMENT = re.compile(rb"<(?:[A-Za-z_][\w.-]*:)?f[\s/>]")


def _check_sheet_xml(archive: zipfile.ZipFile, name: str) -> None:
    with archive.open(name) as handle:
        # Scan in chunks: formulas anywhere; merged cells in the first rows (the header).
        tail = b""
        while chunk := handle.read(1 << 20):
            block = tail + chunk
            # "<f" or a prefixed ":f" must be there for a formula: a plain search first (C, GB/s).
            if (b"<f" in block or b":f" in block) and FORMULA_ELEMENT.search(block):
                raise RefusedFile(
                    "Tệp có ô chứa công thức. Hãy sao chép và dán “giá trị” (Paste Values) trước khi nhập."
                )
            for match in (
                re.finditer(rb'<mergeCell ref="[A-Z]+(\d+):[A-Z]+(\d+)"', block)
                if b"<mergeCell" in block
                else ()
            ):
                if int(match.group(1)) <= HEADER_SEARCH_ROWS:
                    raise RefusedFile(
                        "Dòng tiêu đề có ô gộp (merge). Hãy bỏ gộp ô ở dòng tiêu đề: mỗi cột một tiêu đề."
                    )
            tail = block[-64:]


# --- Reading -------------------------------------------------------------------------------


@dataclass
class SheetRows:
    """A sheet's rows, produced one at a time (python-calamine converts each row as it is read)."""

    height: int
    rows: Iterable[list]


def read_sheets(path: Path, kind: str) -> dict[str, SheetRows]:
    """{sheet name: rows} with cell values as Python objects (str, float, int, date, datetime),
    each row from column A. An .xlsx sheet is read by windows of rows (povertyprog.lib.
    xlsx_windows): memory follows the window, not the file."""
    if kind == "csv":
        rows = list(_read_csv(path))
        return {"csv": SheetRows(len(rows), rows)}
    check_xlsx(path)
    try:
        workbook = CalamineWorkbook.from_path(str(path))
        sheets, shared = {}, SharedStrings()  # the shared-string table, read once for every sheet
        for name in workbook.sheet_names:
            windows = sheet_windows(path, name)
            if windows is None:  # rows without references: read whole
                sheet = workbook.get_sheet_by_name(name)
                height, rows = sheet.total_height, _whole_rows(sheet)
            else:
                height, rows = windows.height, window_rows(path, windows, shared)
            if height > MAX_ROWS + HEADER_SEARCH_ROWS:
                raise RefusedFile(f"Trang “{name}” quá lớn ({height} dòng). {_limits()}")
            sheets[name] = SheetRows(height, _checked_rows(name, rows))
        return sheets
    except CalamineError as error:
        raise RefusedFile(f"Không đọc được tệp Excel: {error}") from None


def _limits() -> str:
    return f"Giới hạn: {MAX_ROWS} dòng, {MAX_COLUMNS} cột mỗi trang."


def _whole_rows(sheet) -> Iterator[list]:
    """calamine's rows start at the sheet's first used column: put them back from column A."""
    first_column = sheet.start[1] if sheet.start else 0
    pad = [""] * first_column
    for row in sheet.iter_rows():
        yield pad + row if first_column else row


def _checked_rows(name: str, rows: Iterator[list]) -> Iterator[list]:
    try:
        for row in rows:
            if len(row) > MAX_COLUMNS:
                raise RefusedFile(f"Trang “{name}” quá lớn ({len(row)} cột). {_limits()}")
            yield row
    except CalamineError as error:
        raise RefusedFile(f"Không đọc được tệp Excel: {error}") from None


def _read_csv(path: Path) -> Iterator[list]:
    raw = path.read_bytes()
    for encoding in ("utf-8-sig", "cp1258", "latin-1"):
        try:
            text = raw.decode(encoding)
            break
        except UnicodeDecodeError:
            continue
    try:
        dialect = csv.Sniffer().sniff(text[:4096], delimiters=",;\t") if text.strip() else csv.excel
    except csv.Error:
        raise RefusedFile(
            "Không nhận ra dấu phân cách cột của tệp CSV (dấu phẩy, chấm phẩy hoặc tab). "
            "Hãy lưu lại từ Excel bằng “CSV UTF-8 (Comma delimited)”."
        ) from None
    reader = csv.reader(io.StringIO(text), dialect)
    try:
        for count, row in enumerate(reader):
            if count > MAX_ROWS + HEADER_SEARCH_ROWS:
                raise RefusedFile(f"Tệp quá nhiều dòng. Giới hạn: {MAX_ROWS} dòng.")
            yield row
    except csv.Error as error:
        raise RefusedFile(
            f"Tệp CSV hỏng ở dòng {reader.line_num}: một ô dài quá giới hạn hoặc dấu ngoặc kép "
            f"không đóng ({error})."
        ) from None


@dataclass
class HeaderMatch:
    row_index: int  # 0-based index of the header row
    columns: dict[str, int]  # column key -> 0-based column index
    unknown: list[str]


def find_header(rows: list[list], columns: list[Column]) -> HeaderMatch:
    """The header row among the first rows: the one that names the most known columns."""
    lookup = {}
    for column in columns:
        for name in (column.header, *column.synonyms):
            lookup.setdefault(normalise_header(name), column.key)
    best = HeaderMatch(-1, {}, [])
    for index, row in enumerate(rows[:HEADER_SEARCH_ROWS]):
        found, unknown = {}, []
        for position, cell in enumerate(row):
            label = normalise_header(cell) if cell not in (None, "") else ""
            if not label:
                continue
            key = lookup.get(label)
            if key and key not in found:
                found[key] = position
            elif not key:
                unknown.append(str(cell))
        if len(found) > len(best.columns):
            best = HeaderMatch(index, found, unknown)
    return best


def column_letter(index: int) -> str:
    """0 -> A, 25 -> Z, 26 -> AA."""
    letters = ""
    index += 1
    while index:
        index, remainder = divmod(index - 1, 26)
        letters = chr(65 + remainder) + letters
    return letters


# --- Reading rows with their coordinates ---------------------------------------------------


@dataclass(frozen=True)
class Problem:
    sheet: str
    row: int  # as Excel numbers it (1-based)
    column: str  # "C (Mã xã)"
    value: str
    message: str


class SheetReader:
    """Rows of one sheet with their header mapping; records problems with file coordinates.

    Only the first rows (to find the header) are held; data rows are read one at a time.
    """

    def __init__(self, name: str, sheet: SheetRows, columns: list[Column], problems: list[Problem]):
        self.name, self.columns, self.problems = name, {c.key: c for c in columns}, problems
        self.height = sheet.height
        self._rows = iter(sheet.rows)
        self.first_rows = list(itertools.islice(self._rows, HEADER_SEARCH_ROWS))
        self.header = find_header(self.first_rows, columns)
        missing = [c.header for c in columns if c.required and c.key not in self.header.columns]
        if self.header.row_index < 0 or missing:
            raise RefusedFile(
                f"Trang “{name}”: không tìm thấy dòng tiêu đề có đủ các cột bắt buộc"
                + (f" (thiếu: {', '.join(missing)})" if missing else "")
                + ". Hãy dùng tệp mẫu tải từ hệ thống."
            )

    def state(self) -> tuple:
        """What locating cells and reporting problems needs (name, header, height), to keep."""
        return self.name, self.header, self.height

    @classmethod
    def restored(cls, state: tuple, columns: list[Column], problems: list[Problem]) -> "SheetReader":
        """A reader from a kept state(), with no rows: it locates cells of rows read earlier and
        reports problems with the same coordinates, without opening the workbook again."""
        sheet = cls.__new__(cls)
        sheet.name, sheet.header, sheet.height = state
        sheet.columns, sheet.problems = {c.key: c for c in columns}, problems
        sheet._rows, sheet.first_rows = iter(()), []
        return sheet

    def data_rows(self):
        """(row number as Excel shows it, cells), up to a totals row."""
        start = self.header.row_index + 1
        rows = itertools.chain(self.first_rows[start:], self._rows)
        for number, row in enumerate(rows, start + 1):
            first = (
                row[0] if row and not is_blank(row[0]) else next((c for c in row if not is_blank(c)), None)
            )
            if first is None:
                continue
            if (
                isinstance(first, str)
                and first.lstrip()[:1] in ("t", "T")
                and normalise_header(first).startswith(("tong so", "tong cong"))
            ):
                break  # the totals row that printed lists end with
            yield number, row

    def cell(self, row: list, key: str):
        position = self.header.columns.get(key)
        if position is None or position >= len(row):
            return None
        return row[position]

    def problem(self, number: int, key: str, value, message: str) -> None:
        position = self.header.columns.get(key)
        where = f"{column_letter(position)} ({self.columns[key].header})" if position is not None else ""
        shown = "" if is_blank(value) else parse_text(value)[:60]
        self.problems.append(Problem(self.name, number, where, shown, message))

    def parse(self, number: int, row: list, key: str, parser: Callable, default=None):
        value = self.cell(row, key)
        if is_blank(value):
            if self.columns[key].required:
                self.problem(number, key, value, f"Thiếu “{self.columns[key].header}”.")
            return default
        try:
            return parser(value)
        except ValueError as error:
            self.problem(number, key, value, f"{self.columns[key].header}: {error}.")
            return default

    def row_parser(self, parsers: list[tuple[str, str, Callable, object]]) -> Callable[[int, list], dict]:
        """(number, cells) -> {key: value}, for many rows. Positions are looked up once, and only
        the filled cells are visited: most of a list's cells (yes/no columns) are empty."""
        defaults = {key: default for key, _, _, default in parsers}
        at: dict[int, list[tuple[str, str, Callable]]] = defaultdict(list)
        for key, column, parser, _ in parsers:
            if (position := self.header.columns.get(column)) is not None:
                at[position].append((key, column, parser))
        required = [(key, column) for key, column, _, _ in parsers if self.columns[column].required]

        def parse_row(number: int, raw: list) -> dict:
            values, filled = defaults.copy(), set()
            for position, value in enumerate(raw):
                if value is None or value == "" or position not in at:
                    continue
                if value.__class__ is str and value.isspace():
                    continue
                for key, column, parser in at[position]:
                    filled.add(key)
                    try:
                        values[key] = parser(value)
                    except ValueError as error:
                        self.problem(number, column, value, f"{self.columns[column].header}: {error}.")
            for key, column in required:
                if key not in filled:
                    self.problem(number, column, None, f"Thiếu “{self.columns[column].header}”.")
            return values

        return parse_row


# --- Values ----------------------------------------------------------------------------------

_FORMULA_START = ("=", "+", "-", "@", "\t", "\r")
_YES = {"co", "x", "1", "yes", "true", "dung", "c", "v"}
_NO = {"khong", "0", "no", "false", "k", "sai", ""}


def is_blank(value) -> bool:
    return value is None or (isinstance(value, str) and not value.strip())


_YES_NO_FAST = {"x": True, "X": True, "Có": True, "có": True, "Không": False, "không": False, "": False}


def parse_yes_no(value) -> bool:
    """Có/Không, x, 1/0, with or without diacritics."""
    if isinstance(value, str) and value in _YES_NO_FAST:
        return _YES_NO_FAST[value]
    if isinstance(value, bool):
        return value
    if isinstance(value, int | float):
        if value in (0, 1):
            return bool(value)
        raise ValueError("chỉ nhận Có/Không, x hoặc 1/0")
    text = fold(str(value or "")).strip()
    if text in _YES:
        return True
    if text in _NO:
        return False
    raise ValueError("chỉ nhận Có/Không, x hoặc 1/0")


def parse_int(value, *, low: int, high: int) -> int:
    if isinstance(value, float) and value.is_integer():
        value = int(value)
    if isinstance(value, str):
        cleaned = value.strip().replace(".", "").replace(" ", "").replace("\u00a0", "").removesuffix("đ")
        if not re.fullmatch(r"-?\d+", cleaned):
            raise ValueError("phải là số nguyên (ví dụ 1.500.000)")
        value = int(cleaned)
    if not isinstance(value, int) or isinstance(value, bool):
        raise ValueError("phải là số nguyên (ví dụ 1.500.000)")
    if not low <= value <= high:
        raise ValueError(f"phải từ {low:,} đến {high:,}".replace(",", "."))
    return value


def parse_date(value) -> date:
    """A date cell, or text written dd/mm/yyyy (dates typed as text are common)."""
    if isinstance(value, datetime):
        return value.date()
    if isinstance(value, date):
        return value
    return _parse_date_text(str(value or "").strip())


@functools.lru_cache(maxsize=4096)  # a list's review dates are a few dozen days
def _parse_date_text(text: str) -> date:
    match = re.fullmatch(r"(\d{1,2})[/.\-](\d{1,2})[/.\-](\d{4})", text)
    if match:
        day, month, year = (int(part) for part in match.groups())
        try:
            return date(year, month, day)
        except ValueError:
            raise ValueError("ngày không có thật") from None
    match = re.fullmatch(r"(\d{4})-(\d{2})-(\d{2})", text)
    if match:
        return date(*(int(part) for part in match.groups()))
    raise ValueError("ngày phải ghi dạng dd/mm/yyyy")


def parse_text(value) -> str:
    if isinstance(value, float) and value.is_integer():
        value = int(value)  # codes typed as numbers: 1837.0 -> "1837"
    text = " ".join(str(value if value is not None else "").split())
    if text.startswith("'") and text[1:2] in _FORMULA_START:
        text = text[1:]  # written by neutralise(): read back the original text
    return text


def choice_parser(choices: dict[str, str]):
    """A parser for one set of choices, by code or Vietnamese label, with or without diacritics.
    Its message does not name the column: the sheet reader puts the column's header before it."""
    lookup = {}
    for code, label in choices.items():
        lookup[normalise_header(code)] = code
        lookup[normalise_header(label)] = code
    message = f"không hợp lệ; chọn một trong: {', '.join(choices.values())}"
    seen: dict[tuple, str] = {}  # the same few cells repeat on every row: by type and value

    def parse(value) -> str:
        key = (value.__class__, value)
        code = seen.get(key)
        if code is not None:
            return code
        code = lookup.get(normalise_header(parse_text(value)))
        if code is None:
            raise ValueError(message)
        seen[key] = code
        return code

    return parse


# --- Writing -------------------------------------------------------------------------------


def neutralise(value):
    """A text cell that a spreadsheet would run as a formula gets a leading apostrophe."""
    if isinstance(value, str) and value.startswith(_FORMULA_START):
        return "'" + value
    return value
