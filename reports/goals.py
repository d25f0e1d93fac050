"""The poverty-reduction goal of a period as reports print it (seeds 001 and 004): households and
rates at the start and at the end, the reduction in households and in percentage points, the
target and the share of it achieved, the poor rate among ethnic-minority households, and the
next year's target.

The start of a period is the base its target was set on (Target.households_start / poor_start:
seed 002's appendix, seed 004's 2,76% of 2021) when the period has a target, otherwise the
review of the year before; the end is the review of the period's last year (D43).
"""

from households.selectors import rate, year_figures
from povertyprog.units.models import AdministrativeUnit
from reports.models import PeriodKind, ReportingPeriod, Target


def period_target(unit: AdministrativeUnit, kind: str, first_year: int, last_year: int | None) -> dict | None:
    """The unit's own target of the period, or the sum of the targets set below it (a district's
    plan appendix); None when there is none. last_year None: the longest
    period of that kind starting in first_year (a phase report to 2024 of the 2021-2025 phase)."""
    periods = ReportingPeriod.objects.filter(kind=kind, first_year=first_year)
    if last_year is not None:
        periods = periods.filter(last_year=last_year)
    period = periods.order_by("-last_year").first()
    if period is None:
        return None
    # The unit's own target, else the targets set highest below it (a district's for its
    # communes, a province's districts or communes): no target counted twice.
    rows = sorted(
        Target.objects.filter(period=period, unit__path__startswith=unit.path).values_list(
            "unit__path",
            "households_start",
            "poor_start",
            "planned_reduction",
            "near_poor_start",
            "planned_near_poor_reduction",
        ),
        key=lambda row: len(row[0]),
    )
    if not rows:
        return None
    counted: list[tuple] = []
    for row in rows:
        if not any(row[0].startswith(other[0]) for other in counted):
            counted.append(row)
    keys = ("households", "poor", "reduction", "near_poor", "near_poor_reduction")
    sums = {key: sum(row[i] or 0 for row in counted) for i, key in enumerate(keys, 1)}
    if any(row[5] is None for row in counted):  # a near-poor target only when every unit has one
        sums["near_poor"] = sums["near_poor_reduction"] = None
    return {**sums, "first_year": period.first_year, "last_year": period.last_year}


def _state(figures: dict) -> dict:
    return {
        "households": figures["total"],
        "poor": figures["poor"],
        "poor_rate": figures["poor_rate"],
        "near_poor": figures["near_poor"],
        "near_poor_rate": figures["near_poor_rate"],
    }


def poverty_goal(
    unit: AdministrativeUnit, first_year: int, last_year: int, kind: str, end_figures: dict | None = None
) -> dict:
    """Start, end, reduction and achievement of the period first_year..last_year; a phase report
    measures against the target of the phase that starts in first_year. end_figures: the
    year_figures()["households"] of last_year when the caller already has them."""
    target = period_target(unit, kind, first_year, None if kind == PeriodKind.PHASE else last_year)
    before = year_figures(unit, first_year - 1)["households"]
    if end_figures is None:
        end_figures = year_figures(unit, last_year)["households"]
    end = {
        **_state(end_figures),
        "recently_escaped": end_figures["recently_escaped"],
        "ethnic_minority": end_figures["ethnic_minority"],
        "ethnic_minority_poor": end_figures["ethnic_minority_poor"],
        "ethnic_minority_poor_rate": end_figures["ethnic_minority_poor_rate"],
    }
    if target is not None:
        start = {"households": target["households"], "poor": target["poor"],
                 "poor_rate": rate(target["poor"], target["households"]),
                 "near_poor": None, "near_poor_rate": None, "from_target": True}  # fmt: skip
        if target["near_poor"] is not None:
            start["near_poor"] = target["near_poor"]
            start["near_poor_rate"] = rate(target["near_poor"], target["households"])
        elif before["total"]:
            start["near_poor"], start["near_poor_rate"] = before["near_poor"], before["near_poor_rate"]
    elif before["total"]:
        start = {**_state(before), "from_target": False}
    else:
        start = None
    goal = {"first_year": first_year, "last_year": last_year, "start": start, "end": end}
    if start is not None and end["households"]:
        goal["reduction"] = start["poor"] - end["poor"]
        # Points between the rates as printed, so that the sentence holds on what it prints; the
        # sentence says "giảm" or "tăng" with the size of the change.
        goal["rate_reduction"] = round(start["poor_rate"] - end["poor_rate"], 2)
        goal["rate_change"] = abs(goal["rate_reduction"])
        goal["households_change"] = abs(goal["reduction"])
        if start["near_poor"] is not None:
            goal["near_poor_change"] = end["near_poor"] - start["near_poor"]
            goal["near_poor_size"] = abs(goal["near_poor_change"])
    if target is not None:
        goal["planned_reduction"] = target["reduction"]
        goal["target_years"] = [target["first_year"], target["last_year"]]
        goal["planned_end_rate"] = rate(target["poor"] - target["reduction"], target["households"])
        if "reduction" in goal and target["reduction"] > 0:
            goal["achievement"] = round(goal["reduction"] * 100 / target["reduction"], 1)
        if target["near_poor_reduction"] is not None:
            goal["planned_near_poor_reduction"] = target["near_poor_reduction"]
            goal["planned_near_poor_end_rate"] = rate(
                target["near_poor"] - target["near_poor_reduction"], target["households"]
            )
            if "near_poor_change" in goal and target["near_poor_reduction"] > 0:
                goal["near_poor_achievement"] = round(
                    -goal["near_poor_change"] * 100 / target["near_poor_reduction"], 1
                )
    if kind == PeriodKind.ANNUAL:
        following = period_target(unit, PeriodKind.ANNUAL, last_year + 1, last_year + 1)
        if following is not None:
            goal["next"] = {
                "year": last_year + 1,
                "reduction": following["reduction"],
                "end_rate": rate(following["poor"] - following["reduction"], following["households"]),
                "near_poor_reduction": following["near_poor_reduction"],
                "near_poor_end_rate": None
                if following["near_poor"] is None
                else rate(following["near_poor"] - following["near_poor_reduction"], following["households"]),
            }
    return goal
