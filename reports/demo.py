"""Demo reporting cycle: the 2024 annual period in Bắc Kạn city as it went (5 communes approved,
one sent and waiting, one returned with a reason, one still in draft), seed 002's targets for
2024, Huyện Chợ Mới's targets for 2024 and 2025 with near-poor ones (a plan over 2024 - 2025, as
seed 003), and the open 2026 period for trying the workflow.

The 2024 cycle closed on 31/01/2025, so its events are recorded with the dates they happened
rather than replayed through reports.cycle (which refuses sending after the close date).
"""

from datetime import date, datetime, time

from django.db import transaction
from django.utils import timezone

from households.demo import BACKAN_CITY_2024, CHO_MOI_2024
from povertyprog.accounts.models import User
from povertyprog.units.models import AdministrativeUnit
from reports.models import Action, PeriodKind, ReportingPeriod, State, Submission, SubmissionEvent, Target
from reports.selectors import snapshot

THREE_TIER = date(2021, 1, 1)


def _annual(year: int) -> tuple:
    """An annual period as the demo's provinces run it: opens 1/10, due 15/12, closes 31/01."""
    return (str(year), f"Báo cáo năm {year}", PeriodKind.ANNUAL, year, year,
            date(year, 10, 1), date(year, 12, 15), date(year + 1, 1, 31))  # fmt: skip


PERIODS = [
    # The phase (seed 004: 2,76% of the 2021 review, to "dưới 1,83%"), whose mid-term report was
    # due in mid-2024; seed 001's 2022; the 2024 cycle as it went; the open 2026 period.
    (
        "2021-2025",
        "Giai đoạn 2021 - 2025",
        PeriodKind.PHASE,
        2021,
        2025,
        date(2024, 5, 1),
        date(2024, 6, 15),
        date(2024, 7, 31),
    ),  # fmt: skip
    _annual(2022),
    _annual(2024),
    _annual(2025),
    _annual(2026),
]
RETURN_REASON = (
    "Số hộ nghèo thiếu hụt chỉ số bảo hiểm y tế chưa khớp với danh sách cấp thẻ BHYT của phường; "
    "đề nghị rà soát lại và gửi lại."
)
# commune code -> (state, first sent, decided); dates of the 2024 cycle.
CYCLE_2024 = {
    "01834": (State.APPROVED, date(2024, 12, 2), date(2024, 12, 9)),
    "01837": (State.APPROVED, date(2024, 12, 5), date(2024, 12, 12)),
    "01840": (State.APPROVED, date(2024, 12, 10), date(2024, 12, 16)),
    "01843": (State.APPROVED, date(2024, 12, 12), date(2024, 12, 18)),
    "01846": (State.APPROVED, date(2024, 12, 18), date(2024, 12, 23)),  # sent after the due date
    "01852": (State.SUBMITTED, date(2024, 12, 14), None),
    "01855": (State.RETURNED, date(2024, 12, 13), date(2024, 12, 17)),
    # 01849 Dương Quang: still a draft
}
# Huyện Chợ Mới (households.demo.CHO_MOI_2024): both approved by its district.
CHO_MOI_CYCLE_2024 = {
    "02086": (State.APPROVED, date(2024, 12, 9), date(2024, 12, 13)),
    "02101": (State.APPROVED, date(2024, 12, 11), date(2024, 12, 16)),
}
# Phase targets (seed 004): Bắc Kạn city from 359 poor of ~13.000 households (2,76%) to below
# 1,83%; seed 001: Cẩm Lương to reduce 10 of its 44 poor households in 2022 (achieved 13).
PHASE_TARGETS = [("058", 13_000, 359, 121)]
TARGETS_2022 = [("15139", 1_320, 44, 10)]
# Huyện Chợ Mới (invented): near-poor targets as seed 003 sets them, and the 2025 year of a plan
# over 2024 - 2025, on the registry of the year before: code -> (near-poor start, reduction).
CHO_MOI_NEAR_POOR_2024 = {"02086": (59, 2), "02101": (136, 3)}
CHO_MOI_2025 = [("02086", 1120, 38, 3), ("02101", 610, 90, 6)]
CHO_MOI_NEAR_POOR_2025 = {"02086": (62, 2), "02101": (139, 4)}


def _at(day: date, hour: int = 9) -> datetime:
    return timezone.make_aware(datetime.combine(day, time(hour)))


