"""Benchmark: the Alkire-Foster measures of a province of 1,000,000 generated households.

    python bench/mpi.py [--households 1000000] [--keep]

Creates (drops first, unless --keep finds it filled) the database povertyprog_bench_mpi and
fills it with bench/generate_households.py: N households with members and reviews of 2023 and
2024 over the 108 communes of Bắc Kạn (06, three-tier tree), rollups rebuilt. Then times, in
this process with DEBUG off, households.mpi_selectors.mpi_measures — the function behind the
page, the Excel tables and `manage.py mpi` — median of 9 runs after a warm-up:

  - the province (H, A, M0, 12 indicators, 6 dimensions) from the rollups; target ≤ 100 ms;
  - the province by commune (108 groups); target ≤ 200 ms;
  - by ethnicity, by area, over persons, the change 2023 -> 2024 (rollups);
  - by sex of the household head and with other weights: grouped straight from the reviews.

And checks, on the same 1,000,000 households, that the rollup path gives exactly the figures of
the grouped query over the reviews (the fast path against its simple twin).
"""

import argparse
import os
import subprocess
import sys
from fractions import Fraction

from benchdb import ROOT, bench_env, database_url, median_ms, recreate_database, setup_django

NAME = "povertyprog_bench_mpi"
URL = database_url(NAME)
YEAR = 2024
PROVINCE = "06"
TARGETS = {"province": 100, "by commune": 200}


def filled(households: int) -> bool:
    import psycopg

    try:
        with psycopg.connect(URL) as conn:
            row = conn.execute(
                "SELECT COUNT(*) FROM households_householdreview WHERE year = %s", [YEAR]
            ).fetchone()
    except psycopg.Error:
        return False
    return row[0] == households


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--households", type=int, default=1_000_000)
    parser.add_argument("--keep", action="store_true", help="reuse the database if it holds N households")
    args = parser.parse_args()
    if not (args.keep and filled(args.households)):
        recreate_database(NAME)
        generator = [sys.executable, str(ROOT / "bench" / "generate_households.py")]
        subprocess.run(
            [*generator, "--households", str(args.households), "--provinces", PROVINCE],
            env=bench_env(URL),
            check=True,
        )
    os.environ["DATABASE_URL"] = URL
    setup_django()

    from households.mpi import Parameters, equal_nested_weights
    from households.mpi_selectors import _rows_from_reviews, mpi_change, mpi_measures, parameters_for
    from povertyprog.units.models import AdministrativeUnit

    province = AdministrativeUnit.objects.for_code(PROVINCE, YEAR)
    uneven = equal_nested_weights()
    uneven["d_employment"], uneven["d_dependants"] = Fraction(1, 8), Fraction(1, 24)
    runs = {
        "province": lambda: mpi_measures(province, YEAR),
        "by commune": lambda: mpi_measures(province, YEAR, by="commune"),
        "by ethnicity": lambda: mpi_measures(province, YEAR, by="ethnicity"),
        "by area": lambda: mpi_measures(province, YEAR, by="area"),
        "persons": lambda: mpi_measures(province, YEAR, persons=True),
        "change 2023 -> 2024": lambda: mpi_change(province, YEAR - 1, YEAR),
        "by head's sex (reviews)": lambda: mpi_measures(province, YEAR, by="head_sex"),
        "other weights (reviews)": lambda: mpi_measures(
            province, YEAR, parameters=Parameters(uneven, Fraction(1, 4))
        ),
    }
    result = mpi_measures(province, YEAR)
    print(
        f"{province.name}, {YEAR}: {result['population']:,} households, {result['poor']:,} poor at k = "
        f"{result['k']}; H = {float(result['H']):.4f}, A = {float(result['A']):.4f}, "
        f"M0 = {float(result['M0']):.4f}"
    )
    print(f"{'measures':<28}{'ms (median of 9)':>18}{'target':>10}")
    for name, function in runs.items():
        slow = "reviews" in name
        ms = median_ms(function, runs=3 if slow else 9)
        target = TARGETS.get(name)
        verdict = "" if target is None else (f"≤ {target}" + (" ok" if ms <= target else " NOT MET"))
        print(f"{name:<28}{ms:>18.1f}{verdict:>10}")
    # The fast path against its simple twin on the same data: every figure equal.
    parameters, _ = parameters_for(YEAR)
    from households.mpi import measures

    twin = measures(_rows_from_reviews(province, YEAR, None, False, parameters)[None], parameters)
    same = all(
        twin[key] == result[key] for key in ("population", "poor", "H", "A", "M0", "indicators", "dimensions")
    )
    print(
        f"rollups equal the grouped reviews on {result['population']:,} households: {'yes' if same else 'NO'}"
    )
    if not same:
        sys.exit(1)


if __name__ == "__main__":
    main()
