"""Reads for the Alkire-Foster measures of a unit and year (households.mpi does the arithmetic).

The database hands over the score distribution, never households one by one:
- with equal weights (the default, D53) from DeprivationRollup, a few rows per commune
  (number of deprivations x ethnic minority x area), kept exact by households.rollups;
- with other weights, or grouped by the sex of the household head (not kept in the rollups),
  grouped by weighted score straight from the reviews.

The population of a unit and year is every household with a review that year in the unit
(the same households as the registry statistics), or their members (`persons`); a household
whose review records no deprivation (screened out before Phiếu B) counts as not deprived.
"""

from collections import defaultdict
from fractions import Fraction
from math import lcm

from django.db.models import Case, Count, F, IntegerField, OuterRef, Q, Subquery, Sum, Value, When
from django.db.models.functions import Coalesce

from households.indicators import INDICATOR_FIELDS
from households.models import (
    DeprivationRollup,
    HouseholdReview,
    Member,
    MpiParameters,
    PovertyStandard,
    Relation,
)
from households.mpi import Parameters, ScoreRow, change, decomposition, measures
from households.rollups import mirrored_reviews
from households.selectors import in_unit
from povertyprog.dbrouter import replica_reads
from povertyprog.units.models import AdministrativeUnit, Area, Level

GROUPINGS = {
    "child": "Đơn vị trực thuộc",  # the districts of a three-tier province, else the communes
    "commune": "Xã, phường",
    "ethnicity": "Dân tộc",
    "area": "Khu vực",
    "head_sex": "Giới tính chủ hộ",
}
GROUP_NAMES = {
    "ethnicity": {True: "Hộ dân tộc thiểu số", False: "Hộ không thuộc dân tộc thiểu số"},
    "area": {Area.URBAN.value: "Thành thị", Area.RURAL.value: "Nông thôn"},
    "head_sex": {"M": "Chủ hộ là nam", "F": "Chủ hộ là nữ", None: "Chưa ghi chủ hộ"},
}
ROLLUP_GROUP_FIELD = {"commune": "commune_id", "ethnicity": "ethnic_minority", "area": "area"}


class MpiUnavailable(ValueError):
    """The measures cannot be computed as asked (no parameters for the year, bad k, …): the
    message says why, in Vietnamese."""


def parameters_for(year: int, k: Fraction | None = None) -> tuple[Parameters, MpiParameters]:
    row = MpiParameters.objects.filter(first_year__lte=year, last_year__gte=year).first()
    if row is None:
        raise MpiUnavailable(f"Chưa có tham số nghèo đa chiều (trọng số, ngưỡng k) cho năm {year}.")
    try:
        return row.parameters().with_k(k), row
    except ValueError as error:
        raise MpiUnavailable(str(error)) from None


def _rows_from_rollups(unit, year: int, by: str | None, persons: bool, weight: Fraction) -> dict:
    """{group: [ScoreRow]} from the rollups (equal weights: score = deprivations x weight)."""
    key = ROLLUP_GROUP_FIELD.get(by)
    prefix = "p_" if persons else "d_"
    sums = {f"{field}_n": Sum(f"{prefix}{field[2:]}") for field in INDICATOR_FIELDS}
    rows = (
        in_unit(DeprivationRollup, unit, year)
        .values(*([key] if key else []), "deprivations")
        .annotate(units_n=Sum("persons" if persons else "households"), **sums)
        .order_by()
    )
    groups = defaultdict(list)
    for row in rows:
        groups[row[key] if key else None].append(
            ScoreRow(
                row["deprivations"] * weight,
                row["units_n"],
                {field: row[f"{field}_n"] for field in INDICATOR_FIELDS},
            )
        )
    return groups


def _population(unit: AdministrativeUnit, year: int):
    """The reviews the rollups count in this unit: recorded in its communes, and those of
    households carried into its communes from the tree before (households.rollups)."""
    communes = AdministrativeUnit.objects.subtree_of(unit).filter(level=Level.COMMUNE).values("pk")
    reviews = HouseholdReview.objects.filter(year=year)
    return reviews.filter(commune_id__in=communes), mirrored_reviews(
        reviews.filter(household__carried_into__in=communes)
    )


def _head_sex():
    heads = Member.objects.filter(household_id=OuterRef("household_id"), relation=Relation.HEAD)
    return Subquery(heads.order_by("pk").values("sex")[:1])


def _rows_from_reviews(unit, year: int, by: str | None, persons: bool, parameters: Parameters) -> dict:
    """{group: [ScoreRow]} grouped by weighted score in the database (any weights, any grouping).
    The weights are scaled to whole numbers over their common denominator."""
    denominator = lcm(*(w.denominator for w in parameters.weights.values()))
    score = Value(0)
    for field, w in parameters.weights.items():
        score = score + Case(When(**{field: True}, then=Value(int(w * denominator))), default=Value(0))

    def counted(condition: Q):
        return (
            Coalesce(Sum("members_count", filter=condition), 0) if persons else Count("id", filter=condition)
        )

    key = {
        "commune": "group_key",
        "ethnicity": "ethnic_minority",
        "area": "area",
        "head_sex": "group_key",
    }.get(by)
    groups = defaultdict(lambda: defaultdict(lambda: [0] * (1 + len(INDICATOR_FIELDS))))
    for reviews, commune_key in zip(
        _population(unit, year), ("commune_id", "household__carried_into_id"), strict=True
    ):
        if by == "commune":
            reviews = reviews.annotate(group_key=F(commune_key))  # never null: recorded, or carried into
        elif by == "head_sex":
            reviews = reviews.annotate(group_key=_head_sex())
        rows = (
            reviews.annotate(score_n=Coalesce(score, 0, output_field=IntegerField()))
            .values(*([key] if key else []), "score_n")
            .annotate(
                units_n=counted(Q()),
                **{f"{field}_n": counted(Q(**{field: True})) for field in INDICATOR_FIELDS},
            )
            .order_by()
        )
        for row in rows:
            sums = groups[row[key] if key else None][row["score_n"]]
            for index, name in enumerate(["units", *INDICATOR_FIELDS]):
                sums[index] += row[f"{name}_n"]
    return {
        group: [
            ScoreRow(
                Fraction(score_n, denominator), sums[0], dict(zip(INDICATOR_FIELDS, sums[1:], strict=True))
            )
            for score_n, sums in by_score.items()
        ]
        for group, by_score in groups.items()
    }


