"""The submission workflow: draft → submitted → approved, or returned (with a reason) and sent again;
an approved unit reopened (with a reason) by its approver.

The approver of a unit is the nearest unit above it with staff who approve (district staff, or
since 1/7/2025 the province directly): the same flow runs with or without districts. A unit is
approved only when all its children are (children first). Every transition is checked against
the version the page was opened on (two tabs: one wins, the other is told), leaves an event with
the unit's figures as they stood, and notifies the people concerned.
"""

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.utils import timezone

from povertyprog import audit
from povertyprog.accounts.models import User
from povertyprog.accounts.scoping import DATA_ENTRY_ROLES, REVIEWER_ROLES
from povertyprog.units.models import AdministrativeUnit
from reports.models import Action, ReportingPeriod, State, Submission, SubmissionEvent
from reports.notifications import notify
from reports.selectors import snapshot, unapproved_children

MIN_REASON = 10  # characters: "sai" is not a reason


class StaleDecisionError(Exception):
    message = (
        "Hồ sơ này vừa được người khác xử lý sau khi bạn mở trang. Hãy tải lại trang để xem trạng thái mới."
    )


def approver_unit(unit: AdministrativeUnit) -> AdministrativeUnit | None:
    """The nearest unit above `unit` that has active approving staff."""
    ancestors = [a for a in unit.ancestors() if a.pk != unit.pk]
    staffed = set(
        User.objects.filter(unit__in=ancestors, role__in=REVIEWER_ROLES, is_active=True).values_list(
            "unit_id", flat=True
        )
    )
    return next((a for a in reversed(ancestors) if a.pk in staffed), None)


def can_submit(user: User, unit: AdministrativeUnit) -> bool:
    return user.role in DATA_ENTRY_ROLES and user.unit_id == unit.pk


def can_decide(user: User, unit: AdministrativeUnit) -> bool:
    if user.role not in REVIEWER_ROLES:
        return False
    approver = approver_unit(unit)
    return approver is not None and approver.pk == user.unit_id


def submission_for(unit: AdministrativeUnit, period: ReportingPeriod) -> Submission:
    submission, _ = Submission.objects.get_or_create(unit=unit, period=period)
    return submission


def _transition(
    submission: Submission, expected_version: int, user: User, action: str, note: str = "", **fields
) -> Submission:
    """Move the submission on (fields), if it is still at `expected_version`; log the event (`note`:
    its reason) with the unit's figures."""
    current = Submission.objects.select_for_update().select_related("unit", "period").get(pk=submission.pk)
    if current.version != expected_version:
        raise StaleDecisionError(StaleDecisionError.message)
    for name, value in fields.items():
        setattr(current, name, value)
    current.version += 1
    current._history_user, current._change_reason = user, audit.WORKFLOW
    current.save()
    SubmissionEvent.objects.create(
        submission=current,
        action=action,
        user=user,
        reason=note,
        snapshot=snapshot(current.unit, current.period.year),
    )
    return current


def period_closed_message(period: ReportingPeriod) -> str:
    """ "" while the period takes transitions; after its close date nothing moves (decisions D39)."""
    if timezone.localdate() <= period.closes_on:
        return ""
    return (
        f"Kỳ báo cáo {period.name} đã khóa sổ ngày {period.closes_on:%d/%m/%Y}: không gửi, rút về, trả lại, "
        "phê duyệt hay mở lại được nữa. Cần thay đổi, đề nghị quản trị hệ thống gia hạn ngày khóa sổ."
    )


def require_open(period: ReportingPeriod) -> None:
    message = period_closed_message(period)
    if message:
        raise ValidationError(message)


def _reason(reason: str) -> str:
    reason = (reason or "").strip()
    if len(reason) < MIN_REASON:
        raise ValidationError(f"Phải ghi rõ lý do (ít nhất {MIN_REASON} ký tự) để đơn vị biết cần sửa gì.")
    return reason


def _staff(unit: AdministrativeUnit, roles) -> list[User]:
    return list(User.objects.filter(unit=unit, role__in=roles, is_active=True))


@transaction.atomic
def submission_submit(*, user: User, submission: Submission, expected_version: int) -> Submission:
    if not can_submit(user, submission.unit):
        raise PermissionDenied("Chỉ cán bộ của đơn vị được gửi báo cáo của đơn vị.")
    if submission.state not in (State.DRAFT, State.RETURNED):
        raise ValidationError(
            f"Hồ sơ đang ở trạng thái “{submission.get_state_display()}”: không gửi lại được."
        )
    period, now = ReportingPeriod.objects.get(pk=submission.period_id), timezone.now()
    require_open(period)
    done = _transition(
        submission,
        expected_version,
        user,
        Action.SUBMIT,
        state=State.SUBMITTED,
        submitted_at=now,
        submitted_by=user,
        first_submitted_at=submission.first_submitted_at or now,
        reason="",  # the last return's reason is answered by this sending
    )
    approver = approver_unit(done.unit)
    if approver is not None:
        notify(_staff(approver, REVIEWER_ROLES), f"{done.unit.name} đã gửi {period.name.lower()}.", done)
    return done


