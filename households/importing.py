"""The one import service for household lists (web page, admin, `manage.py import_households`).

household_import() reads the file, checks every row and reports every problem as
(sheet, row, column, value, message) in Vietnamese. With dry_run it writes nothing (the
preview); otherwise it writes the whole file in one transaction, or nothing if any row is
wrong. Rows are matched by household code and review year, so importing the same file twice
changes nothing and a corrected file changes only the households that differ.
"""

import contextlib
import dataclasses
import functools
import gc
import itertools
import operator
import pickle
import threading
from collections import defaultdict
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from datetime import date
from pathlib import Path
from typing import NamedTuple

from django.core.exceptions import PermissionDenied
from django.db import connection, transaction
from django.db.models import BooleanField, F, Q
from django.db.models.expressions import RawSQL
from django.utils import timezone

from households.citizen_ids import citizen_id_problem, coded_mismatch
from households.classification import AssessmentMethod
from households.ethnicities import ETHNICITY_CHOICES, is_minority
from households.indicators import INDICATORS, derive_from_members
from households.models import (
    MEMBER_ENTRY_FIELDS,
    Cause,
    EducationLevel,
    Employment,
    Household,
    HouseholdReview,
    Member,
    Origin,
    PovertyStandard,
    Relation,
    ReviewType,
    Sex,
    SupportNeed,
    household_derived_fields,
)
from households.review import (
    MAX_INCOME,
    REVIEW_SNAPSHOT_FIELDS,
    heads_error,
    member_facts,
    review_date_error,
    review_figures,
    year_before_commune,
)
from households.rollups import rollups_refresh
from households.services import histories_refresh, household_codes_next, reviews_bulk_update
from households.stamps import Stamp, registry_stamp, registry_unchanged_since
from households.villages import not_listed_message, village_lists
from povertyprog import audit
from povertyprog.accounts.models import User
from povertyprog.accounts.scoping import can_enter_data
from povertyprog.approvals import locked_units
from povertyprog.lib.copyinsert import copy_insert, copy_update
from povertyprog.lib.overlap import ServerWork, server_work
from povertyprog.lib.spreadsheets import (
    HEADER_SEARCH_ROWS,
    Column,
    Problem,
    RefusedFile,
    SheetReader,
    choice_parser,
    is_blank,
    normalise_header,
    parse_date,
    parse_int,
    parse_text,
    parse_yes_no,
    read_sheets,
)
from povertyprog.lib.vietnamese import fold
from povertyprog.units.models import AdministrativeUnit, Level

BATCH_SIZE = 5000  # rows read, checked and written at a time: memory follows the batch, not the file
HOUSEHOLD_SHEET = "Hộ gia đình"
MEMBER_SHEET = "Thành viên"
ETHNICITIES = dict(ETHNICITY_CHOICES)

YES_NO_HELP = "Có hoặc Không (chọn trong danh sách)."

HOUSEHOLD_COLUMNS = [
    Column(
        "code",
        "Mã hộ",
        ("ma so ho", "ma ho gia dinh"),
        False,
        "Để trống với hộ mới: hệ thống cấp mã tiếp theo của xã (như khi thêm hộ trên web). "
        "Ghi mã đã có (ví dụ {ma_xa}-00012) để cập nhật hộ đó.",
    ),
    Column(
        "commune_code",
        "Mã xã",
        ("ma phuong xa", "ma xa phuong", "ma don vi"),
        True,
        "Mã đơn vị hành chính cấp xã (5 số), ví dụ {ma_xa}.",
    ),
    Column("head_name", "Họ tên chủ hộ", ("chu ho", "ho va ten chu ho", "ten chu ho"), True),
    Column("village", "Thôn, tổ dân phố", ("thon", "thon to", "to dan pho", "thon ban", "ap"), True),
    Column("address", "Địa chỉ", ()),
    Column(
        "ethnicity", "Dân tộc", ("dan toc chu ho",), False, "Tên dân tộc (Kinh, Tày, Mường…) hoặc mã 2 số."
    ),
    Column(
        "ethnic_minority",
        "Hộ DTTS",
        ("dtts", "ho dan toc thieu so"),
        False,
        YES_NO_HELP,
    ),
    Column(
        "social_protection",
        "Hộ có đối tượng BTXH",
        ("btxh", "bao tro xa hoi"),
        False,
        YES_NO_HELP,
    ),
    Column(
        "has_merit_person",
        "Hộ có người có công",
        ("nguoi co cong", "chinh sach co cong", "ho cscc"),
        False,
        YES_NO_HELP,
    ),
    Column(
        "no_labour_capacity",
        "Hộ không có khả năng lao động",
        ("khong co kha nang lao dong", "knld", "ho kcknld"),
        False,
        YES_NO_HELP,
    ),
    Column(
        "members_count",
        "Số nhân khẩu",
        ("nhan khau", "so khau"),
        False,
        "Dùng khi không kê thành viên ở trang “Thành viên”.",
    ),
    Column(
        "income",
        "Thu nhập bình quân (đồng/người/tháng)",
        ("thu nhap", "thu nhap binh quan", "thu nhap bq", "thu nhap binh quan dau nguoi"),
        False,
        "Số đồng, ví dụ 1.500.000. Hoặc ghi điểm B1.",
    ),
    Column(
        "b1_score",
        "Điểm B1",
        ("diem phieu b1", "phieu b1", "b1"),
        False,
        "Điểm Phiếu B1 (khi không ghi thu nhập).",
    ),
    Column("review_date", "Ngày rà soát", ("thoi gian ra soat",), True, "dd/mm/yyyy."),
    Column("reviewer", "Người rà soát", ()),
    Column("review_type", "Loại rà soát", (), False, "Định kỳ / Thường xuyên (để trống: định kỳ)."),
    *[
        Column(
            i.field,
            f"{i.number}. {i.name}",
            (i.name, f"chi so {i.number}", f"thieu hut {i.name}"),
            False,
            "x hoặc Có nếu hộ thiếu hụt chỉ số này.",
        )
        for i in INDICATORS
    ],
    *[
        Column(
            c.value,
            f"NN: {c.label}",
            (c.label, f"nguyen nhan {c.label}"),
            False,
            "x nếu là nguyên nhân nghèo.",
        )
        for c in Cause
    ],
    *[
        Column(
            n.value,
            f"Nhu cầu: {n.label}",
            (n.label,) if n != SupportNeed.OTHER else ("nhu cau khac",),
            False,
            "x nếu hộ cần hỗ trợ này.",
        )
        for n in SupportNeed
    ],
]

MEMBER_COLUMNS = [
    Column("code", "Mã hộ", ("ma so ho",), True),
    Column("full_name", "Họ và tên", ("ho ten", "ten thanh vien"), True),
    Column("sex", "Giới tính", ("gioi", "nam nu"), True, "Nam / Nữ."),
    Column("birth_year", "Năm sinh", (), True),
    Column("birth_date", "Ngày sinh", (), False, "dd/mm/yyyy."),
    Column(
        "relation", "Quan hệ với chủ hộ", ("quan he",), True, "Chủ hộ, Vợ/chồng, Con, Bố/mẹ, Ông/bà, Cháu…"
    ),
    Column("ethnicity", "Dân tộc", ()),
    Column(
        "citizen_id", "Số định danh cá nhân", ("so cccd", "cccd", "so dinh danh", "cmnd"), False, "12 chữ số."
    ),
    Column(
        "has_health_insurance",
        "Có thẻ BHYT",
        ("bhyt", "the bhyt"),
        False,
        YES_NO_HELP + " Để trống: Có.",
    ),
    Column("education_level", "Trình độ giáo dục", ("trinh do",), False),
    Column("attends_school", "Đang đi học", ("di hoc",), False, YES_NO_HELP),
    Column("employment", "Việc làm", (), False),
    Column("has_disability", "Người khuyết tật", ("khuyet tat",), False, YES_NO_HELP),
    Column(
        "monthly_social_allowance",
        "Hưởng trợ cấp xã hội hằng tháng",
        ("tro cap xa hoi",),
        False,
        YES_NO_HELP,
    ),
    Column(
        "malnourished",
        "Trẻ suy dinh dưỡng",
        ("suy dinh duong",),
        False,
        YES_NO_HELP,
    ),
]

