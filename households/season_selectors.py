"""Reads of the review season: per village and in total, households at each step, meetings,
postings, complaints, what is late and what comes next. A fixed number of grouped queries,
whatever the commune's size (bench/season_page.py)."""

from collections import defaultdict
from datetime import date

from django.db.models import Case, CharField, Count, Exists, F, OuterRef, Q, Value, When

from households.models import (
    Complaint,
    HouseholdReview,
    MeetingVote,
    Posting,
    PostingKind,
    ReviewCase,
    Step,
    Village,
    VillageMeeting,
)
from povertyprog.lib.vietnamese import sort_key
from povertyprog.units.models import AdministrativeUnit

# Steps in the order of the procedure (the season page's columns).
STEPS = [s.value for s in Step]
DECIDED = (Step.RECOGNISED, Step.REFUSED)


def _reviewed():
    return Exists(HouseholdReview.objects.filter(household=OuterRef("household"), year=OuterRef("year")))


def current_step():
    """The step of each case in SQL: a case waiting for Phiếu B is surveyed once its review of
    the year exists, whichever path wrote it (the twin of step_of)."""
    return Case(
        When(Q(step=Step.PHIEU_B) & _reviewed(), then=Value(Step.SURVEYED.value)),
        default=F("step"),
        output_field=CharField(),
    )


def step_of(case: ReviewCase) -> str:
    """The step of one case in Python (the twin of current_step)."""
    if (
        case.step == Step.PHIEU_B
        and HouseholdReview.objects.filter(household_id=case.household_id, year=case.year).exists()
    ):
        return Step.SURVEYED
    return case.step


def _open_complaint():
    return Exists(Complaint.objects.filter(case=OuterRef("pk"), reposting__isnull=True))


def _reposting_running(on: date):
    return Exists(Complaint.objects.filter(case=OuterRef("pk"), reposting__ends_on__gte=on))


def ready_for_recognition(commune: AdministrativeUnit, year: int, on: date):
    """Cases the chair can recognise on `on`: posted, the posting over, no open complaint, no
    re-check result still posted (households.season.recognition_blockers says why one is not)."""
    return (
        ReviewCase.objects.filter(commune=commune, year=year, step=Step.POSTED, posting__ends_on__lt=on)
        .exclude(_open_complaint())
        .exclude(_reposting_running(on))
    )


NEXT = [
    # (step whose cases wait, what the officer does next, the task's how-to)
    (Step.LISTED, "Rà soát Phiếu A", "phieu-a"),
    (Step.PHIEU_B, "Chấm Phiếu B", "phieu-b"),
    (Step.REREVIEW, "Rà soát lại và họp thôn lại", "hop-thon"),
    (Step.SURVEYED, "Họp thôn", "hop-thon"),
    (Step.AGREED, "Niêm yết công khai", "niem-yet"),
]


def _next_steps(steps: dict, complaints_open: int, ready: int) -> list[dict]:
    todo = [
        {"text": text, "count": steps.get(step, 0), "help": slug}
        for step, text, slug in NEXT
        if steps.get(step)
    ]
    if complaints_open:
        todo.append({"text": "Phúc tra khiếu nại", "count": complaints_open, "help": "khieu-nai"})
    if ready:
        todo.append({"text": "Trình Chủ tịch UBND công nhận", "count": ready, "help": "cong-nhan"})
    return todo


def _empty_row() -> dict:
    return {
        "steps": defaultdict(int),
        "households": 0,
        "meetings": 0,
        "postings_open": 0,
        "postings_closed": 0,
        "complaints_open": 0,
        "complaints_settled": 0,
        "complaints_late": 0,
        "applications_late": 0,
        "ready": 0,
    }


