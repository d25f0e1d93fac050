"""Benchmark: registry statistics for a district, a province and the whole country.

    DATABASE_URL=postgres://postgres@127.0.0.1:5432/povertyprog_bench python bench/registry_stats.py

Run bench/generate_households.py first. For each scope it times households.selectors.registry_stats
(the function behind the statistics page and `manage.py registry_stats`), median of several runs
after a warm-up, and, for the province, hand-written SQL in the same run: the same queries on the
rollups, and the same figures straight from the reviews.
Targets: province ≤ 60 ms and ≤ 1.5× the hand-written SQL; whole country ≤ 400 ms.
"""

import sys

from benchdb import median_ms, setup_django

setup_django()  # on DATABASE_URL, DEBUG off

from django.db import connection  # noqa: E402
from django.db.models import Count  # noqa: E402

from households.indicators import DIMENSIONS, INDICATOR_FIELDS, indicators_of  # noqa: E402
from households.models import Cause, HouseholdReview  # noqa: E402
from households.rollups import MEASURE_FIELDS  # noqa: E402
from households.selectors import registry_stats  # noqa: E402
from povertyprog.units.models import AdministrativeUnit, Level  # noqa: E402

YEAR = 2024
RUNS = 9


def hand_written_sql(unit: AdministrativeUnit) -> None:
    """The same figures computed by hand-written SQL straight from the reviews (no rollups)."""
    indicator_sums = ", ".join(f"COUNT(*) FILTER (WHERE r.{f})" for f in INDICATOR_FIELDS)
    dimension_sums = ", ".join(
        "COUNT(*) FILTER (WHERE " + " OR ".join(f"r.{i.field}" for i in indicators_of(d.key)) + ")"
        for d in DIMENSIONS
    )
    cause_sums = ", ".join(f"COUNT(*) FILTER (WHERE r.{c.value})" for c in Cause)
    scope = (
        "FROM households_householdreview r JOIN units_administrativeunit u ON u.id = r.commune_id "
        "WHERE u.path LIKE %s AND r.year {year}"
    )
    like = unit.path + "%"
    with connection.cursor() as cursor:
        cursor.execute(
            f"""SELECT r.classification, COUNT(*), SUM(r.members_count), SUM(r.deprivation_count),
                COUNT(*) FILTER (WHERE r.ethnic_minority), COUNT(*) FILTER (WHERE r.recently_escaped),
                COUNT(*) FILTER (WHERE r.no_labour_capacity), COUNT(*) FILTER (WHERE r.has_merit_person),
                COUNT(*) FILTER (WHERE NOT (r.ethnic_minority OR r.no_labour_capacity OR r.has_merit_person)),
                {indicator_sums}, {dimension_sums}, {cause_sums}
                {scope.format(year="= %s")} GROUP BY r.classification""",
            [like, YEAR],
        )
        cursor.fetchall()
        cursor.execute(
            f"""SELECT r.year, r.classification, r.prev_class, r.arrived, r.was_poor_earlier,
                r.was_near_poor_earlier, COUNT(*), SUM(r.members_count), SUM(r.prev_members_count),
                SUM(GREATEST(r.prev_members_count - r.members_count, 0)),
                SUM(GREATEST(r.members_count - r.prev_members_count, 0))
                {scope.format(year="IN (%s, %s)")} GROUP BY 1, 2, 3, 4, 5, 6""",
            [like, YEAR - 1, YEAR],
        )
        cursor.fetchall()
        cursor.execute(
            f"""SELECT r.ethnicity, COUNT(*) FILTER (WHERE r.classification = 'poor'),
                COUNT(*) FILTER (WHERE r.classification = 'near_poor')
                {scope.format(year="= %s")} AND r.classification IN ('poor', 'near_poor')
                GROUP BY r.ethnicity ORDER BY r.ethnicity""",
            [like, YEAR],
        )
        cursor.fetchall()
        cursor.execute("SELECT id, code, name FROM units_administrativeunit WHERE parent_id = %s", [unit.pk])
        cursor.fetchall()
        cursor.execute(
            f"""SELECT u.parent_id, COUNT(*), COUNT(*) FILTER (WHERE r.classification = 'poor'),
                COUNT(*) FILTER (WHERE r.classification = 'near_poor')
                {scope.format(year="= %s")} GROUP BY u.parent_id""",
            [like, YEAR],
        )
        cursor.fetchall()


