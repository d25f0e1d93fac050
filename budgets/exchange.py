"""Budgets in Excel: the template, the import (preview, exact errors, all-or-nothing) and the
export of every overview table.

The import reads with the registry's machinery (povertyprog.lib.spreadsheets: hostile-file
checks, headers in any order, every problem as sheet, row, column, value, message) and writes
through budgets.services, so the same rules, permissions and audit apply as on the entry pages.
Amounts are triệu đồng in the sheet, đồng in the database.
"""

from dataclasses import dataclass, field
from decimal import Decimal, InvalidOperation
from pathlib import Path

from django.db import transaction
from openpyxl import Workbook
from openpyxl.worksheet.datavalidation import DataValidation

from budgets.models import (
    STAGES,
    ActivityOutput,
    BudgetLine,
    CapitalType,
    Component,
    OutputKind,
    Program,
    Source,
)
from budgets.rules import STAGE_FIELDS, breakdown_errors, check_line
from budgets.selectors import BREAKDOWN_FIELDS, BudgetOverview
from budgets.services import budget_grid_save, leaf_components, outputs_save, require_entry, stamp
from povertyprog import audit
from povertyprog.accounts.models import User
from povertyprog.lib.money import MILLION, format_million, parse_million
from povertyprog.lib.spreadsheets import (
    Column,
    Problem,
    RefusedFile,
    SheetReader,
    choice_parser,
    normalise_header,
    parse_date,
    parse_int,
    parse_text,
    read_sheets,
)
from povertyprog.lib.workbooks import MILLION_FORMAT, guide_sheet, header_row, table_sheet, workbook_bytes
from povertyprog.units.models import AdministrativeUnit

BUDGET_SHEET = "Ngân sách"
OUTPUT_SHEET = "Kết quả hoạt động"
MAX_AMOUNT = 10**16  # đồng: far above any program's budget, below the column's limit

BUDGET_COLUMNS = [
    Column(
        "component",
        "Mã dự án",
        ("ma du an tieu du an", "du an"),
        True,
        "Số dự án, hoặc dự án.tiểu dự án: 2 (Dự án 2), 3.1 (Dự án 3, Tiểu dự án 1).",
    ),
    Column("name", "Tên dự án, tiểu dự án", (), False, "Để đọc; hệ thống dùng Mã dự án."),
    Column("capital_type", "Loại vốn", (), True, "Kinh phí sự nghiệp hoặc Vốn đầu tư phát triển."),
    Column(
        "source",
        "Nguồn vốn",
        ("nguon",),
        True,
        "NSTW, NSĐP, Vốn lồng ghép, Vốn tín dụng chính sách, Vốn huy động hợp pháp khác.",
    ),
    Column(
        "assigned",
        "Kế hoạch vốn giao (triệu đồng)",
        ("von giao", "ke hoach von", "giao"),
        False,
        "Triệu đồng, ví dụ 2191,705.",
    ),
    Column("allocated", "Đã phân bổ (triệu đồng)", ("phan bo",), False, "Triệu đồng."),
    Column("carried_over", "Chuyển nguồn từ năm trước (triệu đồng)", ("chuyen nguon",), False, "Triệu đồng."),
    Column(
        "disbursed",
        "Đã giải ngân (triệu đồng)",
        ("giai ngan",),
        False,
        "Triệu đồng; không vượt đã phân bổ cộng chuyển nguồn.",
    ),
    Column("disbursed_as_of", "Giải ngân tính đến ngày", ("den ngay",), False, "dd/mm/yyyy."),
]
OUTPUT_COLUMNS = [
    Column("component", "Mã dự án", ("du an",), True, "Như trang “Ngân sách”."),
    Column("kind", "Kết quả", ("ten ket qua",), True, "Tên kết quả đúng như danh mục (tệp mẫu đã ghi sẵn)."),
    Column("measure", "Đơn vị tính", (), False, "Để đọc."),
    Column("quantity", "Số lượng", (), False, "Số nguyên."),
    Column("poor", "Trong đó hộ nghèo", ("ho ngheo",), False),
    Column("near_poor", "Trong đó hộ cận nghèo", ("ho can ngheo",), False),
    Column("recently_escaped", "Trong đó hộ mới thoát nghèo", ("ho moi thoat ngheo",), False),
    Column("ethnic_minority", "Trong đó dân tộc thiểu số", ("dan toc thieu so", "dtts"), False),
]
SOURCE_SPELLINGS = {"nstw": Source.CENTRAL, "nsdp": Source.LOCAL, "ngan sach tinh": Source.LOCAL}


