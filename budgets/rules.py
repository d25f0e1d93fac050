"""Checks on a budget line's stages. Pure: used by the entry grid, the import and the tests.

Errors stop the save; warnings are shown and the line is saved (allocating more than was
assigned happens when a decision is late, and the officer is told to check it).
"""

from dataclasses import dataclass, field

from povertyprog.lib.money import format_million

STAGE_FIELDS = ("assigned", "allocated", "carried_over", "disbursed")


@dataclass
class LineCheck:
    errors: dict[str, str] = field(default_factory=dict)  # stage field -> message
    warnings: dict[str, str] = field(default_factory=dict)

    @property
    def ok(self) -> bool:
        return not self.errors


def check_line(*, assigned: int, allocated: int, carried_over: int, disbursed: int) -> LineCheck:
    check = LineCheck()
    values = {
        "assigned": assigned,
        "allocated": allocated,
        "carried_over": carried_over,
        "disbursed": disbursed,
    }
    for name, value in values.items():
        if value < 0:
            check.errors[name] = "Số tiền không được âm."
    if check.errors:
        return check
    if disbursed > allocated + carried_over:
        check.errors["disbursed"] = (
            f"Số đã giải ngân ({format_million(disbursed)} triệu đồng) vượt số đã phân bổ cộng chuyển nguồn "
            f"({format_million(allocated + carried_over)} triệu đồng)."
        )
    if allocated > assigned:
        check.warnings["allocated"] = (
            f"Số đã phân bổ ({format_million(allocated)} triệu đồng) lớn hơn kế hoạch vốn giao "
            f"({format_million(assigned)} triệu đồng): đề nghị kiểm tra lại."
        )
    return check


BREAKDOWN = ("poor", "near_poor", "recently_escaped", "ethnic_minority")


def breakdown_errors(values: dict, total_field: str, total_label: str) -> dict[str, str]:
    """{field: message} for an "of which" split of a count: each part at most the total, and
    poor + near-poor at most the total (a household is one or the other, never both)."""
    total = values.get(total_field) or 0
    errors = {
        name: f"Không được lớn hơn {total_label} ({total})."
        for name in BREAKDOWN
        if (values.get(name) or 0) > total
    }
    poor, near_poor = values.get("poor") or 0, values.get("near_poor") or 0
    if "near_poor" not in errors and "poor" not in errors and poor + near_poor > total:
        errors["near_poor"] = (
            f"Hộ nghèo ({poor}) cộng hộ cận nghèo ({near_poor}) lớn hơn {total_label} ({total})."
        )
    return errors
