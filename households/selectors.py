"""Registry statistics for a unit's subtree and a review year, computed in the database.

`registry_stats()` returns plain dicts and lists (the shape printed by
`manage.py registry_stats --json`, documented in README.md). Four queries, whatever the
number of households: the summary, the ethnicities, the change tables, the children.
"""

from decimal import ROUND_HALF_UP, Decimal

from django.db.models import Count, F, Q, QuerySet, Sum
from django.db.models.functions import Coalesce, Greatest

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


def _class_expressions() -> dict:
    """Aggregates per class: the summary query groups by classification (4 rows)."""
    exprs = {
        "n": Count("id"),
        "persons_n": Coalesce(Sum("members_count"), 0),
        "deprivations_n": Coalesce(Sum("deprivation_count"), 0),
        # Aliases must not repeat field names (Django refuses Count over an alias named like a field).
        "em_n": _count(Q(ethnic_minority=True)),
        "recent_n": _count(Q(recently_escaped=True)),
        "no_labour_n": _count(Q(no_labour_capacity=True)),
        "merit_n": _count(Q(has_merit_person=True)),
        "other_group_n": _count(Q(ethnic_minority=False, no_labour_capacity=False, has_merit_person=False)),
    }
    for indicator in INDICATORS:
        exprs[f"{indicator.field}_n"] = _count(Q(**{indicator.field: True}))
    for dimension in DIMENSIONS:
        exprs[f"dim_{dimension.key}_n"] = _count(_dimension_q(dimension.key))
    for cause in Cause:
        exprs[f"{cause.value}_n"] = _count(Q(**{cause.value: True}))
    return exprs


def _summary_row(reviews: QuerySet) -> dict:
    """Flat figures from the per-class rows: '<class>_<figure>' plus totals."""
    by_class = {
        r["classification"]: r for r in reviews.values("classification").annotate(**_class_expressions())
    }
    empty = dict.fromkeys(_class_expressions(), 0)

    def of(cls: str) -> dict:
        return by_class.get(cls, empty)

    row = {
        "households": sum(r["n"] for r in by_class.values()),
        "persons": sum(r["persons_n"] for r in by_class.values()),
        "em_households": sum(r["em_n"] for r in by_class.values()),
        "recently_escaped_households": sum(r["recent_n"] for r in by_class.values()),
        "not_poor": of(HouseholdClass.NOT_POOR)["n"],
    }
    for key, cls in [*CLASSES.items(), ("middle", HouseholdClass.MIDDLE)]:
        row[key] = of(cls)["n"]
        row[f"{key}_persons"] = of(cls)["persons_n"]
    for key, cls in CLASSES.items():
        figures = of(cls)
        row[f"{key}_deprivations"] = figures["deprivations_n"]
        row[f"{key}_ethnic_minority"] = figures["em_n"]
        row[f"{key}_no_labour_capacity"] = figures["no_labour_n"]
        row[f"{key}_merit"] = figures["merit_n"]
        row[f"{key}_other_group"] = figures["other_group_n"]
        for name, value in figures.items():
            if name.startswith(("d_", "dim_", "cause_")):
                row[f"{key}_{name.removesuffix('_n')}"] = value
    return row