def component_code(component: Component) -> str:
    return f"{component.parent.number}.{component.number}" if component.parent_id else str(component.number)


# --- Template --------------------------------------------------------------------------------


def budget_template(unit: AdministrativeUnit, year: int) -> bytes:
    """The unit's template for a year: one row per component, capital type and source, filled
    with what is recorded; one row per output kind; an instructions sheet."""
    program = Program.objects.for_year(year)
    leaves = sorted(leaf_components(program, unit), key=lambda c: ((c.parent or c).number, c.number))
    lines = {
        (b.component_id, b.capital_type, b.source): b for b in BudgetLine.objects.filter(unit=unit, year=year)
    }
    book = Workbook()
    sheet = book.active
    sheet.title = BUDGET_SHEET
    header_row(sheet, BUDGET_COLUMNS, 1)
    capitals, sources = dict(CapitalType.choices), dict(Source.choices)
    for component in leaves:
        for capital in component.capital_types:
            for source in (Source.CENTRAL, Source.LOCAL):
                line = lines.get((component.pk, capital, source))
                stages = [getattr(line, s) / MILLION if line else None for s in STAGE_FIELDS]
                sheet.append(
                    [
                        component_code(component),
                        component.name,
                        capitals[capital],
                        sources[source],
                        *stages,
                        line.disbursed_as_of if line else None,
                    ]
                )
    for row in sheet.iter_rows(min_row=2, min_col=5, max_col=8):
        for cell in row:
            cell.number_format = MILLION_FORMAT
    for row in sheet.iter_rows(min_row=2, min_col=9, max_col=9):
        row[0].number_format = "DD/MM/YYYY"
    _list(sheet, list(capitals.values()), "C")
    _list(sheet, list(sources.values()), "D")
    outputs = book.create_sheet(OUTPUT_SHEET)
    header_row(outputs, OUTPUT_COLUMNS, 1)
    recorded = {o.kind_id: o for o in ActivityOutput.objects.filter(unit=unit, year=year)}
    for kind in OutputKind.objects.filter(component__in=leaves).select_related("component__parent"):
        found = recorded.get(kind.pk)
        values = [getattr(found, n) if found else None for n in ("quantity", *BREAKDOWN_FIELDS)]
        outputs.append([component_code(kind.component), kind.name, kind.measure, *values])
    _guide(book)
    return workbook_bytes(book)


def _list(sheet, values: list[str], letter: str) -> None:
    rule = DataValidation(type="list", formula1=f'"{",".join(values)}"', allow_blank=True)
    rule.error, rule.errorTitle = "Chọn một giá trị trong danh sách.", "Giá trị không hợp lệ"
    sheet.add_data_validation(rule)
    rule.add(f"{letter}2:{letter}1000")


def _guide(book: Workbook) -> None:
    guide_sheet(
        book,
        "HƯỚNG DẪN NHẬP NGÂN SÁCH VÀ KẾT QUẢ HOẠT ĐỘNG",
        [
            "Số tiền ghi bằng triệu đồng (ví dụ 2191,705). Tổng của dự án do hệ thống cộng: không ghi tổng.",
            "Mỗi dòng một dự án (tiểu dự án), loại vốn, nguồn vốn. Dòng không ghi số tiền: xóa số đã ghi.",
            "Không dùng công thức, không gộp ô ở dòng tiêu đề. Có thể đổi thứ tự cột.",
        ],
        [(BUDGET_SHEET, BUDGET_COLUMNS), (OUTPUT_SHEET, OUTPUT_COLUMNS)],
    )


# --- Import ----------------------------------------------------------------------------------


@dataclass
class BudgetImportResult:
    budget_rows: int = 0
    output_rows: int = 0
    problems: list[Problem] = field(default_factory=list)
    committed: bool = False
    # Lines that exist and that the file blanks: written only with the officer's consent.
    deletions: list[str] = field(default_factory=list)

    @property
    def ok(self) -> bool:
        return not self.problems