HOUSEHOLD_FLAGS = ["ethnic_minority", "social_protection", "has_merit_person", "no_labour_capacity"]
REVIEW_FLAGS = [i.field for i in INDICATORS] + Cause.values + SupportNeed.values
MEMBER_FLAGS = [
    "has_health_insurance",
    "attends_school",
    "has_disability",
    "monthly_social_allowance",
    "malnourished",
]
MEMBER_FIELDS = MEMBER_ENTRY_FIELDS
HOUSEHOLD_FIELDS = ["head_name", "village", "address", "ethnicity", *HOUSEHOLD_FLAGS]
REVIEW_FIELDS = [
    "review_type",
    "review_date",
    "reviewer",
    "method",
    "income_per_capita",
    "b1_score",
    *REVIEW_FLAGS,
]


@dataclass
class ImportResult:
    total_rows: int = 0
    created: int = 0
    updated: int = 0
    unchanged: int = 0
    problems: list[Problem] = field(default_factory=list)
    committed: bool = False

    @property
    def ok(self) -> bool:
        return not self.problems


@dataclass(slots=True)
class Row:
    number: int
    values: dict
    # The indicator cells the file fills in, as written (_check_derived: a member-determined
    # indicator written in the file must agree with the members). Not the whole row: the preview
    # keeps rows for the commit, and 48 cells a row were most of what it pickled.
    cells: dict
    # The file's members as _new_member makes them (the rows to write), once, when attached, and
    # kept with the parse for the commit.
    members: list[dict] = field(default_factory=list)
    member_rows: list[int] = field(default_factory=list)
    # What the file's own members determine as of its review date (_derived; {} without either):
    # worked out once, with the parse, and kept with it for the commit.
    derived: dict = field(default_factory=dict)


def _choices(model_choices) -> dict[str, str]:
    return dict(model_choices.choices) if hasattr(model_choices, "choices") else dict(model_choices)


def _household_parsers() -> list[tuple[str, str, Callable, object]]:
    """(value key, column key, parser, default) for the household sheet, built once per import."""
    text = parse_text
    return [
        ("code", "code", text, None),
        ("commune_code", "commune_code", lambda v: parse_text(v).zfill(5), None),
        ("head_name", "head_name", text, None),
        ("village", "village", text, None),
        ("address", "address", text, ""),
        ("ethnicity", "ethnicity", choice_parser(ETHNICITIES), "01"),
        ("members_count", "members_count", lambda v: parse_int(v, low=1, high=50), None),
        ("income_per_capita", "income", lambda v: parse_int(v, low=0, high=MAX_INCOME), None),
        ("b1_score", "b1_score", lambda v: parse_int(v, low=0, high=1000), None),
        ("review_date", "review_date", parse_date, None),
        ("reviewer", "reviewer", text, ""),
        (
            "review_type",
            "review_type",
            choice_parser(_choices(ReviewType)),
            ReviewType.PERIODIC,
        ),
        *[(flag, flag, parse_yes_no, False) for flag in HOUSEHOLD_FLAGS + REVIEW_FLAGS],
    ]


def _parse_households(sheet: SheetReader, batch, year: int, parsers) -> list[Row]:
    rows = []
    parse_row = sheet.row_parser(parsers)
    indicators = [(i.field, sheet.header.columns.get(i.field)) for i in INDICATORS]
    indicators = [(name, position) for name, position in indicators if position is not None]
    for number, raw in batch:
        values = parse_row(number, raw)
        values["ethnic_minority"] = values["ethnic_minority"] or is_minority(values["ethnicity"])
        if is_blank(sheet.cell(raw, "income")) and is_blank(sheet.cell(raw, "b1_score")):
            sheet.problem(number, "income", None, "Ghi thu nhập bình quân hoặc điểm B1.")
        values["method"] = (
            AssessmentMethod.INCOME if values["income_per_capita"] is not None else AssessmentMethod.B1_SCORE
        )
        day = values["review_date"]
        if problem := review_date_error(year, day):
            sheet.problem(number, "review_date", day.strftime("%d/%m/%Y"), problem)
        width = len(raw)
        cells = {  # not is_blank(), written out: 12 cells a row, most of them empty
            name: cell
            for name, at in indicators
            if at < width and (cell := raw[at]) is not None and (cell.__class__ is not str or cell.strip())
        }
        rows.append(Row(number, values, cells))
    return rows


def _member_parsers() -> list[tuple[str, Callable, object]]:
    """(column key, parser, default) for the member sheet, built once per import."""
    return [
        ("code", parse_text, None),
        ("full_name", parse_text, None),
        ("sex", choice_parser(_choices(Sex)), None),
        ("birth_year", functools.partial(parse_int, low=1900, high=date.today().year), None),
        ("birth_date", parse_date, None),
        ("relation", choice_parser(_choices(Relation)), None),
        ("ethnicity", choice_parser(ETHNICITIES), "01"),
        ("citizen_id", _citizen_id, ""),
        ("education_level", choice_parser(_choices(EducationLevel)), EducationLevel.NONE),
        ("employment", choice_parser(_choices(Employment)), Employment.NOT_IN_LABOUR_FORCE),
        *[(flag, parse_yes_no, flag == "has_health_insurance") for flag in MEMBER_FLAGS],
    ]


MEMBER_WINDOW = 2000  # member rows parsed a column at a time
_UNIQUE_MEMBER_CELLS = frozenset({"full_name", "citizen_id"})  # not worth remembering
_LOCAL_MEMBER_CELLS = frozenset({"code"})  # repeated on a household's rows: remembered per window


def _parse_members(sheet: SheetReader) -> Iterator[list[tuple[int, dict]]]:
    """The member sheet's rows parsed, a window of rows at a time: [(row, {key: value})]."""
    parse_rows = _column_parser(sheet, _member_parsers(), _UNIQUE_MEMBER_CELLS, _LOCAL_MEMBER_CELLS)
    for window in _batches(sheet.data_rows(), MEMBER_WINDOW):
        yield list(zip((number for number, _ in window), parse_rows(window), strict=True))


_UNKNOWN = object()


