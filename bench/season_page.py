"""Benchmark: the review season page of a commune with 5,000 households on its list.

    python bench/season_page.py [--households 5000] [--villages 25]

Creates (drops first) the database povertyprog_bench_season, a synthetic commune whose households
(3 members each, a 2026 review for 60% of them) are all on the 2026 list and spread over the
steps of the procedure as a commune part-way through its season would have them (Phiếu A,
meetings, postings, complaints, recognition), every step through households.season. Then it
times the season page as the commune's officer waits for it (view + template, DEBUG off), median
of 9 runs after a warm-up, and counts its queries at the full size and at a fifth of it (they must
be equal). Target: ≤ 150 ms server time, constant queries.
"""

import argparse
import time
from datetime import date

from benchdb import collect_static, median_ms, recreate_database, setup_django, synthetic_province

RUNS = 9
YEAR = 2026


def populate(commune, officer, households: int, villages: int) -> list:
    from django.db import connection

    from households import season
    from households.bulk import HouseholdSpec, ReviewSpec, households_bulk_create
    from households.models import Ground, Household, Member, ReviewCase, Step, Village

    specs = []
    for n in range(households):
        members = [
            Member(
                full_name=f"Người {n}-{i}",
                sex="M" if i % 2 else "F",
                birth_year=1980 + i,
                relation="head" if i == 0 else "child",
                employment="self_employed",
                education_level="thpt",
            )
            for i in range(3)
        ]
        deprived = {"d_water", "d_latrine", "d_telecom"} if n % 3 else set()
        income = 900_000 + (n % 7) * 300_000
        reviews = [ReviewSpec(YEAR, income, deprived, review_date=date(YEAR, 10, 20))] if n % 5 < 3 else []
        code, village = f"{commune.code}-{n:06d}", f"Thôn {n % villages + 1}"
        specs.append(HouseholdSpec(code, commune, f"Nguyễn Văn Hộ {n}", village, members, reviews))
    households_bulk_create(specs)
    listed = list(Household.objects.filter(commune=commune).order_by("code"))
    cases = season.cases_open(user=officer, commune=commune, year=YEAR, households=listed)
    for i, case in enumerate(cases):
        if i % 10 < 8:
            met = [1] if i % 10 else [1, 2, 3, 4]
            season.phieu_a_record(
                user=officer, case=case, met=met, on=date(YEAR, 9, 15), expected_version=None
            )
    village_list = list(Village.objects.filter(commune=commune).order_by("name"))
    for k, village in enumerate(village_list[: len(village_list) * 2 // 3]):
        candidates = list(season.meeting_candidates(village, YEAR))
        if not candidates:
            continue
        votes = {c.pk: (30 if j % 12 else 10) for j, c in enumerate(candidates)}
        season.meeting_hold(
            user=officer, village=village, year=YEAR, held_on=date(YEAR, 10, 26),
            chair="Trưởng thôn", attending=40, votes=votes,
        )  # fmt: skip
        if k % 2 == 0:
            season.posting_open(user=officer, village=village, year=YEAR, posted_on=date(YEAR, 11, 2))
            posted = list(ReviewCase.objects.filter(village=village, year=YEAR, step=Step.POSTED)[:3])
            for j, case in enumerate(posted):
                complaint = season.complaint_lodge(
                    user=officer, household=case.household, year=YEAR, lodged_on=date(YEAR, 11, 3),
                    complainant="Người khiếu nại", ground=Ground.WRONG_DATA,
                )  # fmt: skip
                if j:
                    season.complaint_settle(
                        user=officer, complaint=complaint, rechecked_on=date(YEAR, 11, 9),
                        result="Giữ kết quả.", reposted_on=date(YEAR, 11, 10),
                    )  # fmt: skip
    with connection.cursor() as cursor:
        cursor.execute("ANALYZE")
    return cases


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--households", type=int, default=5000)
    parser.add_argument("--villages", type=int, default=25)
    args = parser.parse_args()
    setup_django(recreate_database("povertyprog_bench_season"))  # DEBUG off, as the officer's server
    import time_machine
    from django.conf import settings
    from django.contrib.messages.storage.fallback import FallbackStorage
    from django.db import connection
    from django.test import RequestFactory
    from django.test.utils import CaptureQueriesContext

    from households.season_views import season_page
    from povertyprog.accounts.models import Role, User

    collect_static()  # manifest storage, as in production
    started = time.perf_counter()
    _, _, communes = synthetic_province(100)
    small, big = communes[0], communes[1]
    officers = {}
    for commune in (small, big):
        officers[commune.pk] = User.objects.create_user(
            username=f"xa{commune.code}", role=Role.COMMUNE_OFFICER, unit=commune
        )
    with time_machine.travel(date(YEAR, 11, 20)):
        populate(small, officers[small.pk], args.households // 5, args.villages)
        populate(big, officers[big.pk], args.households, args.villages)
        took = time.perf_counter() - started
        print(f"set up {args.households:,} + {args.households // 5:,} households, cases: {took:.1f} s")
        print(f"DEBUG={settings.DEBUG}")

        def page(commune):
            request = RequestFactory().get(f"/ra-soat/{commune.pk}/{YEAR}/")
            request.user = officers[commune.pk]
            request.session = {}
            request._messages = FallbackStorage(request)
            response = season_page(request, commune.pk, YEAR)
            assert response.status_code == 200 and b"season-table" in response.content
            return response

        with CaptureQueriesContext(connection) as few:
            page(small)
        with CaptureQueriesContext(connection) as many:
            page(big)
        median = median_ms(lambda: page(big), RUNS)
    print(f"{'what':<60}{'result':>12}")
    print(f"{f'season page, {args.households:,} households (median ms)':<60}{median:>12.1f}")
    sizes = f"queries at {args.households // 5:,} / {args.households:,} households"
    print(f"{sizes:<60}{f'{len(few)} / {len(many)}':>12}")
    print("target: ≤ 150 ms; the same number of queries at both sizes")


if __name__ == "__main__":
    main()
