"""Synthetic scale data: N households with members and two years of reviews across the real
three-tier unit tree, at a realistic poor rate (~3 %), written with PostgreSQL COPY.

    DATABASE_URL=postgres://postgres@127.0.0.1:5432/povertyprog_bench \\
        python bench/generate_households.py --households 1000000

Classification and history come from the domain code (households.classification,
households.transitions); only the writing is raw COPY, after which the rollups are rebuilt.
Existing synthetic rows (codes starting with "S") are removed first. Prints the time taken and the row counts.
"""

import argparse
import random
import sys
import time
from datetime import date

from benchdb import setup_django

setup_django()  # on DATABASE_URL, DEBUG off

from django.db import connection, transaction  # noqa: E402

from households.classification import AssessmentMethod, HouseholdClass, classify  # noqa: E402
from households.indicators import INDICATOR_FIELDS  # noqa: E402
from households.models import Cause, PovertyStandard  # noqa: E402
from households.rollups import rollups_rebuild  # noqa: E402
from households.synthetic import income_for  # noqa: E402
from households.transitions import YearResult, household_history  # noqa: E402
from povertyprog.lib.vietnamese import fold, person_sort_key  # noqa: E402
from povertyprog.units.loading import units_load_all  # noqa: E402
from povertyprog.units.models import AdministrativeUnit, Level  # noqa: E402

YEARS = (2023, 2024)
THREE_TIER = date(2021, 1, 1)
CLASS_WEIGHTS = (
    [HouseholdClass.POOR, HouseholdClass.NEAR_POOR, HouseholdClass.MIDDLE, HouseholdClass.NOT_POOR],
    [3, 4, 3, 90],
)
STAY = 0.8  # chance a household keeps its class the next year
FAMILY = ["Nguyễn", "Trần", "Lê", "Phạm", "Hoàng", "Vũ", "Đặng", "Bùi", "Đỗ", "Hồ", "Ngô", "Dương", "Lý"]
GIVEN = ["An", "Bình", "Cường", "Dũng", "Hà", "Hải", "Hoa", "Hùng", "Lan", "Long", "Mai", "Nam", "Thảo"]
HOUSEHOLD_COLUMNS = [
    "id",
    "code",
    "commune_id",
    "village",
    "address",
    "head_name",
    "ethnicity",
    "ethnic_minority",
    "social_protection",
    "has_merit_person",
    "no_labour_capacity",
    "origin",
    "search_text",
    "head_sort_key",
    "version",
    "created_at",
    "updated_at",
]
MEMBER_COLUMNS = [
    "household_id",
    "full_name",
    "sex",
    "birth_year",
    "relation",
    "ethnicity",
    "citizen_id",
    "has_health_insurance",
    "education_level",
    "attends_school",
    "employment",
    "has_disability",
    "monthly_social_allowance",
    "malnourished",
]
CAUSES = [c.value for c in Cause]
NEEDS = ["need_health", "need_education", "need_production", "need_credit", "need_housing", "need_other"]
REVIEW_COLUMNS = [
    "household_id",
    "year",
    "review_type",
    "review_date",
    "reviewer",
    "standard_id",
    "method",
    "income_per_capita",
    "b1_score",
    *INDICATOR_FIELDS,
    "overrides",
    *CAUSES,
    *NEEDS,
    "deprivation_count",
    "classification",
    "commune_id",
    "area",
    "members_count",
    "ethnic_minority",
    "ethnicity",
    "no_labour_capacity",
    "has_merit_person",
    "prev_class",
    "prev_members_count",
    "arrived",
    "was_poor_earlier",
    "was_near_poor_earlier",
    "escaped_poverty_year",
    "recently_escaped",
    "created_at",
    "updated_at",
]


def deprivations(rng: random.Random, cls: str) -> set[str]:
    if cls == HouseholdClass.POOR:
        count = rng.randint(3, 6)
    elif cls == HouseholdClass.NEAR_POOR:
        count = rng.randint(0, 2)
    else:
        count = rng.choice((0, 0, 0, 1))
    return set(rng.sample(INDICATOR_FIELDS, count))