def _column_parser(
    sheet: SheetReader, parsers, unique=frozenset(), local=frozenset()
) -> Callable[[list], list[dict]]:
    """[(number, cells)] -> [{key: value}]: sheet.parse() of every (key, parser, default) of every
    row (the same values, and the same problems in the same order: by row, then by column), worked
    a column at a time. A column's cells are first looked up among the answers already given for the
    same text or number (map() over dict.get, in C: a member list repeats a few sexes, relations,
    years and Có/Không on every row); only cells not seen before go through their parser. The
    answers are not kept for the `unique` columns (names, ID numbers), nor for values equal to 0 or
    1, which a boolean cell would match; for the `local` ones (a member's household code, on 3-4
    rows in a row) only within a window."""
    located = [
        (
            key,
            sheet.header.columns.get(key),
            parser,
            default,
            sheet.columns[key],
            None if key in unique else {},
        )
        for key, parser, default in parsers
    ]
    keys = [key for key, *_ in parsers]
    forgotten = [known for key, *_, known in located if key in local]

    def parse_rows(rows: list[tuple[int, list]]) -> list[dict]:
        for known in forgotten:
            known.clear()
        problems, columns = [], []
        table = list(itertools.zip_longest(*(raw for _, raw in rows)))  # the window by column
        for order, (key, position, parser, default, column, known) in enumerate(located):
            cells = table[position] if position is not None and position < len(table) else [None] * len(rows)
            if known is None:
                answers = [_UNKNOWN] * len(cells)
            else:
                answers = list(map(known.get, cells, itertools.repeat(_UNKNOWN)))
            for i in [i for i, answer in enumerate(answers) if answer is _UNKNOWN]:
                value = cells[i]
                if value is None or (value.__class__ is str and (value == "" or value.isspace())):
                    if column.required:
                        problems.append((i, order, key, value, f"Thiếu “{column.header}”."))
                    elif known is not None and value is not None:
                        known[value] = default
                    answers[i] = default
                    continue
                try:
                    answers[i] = parser(value)
                except ValueError as error:
                    problems.append((i, order, key, value, f"{column.header}: {error}."))
                    answers[i] = default
                    continue
                if known is not None and value.__class__ in (str, int, float) and value not in (0, 1):
                    known[value] = answers[i]
            columns.append(answers)
        for i, _, key, value, message in sorted(problems, key=operator.itemgetter(0, 1)):
            sheet.problem(rows[i][0], key, value, message)
        return [dict(zip(keys, values, strict=True)) for values in zip(*columns, strict=True)]

    return parse_rows


def _citizen_id(value) -> str:
    text = parse_text(value)
    problem = citizen_id_problem(text)
    if problem:
        raise ValueError(problem)
    return text


def _sheets(path: Path, kind: str, problems: list[Problem]) -> tuple[SheetReader, SheetReader | None]:
    sheets = read_sheets(path, kind)
    by_name = {normalise_header(name): name for name in sheets}
    household_name = by_name.get(normalise_header(HOUSEHOLD_SHEET), next(iter(sheets)))
    member_name = by_name.get(normalise_header(MEMBER_SHEET))
    first = sheets[household_name]
    first.rows = iter(first.rows)
    head = list(itertools.islice(first.rows, HEADER_SEARCH_ROWS))
    if not any(not is_blank(cell) for row in head for cell in row):
        raise RefusedFile("Tệp không có dữ liệu.")
    first.rows = itertools.chain(head, first.rows)
    households = SheetReader(household_name, first, HOUSEHOLD_COLUMNS, problems)
    members = SheetReader(member_name, sheets[member_name], MEMBER_COLUMNS, problems) if member_name else None
    return households, members


# --- Checks across rows ---------------------------------------------------------------------


def _check_codes_and_scope(rows: list[Row], user: User, unit: AdministrativeUnit, year: int,
                           sheet: SheetReader, seen: dict[str, int] | None, communes: dict,
                           locked: dict[int, str]) -> None:  # fmt: skip
    """Duplicates inside the file (`seen`: code -> first row, across batches; None when the preview
    has checked them); communes outside the user's unit (`communes`: code -> unit or None, filled as
    codes appear) or approved (`locked`: commune id -> message)."""
    for row in rows if seen is not None else ():
        code = row.values["code"]
        if code in seen:
            sheet.problem(row.number, "code", code, f"Mã hộ trùng với dòng {seen[code]} trong cùng tệp.")
        elif code:
            seen[code] = row.number
    new_codes = {row.values["commune_code"] for row in rows} - set(communes) - {None}
    if new_codes:  # communes are looked up (and their approval lock checked) once per import
        communes.update(dict.fromkeys(new_codes))
        communes.update(
            (u.code, u)
            for u in AdministrativeUnit.objects.filter(
                code__in=new_codes,
                level=Level.COMMUNE,
                valid_from=unit.valid_from,
                path__startswith=unit.path,
            )
        )
        found = [communes[code] for code in new_codes if communes[code] is not None]
        locked.update(locked_units({c.pk for c in found}, year))
    for row in rows:
        code = row.values["commune_code"]
        commune = communes.get(code)
        if commune is not None and commune.pk in locked:
            sheet.problem(row.number, "commune_code", code, locked[commune.pk])
        elif commune is not None and year_before_commune(commune, year):
            sheet.problem(row.number, "commune_code", code, year_before_commune(commune, year))
        elif code and commune is None:
            sheet.problem(row.number, "commune_code", code,
                          f"Mã xã {code} không thuộc {unit.name} (hoặc không phải mã xã).")  # fmt: skip
        elif commune is not None and not can_enter_data(user, commune):
            sheet.problem(
                row.number, "commune_code", code, f"Bạn không có quyền nhập liệu cho {commune.name}."
            )


def _checked_members(sheet: SheetReader, seen_ids: dict) -> Iterator[list[tuple[int, str, tuple, str]]]:
    """The member sheet's rows in order, a window at a time: [(row, household code, the values of
    MEMBER_FIELDS, the ID number if it passed: "" otherwise)], rows without a code left out. Each
    ID number is checked against the member's sex and year of birth and against the rows before
    (`seen_ids`, filled: {number: (row, household code)})."""
    for window in _parse_members(sheet):
        yield _checked_window(window, sheet, seen_ids)


def _checked_window(window: list[tuple[int, dict]], sheet: SheetReader, seen_ids: dict) -> list:
    checked = []
    for number, values in window:
        citizen_id = values["citizen_id"]  # well formed, or "" (_citizen_id reported it)
        problem = citizen_id and coded_mismatch(
            citizen_id, sex=values["sex"], birth_year=values["birth_year"]
        )
        if problem:
            sheet.problem(number, "citizen_id", citizen_id, problem)
        elif citizen_id and citizen_id in seen_ids:
            sheet.problem(
                number, "citizen_id", citizen_id, f"Số định danh trùng với dòng {seen_ids[citizen_id][0]}."
            )
        elif citizen_id:
            seen_ids[citizen_id] = (number, values["code"])
        if values["code"]:  # a tuple until its batch comes: as dicts, 350,000 members took 100 MB more
            checked.append((number, values["code"], _member_values(values), "" if problem else citizen_id))
    return checked


def _members_by_code(sheet: SheetReader | None) -> tuple[dict[str, list[tuple[int, tuple]]], dict]:
    """The member sheet grouped by household code (it may list households in any order): (row,
    the values of MEMBER_FIELDS) of each member; and the ID numbers it gives ({number: (row,
    household code)})."""
    grouped, seen_ids = defaultdict(list), {}
    if sheet is None:
        return grouped, seen_ids
    for window in _checked_members(sheet, seen_ids):
        for number, code, values, _ in window:
            grouped[code].append((number, values))
    _check_ids_in_registry(seen_ids, sheet)
    return grouped, seen_ids


class _OutOfOrder(Exception):
    """The member sheet does not list households in the household sheet's order (_MemberStream)."""


