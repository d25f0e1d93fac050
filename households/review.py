"""The review computation and the rules of a review's entered values: pure functions, no
database. The form (households.forms, households.services), the import (households.importing)
and the bulk writer (households.bulk) all compute and check a review here, so a household
reviewed by any path gets the same figures and the same errors.
"""

import operator
from collections.abc import Iterable, Mapping
from datetime import date

from households.classification import classify
from households.indicators import INDICATOR_FIELDS, MemberFacts, age_on
from households.models import Household, HouseholdReview, Member, PovertyStandard, Relation
from povertyprog.units.models import AdministrativeUnit

MAX_INCOME = 100_000_000  # đồng per person per month: above this is a typing error
INCOME_TOO_HIGH = "Thu nhập bình quân vượt quá 100.000.000 đồng/người/tháng: kiểm tra lại số đã nhập."

# What the review keeps of the household as it was that year (approved figures read these).
REVIEW_SNAPSHOT_FIELDS = ("ethnic_minority", "ethnicity", "no_labour_capacity", "has_merit_person")
_indicators_of = operator.itemgetter(*INDICATOR_FIELDS)  # an import computes 100,000 reviews


def review_window(year: int) -> tuple[date, date]:
    """The days a review of `year` may be dated: the year itself and the first quarter after it."""
    return date(year, 1, 1), date(year + 1, 3, 31)


def review_date_error(year: int, day: date | None) -> str:
    """Why `day` cannot date a review of `year` ("" when it can, or when no day is given)."""
    first, last = review_window(year)
    if day is None or first <= day <= last:
        return ""
    return f"Ngày rà soát phải trong năm {year} (hoặc quý I năm sau)."


def heads_error(relations: Iterable[str]) -> str:
    """Why the recorded members' relations do not make one household ("" when they do, or when
    no member is recorded): a household has exactly one head."""
    relations = list(relations)
    if not relations or relations.count(Relation.HEAD) == 1:
        return ""
    return "Hộ phải có đúng một thành viên là chủ hộ."


def member_facts(member: Member | Mapping, on: date) -> MemberFacts:
    """What the deprivation rules need of a member on `on`: a Member, or its values by field name
    (the import checks 100,000 households' members without building Member instances)."""
    get = member.__getitem__ if isinstance(member, Mapping) else member.__getattribute__
    return MemberFacts(
        age=age_on(on, get("birth_year"), get("birth_date")),
        has_health_insurance=get("has_health_insurance"),
        attends_school=get("attends_school"),
        education_level=get("education_level"),
        employment=get("employment"),
        has_disability=get("has_disability"),
        malnourished=get("malnourished"),
    )


def review_figures(
    entered: Mapping,
    *,
    household: Mapping,
    commune: AdministrativeUnit,
    standard: PovertyStandard,
    members_count: int,
) -> dict:
    """The one place that computes a review from its entered values (by field attname): the
    deprivation count, the class under `standard` for the commune's area, and the snapshot of
    the household. Returns the computed fields by attname; works on plain dicts, so the import
    can compute 10,000 reviews without building model instances."""
    count = sum(map(bool, _indicators_of(entered)))
    area = commune.area
    return {
        "standard_id": standard.pk,
        "commune_id": commune.pk,
        "area": area,
        "deprivation_count": count,
        "classification": classify(
            method=entered["method"],
            deprivation_count=count,
            values=standard.values(area),
            income=entered["income_per_capita"],
            b1_score=entered["b1_score"],
        ),
        "members_count": max(members_count, 1),
        **{name: household[name] for name in REVIEW_SNAPSHOT_FIELDS},
    }


def year_before_commune(commune: AdministrativeUnit, year: int) -> str | None:
    """Why a review of `year` cannot be written in `commune`: a year before the commune existed
    (the 2025 arrangement) belongs to the old commune where it was recorded; its figures are read
    in both trees, written in neither (D45). None when it can."""
    if year >= commune.valid_from.year:
        return None
    return (
        f"Năm {year} có trước khi {commune.name} được thành lập ({commune.valid_from:%d/%m/%Y}): "
        f"kết quả rà soát năm đó thuộc đơn vị hành chính cũ, không ghi ở đơn vị mới."
    )


def review_fill(
    review: HouseholdReview, *, household: Household, standard: PovertyStandard, members_count: int
) -> None:
    """review_figures() set on a review instance (the form, the bulk writers)."""
    refused = year_before_commune(household.commune, review.year)
    if refused:
        raise ValueError(refused)
    figures = review_figures(
        vars(review), household=vars(household), commune=household.commune, standard=standard,
        members_count=members_count,
    )  # fmt: skip
    for name, value in figures.items():
        setattr(review, name, value)
    review.standard, review.commune = standard, household.commune
