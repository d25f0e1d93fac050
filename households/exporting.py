"""Spreadsheets out of the registry: the import template and the household lists.

Lists use the import layout (same sheets and headers), so an exported file can be corrected
and imported back. Numbers are written as numbers; every text cell is neutralised against
formula injection; the header row is frozen and columns have widths.
"""

import csv
import io
from collections import defaultdict
from dataclasses import replace
from datetime import date, datetime

import xlsxwriter
from openpyxl import Workbook
from openpyxl.utils import get_column_letter
from openpyxl.worksheet.datavalidation import DataValidation

from households.classification import HouseholdClass
from households.ethnicities import ETHNICITY_NAMES
from households.importing import (
    HOUSEHOLD_COLUMNS,
    HOUSEHOLD_SHEET,
    MEMBER_COLUMNS,
    MEMBER_SHEET,
    REVIEW_FLAGS,
)
from households.models import (
    MEMBER_ENTRY_FIELDS,
    EducationLevel,
    Employment,
    HouseholdReview,
    Member,
    Relation,
    ReviewType,
    Sex,
)
from households.privacy import mask_id
from households.selectors import subtree_figures
from povertyprog.dbrouter import replica_reads
from povertyprog.lib.spreadsheets import Column, neutralise
from povertyprog.lib.workbooks import guide_sheet, header_row, table_sheet, workbook_bytes
from povertyprog.units.models import AdministrativeUnit

YES_NO_COLUMNS = {
    "ethnic_minority",
    "social_protection",
    "has_merit_person",
    "no_labour_capacity",
    *REVIEW_FLAGS,
}
LIST_TITLES = {
    "": "DANH SÁCH HỘ GIA ĐÌNH",
    HouseholdClass.POOR: "DANH SÁCH HỘ NGHÈO",
    HouseholdClass.NEAR_POOR: "DANH SÁCH HỘ CẬN NGHÈO",
    HouseholdClass.MIDDLE: "DANH SÁCH HỘ CÓ MỨC SỐNG TRUNG BÌNH",
    "recently_escaped": "DANH SÁCH HỘ MỚI THOÁT NGHÈO",
}


def _validations(sheet, columns: list[Column], first_row: int, last_row: int = 5000) -> None:
    lists = {
        "yes_no": '"Có,Không"',
        "review_type": f'"{",".join(label for _, label in ReviewType.choices)}"',
        "sex": '"Nam,Nữ"',
    }
    rules = {
        key: DataValidation(type="list", formula1=formula, allow_blank=True) for key, formula in lists.items()
    }
    for rule in rules.values():
        rule.error = "Chọn một giá trị trong danh sách."
        rule.errorTitle = "Giá trị không hợp lệ"
        sheet.add_data_validation(rule)
    for index, column in enumerate(columns, 1):
        letter = get_column_letter(index)
        key = (
            "yes_no"
            if column.key in YES_NO_COLUMNS or column.key in {"has_health_insurance", "attends_school"}
            else column.key
        )
        if key in rules:
            rules[key].add(f"{letter}{first_row}:{letter}{last_row}")


def import_template(commune_code: str = "") -> bytes:
    """The household list template: two data sheets and an instructions sheet. Examples of codes
    are the user's own commune's (`commune_code`)."""
    example = commune_code or "xxxxx"
    household_columns = [replace(c, help=c.help.replace("{ma_xa}", example)) for c in HOUSEHOLD_COLUMNS]
    book = Workbook()
    households = book.active
    households.title = HOUSEHOLD_SHEET
    header_row(households, household_columns, 1)
    _validations(households, household_columns, 2)
    members = book.create_sheet(MEMBER_SHEET)
    header_row(members, MEMBER_COLUMNS, 1)
    _validations(members, MEMBER_COLUMNS, 2)
    guide_sheet(
        book,
        "HƯỚNG DẪN NHẬP DANH SÁCH HỘ GIA ĐÌNH",
        [
            "Mỗi hộ một dòng ở trang “Hộ gia đình”.",
            "Thành viên (nếu có) ở trang “Thành viên”, nối với hộ qua Mã hộ.",
            "Có thể đổi thứ tự cột; tiêu đề có hoặc không dấu đều được.",
            "Không dùng công thức, không gộp ô ở dòng tiêu đề.",
            "Phân loại hộ do hệ thống tính, không cần ghi. Giới hạn: 20 MB, 200.000 dòng, 200 cột.",
        ],
        [(HOUSEHOLD_SHEET, household_columns), (MEMBER_SHEET, MEMBER_COLUMNS)],
    )
    return workbook_bytes(book)


