"""Demo registry: Bắc Kạn city (seed 002) and Cẩm Lương commune (seed 001).

Bắc Kạn city: reviews 2022, 2023 and 2024. The 2023 review (the lists "at the start of
2024") reproduces seed 002's appendix exactly: households and poor households per commune
(city total 12,281 / 241); 2024 achieves the planned reduction. Near-poor and other counts
are plausible inventions.
Huyện Chợ Mới (the same province): two communes with reviews 2023 and 2024, invented but
plausible, so that the province's documents sum more than one district.
Cẩm Lương: the 2022 review with 31 poor and 23 near-poor households and exactly the
deprivation rates seed 001 prints (employment 35,48% / 47,83%, latrine 48,39% / 17,39% …).

Today (demo_today_load): on 1/7/2025 Bắc Kạn province joined Thái Nguyên (NQ 1683/NQ-UBTVQH15);
the registry of the city and of Chợ Mới is carried into the new communes (Phường Bắc Kạn,
Phường Đức Xuân, Xã Phong Quang, Xã Chợ Mới, Xã Thanh Mai), the 2025 review is done there and
the 2026 review is under way in Phường Bắc Kạn (about two households in five reviewed).
"""

import random
from datetime import date

from django.db import transaction
from simple_history.utils import bulk_create_with_history

from households.bulk import HouseholdSpec, ReviewSpec, build_reviews, households_bulk_create
from households.carrying import carry_plan, registry_carry
from households.classification import HouseholdClass
from households.ethnicities import is_minority
from households.indicators import derive_from_members
from households.models import Household, HouseholdReview, Origin, PovertyStandard
from households.review import member_facts
from households.rollups import rollups_refresh
from households.services import histories_refresh
from households.synthetic import (
    HOUSEHOLD_LEVEL,
    causes_for,
    household_flags,
    income_for,
    member_flags_for,
    members_for,
    needs_for,
)
from povertyprog import audit
from povertyprog.accounts.models import User
from povertyprog.units.models import AdministrativeUnit, DivisionType

POOR, NEAR, MIDDLE, NOT_POOR = (
    HouseholdClass.POOR,
    HouseholdClass.NEAR_POOR,
    HouseholdClass.MIDDLE,
    HouseholdClass.NOT_POOR,
)
THREE_TIER = date(2021, 1, 1)
TWO_TIER = date(2025, 7, 1)

# Seed 002 appendix: commune code, households at the start of 2024, poor households, planned reduction.
BACKAN_CITY_2024 = [
    ("01837", 2347, 27, 2),  # Phường Sông Cầu
    ("01855", 827, 34, 2),  # Phường Xuất Hóa
    ("01840", 2494, 24, 1),  # Phường Đức Xuân
    ("01834", 1416, 8, 1),  # Phường Nguyễn Thị Minh Khai
    ("01843", 2036, 12, 1),  # Phường Phùng Chí Kiên
    ("01846", 1382, 73, 3),  # Phường Huyền Tụng
    ("01852", 916, 34, 2),  # Xã Nông Thượng
    ("01849", 863, 29, 1),  # Xã Dương Quang
]
# Huyện Chợ Mới (invented): commune code, households at the start of 2024, poor, planned reduction.
CHO_MOI_2024 = [
    ("02086", 1120, 41, 3),  # Thị trấn Đồng Tâm
    ("02101", 610, 96, 6),  # Xã Thanh Mai
]
BACKAN_ETHNICITIES = (["02", "01", "07", "09", "08", "04"], [50, 30, 10, 7, 2, 1])
CAM_LUONG_ETHNICITIES = (["06", "01"], [70, 30])
RURAL_VILLAGES = ["Thôn Nà Ỏi", "Thôn Khuổi Dủm", "Thôn Pá Danh", "Thôn Bản Cạu", "Thôn Nà Pài",
                  "Thôn Phiêng Luông", "Thôn Khuổi Mật", "Thôn Nà Cưởm", "Thôn Bản Vẻn"]  # fmt: skip

# Seed 001: deprived households per indicator among the 31 poor and 23 near-poor of 2022.
CAM_LUONG_POOR = {"d_employment": 11, "d_adult_education": 3, "d_housing_quality": 2, "d_floor_area": 5,
                  "d_latrine": 15, "d_telecom": 19, "d_information": 2}  # fmt: skip
CAM_LUONG_NEAR_POOR = {"d_employment": 11, "d_adult_education": 4, "d_floor_area": 4, "d_latrine": 4,
                       "d_telecom": 1}  # fmt: skip
