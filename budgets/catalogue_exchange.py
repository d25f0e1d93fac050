"""The program catalogue as an Excel file: the system administrator downloads a program's
components, corrects or completes them (the day a province's decision arrives), and loads the
file back. One row per component: "1" a project / component group (Dự án, Hợp phần), "1.3" a
sub-project / component content (Tiểu dự án, Nội dung thành phần) of it.

The whole file is checked first; any problem (file, row, column, what) and nothing is written.
Components are added or renamed, never deleted (budget lines refer to them): a row missing
from the file leaves its component as it is.
"""

from dataclasses import dataclass, field
from pathlib import Path

from django.core.exceptions import PermissionDenied
from django.db import transaction
from openpyxl import Workbook

from budgets.models import CapitalType, Component, Program, Scope
from budgets.selectors import catalogue_of
from povertyprog.accounts.models import User
from povertyprog.lib.spreadsheets import (
    Column,
    Problem,
    RefusedFile,
    SheetReader,
    choice_parser,
    neutralise,
    normalise_header,
    parse_text,
    read_sheets,
)
from povertyprog.lib.workbooks import header_row, workbook_bytes

SHEET = "Danh mục"
COLUMNS = [
    Column("program", "Mã chương trình", ("chuong trinh",), True, "Ví dụ MTQG-2026-2035."),
    Column("code", "Mã", ("so thu tu", "ma hop phan", "ma du an"), True, "1 (hợp phần, dự án) hoặc 1.3."),
    Column("name", "Tên", ("ten noi dung", "ten du an"), True, "Tên đúng như quyết định."),
    Column("capital", "Loại vốn", (), True, "ĐTPT, SN, hoặc ĐTPT, SN."),
    Column("scope", "Phạm vi", (), False, "Để trống: toàn quốc; hoặc “Địa bàn nghèo”."),
]
CAPITAL_SPELLINGS = {
    "dtpt": CapitalType.INVESTMENT,
    "sn": CapitalType.RECURRENT,
    "su nghiep": CapitalType.RECURRENT,
}
SCOPE_SPELLINGS = {normalise_header(label): value for value, label in Scope.choices} | {
    "toan quoc": Scope.ALL,
    "dia ban ngheo": Scope.POOR_AREAS,
}


@dataclass
class CatalogueResult:
    problems: list[Problem] = field(default_factory=list)
    created: int = 0
    renamed: int = 0
    unchanged: int = 0

    @property
    def ok(self) -> bool:
        return not self.problems


def catalogue_workbook(program: Program) -> bytes:
    """The program's components in the import layout (an empty program gives the header only)."""
    book = Workbook()
    sheet = book.active
    sheet.title = SHEET
    header_row(sheet, COLUMNS, 1)
    short = {CapitalType.INVESTMENT: "ĐTPT", CapitalType.RECURRENT: "SN"}
    for row, component in enumerate(catalogue_of(program), 2):  # header_row() froze row 2: cells by position
        code = (
            f"{component.parent.number}.{component.number}" if component.parent_id else str(component.number)
        )
        values = [
            program.code,
            code,
            neutralise(component.name),
            ", ".join(short[c] for c in component.capital_types),
            "" if component.scope == Scope.ALL else component.get_scope_display(),
        ]
        for column, value in enumerate(values, 1):
            sheet.cell(row=row, column=column, value=value)
    sheet.column_dimensions["C"].width = 90
    return workbook_bytes(book)


def _code(value) -> tuple[int, int | None]:
    text = parse_text(value).replace(",", ".")
    parts = text.split(".")
    if not (1 <= len(parts) <= 2 and all(p.isdigit() and 0 < int(p) < 100 for p in parts)):
        raise ValueError("viết 1 (hợp phần, dự án) hoặc 1.3 (nội dung, tiểu dự án của nó)")
    return int(parts[0]), int(parts[1]) if len(parts) == 2 else None


def _capitals(value) -> list[str]:
    found = []
    for part in parse_text(value).replace(";", ",").split(","):
        key = normalise_header(part)
        capital = CAPITAL_SPELLINGS.get(key)
        if capital is None:
            raise ValueError(f"“{part.strip()}” không phải loại vốn; viết ĐTPT, SN hoặc ĐTPT, SN")
        if capital not in found:
            found.append(capital)
    return sorted(found)


