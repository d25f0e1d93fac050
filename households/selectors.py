"""Registry statistics for a unit's subtree and a review year, computed in the database.

`registry_stats()` returns plain dicts and lists (the shape printed by
`manage.py registry_stats --json`, documented in README.md). Four queries, whatever the
number of households: the summary, the ethnicities, the change tables, the children.
"""

from decimal import ROUND_HALF_UP, Decimal

from django.db.models import Count, F, Q, QuerySet, Sum
from django.db.models.functions import Coalesce

from households.classification import HouseholdClass
from households.ethnicities import ETHNICITY_NAMES
from households.indicators import DIMENSIONS, INDICATORS, indicators_of
from households.models import Cause, HouseholdReview
from povertyprog.units.models import AdministrativeUnit, Level

POOR, NEAR_POOR = HouseholdClass.POOR, HouseholdClass.NEAR_POOR
ABOVE = [HouseholdClass.MIDDLE, HouseholdClass.NOT_POOR]
CLASSES = {"poor": POOR, "near_poor": NEAR_POOR}


def rate(part: int, whole: int) -> float:
    """Percentage with two decimals, rounded half up: 11 of 31 -> 35.48."""
    if not whole:
        return 0.0
    value = Decimal(part * 100) / Decimal(whole)
    return float(value.quantize(Decimal("0.01"), rounding=ROUND_HALF_UP))


def _count(condition: Q) -> Count:
    return Count("id", filter=condition)


def _persons(condition: Q, field: str = "members_count"):
    return Coalesce(Sum(field, filter=condition), 0)


def reviews_in(unit: AdministrativeUnit | None, year: int | list[int]) -> QuerySet:
    """Reviews of a year (or years) in a unit's subtree; the whole country for unit=None."""
    reviews = HouseholdReview.objects.all()
    reviews = reviews.filter(year__in=year) if isinstance(year, list) else reviews.filter(year=year)
    return reviews.in_unit(unit) if unit is not None else reviews


def _dimension_q(dimension: str) -> Q:
    condition = Q()
    for indicator in indicators_of(dimension):
        condition |= Q(**{indicator.field: True})
    return condition


def _summary_expressions() -> dict:
    exprs = {"households": Count("id"), "persons": _persons(Q())}
    for key, cls in [*CLASSES.items(), ("middle", HouseholdClass.MIDDLE)]:
        exprs[key] = _count(Q(classification=cls))
        exprs[f"{key}_persons"] = _persons(Q(classification=cls))
    exprs["not_poor"] = _count(Q(classification=HouseholdClass.NOT_POOR))
    # Aliases must not repeat field names (Django refuses Count over an alias named like a field).
    exprs["em_households"] = _count(Q(ethnic_minority=True))
    exprs["recently_escaped_households"] = _count(Q(recently_escaped=True))
    for key, cls in CLASSES.items():
        is_class = Q(classification=cls)
        exprs[f"{key}_deprivations"] = _persons(is_class, "deprivation_count")
        exprs[f"{key}_ethnic_minority"] = _count(is_class & Q(ethnic_minority=True))
        exprs[f"{key}_no_labour_capacity"] = _count(is_class & Q(no_labour_capacity=True))
        exprs[f"{key}_merit"] = _count(is_class & Q(has_merit_person=True))
        exprs[f"{key}_other_group"] = _count(
            is_class & Q(ethnic_minority=False, no_labour_capacity=False, has_merit_person=False)
        )
        for indicator in INDICATORS:
            exprs[f"{key}_{indicator.field}"] = _count(is_class & Q(**{indicator.field: True}))
        for dimension in DIMENSIONS:
            exprs[f"{key}_dim_{dimension.key}"] = _count(is_class & _dimension_q(dimension.key))
        for cause in Cause:
            exprs[f"{key}_{cause.value}"] = _count(is_class & Q(**{cause.value: True}))
    return exprs