class _MemberStream:
    """The member sheet read along with the household sheet, a batch's members at a time, when it
    lists the households in the household sheet's order (as the template and the export write it):
    memory then holds a batch, not the sheet (D56). `seen`: the household codes of the batches
    before (household_import fills it). A member of a household already passed, or a household
    code that comes again in a later batch, means another order: _OutOfOrder, and the import
    starts again with the whole sheet grouped by code (_members_by_code), which finds the same."""

    def __init__(self, sheet: SheetReader | None, seen: dict, *, check_every: int = 0):
        """`check_every`: how many ID numbers are looked up in the registry at a time (a lookup
        reads the member table whatever its size, so a preview sends 50,000 at a time, as
        _check_ids_in_registry does); 0: those of each batch before it is returned, as a commit
        must (a number held by another household would stop its COPY)."""
        self.sheet, self.seen, self.seen_ids = sheet, seen, {}
        self._windows = _checked_members(sheet, self.seen_ids) if sheet is not None else iter(())
        self._window, self._at = [], 0  # the window being read (None: none left), its first row not taken
        self._check_every, self._unchecked = check_every, {}

    def take(self, codes: set[str]) -> dict[str, list[tuple[int, tuple]]]:
        """The members of the households `codes` (a batch's), as _members_by_code groups them."""
        if not self.seen.keys().isdisjoint(codes):
            raise _OutOfOrder  # a code of an earlier batch again: its members went to that batch
        return self._read(codes)

    def rest(self) -> dict[str, list[tuple[int, tuple]]]:
        """The members no batch took: of households the household sheet does not have."""
        got = self._read(None)
        _check_ids_in_registry(self._unchecked, self.sheet)
        return got

    def _read(self, codes: set[str] | None) -> dict:
        """The rows up to the first of a household not among `codes` (None: every row left)."""
        got, ids, seen = defaultdict(list), self._unchecked, self.seen
        while (window := self._window) is not None:  # 350,000 rows a file: kept plain
            for at in range(self._at, len(window)):
                number, code, values, citizen_id = window[at]
                if code in seen:
                    raise _OutOfOrder  # its household has gone by without it
                if codes is not None and code not in codes:
                    self._at = at  # a later batch's household, or none: the next call starts here
                    return self._checked(got)
                got[code].append((number, values))
                if citizen_id:
                    ids[citizen_id] = (number, code)
            self._window, self._at = next(self._windows, None), 0
        return self._checked(got)

    def _checked(self, got: dict) -> dict:
        """`got`, once the ID numbers read so far are looked up, if enough are waiting."""
        if len(self._unchecked) >= self._check_every:
            _check_ids_in_registry(self._unchecked, self.sheet)
            self._unchecked.clear()
        return got


def _check_ids_in_registry(seen_ids: dict[str, tuple[int, str]], sheet: SheetReader) -> None:
    """A number a member of another household holds (in any commune) is reported at its row: one
    person, one record. The other household is named by its commune only (personal data)."""
    numbers = list(seen_ids)
    for start in range(0, len(numbers), 50_000):
        chunk = numbers[start : start + 50_000]
        holders = _other_holders(chunk, [seen_ids[number][1] for number in chunk])
        for citizen_id, holder_code, holder_commune in holders:
            number, code = seen_ids[citizen_id]
            if holder_code != code:
                sheet.problem(
                    number,
                    "citizen_id",
                    citizen_id,
                    "Số định danh đã có trong sổ: thành viên của một hộ khác ở "
                    f"{holder_commune}. Một người chỉ có trong một hộ; "
                    "hai đơn vị thống nhất trước khi nhập.",
                )


def _other_holders(numbers: list[str], codes: list[str]) -> list[tuple[str, str, str]]:
    """(number, household code, commune name) of the members holding these numbers (12 digits,
    checked) in a household other than the code the file gives each (`codes`, in the same order).
    On PostgreSQL the comparison is made by the server, which sends back only those: an unchanged
    file's 315,000 numbers are all held, by the file's own households (3.8 s of its preview
    fetched them all)."""
    if connection.vendor != "postgresql":
        return _registry_holders(numbers)
    member, household = Member._meta.db_table, Household._meta.db_table
    units = AdministrativeUnit._meta.db_table
    if any("," in code for code in codes if code):  # a code written wrong: sent as arrays
        pairs, params = "%s::text[], %s::text[]", [numbers, codes]
    else:  # as two texts the server splits: psycopg adapts a list element by element (0.6 s)
        pairs = "string_to_array(%s, ','), string_to_array(%s, ',', '')"
        params = [",".join(numbers), ",".join(code or "" for code in codes)]
    with connection.cursor() as cursor:
        cursor.execute(
            f"SELECT m.citizen_id, h.code, u.name "
            f"FROM unnest({pairs}) AS f(citizen_id, code) "
            f"JOIN \"{member}\" m ON m.citizen_id = f.citizen_id AND m.citizen_id <> '' "
            f'JOIN "{household}" h ON h.id = m.household_id '
            f'JOIN "{units}" u ON u.id = h.commune_id '
            f"WHERE h.code IS DISTINCT FROM f.code",
            params,
        )
        return cursor.fetchall()


def _registry_holders(numbers: list[str]) -> list[tuple[str, str, str]]:
    """(number, household code, commune name) of the members holding these numbers: what
    households.identity.registry_holders() finds, as tuples (an unchanged file's 63,000 numbers
    made 63,000 Member, Household and unit instances: 14 s of a 54 s preview). _other_holders'
    simple twin, and its path off PostgreSQL."""
    holders = Member.objects.filter(_among(Member, "citizen_id", numbers))
    return list(holders.values_list("citizen_id", "household__code", "household__commune__name"))


def _attach_members(rows: list[Row], members: dict, sheet: SheetReader | None) -> None:
    for row in rows:
        for number, values in members.get(row.values["code"], ()):
            row.members.append(_new_member(values))
            row.member_rows.append(number)
        if problem := heads_error(m["relation"] for m in row.members):
            sheet.problem(row.member_rows[0], "relation", "", f"{row.values['code']}: {problem}")


def _unknown_member_codes(members: dict, seen: dict, sheet: SheetReader | None) -> None:
    for code, entries in members.items():
        if code not in seen:
            for number, _ in entries:
                sheet.problem(number, "code", code, "Mã hộ không có ở trang “Hộ gia đình”.")


# --- Plan: what would change ------------------------------------------------------------------


@dataclass(slots=True)
class _Plan:
    row: Row
    commune: AdministrativeUnit
    household: dict | None  # existing, its values by attname (None: to create)
    review: dict | None  # existing review of the year, its values by attname
    members: list[dict]  # the members the review is derived from (file's, or the registry's)
    household_changed: bool
    members_changed: bool
    review_changed: bool
    is_new: bool  # no such household in the registry before this import

    @property
    def changed(self) -> bool:
        return self.household_changed or self.members_changed or self.review_changed


_EXISTING_HOUSEHOLD = ["id", "code", "commune_id", "merged_into_id", "origin", "version", *HOUSEHOLD_FIELDS]
_EXISTING_REVIEW = ["id", "year", "household_id", "members_count", *REVIEW_FIELDS]


