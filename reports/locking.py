"""Approved figures are locked: the one check every write path makes (households.services,
households.importing, budgets.services, and through them the pages, imports, commands and demo).

A unit's data of year Y is locked while its submission of the annual period Y is approved.
Household master data (name, village…) is not bound to a year and stays editable: approved
figures read the review's snapshot of the household (docs/decisions.md D27).
"""

from django.core.exceptions import PermissionDenied
from django.utils import timezone

from povertyprog.units.models import AdministrativeUnit
from reports.models import PeriodKind, State, Submission


class LockedError(PermissionDenied):
    """The data is approved; the message says when and by whom."""


def _approved(units, year: int):
    return Submission.objects.filter(
        unit__in=units, period__kind=PeriodKind.ANNUAL, period__last_year=year, state=State.APPROVED
    ).select_related("unit", "decided_by__unit")


def locked_message(submission: Submission, year: int) -> str:
    approver = submission.decided_by
    who = str(approver) if approver else ""
    day = timezone.localtime(submission.decided_at).strftime("%d/%m/%Y") if submission.decided_at else ""
    reopener = approver.unit.name if approver and approver.unit_id else "cấp phê duyệt"
    return (
        f"Số liệu năm {year} của {submission.unit.name} đã được phê duyệt ngày {day} bởi {who}: "
        f"không thể thay đổi. Muốn sửa, đề nghị {reopener} mở lại số liệu năm {year}."
    )


def lock_message(unit: AdministrativeUnit, year: int) -> str:
    """Why the unit's data of `year` cannot change ("" when it can): pages open read-only with it."""
    submission = _approved([unit], year).first()
    return locked_message(submission, year) if submission is not None else ""


def ensure_unlocked(unit: AdministrativeUnit, year: int) -> None:
    message = lock_message(unit, year)
    if message:
        raise LockedError(message)


def locked_units(unit_ids, year: int) -> dict[int, str]:
    """{unit id: message} for the units among `unit_ids` whose data of `year` is locked (one query)."""
    return {s.unit_id: locked_message(s, year) for s in _approved(list(unit_ids), year)}