def _into_children(unit: AdministrativeUnit, by_commune: dict) -> dict:
    """{commune id: rows} -> {id of the unit's child holding the commune: rows}."""
    paths = dict(AdministrativeUnit.objects.filter(pk__in=list(by_commune)).values_list("pk", "path"))
    child_path = {pk: unit.path + path[len(unit.path) :].split("/", 1)[0] + "/" for pk, path in paths.items()}
    child_id = dict(
        AdministrativeUnit.objects.filter(path__in=set(child_path.values())).values_list("path", "pk")
    )
    by_child = defaultdict(list)
    for commune, rows in by_commune.items():
        by_child[child_id[child_path[commune]]].extend(rows)
    return by_child


def _group_name(by: str, key, names: dict) -> str:
    if by in ("child", "commune"):
        return names.get(key, str(key))
    return GROUP_NAMES[by].get(key, str(key))


def _score_rows(unit, year: int, by: str | None, persons: bool, parameters: Parameters) -> tuple[dict, str]:
    by = "commune" if by == "child" else by
    if parameters.equal and by != "head_sex":
        weight = next(iter(parameters.weights.values()))
        return _rows_from_rollups(unit, year, by, persons, weight), "rollups"
    return _rows_from_reviews(unit, year, by, persons, parameters), "reviews"


@replica_reads
def mpi_measures(
    unit: AdministrativeUnit,
    year: int,
    *,
    by: str | None = None,
    k: Fraction | None = None,
    persons: bool = False,
    parameters: Parameters | None = None,
) -> dict:
    """H, A, M0, the indicator and dimension break-down of a unit's subtree in a year, over
    households (or persons: `persons`), under the year's parameters (k replaced by `k` if given),
    and with `by` the subgroup decomposition (keys in README, `manage.py mpi`).
    Figures are exact fractions (households.mpi.as_floats turns them into floats)."""
    if by is not None and by not in GROUPINGS:
        raise MpiUnavailable(f"Không có cách chia nhóm “{by}” (chọn: {', '.join(GROUPINGS)}).")
    row = None
    if parameters is None:
        parameters, row = parameters_for(year, k)
    score_rows, path = _score_rows(unit, year, by, persons, parameters)
    if by:
        total = measures([r for rows in score_rows.values() for r in rows], parameters)
        names, codes = {}, {}
        if by == "child":
            score_rows = _into_children(unit, score_rows)
        if by in ("child", "commune"):
            for pk, code, name in AdministrativeUnit.objects.filter(pk__in=list(score_rows)).values_list(
                "pk", "code", "name"
            ):
                names[pk], codes[pk] = name, code
        per_group = {key: measures(rows, parameters) for key, rows in score_rows.items()}
        groups = [
            {
                **group,
                "key": codes.get(group["key"], group["key"]),
                "name": _group_name(by, group["key"], names),
            }
            for group in decomposition(per_group, total)
        ]
        groups.sort(key=lambda g: (-g["M0"], g["name"]))
    else:
        total = measures(score_rows.get(None, []), parameters)
        groups = []
    return {
        "unit": {"code": unit.code, "name": unit.name, "level": unit.level},
        "year": year,
        "counted": "persons" if persons else "households",
        "weights": {field: w for field, w in parameters.weights.items()},
        "equal_weights": parameters.equal,
        "source": row.source if row else "",
        "computed_from": path,
        **total,
        "by": by,
        "groups": groups,
    }


def _same_standard(first: PovertyStandard | None, last: PovertyStandard | None) -> bool:
    """The same row, or rows with the same lines and thresholds (Decree 351/2025 Art. 2 keeps
    the 2022-2025 standard for 2026 in a row of its own)."""
    if first is None or last is None:
        return False
    return first == last or all(first.values(area) == last.values(area) for area in Area.values)


@replica_reads
def mpi_change(
    unit: AdministrativeUnit, first: int, last: int, *, k: Fraction | None = None, persons: bool = False
) -> dict:
    """The change of H, A and M0 from year `first` to year `last`, both under the same standard
    and the same parameters (those of `last`, k replaced by `k` if given)."""
    if first >= last:
        raise MpiUnavailable("Năm so sánh phải trước năm báo cáo.")
    standards = {
        year: PovertyStandard.objects.filter(first_year__lte=year, last_year__gte=year).first()
        for year in (first, last)
    }
    if not _same_standard(standards[first], standards[last]):
        raise MpiUnavailable(
            f"Năm {first} và năm {last} không cùng một chuẩn nghèo: "
            "không so sánh được các chỉ số nghèo đa chiều."
        )
    parameters, _ = parameters_for(last, k)
    before = mpi_measures(unit, first, persons=persons, parameters=parameters)
    after = mpi_measures(unit, last, persons=persons, parameters=parameters)
    return {"first": first, "last": last, **change(before, after, last - first)}