def _read(path: Path, kind: str, problems: list[Problem]) -> list[tuple[int, dict]]:
    sheets = read_sheets(path, kind)
    by_name = {normalise_header(name): name for name in sheets}
    name = by_name.get(normalise_header(SHEET), next(iter(sheets)))
    reader = SheetReader(name, sheets[name], COLUMNS, problems)
    parse = reader.row_parser(
        [
            ("program", "program", parse_text, None),
            ("code", "code", _code, None),
            ("name", "name", parse_text, None),
            ("capital", "capital", _capitals, None),
            ("scope", "scope", choice_parser(SCOPE_SPELLINGS), Scope.ALL),
        ]
    )
    rows = [(number, parse(number, raw)) for number, raw in reader.data_rows()]
    if not rows:
        raise RefusedFile(f"Trang “{name}” không có dòng nào dưới dòng tiêu đề.")
    _check(rows, reader)
    problems.sort(key=lambda p: p.row)  # in file order
    return rows


def _check(rows: list[tuple[int, dict]], reader: SheetReader) -> None:
    programs = {p.code: p for p in Program.objects.all()}
    seen: dict[tuple, int] = {}
    groups_in_file = set()  # (program code, group number) in the file, then in the catalogue too
    for number, values in rows:
        if values["program"] and values["program"] not in programs:
            reader.problem(
                number, "program", values["program"], "Không có chương trình mã này trong hệ thống."
            )
        if values["code"] is None:
            continue
        key = (values["program"], values["code"])
        if key in seen:
            reader.problem(number, "code", ".".join(str(n) for n in values["code"] if n),
                           f"Mã trùng với dòng {seen[key]}.")  # fmt: skip
        seen.setdefault(key, number)
        if values["code"][1] is None:
            groups_in_file.add((values["program"], values["code"][0]))
    groups_in_file |= set(Component.objects.filter(parent=None).values_list("program__code", "number"))
    for number, values in rows:
        program = programs.get(values["program"])
        if program is None or values["code"] is None or values["code"][1] is None:
            continue
        group = values["code"][0]
        if (values["program"], group) not in groups_in_file:
            reader.problem(number, "code", f"{group}.{values['code'][1]}",
                           f"Chưa có hợp phần, dự án số {group}: thêm dòng “{group}” trước.")  # fmt: skip


@transaction.atomic
def _write(rows: list[tuple[int, dict]], user: User, reason: str, result: CatalogueResult) -> None:
    programs = {p.code: p for p in Program.objects.all()}
    # Groups first, then their contents.
    for _, values in sorted(rows, key=lambda r: (r[1]["code"][1] is not None, r[0])):
        program = programs[values["program"]]
        group, sub = values["code"]
        parent = None if sub is None else Component.objects.get(program=program, parent=None, number=group)
        component = Component.objects.filter(program=program, parent=parent, number=sub or group).first()
        wanted = {"name": values["name"], "capital_types": values["capital"], "scope": values["scope"]}
        if component is None:
            level = Component.objects.filter(program=program, parent__isnull=sub is None).exclude(term="")
            term = level.values_list("term", flat=True).first() or ""  # what the program calls this level
            component = Component(program=program, parent=parent, number=sub or group, term=term, **wanted)
            result.created += 1
        elif all(getattr(component, k) == v for k, v in wanted.items()):
            result.unchanged += 1
            continue
        else:
            for name, value in wanted.items():
                setattr(component, name, value)
            result.renamed += 1
        component._history_user, component._change_reason = user, reason
        component.save()


def catalogue_import(*, user: User, path: Path, name: str, kind: str) -> CatalogueResult:
    """Check the file; when it has no problem, add and correct the components it lists."""
    if not user.is_system_admin:
        raise PermissionDenied("Chỉ quản trị hệ thống được sửa danh mục chương trình.")
    result = CatalogueResult()
    rows = _read(path, kind, result.problems)
    if result.ok:
        _write(rows, user, f"Nhập tệp {name}"[:100], result)
    return result
