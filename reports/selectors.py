"""What district and province staff see of a period: who sent and who is approved, on time or late,
and the figures of each child unit — official (approved communes only) or provisional (all).

Sums happen in the database over the registry rollups (one grouped query), not per child.
"""

from django.db.models import Q, Sum
from django.utils import timezone

from households.indicators import INDICATORS
from households.models import HouseholdClass, HouseholdReview, RegistryRollup
from households.selectors import rate
from povertyprog.dbrouter import replica_reads
from povertyprog.units.models import AdministrativeUnit, Level
from reports.models import (
    Action,
    Document,
    IndicatorTarget,
    PeriodKind,
    ReportingPeriod,
    State,
    Submission,
    Target,
)


def _children(unit: AdministrativeUnit) -> list[AdministrativeUnit]:
    return list(unit.children.order_by("code"))


def cycle_status(unit: AdministrativeUnit, period: ReportingPeriod) -> dict:
    """The unit's own state and each child's: the `cycle_status --json` keys (README.md)."""
    children = _children(unit)
    submissions = {
        s.unit_id: s
        for s in Submission.objects.filter(Q(unit__in=children) | Q(unit=unit), period=period).select_related(
            "submitted_by", "decided_by"
        )
    }
    rows = [_status_row(child, submissions.get(child.pk), period) for child in children]
    counts = {state: sum(1 for r in rows if r["state"] == state) for state in State.values}
    counts["on_time"] = sum(1 for r in rows if r["on_time"] is True)
    counts["late"] = sum(1 for r in rows if r["on_time"] is False)
    return {
        "unit": _status_row(unit, submissions.get(unit.pk), period),
        "period": {"code": period.code, "name": period.name, "due_on": period.due_on.isoformat(),
                   "closes_on": period.closes_on.isoformat()},
        "children": rows,
        "counts": {"children": len(rows), **counts},
    }  # fmt: skip


def _status_row(unit: AdministrativeUnit, submission: Submission | None, period: ReportingPeriod) -> dict:
    def stamp(value):
        return timezone.localtime(value).isoformat() if value else None

    return {
        "id": unit.pk,
        "code": unit.code,
        "name": unit.name,
        "submission_id": submission.pk if submission else None,
        "state": submission.state if submission else State.DRAFT,
        "state_label": submission.get_state_display() if submission else State.DRAFT.label,
        "first_submitted_at": stamp(submission and submission.first_submitted_at),
        "submitted_at": stamp(submission and submission.submitted_at),
        "decided_at": stamp(submission and submission.decided_at),
        "reason": submission.reason if submission else "",
        "on_time": submission.on_time if submission else (False if _overdue(period) else None),
    }


def _overdue(period: ReportingPeriod) -> bool:
    return timezone.localdate() > period.due_on


def approved_communes(period: ReportingPeriod):
    """Ids of communes whose submission of the period is approved (a subquery)."""
    return Submission.objects.filter(period=period, state=State.APPROVED, unit__level=Level.COMMUNE).values(
        "unit_id"
    )


@replica_reads
def dashboard_figures(unit: AdministrativeUnit, period: ReportingPeriod, official: bool) -> dict:
    """Households, poor and near-poor per child unit for the period's year, from approved communes
    only (official) or from all (provisional), with the targets set for each child."""
    year = period.year
    level_field = {Level.PROVINCE: "province", Level.DISTRICT: "district"}[unit.level]
    children = _children(unit)
    child_field = "district_id" if children and children[0].level == Level.DISTRICT else "commune_id"
    rollups = RegistryRollup.objects.filter(**{level_field: unit}, year=year)
    if official:
        rollups = rollups.filter(commune_id__in=approved_communes(period))
    sums = {
        row[child_field]: row
        for row in rollups.values(child_field).annotate(
            households_n=Sum("households"),
            poor_n=Sum("households", filter=Q(classification=HouseholdClass.POOR)),
            near_poor_n=Sum("households", filter=Q(classification=HouseholdClass.NEAR_POOR)),
        )
    }
    targets = {t.unit_id: t for t in Target.objects.filter(unit__in=children, period=period)}
    rows, total = [], {"households": 0, "poor": 0, "near_poor": 0}
    for child in children:
        found = sums.get(child.pk, {})
        figures = {k: found.get(f"{k}_n") or 0 for k in total}
        for k in total:
            total[k] += figures[k]
        target = targets.get(child.pk)
        rows.append({
            "unit": child, **figures, "poor_rate": rate(figures["poor"], figures["households"]),
            "near_poor_rate": rate(figures["near_poor"], figures["households"]),
            "target": target,
            "target_end_rate": target.planned_end_rate if target else None,
        })  # fmt: skip
    return {
        "rows": rows,
        "total": {**total, "poor_rate": rate(total["poor"], total["households"])},
        "official": official,
        "year": year,
    }