def _existing(codes: list[str], year: int) -> tuple[dict, dict, dict]:
    """Registry rows for these codes as plain values (an unchanged file of 20,000 households
    made 392,000 model instances: 14 s): households and their review of the year as dicts by
    attname, their members as tuples of MEMBER_FIELDS in id order.

    One query for the codes (a batch of new households costs only that one: the planner may
    scan a table it believes small, so asking per thousand codes cost five scans a batch);
    reviews and members are asked by household id, and only for households that exist.
    """
    households, reviews, members = {}, {}, defaultdict(list)
    for h in Household.objects.filter(_among(Household, "code", _known_codes(codes))).values(
        *_EXISTING_HOUSEHOLD, commune_name=F("commune__name")
    ):
        households[h["code"]] = h
    by_id = {h["id"]: h["code"] for h in households.values()}
    ids = list(by_id)
    for start in range(0, len(ids), 1000):
        chunk = ids[start : start + 1000]
        reviews_of = HouseholdReview.objects.filter(_among(HouseholdReview, "household_id", chunk), year=year)
        for r in reviews_of.values(*_EXISTING_REVIEW):
            reviews[by_id[r["household_id"]]] = r
        for household_id, *values in (
            Member.objects.filter(_among(Member, "household_id", chunk))
            .order_by("id")
            .values_list("household_id", *MEMBER_FIELDS)
        ):
            members[by_id[household_id]].append(tuple(values))
    return households, reviews, members


def _among(model, name: str, values: list):
    """A filter `name IN values`; on PostgreSQL `= ANY(array)`, one parameter: psycopg spends
    longer splitting a statement with 5,000 placeholders than the server spends running it."""
    if connection.vendor != "postgresql":
        return Q(**{f"{name}__in": values})
    column = f'"{model._meta.db_table}"."{model._meta.get_field(name).column}"'
    return RawSQL(f"{column} = ANY(%s)", (values,), output_field=BooleanField())


def _known_codes(codes: list[str]) -> list[str]:
    """Those of `codes` the registry has: on PostgreSQL as one array parameter (5,000 separate
    parameters cost more to prepare and send than the lookup itself)."""
    if connection.vendor != "postgresql":
        return codes
    with connection.cursor() as cursor:
        cursor.execute(f"SELECT code FROM {Household._meta.db_table} WHERE code = ANY(%s)", [codes])
        return [code for (code,) in cursor.fetchall()]


def _member_tuple(values) -> tuple:
    """A member compared by what the file can say (empty and false alike): a dict by field name,
    or a tuple of MEMBER_FIELDS."""
    if isinstance(values, dict):
        values = _member_values(values)
    return tuple(value or None for value in values)


_member_values = operator.itemgetter(*MEMBER_FIELDS)


def _members_differ(from_file: list[dict], current: list[tuple]) -> bool:
    """Whether the file's members (dicts by field name, as _new_member gives them) differ from the
    registry's (tuples of MEMBER_FIELDS, in id order), empty and false alike: what
    _members_differ_simple says. The values are first compared as they are, in one C comparison
    (an unchanged file's members are the registry's as they are); only when they differ are both
    sides normalised (equal values stay equal once normalised: the fast answer is never wrong)."""
    if len(from_file) != len(current):
        return True
    mine = list(map(_member_values, from_file))
    if mine == current:
        return False
    return list(map(_member_tuple, mine)) != list(map(_member_tuple, current))


def _members_differ_simple(from_file: list[dict], current: list[tuple]) -> bool:
    """_members_differ's simple twin: every member normalised, then compared."""
    return list(map(_member_tuple, from_file)) != list(map(_member_tuple, current))


# The member fields a blank or wrong cell leaves None when parsed, written "" (birth_date stays None).
_BLANK_AS_EMPTY = ("full_name", "sex", "birth_year", "relation")


def _new_member(values: tuple) -> dict:
    """A member of the file (the values of MEMBER_FIELDS, as parsed) as the row to write (by
    field name; see copy_insert)."""
    member = dict(zip(MEMBER_FIELDS, values, strict=True))
    for name in _BLANK_AS_EMPTY:
        if member[name] is None:
            member[name] = ""
    return member


def _derived(members: list[dict], day: date | None) -> dict[str, bool]:
    """The indicators `members` (dicts by field name, as _new_member gives them) determine on `day`;
    {} without members, without a day, or with a member whose age cannot be worked out."""
    if not members or not day or not all(map(_derivable, members)):
        return {}  # a member's year or date of birth is wrong: its problem is already listed
    return derive_from_members([member_facts(m, day) for m in members])


def _derivable(member: dict) -> bool:
    """The member's age can be worked out: a year of birth parsed as a number, a date or none."""
    birth_date = member.get("birth_date")
    return isinstance(member.get("birth_year"), int) and (birth_date is None or isinstance(birth_date, date))


def _members_derived(row: Row, used: list[dict], from_file: bool) -> dict[str, bool]:
    """What the members the review is derived from determine: the file's were worked out with the
    parse (row.derived, kept for the commit); the registry's are worked out here."""
    return row.derived if from_file else _derived(used, row.values["review_date"])


def _members_derived_simple(row: Row, used: list[dict], from_file: bool) -> dict[str, bool]:
    """_members_derived's simple twin: worked out here, whoever's the members are."""
    return _derived(used, row.values["review_date"])


def _check_derived(row: Row, derived: dict[str, bool], sheet: SheetReader) -> None:
    """A file that lists members may not contradict the indicators the members determine
    (`derived`: what _derived gives for the members the review is derived from)."""
    for name, value in derived.items():
        if name in row.cells and row.values[name] != value:
            state = "thiếu hụt" if value else "không thiếu hụt"
            sheet.problem(
                row.number,
                name,
                row.cells[name],
                f"Theo danh sách thành viên, chỉ số này là {state}; để trống ô để hệ thống tự tính.",
            )
        row.values[name] = value


_review_values = operator.itemgetter(*REVIEW_FIELDS)
_household_fields = operator.itemgetter(*HOUSEHOLD_FIELDS)


def _fields_differ(pick: Callable[[dict], tuple], stored: dict, entered: dict) -> bool:
    """Whether the fields `pick` (an itemgetter) takes differ: two tuples, one C comparison."""
    return pick(stored) != pick(entered)


def _fields_differ_simple(stored: dict, entered: dict, fields: list[str]) -> bool:
    """_fields_differ's simple twin: field by field."""
    return any(stored[f] != entered[f] for f in fields)


class _Registry(NamedTuple):
    """What the registry holds for a batch's rows (_registry reads it; _plan needs nothing else)."""

    households: dict
    reviews: dict
    members: dict
    village_lists: dict


def _registry(rows: list[Row], communes: dict, year: int) -> _Registry:
    """The registry's rows for a batch (by code), and the village lists of the file's communes:
    the batch's reads, made before the previous batch's writes are sent (household_import)."""
    if not rows:  # every row found unchanged by the preview (D54)
        return _Registry({}, {}, {}, {})
    households, reviews, members = _existing([r.values["code"] for r in rows if r.values["code"]], year)
    lists = village_lists(c.pk for c in communes.values() if c is not None)
    return _Registry(households, reviews, members, lists)


