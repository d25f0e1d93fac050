"""Registry statistics for a unit's subtree and a review year, computed in the database.

The figures are sums of the maintained rollups (households.rollups: per commune, year and
transition group), so a province sums thousands of rows, not hundreds of thousands of reviews.
`registry_stats()` returns plain dicts and lists (the shape printed by
`manage.py registry_stats --json`, documented in README.md). Five queries, whatever the
number of households: the summary, the change groups, the ethnicities, the children and their counts.
"""

from collections import defaultdict
from decimal import ROUND_HALF_UP, Decimal

from django.db import connections, router
from django.db.models import FilteredRelation, Q, QuerySet, Sum

from households.classification import HouseholdClass
from households.ethnicities import ETHNICITY_NAMES
from households.indicators import DIMENSIONS, INDICATORS
from households.models import (
    Cause,
    CitizenIdConflict,
    EthnicityRollup,
    Household,
    HouseholdMove,
    RegistryRollup,
)
from households.rollups import GROUP_KEYS, MEASURE_FIELDS
from povertyprog.accounts.scoping import scoped, unit_scope
from povertyprog.dbrouter import replica_reads
from povertyprog.lib.vietnamese import fold
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


def in_unit(model, unit: AdministrativeUnit | None, year: int | list[int]) -> QuerySet:
    """Rollup rows of a year (or years) in a unit's subtree; the whole country for unit=None."""
    rows = model.objects.filter(year__in=year) if isinstance(year, list) else model.objects.filter(year=year)
    if unit is None:
        return rows
    return rows.filter(**{_LEVEL_FIELD[unit.level]: unit.pk})


_LEVEL_FIELD = {Level.PROVINCE: "province_id", Level.DISTRICT: "district_id", Level.COMMUNE: "commune_id"}


def _scope(unit: AdministrativeUnit | None) -> tuple[str, list]:
    return ("", []) if unit is None else (f" AND {_LEVEL_FIELD[unit.level]} = %s", [unit.pk])


def _summary_rows(unit: AdministrativeUnit | None, year: int, by: str | None = None) -> dict:
    """{group id (None without `by`): flat figures} from the per-class sums of the rollups.

    Written out as SQL once rather than as 45 ORM Sum() objects: building those costs more
    than the query itself (bench/registry_stats.py).
    """
    scope, params = _scope(unit)
    key = by or "NULL"  # PostgreSQL refuses a constant in GROUP BY: only group by a real column
    sums = ", ".join(f"SUM({field})" for field in MEASURE_FIELDS)
    sql = (
        f"SELECT {key}, classification, {sums} FROM {RegistryRollup._meta.db_table} "
        f"WHERE year = %s{scope} GROUP BY {by + ', ' if by else ''}classification"
    )
    by_group = defaultdict(dict)
    with connections[router.db_for_read(RegistryRollup)].cursor() as cursor:  # the replica's, if any
        cursor.execute(sql, [year, *params])
        for group, cls, *values in cursor.fetchall():
            by_group[group][cls] = {
                field: value or 0 for field, value in zip(MEASURE_FIELDS, values, strict=True)
            }
    return {group: _flat(by_class) for group, by_class in by_group.items()}


def _flat(by_class: dict) -> dict:
    """Flat figures '<class>_<figure>' plus totals, from {class: {measure: sum}}."""
    empty = dict.fromkeys(MEASURE_FIELDS, 0)

    def of(cls: str) -> dict:
        return by_class.get(cls, empty)

    row = {
        "households": sum(r["households"] for r in by_class.values()),
        "persons": sum(r["persons"] for r in by_class.values()),
        "em_households": sum(r["ethnic_minority"] for r in by_class.values()),
        "recently_escaped_households": sum(r["recently_escaped"] for r in by_class.values()),
        "not_poor": of(HouseholdClass.NOT_POOR)["households"],
    }
    for key, cls in [*CLASSES.items(), ("middle", HouseholdClass.MIDDLE)]:
        row[key] = of(cls)["households"]
        row[f"{key}_persons"] = of(cls)["persons"]
    for key, cls in CLASSES.items():
        figures = of(cls)
        row[f"{key}_deprivations"] = figures["deprivations"]
        row[f"{key}_ethnic_minority"] = figures["ethnic_minority"]
        row[f"{key}_no_labour_capacity"] = figures["no_labour_capacity"]
        row[f"{key}_merit"] = figures["has_merit_person"]
        row[f"{key}_other_group"] = figures["other_group"]
        for name, value in figures.items():
            if name.startswith(("d_", "dim_", "cause_")):
                row[f"{key}_{name}"] = value
    return row