def generate(total: int, seed: int, provinces: list[str] | None = None) -> dict:
    rng = random.Random(seed)
    communes = AdministrativeUnit.objects.filter(level=Level.COMMUNE, valid_from=THREE_TIER)
    if provinces:
        communes = communes.filter(parent__parent__code__in=provinces)
    communes = list(communes.order_by("path").values_list("id", "code", "division_type"))
    standards = {y: PovertyStandard.objects.for_year(y) for y in YEARS}
    values = {(y, a): standards[y].values(a) for y in YEARS for a in ("urban", "rural")}
    now = "2026-01-01 00:00:00+07"
    with transaction.atomic(), connection.cursor() as cursor:
        cursor.execute(
            "DELETE FROM households_householdreview WHERE household_id IN "
            "(SELECT id FROM households_household WHERE code LIKE 'S%%')"
        )
        cursor.execute(
            "DELETE FROM households_member WHERE household_id IN "
            "(SELECT id FROM households_household WHERE code LIKE 'S%%')"
        )
        cursor.execute("DELETE FROM households_household WHERE code LIKE 'S%%'")
        cursor.execute("SELECT COALESCE(MAX(id), 0) FROM households_household")
        first_id = cursor.fetchone()[0] + 1
        raw = cursor.connection  # psycopg 3
        counts = {"households": 0, "members": 0, "reviews": 0}
        with raw.cursor() as pg:
            with (
                pg.copy(f"COPY households_household ({', '.join(HOUSEHOLD_COLUMNS)}) FROM STDIN") as hh_copy,
            ):
                members_rows, review_rows = [], []
                for n in range(total):
                    hid = first_id + n
                    # Households of a commune are written together, as a commune's review is.
                    commune_id, commune_code, division = communes[n * len(communes) // total]
                    area = "urban" if division in ("phuong", "thi_tran") else "rural"
                    head = f"{rng.choice(FAMILY)} Văn {rng.choice(GIVEN)}"
                    ethnicity = (
                        "01" if rng.random() < 0.85 else rng.choice(("02", "03", "06", "07", "08", "09"))
                    )
                    minority = ethnicity != "01"
                    code = f"S{commune_code}-{n:07d}"
                    hh_copy.write_row(
                        (
                            hid,
                            code,
                            commune_id,
                            f"Thôn {rng.randint(1, 12)}",
                            "",
                            head,
                            ethnicity,
                            minority,
                            False,
                            rng.random() < 0.03,
                            rng.random() < 0.02,
                            "resident",
                            fold(f"{head} {code}"),
                            person_sort_key(head),
                            1,
                            now,
                            now,
                        )
                    )
                    size = rng.randint(1, 6)
                    for m in range(size):
                        members_rows.append(
                            (
                                hid,
                                f"{head.split()[0]} Thị {rng.choice(GIVEN)}" if m else head,
                                "MF"[m % 2],
                                1950 + rng.randint(0, 70),
                                "head" if m == 0 else "child",
                                ethnicity,
                                "",
                                True,
                                "thpt",
                                False,
                                "self_employed",
                                False,
                                False,
                                False,
                            )
                        )
                    cls = rng.choices(*CLASS_WEIGHTS)[0]
                    results, specs = [], []
                    for year in YEARS:
                        if year != YEARS[0] and rng.random() > STAY:
                            cls = rng.choices(*CLASS_WEIGHTS)[0]
                        deprived = deprivations(rng, cls)
                        v = values[(year, area)]
                        amount = income_for(rng, cls, v.income_line, v.middle_upper)
                        computed = classify(
                            method=AssessmentMethod.INCOME,
                            deprivation_count=len(deprived),
                            values=v,
                            income=amount,
                        )
                        results.append(YearResult(year, computed, size))
                        specs.append((year, deprived, amount, computed))
                    for (year, deprived, amount, computed), h in zip(
                        specs, household_history(results, came_from_elsewhere=False), strict=True
                    ):
                        below = computed in (HouseholdClass.POOR, HouseholdClass.NEAR_POOR)
                        causes = {rng.choice(CAUSES)} if below else set()
                        review_rows.append(
                            (
                                hid,
                                year,
                                "periodic",
                                date(year, 11, 15),
                                "",
                                standards[year].pk,
                                "income",
                                amount,
                                None,
                                *[f in deprived for f in INDICATOR_FIELDS],
                                "{}",
                                *[c in causes for c in CAUSES],
                                *[below and i == 0 for i in range(len(NEEDS))],
                                len(deprived),
                                computed,
                                commune_id,
                                area,
                                size,
                                minority,
                                ethnicity,
                                False,
                                False,
                                h.prev_class,
                                h.prev_members_count,
                                h.arrived,
                                h.was_poor_earlier,
                                h.was_near_poor_earlier,
                                h.escaped_poverty_year,
                                h.recently_escaped,
                                now,
                                now,
                            )
                        )
                counts["households"] = total
            with pg.copy(f"COPY households_member ({', '.join(MEMBER_COLUMNS)}) FROM STDIN") as copy:
                for row in members_rows:
                    copy.write_row(row)
            counts["members"] = len(members_rows)
            with pg.copy(f"COPY households_householdreview ({', '.join(REVIEW_COLUMNS)}) FROM STDIN") as copy:
                for row in review_rows:
                    copy.write_row(row)
            counts["reviews"] = len(review_rows)
        cursor.execute(
            "SELECT setval(pg_get_serial_sequence('households_household', 'id'), "
            "(SELECT MAX(id) FROM households_household))"
        )
    with connection.cursor() as cursor:
        cursor.execute("ANALYZE")
    counts["rollups"] = rollups_rebuild()
    with connection.cursor() as cursor:
        cursor.execute("ANALYZE")
    return counts


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--households", type=int, default=1_000_000)
    parser.add_argument("--seed", type=int, default=7)
    parser.add_argument(
        "--provinces", help="only the communes of these provinces (three-tier codes, e.g. 06,19)"
    )
    args = parser.parse_args()
    if connection.vendor != "postgresql":
        sys.exit("Set DATABASE_URL to a PostgreSQL database: the generator writes with COPY.")
    units_load_all()
    started = time.perf_counter()
    counts = generate(args.households, args.seed, args.provinces.split(",") if args.provinces else None)
    elapsed = time.perf_counter() - started
    print(
        f"generated {counts['households']:,} households, {counts['members']:,} members, "
        f"{counts['reviews']:,} reviews ({', '.join(map(str, YEARS))}), {counts['rollups']:,} rollup rows "
        f"in {elapsed:.1f} s"
    )


if __name__ == "__main__":
    main()
