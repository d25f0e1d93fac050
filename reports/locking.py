"""The rules of the approval lock, registered with povertyprog.approvals (reports/apps.py), through
which every write path checks it (households.services, households.importing, budgets.services,
reports.targets, and through them the pages, imports, commands and demo).

A unit's data of year Y is locked while its submission of the annual period Y is sent or approved.
Household master data (name, village…) is not bound to a year and stays editable: approved
figures read the review's snapshot of the household (docs/decisions.md D27).
"""

from django.utils import timezone

from povertyprog.units.models import AdministrativeUnit
from reports.models import PeriodKind, State, Submission


def _locking(units, year: int, states=(State.SUBMITTED, State.APPROVED)):
    """Submissions that lock their unit's data of `year`: approved ones, and sent ones (sending is
    a commitment: the sender changes nothing until it is returned or withdrawn)."""
    return Submission.objects.filter(
        unit__in=units, period__kind=PeriodKind.ANNUAL, period__last_year=year, state__in=states
    ).select_related("unit", "decided_by__unit", "submitted_by")


def locked_message(submission: Submission, year: int) -> str:
    if submission.state == State.SUBMITTED:
        return sent_message(submission, year)
    return approved_message(submission, year)


def sent_message(submission: Submission, year: int) -> str:
    day = timezone.localtime(submission.submitted_at).strftime("%d/%m/%Y") if submission.submitted_at else ""
    sent = f"đã được gửi ngày {day}" if day else "đã được gửi"
    if submission.submitted_by is not None:
        sent += f" bởi {submission.submitted_by}"
    return (
        f"Số liệu năm {year} của {submission.unit.name} {sent}, "
        "đang chờ cấp trên phê duyệt: không thể thay đổi. Muốn sửa, hãy rút hồ sơ về (ghi lý do) "
        "hoặc chờ cấp trên trả lại."
    )


def approved_message(submission: Submission, year: int) -> str:
    approver = submission.decided_by
    who = str(approver) if approver else ""
    day = timezone.localtime(submission.decided_at).strftime("%d/%m/%Y") if submission.decided_at else ""
    reopener = approver.unit.name if approver and approver.unit_id else "cấp phê duyệt"
    return (
        f"Số liệu năm {year} của {submission.unit.name} đã được phê duyệt ngày {day} bởi {who}: "
        f"không thể thay đổi. Muốn sửa, đề nghị {reopener} mở lại số liệu năm {year}."
    )


def lock_message(unit: AdministrativeUnit, year: int, *, sent_too: bool = True) -> str:
    """Why the unit's data of `year` cannot change ("" when it can): pages open read-only with it.
    `sent_too=False`: only approval locks (the approving unit's targets for a unit that has sent)."""
    states = (State.SUBMITTED, State.APPROVED) if sent_too else (State.APPROVED,)
    submission = _locking([unit], year, states).first()
    return locked_message(submission, year) if submission is not None else ""


def locked_units(unit_ids, year: int) -> dict[int, str]:
    """{unit id: message} for the units among `unit_ids` whose data of `year` is locked (one query)."""
    return {s.unit_id: locked_message(s, year) for s in _locking(list(unit_ids), year)}


def unapproved_units(unit: AdministrativeUnit, year: int) -> list[str]:
    from reports.selectors import unapproved_units as names

    return names(unit, year)
