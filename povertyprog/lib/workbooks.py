"""Writing spreadsheets with openpyxl: header rows, the aggregate-table layout officials
exchange (title, caption, header, column-number row, TT | name | values), bytes out.
Numbers stay numbers; text is neutralised against formula injection (spreadsheets.neutralise).
"""

import io

from openpyxl import Workbook
from openpyxl.styles import Alignment, Font, PatternFill
from openpyxl.utils import get_column_letter

from povertyprog.lib.spreadsheets import Column, neutralise

HEADER_FILL = PatternFill("solid", fgColor="DDE6F0")
BOLD = Font(bold=True)
MILLION_FORMAT = "#,##0.###"  # triệu đồng, up to 3 decimals (shown with the reader's separators)


def header_row(sheet, columns: list[Column], row: int) -> None:
    for index, column in enumerate(columns, 1):
        cell = sheet.cell(row=row, column=index, value=column.header)
        cell.font, cell.fill = BOLD, HEADER_FILL
        cell.alignment = Alignment(wrap_text=True, vertical="center")
        sheet.column_dimensions[get_column_letter(index)].width = max(10, min(32, len(column.header) + 4))
    sheet.freeze_panes = sheet.cell(row=row + 1, column=1)


def workbook_bytes(book: Workbook) -> bytes:
    buffer = io.BytesIO()
    book.save(buffer)
    return buffer.getvalue()


def table_sheet(
    book: Workbook,
    sheet_title: str,
    title: str,
    caption: str,
    headers: list[str],
    numbers: list[str],
    rows: list[tuple[str, str, bool, list]],
    rates: set[int] = frozenset(),
    label_header: str = "Đơn vị",
    number_format: str = "#,##0",
) -> None:
    """One table: title, caption, header row, column-number row, then TT | unit | values.

    `rates` are the 0-based value columns holding percentages (number format 0.00).
    """
    sheet = book.create_sheet(sheet_title[:31])
    sheet.append([title])
    sheet["A1"].font = Font(bold=True, size=13)
    sheet.append([caption])
    sheet.append([])
    sheet.append(["TT", label_header, *headers])
    sheet.append(["", "", *numbers])
    for cell in sheet[4]:
        cell.font, cell.fill = BOLD, HEADER_FILL
        cell.alignment = Alignment(wrap_text=True, vertical="center", horizontal="center")
    for cell in sheet[5]:
        cell.font = Font(italic=True)
        cell.alignment = Alignment(horizontal="center", wrap_text=True)
    for number, name, bold, values in rows:
        sheet.append([number, neutralise(name), *values])
        line = sheet[sheet.max_row]
        for index, cell in enumerate(line):
            if bold:
                cell.font = BOLD
            if index >= 2 and index - 2 in rates:
                cell.number_format = "0.00"
            elif index >= 2:
                cell.number_format = number_format
    sheet.freeze_panes = "C6"
    sheet.column_dimensions["A"].width = 7
    sheet.column_dimensions["B"].width = 34
    for index in range(len(headers)):
        sheet.column_dimensions[get_column_letter(index + 3)].width = 14
    sheet.row_dimensions[4].height = 60


def guide_sheet(book: Workbook, title: str, lines: list[str], sheets: list[tuple[str, list[Column]]]) -> None:
    """The "Hướng dẫn" sheet of an import template: the rules, then every column of every sheet."""
    guide = book.create_sheet("Hướng dẫn")
    guide.append([title])
    guide["A1"].font = Font(bold=True, size=13)
    for line in lines:
        guide.append([line])
    guide.append([])
    for name, columns in sheets:
        guide.append([f"Trang “{name}”", "Bắt buộc", "Cách ghi"])
        for cell in guide[guide.max_row]:
            cell.font, cell.fill = BOLD, HEADER_FILL
        for column in columns:
            guide.append([column.header, "Có" if column.required else "", column.help])
        guide.append([])
    guide.column_dimensions["A"].width = 45
    guide.column_dimensions["B"].width = 10
    guide.column_dimensions["C"].width = 90
