"""Plausible synthetic households: demo data and the scale generator of bench/.

Deterministic for a given random.Random. Members are built to match the indicators a
household should show, so that the indicators they determine are derived, not forced.
"""

import random

from households.classification import HouseholdClass
from households.models import Cause, Member, SupportNeed

FAMILY_NAMES = ["Nguyễn", "Hoàng", "Nông", "Lý", "Triệu", "Hà", "Lương", "Ma", "Đàm", "Lục",
                "Trần", "Lê", "Phạm", "Vũ", "Đặng", "Bế", "Lành", "Dương", "Đinh", "Bùi"]  # fmt: skip
MIDDLE_NAMES_M = ["Văn", "Đức", "Minh", "Quang", "Hữu", "Thành"]
MIDDLE_NAMES_F = ["Thị", "Thị", "Thu", "Ngọc", "Thanh"]
GIVEN_M = ["An", "Bình", "Cường", "Dũng", "Đông", "Hải", "Hùng", "Khánh", "Long", "Mạnh",
           "Nam", "Phong", "Quân", "Sơn", "Thắng", "Tuấn", "Việt", "Vinh", "Xuân", "Tùng"]  # fmt: skip
GIVEN_F = ["Anh", "Chi", "Dung", "Hạnh", "Hoa", "Hương", "Lan", "Liên", "Mai", "Ngân",
           "Nhung", "Oanh", "Phương", "Quyên", "Thảo", "Thủy", "Trang", "Uyên", "Vân", "Yến"]  # fmt: skip

# Indicators observed on the household itself (the others come from the members).
HOUSEHOLD_LEVEL = ["d_housing_quality", "d_floor_area", "d_water", "d_latrine", "d_telecom", "d_information"]
MEMBER_LEVEL = ["d_employment", "d_dependants", "d_nutrition", "d_health_insurance",
                "d_adult_education", "d_child_schooling"]  # fmt: skip


def person_name(rng: random.Random, sex: str, family: str | None = None) -> str:
    middle = rng.choice(MIDDLE_NAMES_M if sex == "M" else MIDDLE_NAMES_F)
    given = rng.choice(GIVEN_M if sex == "M" else GIVEN_F)
    return f"{family or rng.choice(FAMILY_NAMES)} {middle} {given}"


def _member(rng, year, age, relation, family, ethnicity, **attrs) -> Member:
    sex = attrs.pop("sex", rng.choice("MF"))
    defaults = {
        "has_health_insurance": True,
        "education_level": "thpt" if age >= 18 else ("thcs" if age >= 15 else "tieu_hoc"),
        "attends_school": 3 <= age < 18,
        "employment": "self_employed" if 15 <= age < 60 and not (3 <= age < 18) else "outside",
    }
    defaults.update(attrs)
    return Member(
        full_name=person_name(rng, sex, family),
        sex=sex,
        birth_year=year - age,
        relation=relation,
        ethnicity=ethnicity,
        **defaults,
    )


def members_for(rng: random.Random, flags: set[str], year: int, ethnicity: str) -> list[Member]:
    """Members whose derived indicators (households.indicators) are exactly the member-level `flags`.

    Ages keep clear of the thresholds for a few years, so later reviews derive the same.
    """
    family = rng.choice(FAMILY_NAMES)
    head_sex = rng.choice("MMF")
    head = _member(rng, year, rng.randint(35, 52), "head", family, ethnicity, sex=head_sex)
    head.full_name = person_name(rng, head_sex, family)
    members = [head]
    if "d_employment" in flags:
        head.employment = rng.choice(["unemployed", "wage_no_contract"])
    if "d_dependants" in flags:
        members.append(_member(rng, year, rng.randint(66, 80), "parent", family, ethnicity))
        members.append(_member(rng, year, rng.randint(66, 80), "parent", family, ethnicity))
        members.append(_member(rng, year, rng.randint(7, 11), "child", family, ethnicity))
    else:
        members.append(_member(rng, year, rng.randint(33, 50), "spouse", family, ethnicity))
        if rng.random() < 0.5:
            members.append(_member(rng, year, rng.randint(7, 11), "child", family, ethnicity))
    if "d_nutrition" in flags:
        members.append(_member(rng, year, rng.randint(3, 5), "child", family, ethnicity, malnourished=True))
    if "d_child_schooling" in flags:
        members.append(
            _member(rng, year, rng.randint(11, 12), "child", family, ethnicity, attends_school=False)
        )
    if "d_adult_education" in flags:
        members.append(
            _member(
                rng,
                year,
                rng.randint(21, 24),
                "child",
                family,
                ethnicity,
                attends_school=False,
                education_level="thcs",
            )  # fmt: skip
        )
    if "d_dependants" not in flags:
        # Keep dependants at or below half: grown-up children working at home.
        while 2 * sum(1 for m in members if m.birth_year > year - 16 or m.birth_year <= year - 60) > len(
            members
        ):
            members.append(_member(rng, year, rng.randint(25, 27), "child", family, ethnicity))
    if "d_health_insurance" in flags:
        head.has_health_insurance = False
    for member in members:
        if member is not head:
            member.full_name = person_name(rng, member.sex, family)
    return members


def income_for(rng: random.Random, cls: str, line: int, upper: int) -> int:
    """A monthly income per person in đồng (whole thousands), consistent with the class."""
    if cls in (HouseholdClass.POOR, HouseholdClass.NEAR_POOR):
        return rng.randrange(500_000, line + 1, 1000)
    if cls == HouseholdClass.MIDDLE:
        return rng.randrange(line + 1000, upper + 1, 1000)
    return rng.randrange(upper + 1000, upper * 3, 1000)


def causes_for(rng: random.Random, cls: str) -> set[str]:
    if cls not in (HouseholdClass.POOR, HouseholdClass.NEAR_POOR):
        return set()
    weights = [3, 8, 10, 2, 6, 6, 12, 4]
    return {rng.choices(Cause.values, weights=weights)[0] for _ in range(rng.choice([1, 1, 2]))}


def needs_for(rng: random.Random, cls: str) -> set[str]:
    if cls not in (HouseholdClass.POOR, HouseholdClass.NEAR_POOR):
        return set()
    return set(rng.sample(SupportNeed.values, rng.randint(1, 3)))


def member_flags_for(rng: random.Random, cls: str) -> set[str]:
    """Member-level deprived indicators for a household of this class: at most one, so that
    household-level changes alone (household_flags) can move it between poor and near-poor."""
    below_line = cls in (HouseholdClass.POOR, HouseholdClass.NEAR_POOR)
    return {rng.choice(MEMBER_LEVEL)} if below_line and rng.random() < 0.6 else set()


def household_flags(rng, cls: str, member: set[str]) -> set[str]:
    """Household-level flags for one year, so that with `member` a poor household has 3-5
    deprivations and a near-poor one fewer than 3 (members unchanged across years)."""
    if cls == HouseholdClass.POOR:
        total = rng.randint(3, 5)
    elif cls == HouseholdClass.NEAR_POOR:
        total = rng.randint(len(member), 2)
    else:
        total = len(member)
    return set(rng.sample(HOUSEHOLD_LEVEL, max(0, total - len(member))))
