"""Benchmark: the budget overview page of a province with 1,000 communes on PostgreSQL.

    python bench/budget_overview.py [--communes 1000] [--years 5]

Creates (drops first) the database povertyprog_bench_budgets, loads the unit tree, adds a
synthetic province (code 99) of 20 districts and 1,000 communes, and gives every commune budget
lines for the 7 projects (each leaf component of the 2021-2025 program, two sources) over 5
years, plus policy results and mobilised funds. Then it times, median of 9 runs after a warm-up:
the overview page of the province rendered by its view (selectors, template, HTML), its number
of queries, and the selector alone for a district and for the province.
Target: the province page in ≤ 150 ms server time, with a constant number of queries.
"""

import argparse
import time

from benchdb import collect_static, median_ms, recreate_database, setup_django, synthetic_province


def fill(communes, years: list[int]) -> int:
    from budgets.models import BudgetLine, Mobilisation, PolicyResult, Program
    from budgets.services import leaf_components
    from povertyprog.lib.copyinsert import copy_insert

    program = Program.objects.for_year(years[0])
    leaves = leaf_components(program, communes[0])
    lines, policies, mobilised = [], [], []
    for n, commune in enumerate(communes):
        for year in years:
            for i, component in enumerate(leaves):
                assigned = (100 + (n + i) % 50) * 1_000_000
                for source, share in (("central", 97), ("local", 3)):
                    amount = assigned * share // 100
                    lines.append({"unit_id": commune.pk, "year": year, "component_id": component.pk,
                                  "capital_type": "su_nghiep", "source": source, "assigned": amount,
                                  "allocated": amount * 9 // 10, "disbursed": amount // 2})  # fmt: skip
            policies.append({"unit_id": commune.pk, "year": year, "policy": "credit", "beneficiaries": 10,
                             "poor": 4, "near_poor": 6, "amount": 500_000_000})  # fmt: skip
            mobilised.append({"unit_id": commune.pk, "year": year, "contributor_kind": "fund_for_poor",
                              "contributor": "Quỹ Vì người nghèo xã", "amount": 20_000_000})  # fmt: skip
    copy_insert(BudgetLine, lines)
    copy_insert(PolicyResult, policies)
    copy_insert(Mobilisation, mobilised)
    return len(lines)


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--communes", type=int, default=1000)
    parser.add_argument("--years", type=int, default=5)
    args = parser.parse_args()
    setup_django(recreate_database("povertyprog_bench_budgets"))
    collect_static()  # DEBUG off: the manifest static storage, as in production
    from django.db import connection
    from django.test import RequestFactory
    from django.test.utils import CaptureQueriesContext

    from budgets.selectors import budget_overview
    from budgets.views import overview
    from povertyprog.accounts.models import Role, User

    started = time.perf_counter()
    province, _, communes = synthetic_province(args.communes)
    years = list(range(2021, 2021 + args.years))
    count = fill(communes, years)
    with connection.cursor() as cursor:
        cursor.execute("ANALYZE")
    print(f"{len(communes):,} communes, {count:,} budget lines in {time.perf_counter() - started:.1f} s")

    user = User.objects.create_user(username="bench", role=Role.PROVINCE_STAFF, unit=province)
    request = RequestFactory().get("/ngan-sach/", {"nam": str(years[-1])})
    request.user = user
    request._messages = []

    def page():
        response = overview(request)
        assert response.status_code == 200 and b"grand-total" in response.content

    with CaptureQueriesContext(connection) as queries:
        page()
    district, year = communes[0].parent, years[-1]
    figures = [
        ("province overview page (view + template)", median_ms(page)),
        ("province budget_overview() selector", median_ms(lambda: budget_overview(province, year))),
        ("district budget_overview() selector", median_ms(lambda: budget_overview(district, year))),
    ]
    print(f"{'what':<52}{'median ms':>10}")
    for label, ms in figures:
        print(f"{label:<52}{ms:>10.1f}")
    print(f"queries for the province page: {len(queries)} (target: constant; ≤ 150 ms)")


if __name__ == "__main__":
    main()