def hand_written_rollup_sql(unit: AdministrativeUnit) -> None:
    """What registry_stats asks of the rollups, written by hand (province level)."""
    sums = ", ".join(f"SUM({field})" for field in MEASURE_FIELDS)
    with connection.cursor() as cursor:
        cursor.execute(
            f"SELECT classification, {sums} FROM households_registryrollup "
            "WHERE year = %s AND province_id = %s GROUP BY classification",
            [YEAR, unit.pk],
        )
        cursor.fetchall()
        cursor.execute(
            "SELECT year, classification, prev_class, arrived, was_poor_earlier, was_near_poor_earlier, "
            "SUM(households), SUM(persons), SUM(prev_persons), SUM(shrink_persons), SUM(grow_persons) "
            "FROM households_registryrollup WHERE year IN (%s, %s) AND province_id = %s "
            "GROUP BY 1, 2, 3, 4, 5, 6",
            [YEAR - 1, YEAR, unit.pk],
        )
        cursor.fetchall()
        cursor.execute(
            "SELECT ethnicity, SUM(households) FILTER (WHERE classification = 'poor'), "
            "SUM(households) FILTER (WHERE classification = 'near_poor') FROM households_ethnicityrollup "
            "WHERE year = %s AND province_id = %s GROUP BY ethnicity ORDER BY ethnicity",
            [YEAR, unit.pk],
        )
        cursor.fetchall()
        cursor.execute("SELECT id, code, name FROM units_administrativeunit WHERE parent_id = %s", [unit.pk])
        cursor.fetchall()
        cursor.execute(
            "SELECT district_id, SUM(households), SUM(households) FILTER (WHERE classification = 'poor'), "
            "SUM(households) FILTER (WHERE classification = 'near_poor') FROM households_registryrollup "
            "WHERE year = %s AND province_id = %s GROUP BY district_id",
            [YEAR, unit.pk],
        )
        cursor.fetchall()


def largest(level: int) -> AdministrativeUnit:
    """The unit of that level (three-tier tree) with the most reviews in YEAR."""
    key = "commune__parent_id" if level == Level.DISTRICT else "commune__parent__parent_id"
    row = HouseholdReview.objects.filter(year=YEAR).values(key).annotate(n=Count("id")).order_by("-n").first()
    return AdministrativeUnit.objects.get(pk=row[key])


def main() -> None:
    if connection.vendor != "postgresql":
        sys.exit("Set DATABASE_URL to the PostgreSQL database filled by bench/generate_households.py.")
    total = HouseholdReview.objects.filter(year=YEAR).count()
    district, province = largest(Level.DISTRICT), largest(Level.PROVINCE)
    scopes = [(f"district {district.name}", district), (f"province {province.name}", province),
              ("whole country", None)]  # fmt: skip
    print(f"registry_stats, year {YEAR}, {total:,} households reviewed; median of {RUNS} runs")
    print(f"{'scope':<40}{'households':>12}{'ms':>10}")
    timings = {}
    for name, unit in scopes:
        households = registry_stats(unit, YEAR)["households"]["total"]
        timings[name] = median_ms(lambda unit=unit: registry_stats(unit, YEAR), RUNS)
        print(f"{name:<40}{households:>12,}{timings[name]:>10.1f}")
    province_ms = timings[scopes[1][0]]
    for label, function in (
        ("the same queries on the rollups", hand_written_rollup_sql),
        ("the same figures straight from the reviews", hand_written_sql),
    ):
        sql_ms = median_ms(lambda function=function: function(province), RUNS)
        print(f"province, hand-written SQL, {label}: {sql_ms:.1f} ms "
              f"(registry_stats / SQL = {province_ms / sql_ms:.2f})")  # fmt: skip


if __name__ == "__main__":
    main()