# Change-table columns (households.transitions): JSON key -> condition on year-Y reviews.
def _change_columns(cls: str) -> dict[str, tuple[str, Q]]:
    now = Q()  # the caller adds year=Y
    if cls == POOR:
        came_back = Q(prev_class__in=ABOVE, was_poor_earlier=True)
        columns = {
            "to_near_poor": Q(prev_class=POOR, classification=NEAR_POOR),  # (2)
            "above_near_poor": Q(prev_class=POOR, classification__in=ABOVE),  # (3)
            "from_near_poor": Q(prev_class=NEAR_POOR, classification=POOR),  # (5)
        }
    else:
        came_back = Q(prev_class__in=ABOVE, was_near_poor_earlier=True)
        columns = {
            "escaped": Q(prev_class=NEAR_POOR, classification__in=ABOVE),  # (2)
            "to_poor": Q(prev_class=NEAR_POOR, classification=POOR),  # (3)
            "from_poor": Q(prev_class=POOR, classification=NEAR_POOR),  # (5)
        }
    is_cls = Q(classification=cls)
    columns["stays"] = Q(prev_class=cls) & is_cls
    columns["fell_back"] = is_cls & came_back  # (6)
    columns["new"] = is_cls & Q(arrived=False, prev_class__in=["", *ABOVE]) & ~came_back  # (7)
    columns["other_increase"] = is_cls & Q(arrived=True)  # (8)
    return {name: now & condition for name, condition in columns.items()}


def _change_expressions(year: int) -> dict:
    exprs = {}
    now, before = Q(year=year), Q(year=year - 1)
    for key, cls in CLASSES.items():
        exprs[f"{key}_start"] = _count(before & Q(classification=cls))
        exprs[f"{key}_start_persons"] = _persons(before & Q(classification=cls))
        exprs[f"{key}_end"] = _count(now & Q(classification=cls))
        exprs[f"{key}_end_persons"] = _persons(now & Q(classification=cls))
        for name, condition in _change_columns(cls).items():
            exprs[f"{key}_{name}"] = _count(now & condition)
            exprs[f"{key}_{name}_persons"] = _persons(now & condition)
            exprs[f"{key}_{name}_prev_persons"] = _persons(now & condition, "prev_members_count")
        # Households that stay in the class but change size: persons columns (4) and (8).
        stays = now & _change_columns(cls)["stays"]
        shrank = stays & Q(prev_members_count__gt=F("members_count"))
        grew = stays & Q(members_count__gt=F("prev_members_count"))
        exprs[f"{key}_shrink_persons"] = Coalesce(
            Sum(F("prev_members_count") - F("members_count"), filter=shrank), 0
        )
        exprs[f"{key}_grow_persons"] = Coalesce(
            Sum(F("members_count") - F("prev_members_count"), filter=grew), 0
        )
    return exprs


def _change_table(row: dict, key: str) -> dict:
    """Columns (1)-(9) for households and for persons; (9) = 1-2-3-4+5+6+7+8 by construction."""
    decreases = ["to_near_poor", "above_near_poor"] if key == "poor" else ["escaped", "to_poor"]
    increases = ["from_near_poor" if key == "poor" else "from_poor", "fell_back", "new"]
    tables = {}
    for unit_of_count, suffix in (("households", ""), ("persons", "_persons")):
        # Households leaving the class count with their size of the year before.
        leaving_suffix = "_prev_persons" if suffix else ""
        start = row[f"{key}_start{suffix}"]
        table = {"start": start}
        for name in decreases:
            table[name] = row[f"{key}_{name}{leaving_suffix}"]
        accounted = sum(row[f"{key}_{name}{leaving_suffix}"] for name in [*decreases, "stays"])
        table["other_decrease"] = start - accounted + (row[f"{key}_shrink_persons"] if suffix else 0)
        for name in increases:
            table[name] = row[f"{key}_{name}{suffix}"]
        table["other_increase"] = row[f"{key}_other_increase{suffix}"] + (
            row[f"{key}_grow_persons"] if suffix else 0
        )
        table["end"] = row[f"{key}_end{suffix}"]
        tables[unit_of_count] = table
    return tables


