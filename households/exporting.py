"""Spreadsheets out of the registry: the import template and the household lists.

Lists use the import layout (same sheets and headers), so an exported file can be corrected
and imported back. Numbers are written as numbers; every text cell is neutralised against
formula injection; the header row is frozen and columns have widths.
"""

import io
from collections.abc import Iterable

from django.db.models import Prefetch
from openpyxl import Workbook
from openpyxl.styles import Alignment, Font, PatternFill
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
from households.models import HouseholdReview, Member, ReviewType
from povertyprog.lib.spreadsheets import Column, neutralise
from povertyprog.units.models import AdministrativeUnit

XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
HEADER_FILL = PatternFill("solid", fgColor="DDE6F0")
BOLD = Font(bold=True)
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


def _header(sheet, columns: list[Column], row: int) -> None:
    for index, column in enumerate(columns, 1):
        cell = sheet.cell(row=row, column=index, value=column.header)
        cell.font, cell.fill = BOLD, HEADER_FILL
        cell.alignment = Alignment(wrap_text=True, vertical="center")
        sheet.column_dimensions[get_column_letter(index)].width = max(10, min(32, len(column.header) + 4))
    sheet.freeze_panes = sheet.cell(row=row + 1, column=1)


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


def import_template() -> bytes:
    """The household list template: two data sheets and an instructions sheet."""
    book = Workbook()
    households = book.active
    households.title = HOUSEHOLD_SHEET
    _header(households, HOUSEHOLD_COLUMNS, 1)
    _validations(households, HOUSEHOLD_COLUMNS, 2)
    members = book.create_sheet(MEMBER_SHEET)
    _header(members, MEMBER_COLUMNS, 1)
    _validations(members, MEMBER_COLUMNS, 2)
    guide = book.create_sheet("Hướng dẫn")
    guide.append(["HƯỚNG DẪN NHẬP DANH SÁCH HỘ GIA ĐÌNH"])
    guide["A1"].font = Font(bold=True, size=13)
    for line in (
        "Mỗi hộ một dòng ở trang “Hộ gia đình”.",
        "Thành viên (nếu có) ở trang “Thành viên”, nối với hộ qua Mã hộ.",
        "Có thể đổi thứ tự cột; tiêu đề có hoặc không dấu đều được.",
        "Không dùng công thức, không gộp ô ở dòng tiêu đề.",
        "Phân loại hộ do hệ thống tính, không cần ghi. Giới hạn: 20 MB, 200.000 dòng, 200 cột.",
    ):
        guide.append([line])
    guide.append([])
    for title, columns in ((HOUSEHOLD_SHEET, HOUSEHOLD_COLUMNS), (MEMBER_SHEET, MEMBER_COLUMNS)):
        guide.append([f"Trang “{title}”", "Bắt buộc", "Cách ghi"])
        for cell in guide[guide.max_row]:
            cell.font, cell.fill = BOLD, HEADER_FILL
        for column in columns:
            guide.append([column.header, "Có" if column.required else "", column.help])
        guide.append([])
    guide.column_dimensions["A"].width = 45
    guide.column_dimensions["B"].width = 10
    guide.column_dimensions["C"].width = 80
    return _bytes(book)


def _bytes(book: Workbook) -> bytes:
    buffer = io.BytesIO()
    book.save(buffer)
    return buffer.getvalue()


def _yes(value: bool) -> str:
    return "x" if value else ""


def _household_cells(review: HouseholdReview) -> list:
    h = review.household
    values = {
        "code": h.code,
        "commune_code": h.commune.code,
        "head_name": h.head_name,
        "village": h.village,
        "address": h.address,
        "ethnicity": ETHNICITY_NAMES.get(h.ethnicity, h.ethnicity),
        "members_count": review.members_count,
        "income": review.income_per_capita,
        "b1_score": review.b1_score,
        "review_date": review.review_date,
        "reviewer": review.reviewer,
        "review_type": review.get_review_type_display(),
    }
    for flag in ("ethnic_minority", "social_protection", "has_merit_person", "no_labour_capacity"):
        values[flag] = _yes(getattr(h, flag))
    for flag in REVIEW_FLAGS:
        values[flag] = _yes(getattr(review, flag))
    return [neutralise(values[c.key]) for c in HOUSEHOLD_COLUMNS] + [review.get_classification_display()]


def _member_cells(member: Member, code: str) -> list:
    values = {
        "code": code,
        "full_name": member.full_name,
        "sex": member.get_sex_display(),
        "birth_year": member.birth_year,
        "birth_date": member.birth_date,
        "relation": member.get_relation_display(),
        "ethnicity": ETHNICITY_NAMES.get(member.ethnicity, member.ethnicity),
        "citizen_id": member.citizen_id,
        "has_health_insurance": "Có" if member.has_health_insurance else "Không",
        "education_level": member.get_education_level_display(),
        "attends_school": "Có" if member.attends_school else "Không",
        "employment": member.get_employment_display(),
        "has_disability": "Có" if member.has_disability else "Không",
        "monthly_social_allowance": "Có" if member.monthly_social_allowance else "Không",
        "malnourished": "Có" if member.malnourished else "Không",
    }
    return [neutralise(values[c.key]) for c in MEMBER_COLUMNS]


def list_reviews(unit: AdministrativeUnit, year: int, kind: str = "") -> Iterable[HouseholdReview]:
    """Reviews of a year in a unit's subtree, with household and members, in Vietnamese name order."""
    reviews = (
        HouseholdReview.objects.filter(year=year, commune__path__startswith=unit.path)
        .select_related("household", "household__commune")
        .prefetch_related(Prefetch("household__members", queryset=Member.objects.order_by("id")))
        .order_by("commune__code", "household__head_sort_key", "household__id")
    )
    if kind == "recently_escaped":
        reviews = reviews.filter(recently_escaped=True)
    elif kind:
        reviews = reviews.filter(classification=kind)
    return reviews.iterator(chunk_size=2000)


def household_list_export(unit: AdministrativeUnit, year: int, kind: str = "") -> bytes:
    """A list as officials print it (title, unit, year, totals row), in the import layout."""
    book = Workbook(write_only=True)
    households = book.create_sheet(HOUSEHOLD_SHEET)
    members = book.create_sheet(MEMBER_SHEET)
    # Write-only sheets take widths and frozen panes before the first row.
    for sheet, columns in ((households, HOUSEHOLD_COLUMNS), (members, MEMBER_COLUMNS)):
        for index, column in enumerate(columns, 1):
            sheet.column_dimensions[get_column_letter(index)].width = max(10, min(30, len(column.header) + 2))
    households.freeze_panes = "A4"
    members.freeze_panes = "A2"
    title = f"{LIST_TITLES.get(kind, LIST_TITLES[''])} NĂM {year}"
    households.append([title])
    households.append([f"Đơn vị: {unit.name}"])
    households.append([c.header for c in HOUSEHOLD_COLUMNS] + ["Phân loại (hệ thống tính)"])
    members.append([c.header for c in MEMBER_COLUMNS])
    count = persons = 0
    for review in list_reviews(unit, year, kind):
        households.append(_household_cells(review))
        for member in review.household.members.all():
            members.append(_member_cells(member, review.household.code))
        count += 1
        persons += review.members_count
    households.append([f"Tổng số: {count} hộ, {persons} nhân khẩu"])
    return _bytes(book)