@transaction.atomic
def demo_cycle_load() -> int:
    """Create the periods, targets and the 2024 cycle once; returns how many submissions were made."""
    for code, name, kind, first, last, opens, due, closes in PERIODS:
        ReportingPeriod.objects.get_or_create(
            code=code,
            defaults={
                "name": name,
                "kind": kind,
                "first_year": first,
                "last_year": last,
                "opens_on": opens,
                "due_on": due,
                "closes_on": closes,
            },
        )
    period = ReportingPeriod.objects.get(code="2024")
    if Submission.objects.filter(period=period).exists():
        return 0
    for code, targets, near_poor in (
        ("2021-2025", PHASE_TARGETS, {}),
        ("2022", TARGETS_2022, {}),
        ("2024", BACKAN_CITY_2024, {}),
        ("2024", CHO_MOI_2024, CHO_MOI_NEAR_POOR_2024),
        ("2025", CHO_MOI_2025, CHO_MOI_NEAR_POOR_2025),
    ):
        for unit_code, households, poor, reduction in targets:
            near_start, near_reduction = near_poor.get(unit_code, (None, None))
            Target.objects.get_or_create(
                unit=AdministrativeUnit.objects.get(code=unit_code, valid_from=THREE_TIER),
                period=ReportingPeriod.objects.get(code=code),
                defaults={
                    "households_start": households,
                    "poor_start": poor,
                    "planned_reduction": reduction,
                    "near_poor_start": near_start,
                    "planned_near_poor_reduction": near_reduction,
                },
            )
    count = _cycle(period, "058", "tp.backan", CYCLE_2024)
    return count + _cycle(period, "065", "huyen.chomoi", CHO_MOI_CYCLE_2024)


def _cycle(period: ReportingPeriod, district_code: str, username: str, states: dict) -> int:
    district = AdministrativeUnit.objects.get(code=district_code, valid_from=THREE_TIER)
    district_user = User.objects.get(username=username)
    communes = {u.code: u for u in district.children.all()}
    for code, (state, sent, decided) in states.items():
        commune = communes[code]
        officer = User.objects.filter(unit=commune).first()
        submission = Submission.objects.create(
            unit=commune,
            period=period,
            state=state,
            submitted_at=_at(sent),
            submitted_by=officer,
            first_submitted_at=_at(sent),
            decided_at=_at(decided, 15) if decided else None,
            decided_by=district_user if decided else None,
            reason=RETURN_REASON if state == State.RETURNED else "",
            version=3 if decided else 2,
        )
        figures = snapshot(commune, period.year)
        _event(submission, Action.SUBMIT, officer, _at(sent), figures)
        if state == State.APPROVED:
            _event(submission, Action.APPROVE, district_user, _at(decided, 15), figures)
        elif state == State.RETURNED:
            _event(submission, Action.RETURN, district_user, _at(decided, 15), figures, RETURN_REASON)
    return len(states)


def _event(submission, action, user, at, figures, reason="") -> None:
    event = SubmissionEvent.objects.create(
        submission=submission, action=action, user=user, reason=reason, snapshot=figures
    )
    SubmissionEvent.objects.filter(pk=event.pk).update(at=at)


@transaction.atomic
def demo_recognition_load() -> int:
    """The chair of Phường Bắc Kạn recognises its first villages on 16/11/2026 (the decision
    issued from the register, numbered, frozen); returns the households recognised (0 if done)."""
    from households.demo import DECISION_DAY, REVIEW_2026_WARD, SEASON_OFFICER, SEASON_YEAR, TWO_TIER
    from reports import documents
    from reports.composition import new_document
    from reports.models import Document, DocumentKind

    ward = AdministrativeUnit.objects.get(code=REVIEW_2026_WARD, valid_from=TWO_TIER)
    if Document.objects.filter(unit=ward, kind=DocumentKind.RECOGNITION, year=SEASON_YEAR).exists():
        return 0
    officer = User.objects.get(username=SEASON_OFFICER)
    document = new_document(ward, DocumentKind.RECOGNITION, SEASON_YEAR)
    document.fields["signer_name"] = "Hoàng Văn Quyết"
    document._history_user = officer
    document.save()
    issued = documents.document_issue(user=officer, document=document, day=DECISION_DAY)
    return sum(len(group["rows"]) for group in issued.snapshot["decision"]["lists"])