def _plan(rows: list[Row], communes: dict, year: int, sheet: SheetReader, registry: _Registry) -> list[_Plan]:
    """What each row changes, from the registry's rows (no query)."""
    households, reviews, members, lists = registry
    plans = []
    for row in rows:
        v = row.values
        commune = communes.get(v["commune_code"])
        if commune is None:
            continue
        names = lists.get(commune.pk)
        if names and v["village"]:
            if fold(v["village"]) not in names:
                message = not_listed_message(v["village"], commune.name, names)
                sheet.problem(row.number, "village", v["village"], message)
                continue
            v["village"] = names[fold(v["village"])]
        household = households.get(v["code"])
        if household is not None and household["commune_id"] != commune.pk:
            sheet.problem(
                row.number,
                "code",
                v["code"],
                f"Mã hộ đã có ở {household['commune_name']}: một hộ không đổi xã (chuyển đi là hộ mới).",
            )
            continue
        if household is not None and household["merged_into_id"]:
            sheet.problem(
                row.number, "code", v["code"], "Hộ này đã nhập vào hộ khác: không rà soát riêng nữa."
            )
            continue
        current = members.get(v["code"], [])
        from_file = row.members  # as _new_member made them (_parse_batch)
        used = from_file or [dict(zip(MEMBER_FIELDS, m, strict=True)) for m in current]
        _check_derived(row, _members_derived(row, used, bool(from_file)), sheet)
        review = reviews.get(v["code"])
        count = len(used) or v["members_count"]
        plans.append(
            _Plan(
                row=row,
                commune=commune,
                household=household,
                review=review,
                members=used,
                household_changed=household is None or _fields_differ(_household_fields, household, v),
                is_new=household is None,
                members_changed=bool(from_file) and _members_differ(from_file, current),
                review_changed=review is None
                or _fields_differ(_review_values, review, v)
                or bool(count and review["members_count"] != count),
            )
        )
    return plans


# --- Writing ----------------------------------------------------------------------------------

_REVIEW_COMPUTED = [
    "overrides",
    "standard",
    "commune",
    "area",
    "deprivation_count",
    "classification",
    "members_count",
    *REVIEW_SNAPSHOT_FIELDS,
]


@dataclass(slots=True)
class _Written:
    """What histories_refresh() needs of a household that existed (as a Household would give it)."""

    pk: int
    origin: str
    code: str
    head_name: str


@dataclass(slots=True)
class _Prepared:
    """One batch's writes, worked out in Python (_prepare) before they are sent (_store)."""

    plans: list[_Plan]
    new_households: list[dict]  # to create; "id" is set when they are written
    updated_households: list[dict]
    households: dict[str, dict]  # every plan's household by code
    replaced: list[_Plan]  # plans whose members the file replaces
    new_reviews: list[dict]  # reviews of new households, in the order of new_households
    first_reviews: list[dict]  # the year's first review of a household that existed
    updated_reviews: list[dict]


def _prepare(plans: list[_Plan], year: int, standard: PovertyStandard, taken=frozenset()) -> _Prepared:
    """The rows one batch will write, as dicts by attname: new and updated households, reviews
    with their computed figures. No query, unless rows without a code need new codes (`taken`:
    the codes the file gives; new rows never get one of them). The ids of new households, and
    the household id of their members and reviews, are set by _store."""
    new = [p for p in plans if p.is_new]
    _assign_codes([p for p in new if not p.row.values["code"]], taken)
    new_rows = [_household_values(p) for p in new]
    household_values = {}
    for plan in plans:
        if plan.is_new:
            continue
        values = plan.household
        if plan.household_changed:
            values = {**values, **{name: plan.row.values[name] for name in HOUSEHOLD_FIELDS}}
            values.update(household_derived_fields(values["head_name"], values["code"]))
            values["version"] += 1  # the forms' lock: a form opened before the import sees the change
        household_values[values["code"]] = values
    updated = [household_values[p.row.values["code"]] for p in plans if not p.is_new and p.household_changed]
    household_values.update((row["code"], row) for row in new_rows)
    new_reviews, first_reviews, existing = [], [], []
    for plan in plans:
        values = household_values[plan.row.values["code"]]
        if plan.review is None:
            (new_reviews if plan.is_new else first_reviews).append(_new_review(plan, year, standard, values))
        else:
            existing.append(_updated_review(plan, standard, values))
    replaced = [p for p in plans if p.members_changed]
    return _Prepared(
        plans, new_rows, updated, household_values, replaced, new_reviews, first_reviews, existing
    )


def _store(batch: _Prepared, year: int, user: User, source: str, server: ServerWork) -> set[tuple[int, int]]:
    """Write one batch (_prepare); returns the (commune, year) pairs whose rollups must be
    refreshed. The caller holds the transaction: any error leaves nothing written. The audit rows
    and the foreign-key checks go to `server` (done while the next batch is worked out).

    New households, members and reviews are written from plain dicts by COPY; households and
    reviews that exist are updated from dicts by copy_update, with their audit rows."""
    copy_insert(Household, batch.new_households, history_user=user, change_reason=source, server=server)
    fields = [*HOUSEHOLD_FIELDS, "search_text", "head_sort_key", "version"]
    copy_update(
        Household, batch.updated_households, fields, history_user=user, change_reason=source, server=server
    )
    ids = {code: values["id"] for code, values in batch.households.items()}
    for review, household in zip(batch.new_reviews, batch.new_households, strict=True):
        review["household_id"] = household["id"]  # a new household has one review, made in turn

    # A household created by this import has no members yet: only the others' are deleted (an
    # empty delete still collects through the ORM: 1 s for a first import of 100,000).
    existing = [ids[p.row.values["code"]] for p in batch.replaced if not p.is_new]
    if existing:
        Member.objects.filter(household_id__in=existing).delete()
    for plan in batch.replaced:
        household_id = ids[plan.row.values["code"]]
        for member in plan.members:
            member["household_id"] = household_id
    copy_insert(
        Member,
        [m for p in batch.replaced for m in p.members],
        history_user=user,
        change_reason=source,
        server=server,
    )
    copy_insert(HouseholdReview, batch.new_reviews, history_user=user, change_reason=source, server=server)
    # The year's first review of a household that existed, and a review updated, have their audit
    # rows copied at once, not by `server`: histories_refresh() below may update these reviews, and
    # a copy the server made after that UPDATE would give the "+" or "~" row the refreshed history
    # fields (tests/test_equivalence.py, the slow server). A new household's review it never updates.
    copy_insert(HouseholdReview, batch.first_reviews, history_user=user, change_reason=source)
    reviews_bulk_update(
        batch.updated_reviews, [*REVIEW_FIELDS, *_REVIEW_COMPUTED, "updated_at"], user=user, reason=source
    )
    # A household created by this import has one review and no past: its history fields keep
    # their defaults, so only households that existed need their history recomputed.
    pairs = histories_refresh(
        [
            _Written(v["id"], v["origin"], v["code"], v["head_name"])
            for v in (batch.households[p.row.values["code"]] for p in batch.plans if not p.is_new)
        ],
        user=user,
    )
    server.check_constraints()
    return pairs | {(p.commune.pk, year) for p in batch.plans}


def _assign_codes(plans: list[_Plan], taken) -> None:
    """Rows without a code are new households: each gets its commune's next free code, neither in
    the registry nor given to another row of the file (`taken`)."""
    by_commune = defaultdict(list)
    for plan in plans:
        by_commune[plan.commune].append(plan)
    for commune, waiting in by_commune.items():
        for plan, code in zip(waiting, household_codes_next(commune, len(waiting), taken), strict=True):
            plan.row.values["code"] = code


def _household_values(plan: _Plan) -> dict:
    v = plan.row.values
    row = dict(zip(HOUSEHOLD_FIELDS, _household_fields(v), strict=True))
    row.update(code=v["code"], commune_id=plan.commune.pk, origin=Origin.RESIDENT)
    row.update(household_derived_fields(v["head_name"], v["code"]))
    return row


