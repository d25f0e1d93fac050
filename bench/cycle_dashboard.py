"""Benchmark: the reporting-cycle dashboard of a big province, and approving a district.

    python bench/cycle_dashboard.py [--communes 1000] [--households 1000000]

Creates (drops first) the database povertyprog_bench_cycle, loads the unit tree, adds a synthetic
province (code 99) of 20 districts × 50 communes, and:
- fills the registry rollups of 2024 as 1,000,000 reviewed households would leave them (the
  dashboard reads only the rollups, which every registry write keeps exact; generating the
  reviews themselves is bench/generate_households.py's job and takes minutes);
- gives every commune a 2024 submission, half of them approved, and targets;
- gives one district's 20 communes 1,000 real reviews each (households, reviews via COPY) and
  submitted submissions, for the approval timing (each approval snapshots the commune's reviews).
Then it times, median of 9 runs after a warm-up: the province dashboard page (view + template)
approved-only and provisional; and approving the 20 communes of that district in one bulk action.
Targets: each dashboard ≤ 100 ms; approving a district of 20 communes ≤ 1 s.
"""

import argparse
import time
from datetime import date, timedelta

from benchdb import collect_static, median_ms, recreate_database, setup_django, synthetic_province


def fill_rollups(province, communes, households: int) -> None:
    from households.models import RegistryRollup
    from povertyprog.lib.copyinsert import copy_insert

    per_commune = households // len(communes)
    rows = []
    for n, commune in enumerate(communes):
        poor = per_commune * (2 + n % 5) // 100
        near_poor = per_commune * (3 + n % 4) // 100
        for cls, count in (
            ("poor", poor),
            ("near_poor", near_poor),
            ("middle", per_commune // 10),
            ("not_poor", per_commune - poor - near_poor - per_commune // 10),
        ):
            rows.append(
                {
                    "commune_id": commune.pk,
                    "district_id": commune.parent_id,
                    "province_id": province.pk,
                    "year": 2024,
                    "classification": cls,
                    "prev_class": cls,
                    "arrived": False,
                    "was_poor_earlier": False,
                    "was_near_poor_earlier": False,
                    "households": count,
                    "persons": count * 4,
                }
            )
    copy_insert(RegistryRollup, rows)


def submissions(period, communes, approver) -> None:
    from django.utils import timezone

    from reports.models import State, Submission, Target

    now = timezone.now()
    Submission.objects.bulk_create(
        Submission(
            unit=c,
            period=period,
            state=State.APPROVED if n % 2 else State.SUBMITTED,
            submitted_at=now,
            first_submitted_at=now,
            decided_at=now if n % 2 else None,
            decided_by=approver if n % 2 else None,
        )
        for n, c in enumerate(communes)
    )
    Target.objects.bulk_create(
        Target(unit=c, period=period, households_start=1000, poor_start=30, planned_reduction=2)
        for c in communes
    )


def real_reviews(communes, per_commune: int) -> None:
    from households.models import Household, HouseholdReview, PovertyStandard
    from povertyprog.lib.copyinsert import copy_insert

    standard = PovertyStandard.objects.for_year(2024)
    for commune in communes:
        households = [
            {
                "code": f"{commune.code}-{i:05d}",
                "commune_id": commune.pk,
                "village": "Thôn 1",
                "head_name": f"Nguyễn Văn {i}",
                "search_text": "",
                "head_sort_key": "",
            }
            for i in range(per_commune)
        ]
        copy_insert(Household, households)
        copy_insert(
            HouseholdReview,
            [
                {
                    "household_id": h["id"],
                    "year": 2024,
                    "review_date": date(2024, 11, 15),
                    "standard_id": standard.pk,
                    "income_per_capita": 2_500_000,
                    "classification": "middle" if i % 9 else "poor",
                    "commune_id": commune.pk,
                    "area": "rural",
                    "members_count": 4,
                }
                for i, h in enumerate(households)
            ],
        )


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--communes", type=int, default=1000)
    parser.add_argument("--households", type=int, default=1_000_000)
    args = parser.parse_args()
    setup_django(recreate_database("povertyprog_bench_cycle"))
    collect_static()  # DEBUG off: the manifest static storage, as in production
    from django.db import connection
    from django.test import RequestFactory
    from django.test.utils import CaptureQueriesContext
    from django.utils import timezone

    from povertyprog.accounts.models import Role, User
    from reports.cycle import submissions_approve_children
    from reports.models import PeriodKind, ReportingPeriod, State, Submission
    from reports.views import dashboard

    started = time.perf_counter()
    province, districts, communes = synthetic_province(args.communes)
    fill_rollups(province, communes, args.households)
    today = timezone.localdate()
    period = ReportingPeriod.objects.create(
        code="2024",
        name="Báo cáo năm 2024",
        kind=PeriodKind.ANNUAL,
        first_year=2024,
        last_year=2024,
        opens_on=date(2024, 10, 1),
        due_on=today,
        closes_on=today + timedelta(days=30),
    )
    province_user = User.objects.create_user(username="tinh", role=Role.PROVINCE_STAFF, unit=province)
    district_user = User.objects.create_user(username="huyen", role=Role.DISTRICT_STAFF, unit=districts[0])
    first_district = [c for c in communes if c.parent_id == districts[0].pk]
    others = [c for c in communes if c.parent_id != districts[0].pk]
    submissions(period, others, district_user)
    # The district's 20 first communes wait for approval; its other 30 are approved already.
    Submission.objects.bulk_create(
        Submission(
            unit=c,
            period=period,
            state=State.SUBMITTED if n < 20 else State.APPROVED,
            submitted_at=timezone.now(),
            first_submitted_at=timezone.now(),
        )
        for n, c in enumerate(first_district)
    )
    real_reviews(first_district[:20], 1000)
    with connection.cursor() as cursor:
        cursor.execute("ANALYZE")
    print(
        f"{len(communes):,} communes, {args.households:,} households in rollups, "
        f"20 x 1,000 real reviews; set up in {time.perf_counter() - started:.1f} s"
    )

    def page(query: dict):
        request = RequestFactory().get("/bao-cao/2024/", query)
        request.user = province_user
        response = dashboard(request, "2024")
        assert response.status_code == 200 and b"children-status" in response.content

    with CaptureQueriesContext(connection) as queries:
        page({})
    official = median_ms(lambda: page({}))
    provisional = median_ms(lambda: page({"so_lieu": "tam-tinh"}))
    started = time.perf_counter()
    count = submissions_approve_children(user=district_user, unit=districts[0], period=period)
    approval = time.perf_counter() - started
    print(f"{'what':<58}{'result':>12}")
    print(f"{'province dashboard, approved-only (median ms)':<58}{official:>12.1f}")
    print(f"{'province dashboard, provisional (median ms)':<58}{provisional:>12.1f}")
    print(f"{'queries for the province dashboard':<58}{len(queries):>12}")
    print(f"{f'approving {count} communes of a district in bulk (s)':<58}{approval:>12.2f}")
    print("targets: dashboards ≤ 100 ms each; approving a district of 20 communes ≤ 1 s")


if __name__ == "__main__":
    main()
