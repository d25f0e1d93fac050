"""The tables of the Alkire-Foster page as an Excel workbook (numbers stay numbers)."""

from openpyxl import Workbook

from households.mpi_selectors import GROUPINGS
from povertyprog.lib.formatting import format_number
from povertyprog.lib.workbooks import table_sheet, workbook_bytes

COUNTED = {"households": "hộ", "persons": "người"}


def _pct(value: float) -> float:
    return round(value * 100, 2)


def mpi_workbook(result: dict, change: dict | None = None) -> bytes:
    """`result` and `change` as households.mpi.as_floats gives them."""
    book = Workbook()
    book.remove(book.active)
    unit, year, counted = result["unit"]["name"], result["year"], COUNTED[result["counted"]]
    caption = (
        f"Ngưỡng nghèo k = {format_number(result['k'] * 100, 2)}%; tính theo {counted}; "
        f"quần thể: mọi hộ có kết quả rà soát năm {year} trên địa bàn"
    )
    title = f"Nghèo đa chiều (phương pháp Alkire-Foster) – {unit} – năm {year}"
    table_sheet(
        book, "Tổng hợp", title, caption,
        [f"Số {counted}", f"Số {counted} nghèo đa chiều", "H – tỷ lệ nghèo (%)", "A – cường độ (%)", "M0"],
        ["1", "2", "3", "4", "5 = 3 × 4 / 100"],
        [("1", unit, True, [result["population"], result["poor"], _pct(result["H"]), _pct(result["A"]),
                             round(result["M0"], 4)])],
        rates={2, 3}, number_format="#,##0.####",
    )  # fmt: skip
    table_sheet(
        book, "Chỉ số", f"Tỷ lệ thiếu hụt và đóng góp của từng chỉ số – {unit} – năm {year}", caption,
        ["Chiều", "Trọng số", "Tỷ lệ thiếu hụt chưa kiểm duyệt (%)", "Tỷ lệ thiếu hụt đã kiểm duyệt (%)",
         "Đóng góp tuyệt đối", "Đóng góp (%)"],
        ["1", "2", "3", "4", "5 = 2 × 4 / 100", "6"],
        [(str(i["number"]), i["name"], False,
          [next(d["name"] for d in result["dimensions"] if d["key"] == i["dimension"]), round(i["weight"], 6),
           _pct(i["uncensored"]), _pct(i["censored"]), round(i["contribution"], 6), round(i["share"], 2)])
         for i in result["indicators"]],
        rates={2, 3, 5}, label_header="Chỉ số", number_format="0.######",
    )  # fmt: skip
    table_sheet(
        book, "Chiều", f"Đóng góp của từng chiều – {unit} – năm {year}", caption,
        ["Đóng góp tuyệt đối", "Đóng góp (%)"], ["1", "2"],
        [(str(n), d["name"], False, [round(d["contribution"], 6), round(d["share"], 2)])
         for n, d in enumerate(result["dimensions"], 1)],
        rates={1}, label_header="Chiều", number_format="0.######",
    )  # fmt: skip
    if result["groups"]:
        rows = [
            (str(n), g["name"], False, [_pct(g["population_share"]), g["population"], _pct(g["H"]),
                                        _pct(g["A"]), round(g["M0"], 4), round(g["weighted_M0"], 4)])
            for n, g in enumerate(result["groups"], 1)
        ]  # fmt: skip
        by = GROUPINGS[result["by"]].lower()
        table_sheet(
            book, "Theo nhóm", f"Phân rã theo {by} – {unit} – năm {year}", caption,
            ["Tỷ trọng dân số (%)", f"Số {counted}", "H (%)", "A (%)", "M0", "Tỷ trọng × M0"],
            ["1", "2", "3", "4", "5", "6 = 1 × 5 / 100"],
            rows, rates={0, 2, 3}, label_header="Nhóm", number_format="#,##0.####",
        )  # fmt: skip
    if change:
        names = {"H": "H – tỷ lệ nghèo (%)", "A": "A – cường độ (%)", "M0": "M0"}
        scale = {"H": 100, "A": 100, "M0": 1}
        table_sheet(
            book, "Thay đổi", f"Thay đổi từ năm {change['first']} đến năm {change['last']} – {unit}", caption,
            [f"Năm {change['first']}", f"Năm {change['last']}", "Thay đổi tuyệt đối", "Tuyệt đối mỗi năm",
             "Thay đổi tương đối (%)", "Tương đối mỗi năm (%)"],
            ["1", "2", "3 = 2 - 1", "4", "5", "6"],
            [(str(n), names[m], False, _change_values(change[m], scale[m]))
             for n, m in enumerate(("H", "A", "M0"), 1)],
            rates={4, 5}, label_header="Chỉ số", number_format="0.####",
        )  # fmt: skip
    return workbook_bytes(book)


def _change_values(figures: dict, scale: int) -> list:
    absolute = [
        round(figures[key] * scale, 4) for key in ("before", "after", "absolute", "absolute_per_year")
    ]
    relative = [
        figures[key] if figures[key] is None else round(figures[key], 2)
        for key in ("relative", "relative_per_year")
    ]
    return absolute + relative