def submission_completeness(unit: AdministrativeUnit, year: int) -> dict:
    """What a sending would carry, shown before it is sent: households of the subtree reviewed in
    `year` out of those registered, the unit's budget lines and general-policy results of the year."""
    from budgets.models import BudgetLine, PolicyResult
    from households.models import Household, HouseholdReview

    in_subtree = Q(commune__path__startswith=unit.path)
    households = Household.objects.filter(in_subtree).count()
    reviewed = HouseholdReview.objects.filter(in_subtree, year=year).count()
    return {
        "households": households,
        "reviewed": reviewed,
        "reviewed_rate": rate(reviewed, households),
        "complete": households > 0 and reviewed >= households,
        "budget_lines": BudgetLine.objects.filter(unit=unit, year=year).count(),
        "policy_results": PolicyResult.objects.filter(unit=unit, year=year).count(),
    }


@replica_reads
def indicator_poor_rates(unit: AdministrativeUnit, period: ReportingPeriod, official: bool) -> dict | None:
    """{indicator field: % of poor households deprived} of the unit's subtree for the period's year,
    from approved communes only (official) or all (provisional); None when there is no poor
    household to count. One aggregate over the rollups."""
    from households.indicators import INDICATOR_FIELDS

    level_field = {Level.PROVINCE: "province", Level.DISTRICT: "district", Level.COMMUNE: "commune"}
    rollups = RegistryRollup.objects.filter(
        **{level_field[unit.level]: unit}, year=period.year, classification=HouseholdClass.POOR
    )
    if official:
        rollups = rollups.filter(commune_id__in=approved_communes(period))
    sums = rollups.aggregate(poor_n=Sum("households"), **{f"{f}_n": Sum(f) for f in INDICATOR_FIELDS})
    if not sums["poor_n"]:
        return None
    return {f: rate(sums[f"{f}_n"] or 0, sums["poor_n"]) for f in INDICATOR_FIELDS}


def unapproved_units(unit: AdministrativeUnit, year: int) -> list[str]:
    """Names of the units whose figures a report of `unit` sums and that are not approved for
    `year`: the communes below it (the unit itself when it is a commune), in code order."""
    communes = AdministrativeUnit.objects.filter(
        level=Level.COMMUNE, valid_from=unit.valid_from, path__startswith=unit.path
    )
    approved = Submission.objects.filter(
        unit__in=communes, period__kind=PeriodKind.ANNUAL, period__last_year=year, state=State.APPROVED
    ).values("unit_id")
    return list(communes.exclude(pk__in=approved).order_by("code").values_list("name", flat=True))


def home_todo(user, today) -> dict:
    """The user's to-do on the home page: the open annual periods with their deadline and the
    state of the unit's own report, reports returned to the unit, reports of the units below
    waiting for the user's decision, and unread notifications (a fixed number of queries)."""
    unit = user.unit
    periods = ReportingPeriod.objects.filter(opens_on__lte=today, closes_on__gte=today).order_by("due_on")
    periods = list(periods)
    own = {}
    waiting = 0
    if unit is not None:
        own = {s.period_id: s for s in Submission.objects.filter(unit=unit, period__in=periods)}
        waiting = Submission.objects.filter(
            unit__parent=unit, period__in=periods, state=State.SUBMITTED
        ).count()
    return {
        "periods": [
            {"period": p, "own": own.get(p.pk), "late": p.due_on < today and not _sent(own.get(p.pk))}
            for p in periods
        ],
        "returned": [s for s in own.values() if s.state == State.RETURNED],
        "waiting": waiting,
        "notifications": list(user.notifications.filter(read_at__isnull=True)[:5]),
    }


def _sent(submission) -> bool:
    return submission is not None and submission.state in (State.SUBMITTED, State.APPROVED)


def snapshot(unit: AdministrativeUnit, year: int) -> dict:
    """The unit's own figures of the year: each household's class, each budget line's stages."""
    from budgets.models import BudgetLine

    classes = dict(
        HouseholdReview.objects.filter(commune=unit, year=year).values_list(
            "household__code", "classification"
        )
    )
    budgets = {
        _line_key(line): [line.assigned, line.allocated, line.carried_over, line.disbursed]
        for line in BudgetLine.objects.filter(unit=unit, year=year).select_related("component__parent")
    }
    return {"classes": classes, "budgets": budgets}