def _members_count(plan: _Plan, previous: int | None = None) -> int:
    return len(plan.members) or plan.row.values["members_count"] or previous or 1


def _review_row(plan: _Plan, standard: PovertyStandard, household: dict, members_count: int, **keys) -> dict:
    """The file's review values and what follows from them, as a dict by attname, with `keys`."""
    row = dict(zip(REVIEW_FIELDS, _review_values(plan.row.values), strict=True))
    row.update(keys, overrides={})
    figures = review_figures(
        row, household=household, commune=plan.commune, standard=standard, members_count=members_count
    )
    row.update(figures)
    return row


def _new_review(plan: _Plan, year: int, standard: PovertyStandard, household: dict) -> dict:
    """A new review of the year (see copy_insert). A household this import creates has no id yet:
    _store sets its review's household_id once it is written."""
    return _review_row(
        plan, standard, household, _members_count(plan), household_id=household.get("id"), year=year
    )


def _updated_review(plan: _Plan, standard: PovertyStandard, household: dict) -> dict:
    """The review of the year that exists, with the file's values (id and year included; see
    copy_update)."""
    members_count = _members_count(plan, plan.review["members_count"])
    row = _review_row(
        plan, standard, household, members_count, id=plan.review["id"], year=plan.review["year"]
    )
    # bulk updates skip auto_now: set it, so that a form opened before the import sees the change.
    row["updated_at"] = timezone.now()
    return row


# --- The preview's parse, kept for the commit ----------------------------------------------------
#
# A preview that finds no problem keeps what it parsed (each batch's rows, with their members) in a
# file beside the upload; the commit of the same file reads it back instead of parsing the workbook
# again. What the file alone decides (values, in-file duplicates, one head a household, what members
# determine) is not checked twice; what the registry decides (codes, communes, locks, scope, village
# lists, ID numbers other households hold) is checked again at the commit, as always: the registry
# may have moved on since the preview. The stamp ties the kept parse to the stored upload (never
# rewritten: a new upload has a new name) and to this version of the importer. Written and read
# only by the app, in MEDIA_ROOT, which is never served (docs/decisions.md D52).
#
# The preview also keeps a registry stamp (households.stamps, taken before it read the registry) and,
# after each batch, the rows it found unchanged. When no household, member or review has been written
# since, the commit takes the preview's word for those rows (nothing to write: they are not planned
# again) and for the ID numbers (no other household has taken one since); rows to write are planned
# again, and codes, communes, scope and approval locks are checked again for every row (D54).
PARSE_VERSION = 9  # 3: Row.derived; 4: members as written; 5: registry stamp, unchanged rows; 6: Row.cells;
# 7: the ID numbers in a block of their own; 8: a footer, with the codes new rows must avoid;
# 9: rows kept by field


def _parse_stamp(path: Path) -> tuple:
    stat = path.stat()
    return ("households-parse", PARSE_VERSION, path.name, stat.st_size, stat.st_mtime_ns)


def _keep_footer(keep, path: Path, states: tuple, stamp, taken: frozenset, seen_ids: dict) -> None:
    """The kept parse ends with what the commit needs before its first batch, written once the
    preview has read everything: the stamp, the sheets' states, the registry stamp, the codes the
    file gives (only if some rows give none: new codes must avoid them), then the member sheet's ID
    numbers as a block the commit reads only if the registry has moved since the preview, and last
    where those start. (As a dict of 315,000 numbers the ID numbers were most of the commit's memory;
    the codes, a dict of every row's, the rest of what grew with the file.)"""
    footer = keep.tell()
    pickle.dump((_parse_stamp(path), states, stamp, taken), keep)
    ids = keep.tell()
    keep.write(pickle.dumps(seen_ids, protocol=pickle.HIGHEST_PROTOCOL))
    keep.write(b"".join(n.to_bytes(8, "big") for n in (footer, ids, keep.tell() - ids)))


def _kept_parse(kept: Path | None, path: Path):
    """(a function giving the ID numbers the member sheet gives, the sheets' SheetReader.state(),
    the registry stamp the preview took, the codes new rows must avoid, an iterator of the kept
    batches: (rows, the numbers of the rows the preview found unchanged)), or None when no parse
    is kept for this file."""
    if kept is None or not kept.exists():
        return None
    handle = kept.open("rb")
    try:
        handle.seek(-24, 2)
        footer, ids, size = (int.from_bytes(handle.read(8), "big") for _ in range(3))
        handle.seek(footer)
        stamp, states, registry, taken = pickle.load(handle)
        handle.seek(0)
    except Exception:  # noqa: BLE001 — unreadable or older: parse the workbook instead
        handle.close()
        return None
    if stamp != _parse_stamp(path):
        handle.close()
        return None

    def seen_ids() -> dict:
        with kept.open("rb") as block:
            block.seek(ids)
            return pickle.loads(block.read(size))

    def batches():
        with handle:
            while handle.tell() < footer:
                rows = list(map(Row, *pickle.load(handle)))
                yield rows, pickle.load(handle)

    return seen_ids, states, registry, taken, batches()


def _keep_batch(keep, rows: list[Row], plans: list[_Plan] | None = None) -> None:
    """Keep a batch's rows (before they are planned: the plan changes their values), then, once
    planned, the numbers of the rows found unchanged. The rows are kept by field, a list each
    (Row's fields in order): at 100,000 rows the preview's dumps took 0.6 s instead of 0.9 s
    (profiled); loading them back costs the same either way (0.8 s)."""
    if plans is None:
        fields = [[getattr(row, f.name) for row in rows] for f in dataclasses.fields(Row)]
        pickle.dump(fields, keep, protocol=pickle.HIGHEST_PROTOCOL)
    else:
        pickle.dump(frozenset(p.row.number for p in plans if not p.changed), keep)


# --- Fewer garbage collections while an import runs ------------------------------------------
#
# An import makes millions of small containers (parsed rows, registry values, kept batches read
# back), nearly all freed by reference counting; CPython still runs a generation-0 collection every
# 700 allocations and, more and more often, full ones over everything alive: 0.5 s of the 1.7 s
# CPU the commit of an unchanged 20,000-household file took, 0.7 s of its preview's 5.7 s. While
# an import runs the thresholds are raised (the collector still runs, after 50,000 allocations);
# the first import to start raises them, the last to end puts back what was set before.
FEWER_COLLECTIONS = (50_000, 20, 100)
_collections_lock = threading.Lock()
_collections_users = 0
_collections_before: tuple[int, int, int] | None = None


@contextlib.contextmanager
def _fewer_collections():
    global _collections_users, _collections_before
    with _collections_lock:
        if _collections_users == 0:
            _collections_before = gc.get_threshold()
            gc.set_threshold(*FEWER_COLLECTIONS)
        _collections_users += 1
    try:
        yield
    finally:
        with _collections_lock:
            _collections_users -= 1
            if _collections_users == 0:
                gc.set_threshold(*_collections_before)


