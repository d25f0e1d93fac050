"""Plain helpers that build registry rows through the domain code (no permission checks)."""

from datetime import date

from households.models import Household, HouseholdReview, Member, Origin
from households.services import household_history_refresh, review_compute

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
    review = HouseholdReview(
        household=household,
        year=year,
        review_date=date(year, 11, 15),
        income_per_capita=income,
        **{field: True for field in (*deprived, *causes)},
        **attrs,
    )
    review_compute(review, household, derived={})
    review.save()
    household_history_refresh(household)
    return review