def _cell(value):
    """Empty text is no cell at all (write-only mode skips None): half the cells of a list."""
    return None if value == "" else neutralise(value)


_HOUSEHOLD_VALUES = {
    "code": "household__code",
    "commune_code": "household__commune__code",
    "head_name": "household__head_name",
    "village": "household__village",
    "address": "household__address",
    "members_count": "members_count",
    "income": "income_per_capita",
    "b1_score": "b1_score",
    "review_date": "review_date",
    "reviewer": "reviewer",
}
_HOUSEHOLD_FLAGS = ["ethnic_minority", "social_protection", "has_merit_person", "no_labour_capacity"]
_LABELS = {
    "review_type": dict(ReviewType.choices),
    "classification": dict(HouseholdClass.choices),
    "sex": dict(Sex.choices),
    "relation": dict(Relation.choices),
    "education_level": dict(EducationLevel.choices),
    "employment": dict(Employment.choices),
}
_MEMBER_FIELDS = ["household_id", *MEMBER_ENTRY_FIELDS]  # fmt: skip


_POSITION = {c.key: index for index, c in enumerate(HOUSEHOLD_COLUMNS)}
_VALUE_CELLS = [(_POSITION[key], field) for key, field in _HOUSEHOLD_VALUES.items()]
_FLAG_CELLS = [(_POSITION[flag], f"household__{flag}") for flag in _HOUSEHOLD_FLAGS] + [
    (_POSITION[flag], flag) for flag in REVIEW_FLAGS
]


def _household_cells(r: dict) -> list:
    """One household's row in the template's column order (None: no cell), then its class.

    Runs 100,000 times for a province's list: positions are worked out once, and only the
    entered values (text a user typed) go through neutralise()."""
    cells = [None] * (len(HOUSEHOLD_COLUMNS) + 1)
    for position, field in _VALUE_CELLS:
        value = r[field]
        if value is not None and value != "":
            cells[position] = neutralise(value)
    cells[_POSITION["ethnicity"]] = ETHNICITY_NAMES.get(r["household__ethnicity"], r["household__ethnicity"])
    cells[_POSITION["review_type"]] = _LABELS["review_type"].get(r["review_type"])
    for position, field in _FLAG_CELLS:
        cells[position] = "Có" if r[field] else "Không"  # as the template's drop-down says
    cells[-1] = _LABELS["classification"][r["classification"]]
    return cells


def _has(value: bool) -> str:
    return "Có" if value else "Không"


def _member_cells(m: dict, code: str, mask_ids: bool = False) -> list:
    values = {
        "code": code,
        "full_name": m["full_name"],
        "birth_year": m["birth_year"],
        "birth_date": m["birth_date"],
        "ethnicity": ETHNICITY_NAMES.get(m["ethnicity"], m["ethnicity"]),
        "citizen_id": mask_id(m["citizen_id"]) if mask_ids else m["citizen_id"],
        **{key: _LABELS[key].get(m[key]) for key in ("sex", "relation", "education_level", "employment")},
        **{
            key: _has(m[key])
            for key in (
                "has_health_insurance",
                "attends_school",
                "has_disability",
                "monthly_social_allowance",
                "malnourished",
            )
        },  # fmt: skip
    }
    return [_cell(values[c.key]) for c in MEMBER_COLUMNS]