# Change-table columns (households.transitions) as predicates on a group of year-Y reviews
# sharing (classification, prev_class, arrived, was_poor_earlier, was_near_poor_earlier).
def _change_columns(cls: str) -> dict:
    if cls == POOR:
        came_back = lambda g: g["prev_class"] in ABOVE and g["was_poor_earlier"]  # noqa: E731
        columns = {
            "to_near_poor": lambda g: g["prev_class"] == POOR and g["classification"] == NEAR_POOR,  # (2)
            "above_near_poor": lambda g: g["prev_class"] == POOR and g["classification"] in ABOVE,  # (3)
            "from_near_poor": lambda g: g["prev_class"] == NEAR_POOR and g["classification"] == POOR,  # (5)
        }
    else:
        came_back = lambda g: g["prev_class"] in ABOVE and g["was_near_poor_earlier"]  # noqa: E731
        columns = {
            "escaped": lambda g: g["prev_class"] == NEAR_POOR and g["classification"] in ABOVE,  # (2)
            "to_poor": lambda g: g["prev_class"] == NEAR_POOR and g["classification"] == POOR,  # (3)
            "from_poor": lambda g: g["prev_class"] == POOR and g["classification"] == NEAR_POOR,  # (5)
        }
    is_cls = lambda g: g["classification"] == cls  # noqa: E731
    columns["stays"] = lambda g: is_cls(g) and g["prev_class"] == cls
    columns["fell_back"] = lambda g: is_cls(g) and came_back(g)  # (6)
    columns["new"] = lambda g: (  # (7)
        is_cls(g) and not g["arrived"] and g["prev_class"] in ("", *ABOVE) and not came_back(g)
    )
    columns["other_increase"] = lambda g: is_cls(g) and g["arrived"]  # (8)
    return columns


_CHANGE_KEYS = [
    "year",
    "classification",
    "prev_class",
    "arrived",
    "was_poor_earlier",
    "was_near_poor_earlier",
]


def _change_groups(unit: AdministrativeUnit | None, year: int) -> list[dict]:
    return list(
        reviews_in(unit, [year - 1, year])
        .values(*_CHANGE_KEYS)
        .annotate(
            n=Count("id"),
            persons_n=Coalesce(Sum("members_count"), 0),
            prev_persons_n=Coalesce(Sum("prev_members_count"), 0),
            shrink_n=Coalesce(Sum(Greatest(F("prev_members_count") - F("members_count"), 0)), 0),
            grow_n=Coalesce(Sum(Greatest(F("members_count") - F("prev_members_count"), 0)), 0),
        )
        .order_by()
    )


def _change_table(groups: list[dict], year: int, key: str) -> dict:
    """Columns (1)-(9) for households and for persons; (9) = 1-2-3-4+5+6+7+8 by construction.

    Households leaving the class count with their size of the year before; households staying
    in it but changing size add to (4) or (8) of the persons table.
    """
    cls = CLASSES[key]
    columns = _change_columns(cls)
    before = [g for g in groups if g["year"] == year - 1 and g["classification"] == cls]
    now = [g for g in groups if g["year"] == year]

    def total(predicate, figure: str) -> int:
        return sum(g[figure] for g in now if predicate(g))

    decreases = [
        name for name in columns if name in ("to_near_poor", "above_near_poor", "escaped", "to_poor")
    ]
    increases = [name for name in columns if name in ("from_near_poor", "from_poor", "fell_back", "new")]
    tables = {}
    for counted, figure, leaving in (("households", "n", "n"), ("persons", "persons_n", "prev_persons_n")):
        start = sum(g[figure] for g in before)
        table = {"start": start}
        for name in decreases:
            table[name] = total(columns[name], leaving)
        accounted = sum(total(columns[name], leaving) for name in [*decreases, "stays"])
        shrink = total(columns["stays"], "shrink_n") if counted == "persons" else 0
        grow = total(columns["stays"], "grow_n") if counted == "persons" else 0
        table["other_decrease"] = start - accounted + shrink
        for name in increases:
            table[name] = total(columns[name], figure)
        table["other_increase"] = total(columns["other_increase"], figure) + grow
        table["end"] = total(lambda g: g["classification"] == cls, figure)
        tables[counted] = table
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
    row = _summary_row(reviews_in(unit, year))
    groups = _change_groups(unit, year)
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
        "changes": {key: _change_table(groups, year, key) for key in CLASSES},
        "children": _children(unit, year),
    }


def _by_class(row: dict, suffix: str) -> dict:
    result = {}
    for key in CLASSES:
        count = row[f"{key}_{suffix}"]
        result[key] = count
        result[f"{key}_rate"] = rate(count, row[key])
    return result