def _children(unit: AdministrativeUnit | None, year: int) -> list[dict]:
    """One row per child unit (districts or communes), in official code order."""
    if unit is None or unit.level == Level.COMMUNE:
        return []
    children = list(unit.children.order_by("code"))
    if not children:
        return []
    key = "commune_id" if children[0].level == Level.COMMUNE else "commune__parent_id"
    rows = (
        reviews_in(unit, year)
        .values(key)
        .annotate(
            households=Count("id"),
            poor=_count(Q(classification=POOR)),
            near_poor=_count(Q(classification=NEAR_POOR)),
        )
    )
    counts = {row[key]: row for row in rows}
    empty = {"households": 0, "poor": 0, "near_poor": 0}
    result = []
    for child in children:
        row = counts.get(child.pk, empty)
        result.append(
            {
                "id": child.pk,
                "code": child.code,
                "name": child.name,
                "households": row["households"],
                "poor": row["poor"],
                "poor_rate": rate(row["poor"], row["households"]),
                "near_poor": row["near_poor"],
                "near_poor_rate": rate(row["near_poor"], row["households"]),
            }
        )
    return result


def _summary(row: dict) -> dict:
    total, persons = row["households"], row["persons"]
    summary = {"total": total, "persons": persons}
    for key in ("poor", "near_poor", "middle"):
        summary[key] = row[key]
        summary[f"{key}_rate"] = rate(row[key], total)
        summary[f"{key}_persons"] = row[f"{key}_persons"]
        summary[f"{key}_persons_rate"] = rate(row[f"{key}_persons"], persons)
    summary["not_poor"] = row["not_poor"]
    summary["ethnic_minority"] = row["em_households"]
    summary["ethnic_minority_poor"] = row["poor_ethnic_minority"]
    summary["ethnic_minority_poor_rate"] = rate(row["poor_ethnic_minority"], row["em_households"])
    summary["ethnic_minority_near_poor"] = row["near_poor_ethnic_minority"]
    summary["recently_escaped"] = row["recently_escaped_households"]
    return summary


def registry_stats(unit: AdministrativeUnit | None, year: int) -> dict:
    """Every registry figure of the seeds and the software's aggregate tables, for one unit and year."""
    row = reviews_in(unit, year).aggregate(**_summary_expressions())
    changes = reviews_in(unit, [year - 1, year]).aggregate(**_change_expressions(year))
    ethnic_rows = (
        reviews_in(unit, year)
        .filter(classification__in=[POOR, NEAR_POOR])
        .values("ethnicity")
        .annotate(poor=_count(Q(classification=POOR)), near_poor=_count(Q(classification=NEAR_POOR)))
        .order_by("ethnicity")
    )
    return {
        "unit": None if unit is None else {"code": unit.code, "name": unit.name, "level": unit.level},
        "year": year,
        "households": _summary(row),
        "indicators": [
            {
                "number": indicator.number,
                "name": indicator.name,
                "dimension": indicator.dimension,
                **_by_class(row, indicator.field),
            }
            for indicator in INDICATORS
        ],
        "dimensions": [{"key": d.key, "name": d.name, **_by_class(row, f"dim_{d.key}")} for d in DIMENSIONS],
        "deprivations_total": {key: row[f"{key}_deprivations"] for key in CLASSES},
        "causes": [
            {
                "key": cause.value.removeprefix("cause_"),
                "name": cause.label,
                "poor": row[f"poor_{cause.value}"],
                "near_poor": row[f"near_poor_{cause.value}"],
            }
            for cause in Cause
        ],
        "groups": {
            key: {
                "total": row[key],
                "ethnic_minority": row[f"{key}_ethnic_minority"],
                "no_labour_capacity": row[f"{key}_no_labour_capacity"],
                "merit": row[f"{key}_merit"],
                "other": row[f"{key}_other_group"],
            }
            for key in CLASSES
        },
        "ethnicities": [
            {
                "code": r["ethnicity"],
                "name": ETHNICITY_NAMES.get(r["ethnicity"], r["ethnicity"]),
                "poor": r["poor"],
                "near_poor": r["near_poor"],
            }
            for r in ethnic_rows
        ],
        "changes": {key: _change_table(changes, key) for key in CLASSES},
        "children": _children(unit, year),
    }


def _by_class(row: dict, suffix: str) -> dict:
    result = {}
    for key in CLASSES:
        count = row[f"{key}_{suffix}"]
        result[key] = count
        result[f"{key}_rate"] = rate(count, row[key])
    return result