def list_reviews(unit: AdministrativeUnit, year: int, kind: str = ""):
    """The reviews a list of `kind` ("", a class, or "recently_escaped") holds."""
    reviews = HouseholdReview.objects.filter(year=year, commune__path__startswith=unit.path)
    if kind == "recently_escaped":
        return reviews.filter(recently_escaped=True)
    return reviews.filter(classification=kind) if kind else reviews


def list_rows(unit: AdministrativeUnit, year: int, kind: str = "", chunk: int = 2000):
    """(review values, [member values]) of a year in a unit's subtree, in Vietnamese name order.

    Plain values, chunk by chunk: memory stays flat however long the list.
    """
    reviews = list_reviews(unit, year, kind)
    fields = ["household_id", "classification", "review_type", *_HOUSEHOLD_VALUES.values(), *REVIEW_FLAGS,
              "household__ethnicity", *(f"household__{flag}" for flag in _HOUSEHOLD_FLAGS)]  # fmt: skip
    rows = reviews.order_by("commune__code", "household__head_sort_key", "household__id").values(*fields)
    batch = []
    for row in rows.iterator(chunk_size=chunk):
        batch.append(row)
        if len(batch) == chunk:
            yield from _with_members(batch)
            batch = []
    yield from _with_members(batch)


def _with_members(batch: list[dict]):
    members = defaultdict(list)
    ids = [row["household_id"] for row in batch]
    for member in Member.objects.filter(household_id__in=ids).order_by("id").values(*_MEMBER_FIELDS):
        members[member["household_id"]].append(member)
    for row in batch:
        yield row, members[row["household_id"]]


@replica_reads
def household_list_export(
    unit: AdministrativeUnit, year: int, kind: str = "", mask_ids: bool = False
) -> bytes:
    """A list as officials print it (title, unit, year, totals row), in the import layout; with
    `mask_ids`, members' ID numbers show their last four digits only (households.privacy).

    Written with XlsxWriter in constant-memory mode: rows go to disk as they come, about three
    times faster than openpyxl's write-only mode for 100,000 households (bench/import_households.py).
    """
    buffer = io.BytesIO()
    book = xlsxwriter.Workbook(buffer, {"constant_memory": True, "in_memory": False, "tmpdir": None})
    bold = book.add_format({"bold": True, "bg_color": "#DDE6F0", "text_wrap": True, "valign": "vcenter"})
    dates = book.add_format({"num_format": "dd/mm/yyyy"})
    households = book.add_worksheet(HOUSEHOLD_SHEET)
    members = book.add_worksheet(MEMBER_SHEET)
    for sheet, columns in ((households, HOUSEHOLD_COLUMNS), (members, MEMBER_COLUMNS)):
        for index, column in enumerate(columns):
            sheet.set_column(index, index, max(10, min(30, len(column.header) + 2)))
    households.freeze_panes(3, 0)
    members.freeze_panes(1, 0)
    households.write_row(0, 0, [f"{LIST_TITLES.get(kind, LIST_TITLES[''])} NĂM {year}"], bold)
    households.write_row(1, 0, [f"Đơn vị: {unit.name}"])
    households.write_row(2, 0, [c.header for c in HOUSEHOLD_COLUMNS] + ["Phân loại (hệ thống tính)"], bold)
    members.write_row(0, 0, [c.header for c in MEMBER_COLUMNS], bold)
    row = member_row = count = persons = 0
    for review, review_members in list_rows(unit, year, kind):
        _write_cells(households, 3 + row, _household_cells(review), dates)
        row += 1
        for member in review_members:
            member_row += 1
            _write_cells(
                members, member_row, _member_cells(member, review["household__code"], mask_ids), dates
            )
        count += 1
        persons += review["members_count"]
    households.write_string(3 + row, 0, f"Tổng số: {count} hộ, {persons} nhân khẩu", bold)
    book.close()
    return buffer.getvalue()