@transaction.atomic
def submission_withdraw(
    *, user: User, submission: Submission, reason: str, expected_version: int
) -> Submission:
    """The sender takes a sent submission back to correct it (a reason is required; the approving
    unit is told). Its data is unlocked until it is sent again."""
    if not can_submit(user, submission.unit):
        raise PermissionDenied("Chỉ cán bộ của đơn vị được rút hồ sơ của đơn vị.")
    require_open(ReportingPeriod.objects.get(pk=submission.period_id))  # as it stands now
    reason = _reason(reason)
    if submission.state != State.SUBMITTED:
        raise ValidationError("Chỉ rút về được hồ sơ đã gửi, chưa phê duyệt.")
    done = _transition(
        submission, expected_version, user, Action.WITHDRAW, reason, state=State.DRAFT, reason=reason
    )
    approver = approver_unit(done.unit)
    if approver is not None:
        notify(
            _staff(approver, REVIEWER_ROLES),
            f"{done.unit.name} đã rút hồ sơ {done.period.name.lower()} về để sửa: {reason}",
            done,
        )
    return done


@transaction.atomic
def submission_return(
    *, user: User, submission: Submission, reason: str, expected_version: int
) -> Submission:
    _require_decider(user, submission)
    require_open(ReportingPeriod.objects.get(pk=submission.period_id))  # as it stands now
    reason = _reason(reason)
    if submission.state != State.SUBMITTED:
        raise ValidationError("Chỉ trả lại được hồ sơ đã gửi, chưa phê duyệt.")
    done = _transition(
        submission,
        expected_version,
        user,
        Action.RETURN,
        reason,
        state=State.RETURNED,
        decided_at=timezone.now(),
        decided_by=user,
        reason=reason,
    )
    notify(_staff(done.unit, DATA_ENTRY_ROLES), f"{done.period.name} bị trả lại: {reason}", done)
    return done


@transaction.atomic
def submission_approve(*, user: User, submission: Submission, expected_version: int) -> Submission:
    _require_decider(user, submission)
    require_open(ReportingPeriod.objects.get(pk=submission.period_id))  # as it stands now
    if submission.state != State.SUBMITTED:
        raise ValidationError("Chỉ phê duyệt được hồ sơ đã gửi.")
    waiting = unapproved_children(submission.unit, submission.period)
    if waiting:
        names = ", ".join(u.name for u in waiting[:5]) + ("…" if len(waiting) > 5 else "")
        raise ValidationError(
            f"Chưa phê duyệt được: còn {len(waiting)} đơn vị trực thuộc chưa được phê duyệt ({names})."
        )
    done = _transition(
        submission,
        expected_version,
        user,
        Action.APPROVE,
        state=State.APPROVED,
        decided_at=timezone.now(),
        decided_by=user,
        reason="",
    )
    notify(_staff(done.unit, DATA_ENTRY_ROLES), f"{done.period.name} đã được phê duyệt.", done)
    return done


@transaction.atomic
def submissions_approve_children(*, user: User, unit: AdministrativeUnit, period: ReportingPeriod) -> int:
    """Approve every submitted child of `unit`; returns how many. Children of one unit share their
    approver, so the permission is checked once for all of them."""
    submissions = list(
        Submission.objects.filter(unit__parent=unit, period=period, state=State.SUBMITTED).select_related(
            "unit", "period"
        )
    )
    if submissions and not can_decide(user, submissions[0].unit):
        raise PermissionDenied("Chỉ cấp phê duyệt trực tiếp của đơn vị được phê duyệt, trả lại hoặc mở lại.")
    require_open(period)
    for submission in submissions:
        submission_approve(user=user, submission=submission, expected_version=submission.version)
    return len(submissions)


@transaction.atomic
def submission_reopen(
    *, user: User, submission: Submission, reason: str, expected_version: int
) -> Submission:
    """Unlock one approved unit (never its siblings); approvals above it that counted on it go
    back to "submitted"."""
    _require_decider(user, submission)
    require_open(ReportingPeriod.objects.get(pk=submission.period_id))  # as it stands now
    reason = _reason(reason)
    if submission.state != State.APPROVED:
        raise ValidationError("Chỉ mở lại được hồ sơ đã phê duyệt.")
    done = _transition(
        submission,
        expected_version,
        user,
        Action.REOPEN,
        reason,
        state=State.RETURNED,
        decided_at=timezone.now(),
        decided_by=user,
        reason=reason,
    )
    for above in Submission.objects.filter(
        unit__in=[a for a in done.unit.ancestors() if a.pk != done.unit.pk],
        period=done.period,
        state=State.APPROVED,
    ):
        _transition(
            above,
            above.version,
            user,
            Action.REOPEN,
            f"Mở lại vì {done.unit.name}: {reason}",
            state=State.SUBMITTED,
        )
    notify(_staff(done.unit, DATA_ENTRY_ROLES), f"{done.period.name} được mở lại để sửa: {reason}", done)
    return done


def _require_decider(user: User, submission: Submission) -> None:
    if not can_decide(user, submission.unit):
        raise PermissionDenied("Chỉ cấp phê duyệt trực tiếp của đơn vị được phê duyệt, trả lại hoặc mở lại.")