def season_overview(commune: AdministrativeUnit, year: int, today: date) -> dict:
    """{"villages": [row per village, Vietnamese order], "total": row}; a row holds the counts
    (steps: step → households) and `late` / `next` lists. Seven queries, any commune size."""
    rows = defaultdict(_empty_row)
    cases = ReviewCase.objects.filter(commune=commune, year=year)
    for village_id, step, n in (
        cases.annotate(current=current_step()).values_list("village_id", "current").annotate(n=Count("id"))
    ):
        rows[village_id]["steps"][step] += n
        rows[village_id]["households"] += n
    for village_id, n in (
        VillageMeeting.objects.filter(commune=commune, year=year)
        .values_list("village_id")
        .annotate(n=Count("id"))
    ):
        rows[village_id]["meetings"] = n
    for village_id, open_, closed in (
        Posting.objects.filter(commune=commune, year=year, kind=PostingKind.LIST)
        .values_list("village_id")
        .annotate(
            open=Count("id", filter=Q(ends_on__gte=today)), closed=Count("id", filter=Q(ends_on__lt=today))
        )
    ):
        rows[village_id]["postings_open"], rows[village_id]["postings_closed"] = open_, closed
    for village_id, open_, settled, late in (
        Complaint.objects.filter(case__commune=commune, case__year=year)
        .values_list("case__village_id")
        .annotate(
            open=Count("id", filter=Q(reposting__isnull=True)),
            settled=Count("id", filter=Q(reposting__isnull=False)),
            late=Count("id", filter=Q(rechecked_on__isnull=True, recheck_due__lt=today)),
        )
    ):
        row = rows[village_id]
        row["complaints_open"], row["complaints_settled"], row["complaints_late"] = open_, settled, late
    for village_id, n in (
        cases.filter(due_on__lt=today)
        .exclude(step__in=DECIDED)
        .values_list("village_id")
        .annotate(n=Count("id"))
    ):
        rows[village_id]["applications_late"] = n
    for village_id, n in (
        ready_for_recognition(commune, year, today).values_list("village_id").annotate(n=Count("id"))
    ):
        rows[village_id]["ready"] = n
    villages = list(
        Village.objects.filter(commune=commune)
        .filter(Q(active=True) | Q(pk__in=list(rows)))
        .only("pk", "name")
    )
    villages.sort(key=lambda v: sort_key(v.name))
    total = _empty_row()
    result = []
    for village in villages:
        row = rows[village.pk]
        for key, value in row.items():
            if key == "steps":
                for step, n in value.items():
                    total["steps"][step] += n
            else:
                total[key] += value
        result.append(_finish({"village": village, **row}))
    return {"villages": result, "total": _finish({"village": None, **total})}


def _finish(row: dict) -> dict:
    row["steps"] = {step: row["steps"].get(step, 0) for step in STEPS}
    row["recognised"] = row["steps"][Step.RECOGNISED]
    row["late"] = [
        text
        for text, n in (
            ("giấy đề nghị quá hạn 15 ngày", row["applications_late"]),
            ("khiếu nại quá hạn phúc tra 7 ngày làm việc", row["complaints_late"]),
        )
        if n
        for text in [f"{n} {text}"]
    ]
    row["next"] = _next_steps(row["steps"], row["complaints_open"], row["ready"])
    return row


def as_json(overview: dict) -> dict:
    """The overview as plain data (review_season --json; keys in README)."""

    def plain(row: dict) -> dict:
        return {
            "village": row["village"].name if row["village"] else None,
            "households": row["households"],
            "steps": row["steps"],
            "meetings": row["meetings"],
            "postings_open": row["postings_open"],
            "postings_closed": row["postings_closed"],
            "complaints_open": row["complaints_open"],
            "complaints_settled": row["complaints_settled"],
            "complaints_late": row["complaints_late"],
            "applications_late": row["applications_late"],
            "ready_for_recognition": row["ready"],
            "recognised": row["recognised"],
        }

    return {"villages": [plain(r) for r in overview["villages"]], "total": plain(overview["total"])}


def village_cases(village: Village, year: int):
    """The village's cases with their current step and what the page prints per household."""
    return (
        ReviewCase.objects.filter(village=village, year=year)
        .annotate(current=current_step())
        .select_related("household", "meeting", "posting")
        .order_by("household__head_sort_key", "household__code")
    )


def meeting_votes(meeting: VillageMeeting):
    """The households discussed at a meeting and the agreement count of each (Phụ lục V)."""
    return (
        MeetingVote.objects.filter(meeting=meeting)
        .select_related("case__household")
        .order_by("case__household__head_sort_key", "case__household__code")
    )
