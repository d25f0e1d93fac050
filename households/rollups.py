"""Maintained rollups of the reviews, per commune and year (RegistryRollup, EthnicityRollup,
DeprivationRollup).

The only aggregation over review rows lives here; households.selectors sums rollup rows.
Every write path calls rollups_refresh() with the (commune, year) pairs it touched, inside its
transaction, so the rollups are always exact (tests compare them with a full rebuild).

A review counts in the commune where it was recorded. A household carried into a commune of
another tree (the communes of 1/7/2025, households.carrying) also counts its earlier reviews in
its commune of today, so that a year before the move can be asked for in either tree: the old
units as they were, the new units as the same households re-aggregated (D45).
"""

from collections import defaultdict
from collections.abc import Iterable

from django.db import transaction
from django.db.models import Case, Count, F, IntegerField, Q, QuerySet, Sum, Value, When
from django.db.models.functions import Coalesce, Greatest

from households.classification import HouseholdClass
from households.indicators import DIMENSIONS, INDICATOR_FIELDS, indicators_of
from households.models import Cause, DeprivationRollup, EthnicityRollup, HouseholdReview, RegistryRollup
from povertyprog.units.models import AdministrativeUnit, Level

GROUP_KEYS = ["classification", "prev_class", "arrived", "was_poor_earlier", "was_near_poor_earlier"]


def _count(condition: Q) -> Count:
    return Count("id", filter=condition)


def _dimension_q(dimension: str) -> Q:
    condition = Q()
    for indicator in indicators_of(dimension):
        condition |= Q(**{indicator.field: True})
    return condition


def _measures() -> dict:
    """Rollup field -> aggregate over reviews. Aliases end in "_n": Django refuses an aggregate
    alias that repeats a field name of the reviews."""
    measures = {
        "households": Count("id"),
        "persons": Coalesce(Sum("members_count"), 0),
        "prev_persons": Coalesce(Sum("prev_members_count"), 0),
        "shrink_persons": Coalesce(Sum(Greatest(F("prev_members_count") - F("members_count"), 0)), 0),
        "grow_persons": Coalesce(Sum(Greatest(F("members_count") - F("prev_members_count"), 0)), 0),
        "deprivations": Coalesce(Sum("deprivation_count"), 0),
        "ethnic_minority": _count(Q(ethnic_minority=True)),
        "recently_escaped": _count(Q(recently_escaped=True)),
        "no_labour_capacity": _count(Q(no_labour_capacity=True)),
        "has_merit_person": _count(Q(has_merit_person=True)),
        "other_group": _count(Q(ethnic_minority=False, no_labour_capacity=False, has_merit_person=False)),
    }
    measures |= {field: _count(Q(**{field: True})) for field in INDICATOR_FIELDS}
    measures |= {f"dim_{d.key}": _count(_dimension_q(d.key)) for d in DIMENSIONS}
    measures |= {cause.value: _count(Q(**{cause.value: True})) for cause in Cause}
    return {f"{name}_n": expression for name, expression in measures.items()}


MEASURE_FIELDS = [alias.removesuffix("_n") for alias in _measures()]


def _ancestors(commune_ids: set[int]) -> dict[int, tuple[int | None, int]]:
    """commune id -> (district id or None, province id)."""
    rows = AdministrativeUnit.objects.filter(pk__in=commune_ids).values_list(
        "pk", "parent_id", "parent__level", "parent__parent_id"
    )
    return {
        pk: (parent, grandparent) if parent_level == Level.DISTRICT else (None, parent)
        for pk, parent, parent_level, grandparent in rows
    }


MIRROR_KEY = "household__carried_into_id"


def mirrored_reviews(reviews: QuerySet) -> QuerySet:
    """Reviews of carried households recorded in a commune of the tree before the carrying."""
    return reviews.filter(household__carried_into__isnull=False).exclude(
        commune__valid_from=F("household__carried_into__valid_from")
    )


DEPRIVATION_KEYS = ["deprivations", "ethnic_minority", "area"]


def _deprivation_measures() -> dict:
    measures = {"households": Count("id"), "persons": Coalesce(Sum("members_count"), 0)}
    for field in INDICATOR_FIELDS:
        measures[field] = _count(Q(**{field: True}))
        measures[f"p_{field[2:]}"] = Coalesce(Sum("members_count", filter=Q(**{field: True})), 0)
    return {f"{name}_n": expression for name, expression in measures.items()}


DEPRIVATION_MEASURES = [alias.removesuffix("_n") for alias in _deprivation_measures()]


def _deprivation_count():
    """The number of the 12 indicators a review marks deprived (the score's numerator)."""
    flags = [Case(When(**{field: True}, then=Value(1)), default=Value(0)) for field in INDICATOR_FIELDS]
    total = flags[0]
    for flag in flags[1:]:
        total = total + flag
    return Coalesce(total, 0, output_field=IntegerField())