@_fewer_collections()
def household_import(
    *,
    user: User,
    unit: AdministrativeUnit,
    year: int,
    path: Path,
    name: str,
    dry_run: bool = True,
    progress: Callable[[int, int], None] | None = None,
    kept_parse: Path | None = None,
) -> ImportResult:
    """Check (and with dry_run=False, write) a household list.

    `kept_parse`: where a preview keeps its parse of the file and the commit reads it back (above).
    Raises RefusedFile for a hostile or unreadable file, PermissionDenied outside the user's scope.
    """
    if not (user.is_system_admin or unit.path.startswith(user.unit.path)):
        raise PermissionDenied("Đơn vị này nằm ngoài phạm vi của bạn.")
    try:
        standard = PovertyStandard.objects.for_year(year)
    except PovertyStandard.DoesNotExist:
        raise RefusedFile(f"Chưa có chuẩn nghèo áp dụng cho năm {year}.") from None
    if year_before_commune(unit, year):  # a unit of the new tree, a year of the old one (D45)
        raise RefusedFile(year_before_commune(unit, year))
    run = functools.partial(
        _household_import, user=user, unit=unit, year=year, path=path, name=name, dry_run=dry_run,
        progress=progress, kept_parse=kept_parse, standard=standard,
    )  # fmt: skip
    try:
        return run(streaming=True)
    except _OutOfOrder:  # the member sheet lists households in another order: read it whole (D56)
        return run(streaming=False)


def _household_import(
    *,
    user: User,
    unit: AdministrativeUnit,
    year: int,
    path: Path,
    name: str,
    dry_run: bool,
    progress: Callable[[int, int], None] | None,
    kept_parse: Path | None,
    standard: PovertyStandard,
    streaming: bool,
) -> ImportResult:
    """household_import's work. `streaming`: the member sheet read along with the household sheet
    (_MemberStream; raises _OutOfOrder when it cannot be), else read whole first."""
    kind = Path(name).suffix.lower().lstrip(".")
    problems: list[Problem] = []
    kept = None if dry_run else _kept_parse(kept_parse, path)
    stamp: Stamp | None = registry_stamp() if dry_run and kept_parse else None  # before any read
    # The file's codes, by first row: duplicates, and codes new rows must avoid. From a kept parse
    # the preview has found the duplicates, and says which codes to avoid (`taken`).
    seen: dict[str, int] | None = {} if kept is None else None
    if kept is None:
        household_sheet, member_sheet = _sheets(path, kind, problems)
        parsers = _household_parsers()
        if streaming:
            stream = _MemberStream(member_sheet, seen, check_every=50_000 if dry_run else 0)
            members_of, seen_ids = stream.take, stream.seen_ids
        else:
            members, seen_ids = _members_by_code(member_sheet)

            def members_of(codes: set[str]) -> dict:
                return members  # every household's: _attach_members takes the batch's

        batches = (
            (_parse_batch(household_sheet, member_sheet, members_of, batch, year, parsers), None)
            for batch in _batches(household_sheet.data_rows(), BATCH_SIZE)
        )
    else:  # the file's own checks passed at the preview; the registry's are made again
        kept_ids, (household_state, member_state), preview_stamp, taken, batches = kept
        household_sheet = SheetReader.restored(household_state, HOUSEHOLD_COLUMNS, problems)
        member_sheet = member_state and SheetReader.restored(member_state, MEMBER_COLUMNS, problems)
        if not registry_unchanged_since(preview_stamp):
            _check_ids_in_registry(kept_ids(), member_sheet)
            batches = ((rows, None) for rows, _ in batches)  # the preview's unchanged rows: planned again
    # Kept under another name until the preview ends without a problem: a preview that fails or
    # finds problems leaves nothing a commit could take for a whole parse.
    partial = kept_parse.with_name(kept_parse.name + ".partial") if dry_run and kept_parse else None
    keeping = partial.open("wb") if partial else contextlib.nullcontext()
    result = ImportResult(problems=problems)
    if kept is None:
        taken = seen.keys()
    codeless = False  # some row gives no code
    communes: dict = {}
    locked: dict[int, str] = {}
    pairs: set[tuple[int, int]] = set()
    waiting: _Prepared | None = None  # a batch worked out, written once the next one has been read
    source = audit.from_file(name)
    try:
        with (
            _kept_only_if_clean(partial, kept_parse, problems),
            contextlib.nullcontext() if dry_run else transaction.atomic(),
            server_work(not dry_run) as server,
            keeping as keep,
        ):
            for rows, unchanged in batches:
                if keep is not None:
                    _keep_batch(keep, rows)
                _check_codes_and_scope(rows, user, unit, year, household_sheet, seen, communes, locked)
                planned = rows if unchanged is None else [r for r in rows if r.number not in unchanged]
                registry = _registry(planned, communes, year)
                # The previous batch is written only now, after this batch's reads: while the
                # server copies its audit rows and checks its keys, Python works this one out.
                # (Its reads do not depend on those writes: a file's codes are all different.)
                if waiting is not None and not problems:
                    pairs |= _store(waiting, year, user, source, server)
                waiting = None
                plans = _plan(planned, communes, year, household_sheet, registry)
                if keep is not None:
                    _keep_batch(keep, rows, plans)
                changed = [p for p in plans if p.changed]
                result.total_rows += len(rows)
                result.created += sum(1 for p in changed if p.is_new)
                result.updated += sum(1 for p in changed if not p.is_new)
                result.unchanged += len(plans) - len(changed) + len(rows) - len(planned)
                if not dry_run and not problems:
                    waiting = _prepare(changed, year, standard, taken)
                codeless = codeless or not all(r.values["code"] for r in rows)
                if progress:
                    progress(result.total_rows, max(household_sheet.height - 1, result.total_rows))
            if waiting is not None and not problems:
                pairs |= _store(waiting, year, user, source, server)
            if not result.total_rows:
                raise RefusedFile("Trang “Hộ gia đình” không có dòng dữ liệu nào dưới dòng tiêu đề.")
            if seen is not None:
                _unknown_member_codes(stream.rest() if streaming else members, seen, member_sheet)
            if keep is not None and not problems:
                states = (household_sheet.state(), member_sheet and member_sheet.state())
                _keep_footer(
                    keep, path, states, stamp, frozenset(seen) if codeless else frozenset(), seen_ids
                )
            if problems and not dry_run:
                raise _Abort  # rolls back every batch already written
            if not dry_run:
                rollups_refresh(pairs)
    except _Abort:
        pass
    # In file order: households sheet first, then by row (a stable sort keeps columns in order).
    problems.sort(key=lambda p: (p.sheet != household_sheet.name, p.row))
    result.committed = not dry_run and not problems
    return result


@contextlib.contextmanager
def _kept_only_if_clean(partial: Path | None, kept: Path | None, problems: list):
    """The preview's parse becomes `kept` when the preview ends without a problem; else it goes."""
    if partial is None:
        yield
        return
    try:
        yield
    except BaseException:
        partial.unlink(missing_ok=True)
        raise
    if problems:
        partial.unlink(missing_ok=True)
    else:
        partial.replace(kept)


def _parse_batch(household_sheet, member_sheet, members_of, batch, year: int, parsers) -> list[Row]:
    """A batch of household rows parsed, with their members attached (what the file alone decides).
    `members_of`: the batch's codes -> their members, grouped by code."""
    rows = _parse_households(household_sheet, batch, year, parsers)
    _attach_members(rows, members_of({r.values["code"] for r in rows if r.values["code"]}), member_sheet)
    for row in rows:
        row.derived = _derived(row.members, row.values["review_date"])
    return rows


class _Abort(Exception):
    """Raised inside the import's transaction to undo the batches already written."""


def _batches(iterable, size: int):
    iterator = iter(iterable)
    while batch := list(itertools.islice(iterator, size)):
        yield batch