def parse_amount(value) -> int:
    """A cell in triệu đồng (a number, or text written the Vietnamese way) -> đồng."""
    if isinstance(value, int | float) and not isinstance(value, bool):
        try:
            dong = int((Decimal(str(value)) * MILLION).to_integral_value())
        except InvalidOperation:
            raise ValueError("phải là số") from None
        if dong < 0:
            raise ValueError("không được âm")
        if dong > MAX_AMOUNT:
            raise ValueError("số quá lớn")
        return dong
    return parse_million(parse_text(value))


def _source(value) -> str:
    spelled = SOURCE_SPELLINGS.get(normalise_header(parse_text(value)))
    return spelled or _SOURCE_CHOICE(value)


_SOURCE_CHOICE = choice_parser(dict(Source.choices))
_CAPITAL_CHOICE = choice_parser(dict(CapitalType.choices))


def _deletions(unit: AdministrativeUnit, year: int, grids: dict) -> list[str]:
    """The existing lines that rows of the file leave blank, as the preview lists them."""
    existing = {
        (line.component_id, line.capital_type, line.source): line
        for line in BudgetLine.objects.filter(unit=unit, year=year, component__in=list(grids))
    }
    found = []
    for component, rows in grids.items():
        for (capital, fund), values in rows.items():
            line = existing.get((component.pk, capital, fund))
            if line is None or any(values[stage] for stage in STAGE_FIELDS) or values["disbursed_as_of"]:
                continue
            amounts = ", ".join(
                f"{STAGES[stage].lower()} {format_million(getattr(line, stage))}"
                for stage in STAGE_FIELDS
                if getattr(line, stage)
            )
            found.append(
                f"{component.label} – {line.get_capital_type_display()} – {line.get_source_display()} "
                f"({amounts} triệu đồng)"
            )
    return found


def budget_import(
    *,
    user: User,
    unit: AdministrativeUnit,
    year: int,
    path: Path,
    name: str,
    dry_run: bool = True,
    allow_deletions: bool = False,
) -> BudgetImportResult:
    """Check (and with dry_run=False, write) a budget workbook. Raises RefusedFile for a hostile
    or unreadable file, PermissionDenied outside the user's own unit. Lines the file blanks are
    listed in `deletions`; they are deleted only with `allow_deletions` (nothing is written
    without it)."""
    require_entry(user, unit, year)
    try:
        program = Program.objects.for_year(year)
    except Program.DoesNotExist:
        raise RefusedFile(f"Chưa có chương trình cho năm {year}.") from None
    leaves = {component_code(c): c for c in leaf_components(program, unit)}
    sheets = read_sheets(path, Path(name).suffix.lower().lstrip("."))
    by_name = {normalise_header(n): n for n in sheets}
    result = BudgetImportResult()
    budget_name = by_name.get(normalise_header(BUDGET_SHEET), next(iter(sheets)))
    budget = SheetReader(budget_name, sheets[budget_name], BUDGET_COLUMNS, result.problems)
    grids = _budget_rows(budget, leaves, result)
    outputs = {}
    if (output_name := by_name.get(normalise_header(OUTPUT_SHEET))) is not None:
        sheet = SheetReader(output_name, sheets[output_name], OUTPUT_COLUMNS, result.problems)
        outputs = _output_rows(sheet, leaves, result)
    if not result.budget_rows and not result.output_rows:
        raise RefusedFile("Tệp không có dòng số liệu nào dưới dòng tiêu đề.")
    result.problems.sort(key=lambda p: (p.sheet != budget_name, p.row))
    result.deletions = _deletions(unit, year, grids)
    if dry_run or result.problems or (result.deletions and not allow_deletions):
        return result
    source = audit.from_file(name)
    with transaction.atomic():
        for component, rows in grids.items():
            current = BudgetLine.objects.filter(unit=unit, year=year, component=component)
            budget_grid_save(
                user=user,
                unit=unit,
                year=year,
                component=component,
                rows=rows,
                opened=stamp(current),
                source=source,
            )
        if outputs:
            current = ActivityOutput.objects.filter(unit=unit, year=year)
            outputs_save(user=user, unit=unit, year=year, rows=outputs, opened=stamp(current), source=source)
    result.committed = True
    return result