def _line_key(line) -> str:
    component = line.component
    code = f"{component.parent.number}.{component.number}" if component.parent_id else str(component.number)
    return f"Dự án {code} | {line.get_capital_type_display()} | {line.get_source_display()}"


def unapproved_children(unit: AdministrativeUnit, period: ReportingPeriod) -> list[AdministrativeUnit]:
    approved = Submission.objects.filter(unit__parent=unit, period=period, state=State.APPROVED).values(
        "unit_id"
    )
    return list(unit.children.exclude(pk__in=approved).order_by("code"))


def diff_since_approval(submission: Submission) -> dict | None:
    """What the reviewer has not seen yet: the figures as last sent (or, while not sent, as they
    stand) against the last approval before them, or else the sending before them. Households whose
    class changed, appeared or went; budget lines whose amounts changed."""
    events = list(submission.events.order_by("-at", "-pk"))
    latest_sent = next((e for e in events if e.action == Action.SUBMIT), None)
    sent_now = submission.state == State.SUBMITTED and latest_sent is not None
    earlier = events[events.index(latest_sent) + 1 :] if sent_now else events
    base = next((e for e in earlier if e.action == Action.APPROVE), None)
    if base is None:
        base = next((e for e in earlier if e.action == Action.SUBMIT), None)
    if base is None:
        return None
    now = latest_sent.snapshot if sent_now else snapshot(submission.unit, submission.period.year)
    before_classes, after_classes = base.snapshot.get("classes", {}), now["classes"]
    before_budgets, after_budgets = base.snapshot.get("budgets", {}), now["budgets"]
    return {
        "since": base,
        "classes": sorted(
            (code, before_classes.get(code), after_classes.get(code))
            for code in before_classes.keys() | after_classes.keys()
            if before_classes.get(code) != after_classes.get(code)
        ),
        "budgets": sorted(
            (key, before_budgets.get(key), after_budgets.get(key))
            for key in before_budgets.keys() | after_budgets.keys()
            if before_budgets.get(key) != after_budgets.get(key)
        ),
    }


def target_rows(unit: AdministrativeUnit, period: ReportingPeriod) -> list[dict]:
    """Each child with its target, or the registry of the year before as the starting figures."""
    children = list(unit.children.order_by("code"))
    existing = {t.unit_id: t for t in Target.objects.filter(unit__in=children, period=period)}
    field = "district_id" if children and children[0].level == Level.DISTRICT else "commune_id"
    start = {
        row[field]: row
        for row in RegistryRollup.objects.filter(
            **{f"{field}__in": [c.pk for c in children]}, year=period.first_year - 1
        )
        .values(field)
        .annotate(
            households_n=Sum("households"),
            poor_n=Sum("households", filter=Q(classification=HouseholdClass.POOR)),
            near_poor_n=Sum("households", filter=Q(classification=HouseholdClass.NEAR_POOR)),
        )
    }
    rows = []
    for child in children:
        target = existing.get(child.pk)
        if target is not None:
            initial = {name: getattr(target, name) for name in Target.FIGURES + Target.NEAR_POOR_FIGURES}
        else:
            found = start.get(child.pk, {})
            initial = {
                "households_start": found.get("households_n"),
                "poor_start": found.get("poor_n"),
                "near_poor_start": found.get("near_poor_n") if found else None,
            }
        rows.append({"unit": child, "target": target, "initial": initial})
    return rows


def indicator_targets(unit: AdministrativeUnit, period: ReportingPeriod, official: bool = True) -> list[dict]:
    """Each of the 12 indicators with the unit's target and the actual share of poor households not
    deprived in it (registry of the period's year), from approved communes only unless
    `official=False` (then the figures are provisional and shown as such)."""
    targets = {t.indicator: t for t in IndicatorTarget.objects.filter(unit=unit, period=period)}
    deprived = indicator_poor_rates(unit, period, official)
    rows = []
    for indicator in INDICATORS:
        target = targets.get(indicator.field)
        rows.append(
            {
                "field": indicator.field,
                "number": indicator.number,
                "name": indicator.name,
                "target": target.target_rate if target else None,
                "actual": 100 - deprived[indicator.field] if deprived is not None else None,
            }
        )
    return rows


def documents_of(unit: AdministrativeUnit):
    """The documents of the unit's subtree, newest year and newest draft first (the list page)."""
    return (
        Document.objects.filter(unit__path__startswith=unit.path)
        .select_related("unit")
        .order_by("-year", "-created_at")
    )