CAM_LUONG_HOUSEHOLDS = 1320


def _villages(commune: AdministrativeUnit, households: int) -> list[str]:
    if commune.division_type == DivisionType.WARD:
        return [f"Tổ {i}" for i in range(1, max(6, households // 180) + 1)]
    return RURAL_VILLAGES


def _classes_2023(rng, total: int, poor: int) -> list[str]:
    near = round(poor * 1.4) + 2
    middle = round(total * 0.02)
    classes = [POOR] * poor + [NEAR] * near + [MIDDLE] * middle
    classes += [NOT_POOR] * (total - len(classes))
    rng.shuffle(classes)
    return classes


_BEFORE = {  # 2022 class given the 2023 class: (classes, weights)
    POOR: ([POOR, NEAR, NOT_POOR], [85, 10, 5]),
    NEAR: ([NEAR, POOR, NOT_POOR], [70, 15, 15]),
    MIDDLE: ([MIDDLE, NEAR, POOR], [85, 10, 5]),
    NOT_POOR: ([NOT_POOR, MIDDLE, NEAR], [97, 2, 1]),
}


def _classes_2024(rng, classes_2023: list[str], reduction: int) -> list[str]:
    """Poor households fall by exactly the planned reduction: some escape, a few near-poor fall in."""
    result = list(classes_2023)
    poor = [i for i, c in enumerate(result) if c == POOR]
    near = [i for i, c in enumerate(result) if c == NEAR]
    falling = 1 if len(poor) > 20 and near else 0
    for i in rng.sample(poor, reduction + falling):
        result[i] = rng.choice([NEAR, NEAR, NOT_POOR])
    for i in rng.sample(near, falling):
        result[i] = POOR
    return result


def _standard_values(commune, years=(2022, 2023, 2024)) -> dict:
    return {year: PovertyStandard.objects.for_year(year).values(commune.area) for year in years}


def _spec(rng, commune, code, village, ethnicities, year_classes: dict[int, str], standard_values, origin):
    first_year = min(year_classes)
    ethnicity = rng.choices(*ethnicities)[0]
    member_flags = member_flags_for(rng, year_classes[first_year])
    members = members_for(rng, member_flags, first_year, ethnicity)
    reviews = []
    for year, cls in year_classes.items():
        values = standard_values[year]
        reviews.append(
            ReviewSpec(
                year=year,
                income=income_for(rng, cls, values.income_line, values.middle_upper),
                deprived=household_flags(rng, cls, member_flags),
                causes=causes_for(rng, cls),
                needs=needs_for(rng, cls),
            )
        )
    return HouseholdSpec(
        code=code,
        commune=commune,
        head_name=members[0].full_name,
        village=rng.choice(village),
        members=members,
        reviews=reviews,
        ethnicity=ethnicity,
        ethnic_minority=is_minority(ethnicity),
        has_merit_person=rng.random() < 0.04,
        no_labour_capacity=year_classes[first_year] == POOR and rng.random() < 0.15,
        social_protection=rng.random() < 0.05,
        origin=origin,
    )


def _backan_commune_specs(rng, commune, total: int, poor: int, reduction: int) -> list[HouseholdSpec]:
    villages = _villages(commune, total)
    values = _standard_values(commune)
    c2023 = _classes_2023(rng, total, poor)
    c2024 = _classes_2024(rng, c2023, reduction)
    specs = []
    for i, (cls23, cls24) in enumerate(zip(c2023, c2024, strict=True)):
        code = f"{commune.code}-{i + 1:05d}"
        if cls23 == NOT_POOR and rng.random() < 0.005:  # moved in during 2023: no 2022 review
            years, origin = {2023: cls23, 2024: cls24}, Origin.MOVED_IN
        else:
            years, origin = {2022: rng.choices(*_BEFORE[cls23])[0], 2023: cls23, 2024: cls24}, Origin.RESIDENT
        specs.append(_spec(rng, commune, code, villages, BACKAN_ETHNICITIES, years, values, origin))
    for j in range(2):  # poor in 2022, moved away before the 2023 review
        code = f"{commune.code}-{total + j + 1:05d}"
        specs.append(
            _spec(rng, commune, code, villages, BACKAN_ETHNICITIES, {2022: POOR}, values, Origin.RESIDENT)
        )
    return specs


def _spread(counts: dict[str, int], households: int, minimum: int, maximum: int, filler: list[str]):
    """Give each household a set of indicators so that each indicator has exactly its count,
    no household has more than `maximum`, and every household reaches `minimum` with `filler`."""
    sets = [set() for _ in range(households)]
    for field, count in sorted(counts.items(), key=lambda item: -item[1]):
        order = sorted(range(households), key=lambda i: (len(sets[i]), i))
        chosen = [i for i in order if len(sets[i]) < maximum][:count]
        if len(chosen) < count:
            raise ValueError(f"cannot place {field}")
        for i in chosen:
            sets[i].add(field)
    for s in sets:
        for field in filler:
            if len(s) >= minimum:
                break
            s.add(field)
    return sets


def _cam_luong_specs(rng, commune) -> list[HouseholdSpec]:
    values = PovertyStandard.objects.for_year(2022).values(commune.area)
    poor_sets = _spread(CAM_LUONG_POOR, 31, 3, 12, ["d_dependants", "d_nutrition", "d_health_insurance"])
    near_sets = _spread(CAM_LUONG_NEAR_POOR, 23, 0, 2, [])
    middle = 40
    plan = [(POOR, s) for s in poor_sets] + [(NEAR, s) for s in near_sets]
    plan += [(MIDDLE, set())] * middle + [(NOT_POOR, set())] * (CAM_LUONG_HOUSEHOLDS - len(plan) - middle)
    rng.shuffle(plan)
    specs = []
    for i, (cls, flags) in enumerate(plan):
        ethnicity = rng.choices(*CAM_LUONG_ETHNICITIES)[0]
        members = members_for(rng, {f for f in flags if f not in HOUSEHOLD_LEVEL}, 2022, ethnicity)
        specs.append(
            HouseholdSpec(
                code=f"{commune.code}-{i + 1:05d}",
                commune=commune,
                head_name=members[0].full_name,
                village=rng.choice(
                    [
                        "Thôn Lương Thuận",
                        "Thôn Lương Ngọc",
                        "Thôn Lương Hòa",
                        "Thôn Kim Mẫm",
                        "Thôn Lương Trung",
                        "Thôn Đồng Cốc",
                        "Thôn Cẩm Hoa",
                    ]
                ),  # fmt: skip
                members=members,
                reviews=[
                    ReviewSpec(
                        year=2022,
                        income=income_for(rng, cls, values.income_line, values.middle_upper),
                        deprived={f for f in flags if f in HOUSEHOLD_LEVEL},
                        causes=causes_for(rng, cls),
                        needs=needs_for(rng, cls),
                    )
                ],
                ethnicity=ethnicity,
                ethnic_minority=is_minority(ethnicity),
                has_merit_person=rng.random() < 0.05,
            )
        )
    return specs


@transaction.atomic
def demo_registry_load(seed: int = 2024) -> int:
    """Create the demo registry once; returns how many households were created (0 if present)."""
    rng = random.Random(seed)
    created = 0
    # A commune's households are known by their codes (<commune code>-NNNNN): they keep them
    # when the registry is carried into the communes of 1/7/2025.
    for code, total, poor, reduction in BACKAN_CITY_2024:
        commune = AdministrativeUnit.objects.get(code=code, valid_from=THREE_TIER)
        if _loaded(commune):
            continue
        created += households_bulk_create(_backan_commune_specs(rng, commune, total, poor, reduction))
    cam_luong = AdministrativeUnit.objects.get(code="15139", valid_from=THREE_TIER)
    if not _loaded(cam_luong):
        created += households_bulk_create(_cam_luong_specs(rng, cam_luong))
    rng = random.Random(seed + 65)  # Chợ Mới's own draw: the figures above stay as they were
    for code, total, poor, reduction in CHO_MOI_2024:
        commune = AdministrativeUnit.objects.get(code=code, valid_from=THREE_TIER)
        if not _loaded(commune):
            created += households_bulk_create(_backan_commune_specs(rng, commune, total, poor, reduction))
    return created


def _loaded(commune: AdministrativeUnit) -> bool:
    return Household.objects.filter(code__startswith=f"{commune.code}-").exists()


# --- Today: the two-tier tree, the 2025 review, the 2026 review under way ----------------------

TODAY_PROVINCE, TODAY_OFFICER = "19", "tinh.thainguyen"  # Tỉnh Thái Nguyên since 1/7/2025
REVIEW_2026_WARD, REVIEW_2026_SHARE = "01843", 0.4  # Phường Bắc Kạn, share reviewed so far
# Next year's class given this year's: (classes, weights). Poverty falls a little each year.
_NEXT = {
    POOR: ([POOR, NEAR, MIDDLE], [84, 12, 4]),
    NEAR: ([NEAR, POOR, MIDDLE, NOT_POOR], [78, 3, 9, 10]),
    MIDDLE: ([MIDDLE, NEAR, NOT_POOR], [84, 4, 12]),
    NOT_POOR: ([NOT_POOR, NEAR, MIDDLE], [97, 1, 2]),
}


def _review_spec(
    rng, household: Household, member_set: set[str], year: int, cls: str, standard
) -> ReviewSpec:
    """A review of `cls` drawn as the registry's own (households.synthetic), for build_reviews()."""
    values = standard.values(household.commune.area)
    deprived = household_flags(rng, cls, member_set)
    return ReviewSpec(
        year=year,
        income=income_for(rng, cls, values.income_line, values.middle_upper),
        deprived=deprived,
        causes=causes_for(rng, cls),
        needs=needs_for(rng, cls),
        review_date=date(year, 11, 15) if year < 2026 else date(2026, 10, 20),
    )


@transaction.atomic
def demo_today_load(seed: int = 2025) -> int:
    """Carry the demo registry into the communes of 1/7/2025 and record the 2025 review there and
    part of the 2026 review; returns how many reviews were created (0 when done already)."""
    province = AdministrativeUnit.objects.get(code=TODAY_PROVINCE, valid_from=TWO_TIER)
    if not carry_plan(province).lines:
        return 0
    officer = User.objects.get(username=TODAY_OFFICER)
    registry_carry(user=officer, scope=province)
    households = list(
        Household.objects.filter(carried_into__parent=province)
        .select_related("commune")
        .prefetch_related("members")
        .order_by("code")
    )
    last = dict(
        HouseholdReview.objects.filter(household__in=households, year=2024).values_list(
            "household_id", "classification"
        )
    )
    standards = {year: PovertyStandard.objects.for_year(year) for year in (2025, 2026)}
    rng = random.Random(seed)
    reviews = []
    for household in households:
        if household.pk not in last:  # moved away before 2023: not reviewed again
            continue
        members = list(household.members.all())
        derived = derive_from_members([member_facts(m, date(2025, 11, 15)) for m in members])
        member_set = {f for f, v in derived.items() if v}
        cls = rng.choices(*_NEXT[last[household.pk]])[0]
        specs = [_review_spec(rng, household, member_set, 2025, cls, standards[2025])]
        if household.commune.code == REVIEW_2026_WARD and rng.random() < REVIEW_2026_SHARE:
            cls = rng.choices(*_NEXT[cls])[0]
            specs.append(_review_spec(rng, household, member_set, 2026, cls, standards[2026]))
        spec = HouseholdSpec(
            code=household.code, commune=household.commune, head_name=household.head_name,
            village=household.village, members=members, reviews=specs,
        )  # fmt: skip
        reviews += build_reviews(spec, household, standards)
    bulk_create_with_history(
        reviews, HouseholdReview, batch_size=1000, default_user=officer, default_change_reason=audit.DEMO
    )
    rollups_refresh(histories_refresh(households, user=officer))
    return len(reviews)


# --- The 2026 review season of Phường Bắc Kạn, part-way -----------------------------------------

SEASON_OFFICER = "phuong.backan"
SEASON_YEAR = 2026
SEASON_RECOGNISED_VILLAGES = 3  # the first villages (Vietnamese order): recognised on 16/11/2026
DECISION_DAY = date(2026, 11, 16)
CHAIRS = ["Hoàng Văn Thắng", "Nông Thị Hoa", "Triệu Văn Sơn", "Lường Văn Chiến", "Hà Thị Mai", "Ma Văn Đức"]


@transaction.atomic
def demo_season_load(seed: int = 2026) -> int:
    """Phường Bắc Kạn part-way through its 2026 season (the story in README): the list, Phiếu A,
    the meetings, postings and complaints, every step through households.season (audited as the
    ward's officer). The chair's decision is issued by reports.demo. Returns the cases opened."""
    from households import season
    from households.models import Ground, ReviewCase, Step, Village
    from povertyprog.lib.vietnamese import sort_key

    ward = AdministrativeUnit.objects.get(code=REVIEW_2026_WARD, valid_from=TWO_TIER)
    if ReviewCase.objects.filter(commune=ward, year=SEASON_YEAR).exists() or not _loaded_ward(ward):
        return 0
    officer = User.objects.get(username=SEASON_OFFICER)
    rng = random.Random(seed)
    classes = dict(
        HouseholdReview.objects.filter(commune=ward, year__in=(2025, 2026))
        .order_by("year")
        .values_list("household_id", "classification")
    )  # the later year wins
    listed = list(
        Household.objects.filter(
            commune=ward, pk__in=[k for k, c in classes.items() if c in (POOR, NEAR)]
        ).order_by("code")
    )
    cases = season.cases_open(user=officer, commune=ward, year=SEASON_YEAR, households=listed)
    reviewed = set(
        HouseholdReview.objects.filter(commune=ward, year=SEASON_YEAR).values_list("household_id", flat=True)
    )
    for case in cases:  # Phiếu A on 15/09: most go on to Phiếu B, a few meet 4 criteria
        if case.household_id in reviewed or rng.random() < 0.5:
            met = rng.sample(
                range(1, 10), 4 if case.household_id not in reviewed and rng.random() < 0.1 else 1
            )
            season.phieu_a_record(
                user=officer, case=case, met=met, on=date(2026, 9, 15), expected_version=None
            )
    villages = sorted(
        Village.objects.filter(commune=ward, cases__year=SEASON_YEAR).distinct(),
        key=lambda v: sort_key(v.name),
    )

    def ready(village):
        return list(season.meeting_candidates(village, SEASON_YEAR))

    def meet(village, on, attending, agreed_for):
        candidates = ready(village)
        if candidates:
            season.meeting_hold(
                user=officer, village=village, year=SEASON_YEAR, held_on=on, chair=rng.choice(CHAIRS),
                secretary="Đinh Thị Thư", supervisor="Bế Văn Giám", attending=attending,
                votes={c.pk: agreed_for(i) for i, c in enumerate(candidates)},
            )  # fmt: skip
        return candidates

    # Villages 1-3: met, posted, over; the chair recognises them on 16/11 (reports.demo).
    for village in villages[:SEASON_RECOGNISED_VILLAGES]:
        meet(village, date(2026, 10, 26), 40, lambda i: rng.randint(28, 38))
        season.posting_open(user=officer, village=village, year=SEASON_YEAR, posted_on=date(2026, 11, 2))
    # Village 4: one household under 50% (15 of 40) is reviewed again and agreed at a second
    # meeting; another's complaint is re-checked and settled.
    fourth = villages[SEASON_RECOGNISED_VILLAGES]
    first = meet(fourth, date(2026, 10, 27), 40, lambda i: 15 if i == 0 else rng.randint(26, 36))
    meet(fourth, date(2026, 11, 9), 38, lambda i: 27)  # the household under 50%, met again
    season.posting_open(user=officer, village=fourth, year=SEASON_YEAR, posted_on=date(2026, 11, 10))
    settled = season.complaint_lodge(
        user=officer,
        household=first[-1].household,
        year=SEASON_YEAR,
        lodged_on=date(2026, 11, 11),
        complainant="Lục Văn Khiếu",
        ground=Ground.WRONG_DATA,
        details="Hộ kê khai thiếu thu nhập từ làm thuê.",
    )
    season.complaint_settle(
        user=officer,
        complaint=settled,
        rechecked_on=date(2026, 11, 17),
        result="Phúc tra: thu nhập bình quân vẫn dưới chuẩn nghèo; giữ kết quả.",
        reposted_on=date(2026, 11, 18),
    )
    # Village 5: posted; one complaint still open.
    fifth = villages[SEASON_RECOGNISED_VILLAGES + 1]
    meet(fifth, date(2026, 11, 20), 35, lambda i: rng.randint(20, 30))
    season.posting_open(user=officer, village=fifth, year=SEASON_YEAR, posted_on=date(2026, 11, 23))
    posted = ReviewCase.objects.filter(village=fifth, year=SEASON_YEAR, step=Step.POSTED).first()
    season.complaint_lodge(
        user=officer,
        household=posted.household,
        year=SEASON_YEAR,
        lodged_on=date(2026, 11, 25),
        complainant="Đàm Thị Nại",
        ground=Ground.WRONGLY_IN,
        details="Hộ có xe ô tô, không thuộc diện hộ nghèo.",
    )
    return len(cases)


def _loaded_ward(ward: AdministrativeUnit) -> bool:
    return HouseholdReview.objects.filter(commune=ward, year=SEASON_YEAR).exists()