def _budget_rows(sheet: SheetReader, leaves: dict, result: BudgetImportResult) -> dict:
    grids: dict[Component, dict] = {}
    seen: dict[tuple, int] = {}
    parse_row = sheet.row_parser(
        [
            ("component", "component", parse_text, None),
            ("capital_type", "capital_type", _CAPITAL_CHOICE, None),
            ("source", "source", _source, None),
            *[(stage, stage, parse_amount, 0) for stage in STAGE_FIELDS],
            ("disbursed_as_of", "disbursed_as_of", parse_date, None),
        ]
    )
    for number, raw in sheet.data_rows():
        result.budget_rows += 1
        values = parse_row(number, raw)
        component = leaves.get(values["component"])
        if values["component"] and component is None:
            sheet.problem(
                number,
                "component",
                values["component"],
                "Mã dự án không có trong chương trình năm này hoặc không áp dụng cho đơn vị.",
            )
            continue
        if component is None or not values["capital_type"] or not values["source"]:
            continue
        if values["capital_type"] not in component.capital_types:
            sheet.problem(
                number,
                "capital_type",
                sheet.cell(raw, "capital_type"),
                f"{component.label} không được giao loại vốn này.",
            )
            continue
        key = (component.pk, values["capital_type"], values["source"])
        if key in seen:
            sheet.problem(
                number,
                "source",
                sheet.cell(raw, "source"),
                f"Trùng dự án, loại vốn và nguồn vốn với dòng {seen[key]}.",
            )
            continue
        seen[key] = number
        check = check_line(**{stage: values[stage] for stage in STAGE_FIELDS})
        for stage, message in check.errors.items():
            sheet.problem(number, stage, sheet.cell(raw, stage), message)
        grids.setdefault(component, {})[(values["capital_type"], values["source"])] = {
            **{stage: values[stage] for stage in STAGE_FIELDS},
            "disbursed_as_of": values["disbursed_as_of"],
        }
    return grids


def _output_rows(sheet: SheetReader, leaves: dict, result: BudgetImportResult) -> dict:
    kinds = {
        (component_code(k.component), normalise_header(k.name)): k
        for k in OutputKind.objects.filter(component__in=leaves.values()).select_related("component__parent")
    }
    counts = [
        (n, n, lambda v: parse_int(v, low=0, high=10_000_000), None) for n in ("quantity", *BREAKDOWN_FIELDS)
    ]
    parse_row = sheet.row_parser(
        [("component", "component", parse_text, None), ("kind", "kind", parse_text, None), *counts]
    )
    rows = {}
    for number, raw in sheet.data_rows():
        result.output_rows += 1
        values = parse_row(number, raw)
        kind = kinds.get((values["component"], normalise_header(values["kind"] or "")))
        if kind is None:
            if values["component"] and values["kind"]:
                sheet.problem(
                    number, "kind", values["kind"], "Kết quả không có trong danh mục của dự án này."
                )
            continue
        if kind.pk in rows:
            sheet.problem(number, "kind", values["kind"], "Kết quả này đã có ở dòng trên.")
            continue
        for name, message in breakdown_errors(values, "quantity", "số lượng").items():
            sheet.problem(number, name, values[name], message)
        rows[kind.pk] = {
            n: values[n] for n in ("quantity", *BREAKDOWN_FIELDS) if kind.has_breakdown or n == "quantity"
        }
    return rows


# --- Export ----------------------------------------------------------------------------------


