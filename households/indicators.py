"""The 6 dimensions and 12 deprivation indicators, and what the members determine.

Names and order 1-12 as the poverty-data software prints them (regulations-verified.md).
Thresholds that the available texts leave uncertain are choices recorded in docs/decisions.md.
"""

from dataclasses import dataclass
from datetime import date
from typing import NamedTuple


@dataclass(frozen=True)
class Indicator:
    number: int
    field: str  # column of HouseholdReview
    name: str
    dimension: str


@dataclass(frozen=True)
class Dimension:
    key: str
    name: str


DIMENSIONS = [
    Dimension("employment", "Việc làm"),
    Dimension("health", "Y tế"),
    Dimension("education", "Giáo dục"),
    Dimension("housing", "Nhà ở"),
    Dimension("water", "Nước sinh hoạt và vệ sinh"),
    Dimension("information", "Thông tin"),
]

INDICATORS = [
    Indicator(1, "d_employment", "Việc làm", "employment"),
    Indicator(2, "d_dependants", "Người phụ thuộc trong hộ gia đình", "employment"),
    Indicator(3, "d_nutrition", "Dinh dưỡng", "health"),
    Indicator(4, "d_health_insurance", "Bảo hiểm y tế", "health"),
    Indicator(5, "d_adult_education", "Trình độ giáo dục của người lớn", "education"),
    Indicator(6, "d_child_schooling", "Tình trạng đi học của trẻ em", "education"),
    Indicator(7, "d_housing_quality", "Chất lượng nhà ở", "housing"),
    Indicator(8, "d_floor_area", "Diện tích nhà ở bình quân đầu người", "housing"),
    Indicator(9, "d_water", "Nguồn nước sinh hoạt", "water"),
    Indicator(10, "d_latrine", "Nhà tiêu hợp vệ sinh", "water"),
    Indicator(11, "d_telecom", "Sử dụng dịch vụ viễn thông", "information"),
    Indicator(12, "d_information", "Phương tiện phục vụ tiếp cận thông tin", "information"),
]
INDICATOR_FIELDS = [indicator.field for indicator in INDICATORS]
INDICATOR_BY_FIELD = {indicator.field: indicator for indicator in INDICATORS}


def indicators_of(dimension: str) -> list[Indicator]:
    return [i for i in INDICATORS if i.dimension == dimension]


# --- What members determine -------------------------------------------------------------

WORKING_AGE = (15, 60)  # employment: members of working age (decisions.md D12)
ELDERLY_AGE = 60  # dependants: the elderly


class MemberFacts(NamedTuple):
    """What the derivation needs of one member, as plain values. (A named tuple: an import makes
    one for each of 350,000 members, and a frozen dataclass takes twice as long to build.)"""

    age: int
    has_health_insurance: bool
    attends_school: bool
    education_level: str
    employment: str
    has_disability: bool
    malnourished: bool


# Education levels (households.models.EducationLevel values) that qualify adults.
LOWER_SECONDARY_OR_ABOVE = {"thcs", "thpt", "so_cap", "trung_cap", "cao_dang", "dai_hoc"}
UPPER_SECONDARY_OR_VOCATIONAL = {"thpt", "so_cap", "trung_cap", "cao_dang", "dai_hoc"}


def age_on(day: date, birth_year: int, birth_date: date | None = None) -> int:
    """Full years on `day`; with only a year of birth, the difference of years."""
    if birth_date is None:
        return day.year - birth_year
    before_birthday = (day.month, day.day) < (birth_date.month, birth_date.day)
    return day.year - birth_date.year - before_birthday


def _adult_lacks_education(m: MemberFacts) -> bool:
    if m.attends_school:
        return False
    if 16 <= m.age < 18:
        return m.education_level not in LOWER_SECONDARY_OR_ABOVE
    if 18 <= m.age <= 30:
        return m.education_level not in UPPER_SECONDARY_OR_VOCATIONAL
    return False


def _is_dependant(m: MemberFacts) -> bool:
    return m.age < 16 or m.age >= ELDERLY_AGE or m.has_disability


def derive_from_members(members: list[MemberFacts]) -> dict[str, bool]:
    """Indicators that the members decide; the others are observed on the household.

    Returns {field: deprived}. Empty when no members are recorded.
    """
    if not members:
        return {}
    working = [m for m in members if WORKING_AGE[0] <= m.age < WORKING_AGE[1]]
    dependants = sum(1 for m in members if _is_dependant(m))
    return {
        "d_employment": any(m.employment in ("unemployed", "wage_no_contract") for m in working),
        "d_dependants": dependants * 2 > len(members),
        "d_nutrition": any(m.malnourished for m in members if m.age < 16),
        "d_health_insurance": any(not m.has_health_insurance for m in members if m.age >= 6),
        "d_adult_education": any(_adult_lacks_education(m) for m in members),
        "d_child_schooling": any(not m.attends_school for m in members if 3 <= m.age < 16),
    }