def _deprivation_rollups(year: int, reviews, key: str, places: dict) -> list[DeprivationRollup]:
    groups = (
        reviews.annotate(deprivations_c=_deprivation_count())
        .values(key, "deprivations_c", "ethnic_minority", "area")
        .annotate(**_deprivation_measures())
        .order_by(key)
    )
    return [
        DeprivationRollup(
            year=year,
            commune_id=row[key],
            district_id=places[row[key]][0],  # the same reviews gave the RegistryRollup rows
            province_id=places[row[key]][1],
            deprivations=row["deprivations_c"],
            ethnic_minority=row["ethnic_minority"],
            area=row["area"],
            **{field: row[f"{field}_n"] for field in DEPRIVATION_MEASURES},
        )
        for row in groups
    ]


def _build(year: int, reviews, key: str = "commune_id") -> tuple[list, list, list]:
    """Rollup rows (registry, ethnicity, deprivation) of these reviews grouped by `key`: the
    commune recorded ("commune_id") or the commune the household was carried into (MIRROR_KEY,
    for reviews of the tree before)."""
    # Ordered by commune: a province's rows lie together on disk.
    groups = list(reviews.values(key, *GROUP_KEYS).annotate(**_measures()).order_by(key))
    places = _ancestors({row[key] for row in groups})
    rollups = [
        RegistryRollup(
            year=year,
            commune_id=row[key],
            district_id=places[row[key]][0],
            province_id=places[row[key]][1],
            **{group: row[group] for group in GROUP_KEYS},
            **{field: row[f"{field}_n"] for field in MEASURE_FIELDS},
        )
        for row in groups
    ]
    ethnic = (
        reviews.filter(classification__in=[HouseholdClass.POOR, HouseholdClass.NEAR_POOR])
        .values(key, "classification", "ethnicity")
        .annotate(n=Count("id"))
        .order_by(key)
    )
    ethnicities = [
        EthnicityRollup(
            year=year,
            commune_id=row[key],
            district_id=places[row[key]][0],
            province_id=places[row[key]][1],
            classification=row["classification"],
            ethnicity=row["ethnicity"],
            households=row["n"],
        )
        for row in ethnic
    ]
    return rollups, ethnicities, _deprivation_rollups(year, reviews, key, places)


def _build_both(year: int, reviews_recorded, reviews_of_households) -> tuple[list, list, list]:
    recorded = _build(year, reviews_recorded)
    mirrored = _build(year, mirrored_reviews(reviews_of_households), key=MIRROR_KEY)
    return tuple(mine + theirs for mine, theirs in zip(recorded, mirrored, strict=True))


def _with_mirrors(communes_by_year: dict[int, set[int]]) -> None:
    """Add the communes carried into by households whose reviews of these old-tree communes changed."""
    old_tree = set(
        AdministrativeUnit.objects.filter(
            pk__in=set().union(*communes_by_year.values()), valid_to__isnull=False
        ).values_list("pk", flat=True)
    )
    if not old_tree:
        return
    for year, communes in communes_by_year.items():
        touched = communes & old_tree
        if touched:
            communes |= set(
                mirrored_reviews(HouseholdReview.objects.filter(year=year, commune_id__in=touched))
                .values_list(MIRROR_KEY, flat=True)
                .order_by()  # the reviews' default ordering would make DISTINCT per household
                .distinct()
            )


@transaction.atomic
def rollups_refresh(pairs: Iterable[tuple[int, int]]) -> None:
    """Recompute the rollups of these (commune id, year) pairs from their reviews (and those of
    the communes their households were carried into)."""
    communes_by_year = defaultdict(set)
    for commune_id, year in pairs:
        communes_by_year[year].add(commune_id)
    if not communes_by_year:
        return
    _with_mirrors(communes_by_year)
    for year, communes in communes_by_year.items():
        for chunk in _chunks(sorted(communes), 500):
            RegistryRollup.objects.filter(year=year, commune_id__in=chunk).delete()
            EthnicityRollup.objects.filter(year=year, commune_id__in=chunk).delete()
            DeprivationRollup.objects.filter(year=year, commune_id__in=chunk).delete()
            rollups, ethnicities, deprivations = _build_both(
                year,
                HouseholdReview.objects.filter(year=year, commune_id__in=chunk),
                HouseholdReview.objects.filter(year=year, household__carried_into__in=chunk),
            )
            RegistryRollup.objects.bulk_create(rollups, batch_size=1000)
            EthnicityRollup.objects.bulk_create(ethnicities, batch_size=1000)
            DeprivationRollup.objects.bulk_create(deprivations, batch_size=1000)


@transaction.atomic
def rollups_rebuild() -> int:
    """Recompute every rollup from the reviews (after raw loads, or to check exactness)."""
    RegistryRollup.objects.all().delete()
    EthnicityRollup.objects.all().delete()
    DeprivationRollup.objects.all().delete()
    created = 0
    for year in HouseholdReview.objects.values_list("year", flat=True).distinct().order_by():
        reviews = HouseholdReview.objects.filter(year=year)
        rollups, ethnicities, deprivations = _build_both(year, reviews, reviews)
        RegistryRollup.objects.bulk_create(rollups, batch_size=2000)
        EthnicityRollup.objects.bulk_create(ethnicities, batch_size=2000)
        DeprivationRollup.objects.bulk_create(deprivations, batch_size=2000)
        created += len(rollups)
    return created


def _chunks(items: list, size: int):
    for start in range(0, len(items), size):
        yield items[start : start + size]