# Change-table columns (households.transitions) as predicates on a group of year-Y reviews
# sharing (classification, prev_class, arrived, was_poor_earlier, was_near_poor_earlier).
def _change_columns(cls: str) -> dict:
    """A household that arrived (moved in, split off) counts in (8) only, whatever its class was
    where it came from: the unit it left counts it in (4)."""
    stayed = lambda g: not g["arrived"]  # noqa: E731
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
    columns["new"] = lambda g: is_cls(g) and g["prev_class"] in ("", *ABOVE) and not came_back(g)  # (7)
    columns = {name: (lambda g, p=predicate: stayed(g) and p(g)) for name, predicate in columns.items()}
    columns["other_increase"] = lambda g: is_cls(g) and g["arrived"]  # (8)
    return columns


def _change_groups(unit: AdministrativeUnit | None, year: int, by: str | None = None) -> dict:
    """{group id: [transition groups]}: households and persons per transition group, years Y-1 and Y."""
    keys = ["year", *GROUP_KEYS]
    figures = {"n": "households", "persons_n": "persons", "prev_persons_n": "prev_persons",
               "shrink_n": "shrink_persons", "grow_n": "grow_persons"}  # fmt: skip
    scope, params = _scope(unit)
    key = by or "NULL"
    columns = ", ".join(keys)
    sums = ", ".join(f"SUM({column})" for column in figures.values())
    sql = (
        f"SELECT {key}, {columns}, {sums} FROM {RegistryRollup._meta.db_table} "
        f"WHERE year IN (%s, %s){scope} GROUP BY {by + ', ' if by else ''}{columns}"
    )
    by_group = defaultdict(list)
    with connections[router.db_for_read(RegistryRollup)].cursor() as cursor:  # the replica's, if any
        cursor.execute(sql, [year - 1, year, *params])
        for group, *row in cursor.fetchall():
            values = [*row[: len(keys)], *(value or 0 for value in row[len(keys) :])]
            by_group[group].append(dict(zip([*keys, *figures], values, strict=True)))
    return by_group


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
    key = _LEVEL_FIELD[children[0].level]
    rows = (
        in_unit(RegistryRollup, unit, year)
        .values(key)
        .annotate(
            total=Sum("households"),
            poor=Sum("households", filter=Q(classification=POOR)),
            near_poor=Sum("households", filter=Q(classification=NEAR_POOR)),
        )
        .order_by()
    )
    counts = {row[key]: row for row in rows}
    empty = {"total": 0, "poor": 0, "near_poor": 0}
    result = []
    for child in children:
        row = counts.get(child.pk, empty)
        total, poor, near_poor = row["total"] or 0, row["poor"] or 0, row["near_poor"] or 0
        result.append(
            {
                "id": child.pk,
                "code": child.code,
                "name": child.name,
                "households": total,
                "poor": poor,
                "poor_rate": rate(poor, total),
                "near_poor": near_poor,
                "near_poor_rate": rate(near_poor, total),
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


def unit_figures(row: dict, groups: list[dict], year: int) -> dict:
    """The figures of one unit from its flat summary row and its transition groups."""
    return {**_row_figures(row), "changes": {key: _change_table(groups, year, key) for key in CLASSES}}


def year_figures(unit: AdministrativeUnit, year: int) -> dict:
    """What a document prints of one unit's registry in one year — the household counts and rates,
    the 12 indicators and 6 dimensions, the causes, the groups — in one query: registry_stats()
    without the change tables, the ethnicities and the children it does not print."""
    return _row_figures(_row_or_empty(_summary_rows(unit, year), None))


def _row_figures(row: dict) -> dict:
    return {
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
    }


def _row_or_empty(rows: dict, group) -> dict:
    return rows.get(group) or _flat({})


@replica_reads
def registry_stats(unit: AdministrativeUnit | None, year: int) -> dict:
    """Every registry figure of the seeds and the software's aggregate tables, for one unit and year."""
    row = _row_or_empty(_summary_rows(unit, year), None)
    groups = _change_groups(unit, year).get(None, [])
    ethnic_rows = (
        in_unit(EthnicityRollup, unit, year)
        .values("ethnicity")
        .annotate(
            poor=Sum("households", filter=Q(classification=POOR)),
            near_poor=Sum("households", filter=Q(classification=NEAR_POOR)),
        )
        .order_by("ethnicity")
    )
    return {
        "unit": None if unit is None else {"code": unit.code, "name": unit.name, "level": unit.level},
        "year": year,
        **unit_figures(row, groups, year),
        "ethnicities": [
            {
                "code": r["ethnicity"],
                "name": ETHNICITY_NAMES.get(r["ethnicity"], r["ethnicity"]),
                "poor": r["poor"] or 0,
                "near_poor": r["near_poor"] or 0,
            }
            for r in ethnic_rows
        ],
        "children": _children(unit, year),
    }


@replica_reads
def subtree_figures(unit: AdministrativeUnit, year: int) -> list[dict]:
    """Rows of the aggregate tables officials exchange: the unit (or its districts) as bold
    numbered rows 1, 2…, communes under them as 1.1, 1.2…, each with unit_figures().
    A constant number of queries: rows are grouped in the database by commune and by district.
    """
    commune_rows = _summary_rows(unit, year, by="commune_id")
    commune_groups = _change_groups(unit, year, by="commune_id")
    if unit.level == Level.COMMUNE:
        tops, parent_field = [unit], None
    elif unit.level == Level.DISTRICT:
        tops, parent_field = [unit], "district_id"
    elif unit.children.filter(level=Level.DISTRICT).exists():
        tops, parent_field = list(unit.children.order_by("code")), "district_id"
    else:  # a province of the two-tier tree: communes directly under it
        tops, parent_field = [unit], "province_id"
    top_rows = _summary_rows(unit, year, by=parent_field) if parent_field else commune_rows
    top_groups = _change_groups(unit, year, by=parent_field) if parent_field else commune_groups
    communes = AdministrativeUnit.objects.filter(path__startswith=unit.path, level=Level.COMMUNE).order_by(
        "path"
    )
    by_parent = defaultdict(list)
    for commune in communes:
        by_parent[commune.parent_id if unit.level != Level.COMMUNE else None].append(commune)
    table = []
    for number, top in enumerate(tops, 1):
        table.append(_table_row(str(number), top, True, top_rows, top_groups, year))
        children = by_parent.get(top.pk, []) if top.level != Level.COMMUNE else []
        for index, commune in enumerate(children, 1):
            table.append(_table_row(f"{number}.{index}", commune, False, commune_rows, commune_groups, year))
    return table


def _table_row(
    number: str, unit: AdministrativeUnit, bold: bool, rows: dict, groups: dict, year: int
) -> dict:
    return {
        "number": number,
        "code": unit.code,
        "name": unit.name,
        "bold": bold,
        **unit_figures(_row_or_empty(rows, unit.pk), groups.get(unit.pk, []), year),
    }


def _by_class(row: dict, suffix: str) -> dict:
    result = {}
    for key in CLASSES:
        count = row[f"{key}_{suffix}"]
        result[key] = count
        result[f"{key}_rate"] = rate(count, row[key])
    return result


def moves_of(household: Household) -> list[HouseholdMove]:
    """The household's moves, splits and merges, on either side of them, newest first."""
    return list(
        HouseholdMove.objects.filter(Q(household=household) | Q(other=household))
        .select_related("household", "other", "from_commune", "to_commune", "recorded_by")
        .order_by("-moved_on", "-id")
    )


def citizen_id_conflicts(user) -> QuerySet:
    """Open duplicates of personal ID numbers where either household is in the user's units."""
    either = unit_scope(user, "holder_household__commune") | unit_scope(user, "claimant_household__commune")
    return (
        CitizenIdConflict.objects.filter(either)
        .filter(resolution="")
        .select_related(
            "holder", "claimant", "holder_household__commune", "claimant_household__commune", "raised_by"
        )
    )


def household_rows(
    user,
    unit: AdministrativeUnit,
    year: int,
    *,
    query: str = "",
    village: str = "",
    classification: str = "",
    indicator: str = "",
    cause: str = "",
    minority_only: bool = False,
) -> QuerySet:
    """The household list of the unit's subtree (within the user's scope) with each household's
    class of `year`, filtered; one query (values, not instances), in Vietnamese name order."""
    households = (
        scoped(Household.objects.all(), user, "commune")
        .filter(commune__path__startswith=unit.path)
        .annotate(yr=FilteredRelation("reviews", condition=Q(reviews__year=year)))
        .values(
            "id",
            "code",
            "head_name",
            "village",
            "ethnic_minority",
            "commune__name",
            "yr__classification",
            "yr__deprivation_count",
            "yr__recently_escaped",
        )  # fmt: skip
        .order_by("head_sort_key", "id")
    )
    if query:
        households = households.filter(search_text__contains=fold(query))
    if village:
        households = households.filter(village=village)
    if classification == "recently_escaped":
        households = households.filter(yr__recently_escaped=True)
    elif classification:
        households = households.filter(yr__classification=classification)
    if indicator in {i.field for i in INDICATORS}:
        households = households.filter(**{f"yr__{indicator}": True})
    if cause in Cause.values:
        households = households.filter(**{f"yr__{cause}": True})
    if minority_only:
        households = households.filter(ethnic_minority=True)
    return households


def recorded_villages(unit: AdministrativeUnit) -> list[str]:
    """The villages the households of a commune name (the list page's filter); none above a commune."""
    if unit.level != Level.COMMUNE:
        return []
    return list(
        Household.objects.filter(commune__path__startswith=unit.path)
        .order_by("village")
        .values_list("village", flat=True)
        .distinct()
    )
