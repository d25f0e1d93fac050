"""Plain helpers that build registry rows through the domain code (no permission checks)."""

from datetime import date, datetime
from zoneinfo import ZoneInfo

import time_machine

from households.indicators import INDICATOR_FIELDS
from households.models import Cause, Household, HouseholdReview, Member, Origin
from households.services import review_record
from reports.models import PeriodKind, ReportingPeriod

_counter = iter(range(1, 10**9))


def make_household(commune, members: int = 1, **attrs) -> Household:
    number = next(_counter)
    attrs.setdefault("code", f"{commune.code}-T{number:05d}")
    attrs.setdefault("head_name", f"Nguyễn Văn Hộ {number}")
    attrs.setdefault("village", "Tổ 1")
    attrs.setdefault("origin", Origin.RESIDENT)
    household = Household.objects.create(commune=commune, **attrs)
    set_members(household, members)
    return household


def set_members(household: Household, count: int) -> None:
    household.members.all().delete()
    Member.objects.bulk_create(
        Member(
            household=household,
            full_name=f"Thành viên {i + 1}",
            sex="M" if i % 2 == 0 else "F",
            birth_year=1980,
            relation="head" if i == 0 else "child",
            employment="self_employed",
            education_level="thpt",
        )
        for i in range(count)
    )


def make_review(household, year: int, income: int, deprived=(), causes=(), **attrs) -> HouseholdReview:
    """Record (or correct) the household's review of `year`."""
    review = household.reviews.filter(year=year).first() or HouseholdReview(household=household, year=year)
    for field in [*INDICATOR_FIELDS, *Cause.values]:
        setattr(review, field, field in deprived or field in causes)
    review.review_date = date(year, 11, 15)
    review.income_per_capita = income
    for name, value in attrs.items():
        setattr(review, name, value)
    return review_record(household=household, review=review)


# A working day of the 2024 cycle (due 15/12/2024, closed 31/01/2025): tests of the cycle run
# with the clock pinned here, so none depends on today's date.
CYCLE_DAY = datetime(2024, 12, 5, 9, tzinfo=ZoneInfo("Asia/Ho_Chi_Minh"))
in_the_2024_cycle = time_machine.travel(CYCLE_DAY, tick=True)


def annual_period(year: int, **dates) -> ReportingPeriod:
    """The annual reporting period of `year` as the demo provinces run it (opens 1/10, due 15/12,
    closes 31/01), unless `dates` (opens_on, due_on, closes_on) say otherwise."""
    values = {
        "opens_on": date(year, 10, 1),
        "due_on": date(year, 12, 15),
        "closes_on": date(year + 1, 1, 31),
    }
    values.update(dates)
    return ReportingPeriod.objects.create(
        code=str(year),
        name=f"Báo cáo năm {year}",
        kind=PeriodKind.ANNUAL,
        first_year=year,
        last_year=year,
        **values,
    )


def period_2024(**dates) -> ReportingPeriod:
    """The annual reporting period of 2024 as it ran (open on CYCLE_DAY)."""
    return annual_period(2024, **dates)