@replica_reads
def household_list_csv(unit: AdministrativeUnit, year: int, kind: str = "") -> bytes:
    """The households sheet of the list as CSV (UTF-8 with BOM, so that Excel shows the accents).

    Same headers as the template, so it imports back; no members (a CSV has one sheet).
    """
    buffer = io.StringIO()
    writer = csv.writer(buffer)
    writer.writerow([c.header for c in HOUSEHOLD_COLUMNS] + ["Phân loại (hệ thống tính)"])
    for review, _ in list_rows(unit, year, kind):
        cells = _household_cells(review)
        writer.writerow(
            ["" if v is None else v.strftime("%d/%m/%Y") if isinstance(v, date) else v for v in cells]
        )
    return ("\ufeff" + buffer.getvalue()).encode("utf-8")


POSTED_CLASSES = (HouseholdClass.POOR, HouseholdClass.NEAR_POOR)


def posting_reviews(unit: AdministrativeUnit, year: int):
    return HouseholdReview.objects.filter(
        year=year, commune__path__startswith=unit.path, classification__in=POSTED_CLASSES
    )


@replica_reads
def posting_export(unit: AdministrativeUnit, year: int) -> bytes:
    """The list posted publicly at the commune and its villages: head's name, village, class;
    nothing else about anyone (households.privacy)."""
    rows = (
        posting_reviews(unit, year)
        .order_by("classification", "household__village", "household__head_sort_key", "household_id")
        .values_list("household__head_name", "household__village", "classification")
    )
    names = dict(HouseholdClass.choices)
    buffer = io.BytesIO()
    book = xlsxwriter.Workbook(buffer, {"in_memory": True})
    bold = book.add_format({"bold": True})
    sheet = book.add_worksheet("Niêm yết")
    sheet.set_column(0, 0, 6)
    sheet.set_column(1, 3, 30)
    sheet.write_row(0, 0, [f"DANH SÁCH HỘ NGHÈO, HỘ CẬN NGHÈO NĂM {year} (NIÊM YẾT CÔNG KHAI)"], bold)
    sheet.write_row(1, 0, [f"Đơn vị: {unit.name}"])
    sheet.write_row(2, 0, ["STT", "Họ và tên chủ hộ", "Thôn, tổ dân phố", "Phân loại"], bold)
    for number, (name, village, classification) in enumerate(rows, start=1):
        sheet.write_number(2 + number, 0, number)
        for column, text in enumerate((name, village, names[classification]), start=1):
            sheet.write_string(2 + number, column, text)  # never read as a formula
    book.close()
    return buffer.getvalue()


_EXCEL_EPOCH = date(1899, 12, 30)  # day 0 of Excel's 1900 date system (with its leap-year bug)


def _write_cells(sheet, row: int, values: list, dates) -> None:
    """Write the non-empty cells of a row: text as text (never a formula, even if it starts with
    "="), numbers as numbers, dates as Excel day numbers in dd/mm/yyyy format."""
    for column, value in enumerate(values):
        if value is None:
            continue
        kind = value.__class__
        if kind is str:
            sheet.write_string(row, column, value)
        elif kind is date:
            sheet.write_number(row, column, (value - _EXCEL_EPOCH).days, dates)
        elif kind is datetime:
            sheet.write_datetime(row, column, value, dates)
        else:
            sheet.write_number(row, column, value)


# --- The aggregate tables officials exchange ------------------------------------------------