def overview_export(overview: BudgetOverview) -> bytes:
    """Every table of the overview page, one sheet each, amounts in triệu đồng as numbers."""
    unit, year = overview.unit, overview.year
    caption = f"Đơn vị: {unit.name} – năm {year}. Đơn vị tiền: triệu đồng."
    book = Workbook()
    book.remove(book.active)
    stage_headers = [
        "Kế hoạch vốn giao",
        "Đã phân bổ",
        "Chuyển nguồn",
        "Đã giải ngân",
        "Còn lại",
        "Tỷ lệ giải ngân (%)",
    ]
    numbers = [f"({i})" for i in range(1, 7)]

    def stage_values(stages) -> list:
        amounts = [stages.assigned, stages.allocated, stages.carried_over, stages.disbursed, stages.remaining]
        rate = stages.disbursement_rate
        return [*(a / MILLION for a in amounts), round(rate, 2) if rate is not None else None]

    sources = dict(Source.choices)
    rows = [("", sources[s], False, stage_values(v)) for s, v in overview.by_source.items()]
    rows.append(("", "Tổng cộng", True, stage_values(overview.total)))
    table_sheet(
        book,
        "1. Theo nguồn vốn",
        f"TỔNG HỢP NGUỒN VỐN NĂM {year}",
        caption,
        stage_headers,
        numbers,
        rows,
        rates={5},
        label_header="Nguồn vốn",
        number_format=MILLION_FORMAT,
    )
    rows = []
    for p_index, project in enumerate(overview.projects, 1):
        rows.append(
            (
                str(p_index),
                f"{project.component.label}: {project.component.name}",
                True,
                stage_values(project.total),
            )
        )
        for c_index, child in enumerate([c for c in project.children if c.shown], 1):
            rows.append(
                (
                    f"{p_index}.{c_index}",
                    f"{child.component.label}: {child.component.name}",
                    False,
                    stage_values(child.total),
                )
            )
    rows.append(("", "Tổng cộng", True, stage_values(overview.total)))
    table_sheet(
        book,
        "2. Theo dự án",
        f"NGUỒN VỐN THEO DỰ ÁN, TIỂU DỰ ÁN NĂM {year}",
        caption,
        stage_headers,
        numbers,
        rows,
        rates={5},
        label_header="Dự án, tiểu dự án",
        number_format=MILLION_FORMAT,
    )
    if overview.by_year and overview.by_year.years:
        table = overview.by_year
        headers = [f"{label} {y}" for y in table.years for label in ("NSTW", "NSĐP")] + [
            "NSTW",
            "NSĐP",
            "Tổng",
        ]

        def year_values(r) -> list:
            cells = [r["years"][y][k] / MILLION for y in table.years for k in ("central", "local")]
            return cells + [r["total"][k] / MILLION for k in ("central", "local", "total")]

        rows = [
            ("" if r["level"] else "", f"{r['label']}: {r['name']}", not r["level"], year_values(r))
            for r in table.rows
        ] + [("", "Tổng cộng", True, year_values(table.totals))]
        table_sheet(
            book,
            "3. Qua các năm",
            "KẾ HOẠCH VỐN GIAO QUA CÁC NĂM",
            caption,
            headers,
            [f"({i})" for i in range(1, len(headers) + 1)],
            rows,
            label_header="Dự án, tiểu dự án",
            number_format=MILLION_FORMAT,
        )
    policy_headers = [
        "Số đối tượng",
        "Hộ nghèo",
        "Hộ cận nghèo",
        "Hộ mới thoát nghèo",
        "DTTS",
        "Kinh phí (triệu đồng)",
    ]
    rows = [
        (
            str(i),
            f"{r['name']} ({r['measure']})",
            False,
            [
                r["beneficiaries"],
                r["poor"],
                r["near_poor"],
                r["recently_escaped"],
                r["ethnic_minority"],
                (r["amount"] or 0) / MILLION,
            ],
        )
        for i, r in enumerate(overview.policies, 1)
    ]
    table_sheet(
        book,
        "4. Chính sách",
        "KẾT QUẢ THỰC HIỆN CHÍNH SÁCH GIẢM NGHÈO CHUNG",
        caption,
        policy_headers,
        [f"({i})" for i in range(1, 7)],
        rows,
        label_header="Chính sách",
    )
    output_headers = ["Số lượng", "Hộ nghèo", "Hộ cận nghèo", "Hộ mới thoát nghèo", "DTTS"]
    rows = [
        (
            str(i),
            f"{r['component']}: {r['name']} ({r['measure']})",
            False,
            [r["quantity"], *(r[n] for n in BREAKDOWN_FIELDS)],
        )
        for i, r in enumerate([r for r in overview.outputs if r["quantity"]], 1)
    ]
    table_sheet(
        book,
        "5. Kết quả hoạt động",
        "KẾT QUẢ HOẠT ĐỘNG CÁC DỰ ÁN",
        caption,
        output_headers,
        [f"({i})" for i in range(1, 6)],
        rows,
        label_header="Kết quả",
    )
    rows = [(str(i), r["name"], False, [r["amount"] / MILLION]) for i, r in enumerate(overview.mobilised, 1)]
    rows.append(("", "Tổng cộng", True, [overview.mobilised_total / MILLION]))
    table_sheet(
        book,
        "6. Huy động",
        "NGUỒN LỰC HUY ĐỘNG",
        caption,
        ["Số tiền (triệu đồng)"],
        ["(1)"],
        rows,
        label_header="Nguồn",
        number_format=MILLION_FORMAT,
    )
    return workbook_bytes(book)