@replica_reads
def statistics_export(unit: AdministrativeUnit, year: int, unapproved: list[str]) -> bytes:
    """The registry's aggregate tables (software layout, regulations-verified.md) for a unit's subtree.
    "Chính thức" only when no unit of it is waiting for approval (`unapproved`, their names);
    otherwise the title and caption say the figures are provisional."""
    table_rows = subtree_figures(unit, year)
    caption = f"Đơn vị: {unit.name} – kết quả rà soát năm {year}"
    if unapproved:
        caption += (
            f" – SỐ LIỆU TẠM TÍNH: {len(unapproved)} đơn vị chưa được phê duyệt ({', '.join(unapproved[:10])}"
        )
        caption += "…)" if len(unapproved) > 10 else ")"
    official = "CHÍNH THỨC " if not unapproved else ""
    book = Workbook()
    book.remove(book.active)

    def rows(values) -> list:
        return [(r["number"], r["name"], r["bold"], values(r)) for r in table_rows]

    def h(r):
        return r["households"]

    table_sheet(
        book,
        "1. Kết quả rà soát",
        f"TỔNG HỢP KẾT QUẢ {official}RÀ SOÁT HỘ NGHÈO, HỘ CẬN NGHÈO, HỘ CÓ MỨC SỐNG TRUNG BÌNH",
        caption,
        [
            "Tổng số hộ",
            "Tổng số nhân khẩu",
            "Hộ nghèo",
            "Tỷ lệ hộ nghèo (%)",
            "Hộ cận nghèo",
            "Tỷ lệ hộ cận nghèo (%)",
            "Hộ có mức sống trung bình",
            "Tỷ lệ (%)",
            "Khẩu nghèo",
            "Tỷ lệ khẩu nghèo (%)",
            "Khẩu cận nghèo",
            "Tỷ lệ khẩu cận nghèo (%)",
            "Khẩu có mức sống trung bình",
            "Tỷ lệ (%)",
        ],
        [
            "(1)",
            "(2)",
            "(3)",
            "(4)=(3)/(1)×100",
            "(5)",
            "(6)=(5)/(1)×100",
            "(7)",
            "(8)=(7)/(1)×100",
            "(9)",
            "(10)=(9)/(2)×100",
            "(11)",
            "(12)=(11)/(2)×100",
            "(13)",
            "(14)=(13)/(2)×100",
        ],
        rows(
            lambda r: [
                h(r)["total"],
                h(r)["persons"],
                h(r)["poor"],
                h(r)["poor_rate"],
                h(r)["near_poor"],
                h(r)["near_poor_rate"],
                h(r)["middle"],
                h(r)["middle_rate"],
                h(r)["poor_persons"],
                h(r)["poor_persons_rate"],
                h(r)["near_poor_persons"],
                h(r)["near_poor_persons_rate"],
                h(r)["middle_persons"],
                h(r)["middle_persons_rate"],
            ]
        ),
        rates={3, 5, 7, 9, 11, 13},
    )
    for key, label, columns in (
        (
            "poor",
            "HỘ NGHÈO",
            [
                "to_near_poor",
                "above_near_poor",
                "other_decrease",
                "from_near_poor",
                "fell_back",
                "new",
                "other_increase",
            ],
        ),
        (
            "near_poor",
            "HỘ CẬN NGHÈO",
            ["escaped", "to_poor", "other_decrease", "from_poor", "fell_back", "new", "other_increase"],
        ),
    ):
        headers = CHANGE_HEADERS[key]
        change_rows = []
        for r in table_rows:
            for counted, name in (("households", "Hộ"), ("persons", "Nhân khẩu")):
                t = r["changes"][key][counted]
                change_rows.append(
                    (
                        r["number"] if counted == "households" else "",
                        f"{r['name']} – {name}",
                        r["bold"],
                        [t["start"], *(t[c] for c in columns), t["end"]],
                    )
                )
        table_sheet(
            book,
            f"{2 if key == 'poor' else 3}. Diễn biến {label.lower()}",
            f"TỔNG HỢP DIỄN BIẾN {label}",
            caption,
            headers,
            [f"({i})" for i in range(1, 9)] + ["(9)=(1)-(2)-(3)-(4)+(5)+(6)+(7)+(8)"],
            change_rows,
        )
    for key, label, number in (("poor", "hộ nghèo", 4), ("near_poor", "hộ cận nghèo", 5)):
        indicator_names = (
            [f"{i['number']}. {i['name']}" for i in table_rows[0]["indicators"]] if table_rows else []
        )
        table_sheet(
            book,
            f"{number}a. Thiếu hụt {label}",
            f"PHÂN TÍCH CÁC CHỈ SỐ THIẾU HỤT DỊCH VỤ XÃ HỘI CƠ BẢN CỦA {label.upper()}",
            caption,
            [f"Tổng số {label}", "Tổng số thiếu hụt", *indicator_names],
            [f"({i})" for i in range(1, len(indicator_names) + 3)],
            rows(
                lambda r, key=key: [
                    h(r)[key],
                    r["deprivations_total"][key],
                    *(i[key] for i in r["indicators"]),
                ]
            ),
        )
        table_sheet(
            book,
            f"{number}b. Tỷ lệ thiếu hụt {label}",
            f"PHÂN TÍCH TỶ LỆ CÁC CHỈ SỐ THIẾU HỤT DỊCH VỤ XÃ HỘI CƠ BẢN CỦA {label.upper()} (%)",
            caption,
            [f"Tổng số {label}", *indicator_names],
            ["(1)", *(f"({i + 2})=số hộ thiếu hụt/(1)×100" for i in range(len(indicator_names)))],
            rows(lambda r, key=key: [h(r)[key], *(i[f"{key}_rate"] for i in r["indicators"])]),
            rates=set(range(1, 13)),
        )
    cause_names = [f"{index}. {cause['name']}" for index, cause in enumerate(table_rows[0]["causes"], 1)]
    table_sheet(
        book,
        "6. Nguyên nhân nghèo",
        "HỘ NGHÈO, HỘ CẬN NGHÈO THEO NGUYÊN NHÂN NGHÈO",
        caption,
        [f"Hộ nghèo: {n}" for n in cause_names] + [f"Hộ cận nghèo: {n}" for n in cause_names],
        [f"({i})" for i in range(1, 2 * len(cause_names) + 1)],
        rows(lambda r: [c["poor"] for c in r["causes"]] + [c["near_poor"] for c in r["causes"]]),
    )
    group_headers = ["Tổng số", "Hộ DTTS", "Hộ không có khả năng lao động", "Hộ có người có công", "Khác"]
    table_sheet(
        book,
        "7. Phân loại",
        "PHÂN LOẠI HỘ NGHÈO, HỘ CẬN NGHÈO THEO NHÓM ĐỐI TƯỢNG",
        caption,
        [f"Hộ nghèo: {g}" for g in group_headers] + [f"Hộ cận nghèo: {g}" for g in group_headers],
        [f"({i})" for i in range(1, 11)],
        rows(
            lambda r: [
                r["groups"][k][f]
                for k in ("poor", "near_poor")
                for f in ("total", "ethnic_minority", "no_labour_capacity", "merit", "other")
            ]
        ),
    )
    return workbook_bytes(book)


CHANGE_HEADERS = {
    "poor": [
        "Tổng số hộ nghèo đầu kỳ",
        "Thoát nghèo: trở thành hộ cận nghèo",
        "Thoát nghèo: vượt chuẩn cận nghèo",
        "Giảm khác (chuyển đi, chết, tách, nhập…)",
        "Hộ cận nghèo trở thành hộ nghèo",
        "Tái nghèo",
        "Phát sinh mới",
        "Tăng khác (chuyển đến, tách…)",
        "Tổng số hộ nghèo cuối kỳ",
    ],
    "near_poor": [
        "Tổng số hộ cận nghèo đầu kỳ",
        "Thoát cận nghèo",
        "Hộ cận nghèo trở thành hộ nghèo",
        "Giảm khác (chuyển đi, chết, nhập với hộ khác…)",
        "Hộ nghèo trở thành hộ cận nghèo",
        "Tái cận nghèo",
        "Phát sinh mới",
        "Tăng khác (chuyển đến, tách…)",
        "Tổng số hộ cận nghèo cuối kỳ",
    ],
}
