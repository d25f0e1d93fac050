"""Demo budgets of Bắc Kạn city (district 058, Bắc Kạn province) for 2022-2024, as seed 004
(report on 2021-2024) and seed 002 (2024 plan) state them. Where the seeds contradict
themselves, docs/decisions.md D25 says which reading is used. Written through
budgets.services, as the city's officer would enter them.
"""

from datetime import date

from django.db import transaction

from budgets.models import (
    ActivityOutput,
    BudgetLine,
    Component,
    Mobilisation,
    OutputKind,
    PolicyResult,
    Program,
)
from budgets.services import (
    budget_grid_save,
    mobilisations_save,
    outputs_save,
    policy_results_save,
    stamp,
)
from povertyprog import audit
from povertyprog.accounts.models import User
from povertyprog.units.models import AdministrativeUnit

M = 1_000_000  # triệu đồng
CITY, OFFICER = "058", "tp.backan"

# (project, sub-project or None, year): {source: (assigned, allocated, carried_over, disbursed)}, in đồng.
LINES = {
    (2, None, 2022): {"central": (763 * M, 0, 0, 0), "local": (23 * M, 0, 0, 0)},
    (2, None, 2023): {"central": (1_753 * M, 0, 0, 0), "local": (53 * M, 0, 0, 0)},
    # Seed 004: 305.033.000 đ disbursed by 30/5/2024 (Huyền Tụng's chicken project, Nông Thượng's cinnamon).
    (2, None, 2024): {"central": (2_264 * M, 2_264 * M, 0, 305_033_000), "local": (68 * M, 68 * M, 0, 0)},
    (3, 1, 2023): {"central": (1_136_521_000, 0, 0, 0), "local": (34_184_000, 0, 0, 0)},
    (3, 1, 2024): {"central": (991 * M, 991 * M, 0, 0), "local": (30 * M, 30 * M, 0, 0)},
    (3, 2, 2023): {"central": (478 * M, 478 * M, 0, 53_394_410), "local": (15 * M, 15 * M, 0, 0)},
    (3, 2, 2024): {"central": (321 * M, 73 * M, 0, 3_980_000), "local": (10 * M, 2 * M, 0, 0)},
    (4, 1, 2022): {"central": (489 * M, 489 * M, 0, 0), "local": (15 * M, 15 * M, 0, 0)},
    (4, 1, 2023): {"central": (1_198 * M, 1_198 * M, 0, 253_690_000), "local": (36 * M, 36 * M, 0, 0)},
    (4, 1, 2024): {"central": (1_274 * M, 262 * M, 0, 0), "local": (38 * M, 0, 0, 0)},
    (4, 3, 2022): {"central": (156 * M, 156 * M, 0, 156 * M), "local": (4 * M, 4 * M, 0, 4 * M)},
    (4, 3, 2023): {"central": (412 * M, 412 * M, 0, 110_340_000), "local": (12 * M, 12 * M, 0, 0)},
    (4, 3, 2024): {"central": (502 * M, 502 * M, 0, 0), "local": (15 * M, 15 * M, 0, 0)},
    # Seed 004: 63 triệu disbursed on 6.1 (a 2022 class of 108 officers, two 2023 classes of 284),
    # 116 on 6.2 ("phân bổ hết số kinh phí được giao"; 22 + 94 = 116).
    (6, 1, 2022): {"central": (18 * M, 18 * M, 0, 18 * M), "local": (1 * M, 1 * M, 0, 1 * M)},
    (6, 1, 2023): {"central": (52 * M, 52 * M, 0, 44 * M), "local": (2 * M, 2 * M, 0, 0)},
    (6, 1, 2024): {"central": (60 * M, 60 * M, 0, 0), "local": (2 * M, 2 * M, 0, 0)},
    (6, 2, 2022): {"central": (21 * M, 21 * M, 0, 21 * M), "local": (1 * M, 1 * M, 0, 1 * M)},
    (6, 2, 2023): {"central": (94 * M, 94 * M, 0, 94 * M), "local": (3 * M, 3 * M, 0, 0)},
    (6, 2, 2024): {"central": (105 * M, 105 * M, 0, 0), "local": (3 * M, 3 * M, 0, 0)},
    (7, 1, 2022): {"central": (160 * M, 160 * M, 0, 118_120_000)},
    (7, 1, 2023): {"central": (250 * M, 250 * M, 41_880_000, 291_880_000)},
    (7, 1, 2024): {"central": (306 * M, 306 * M, 0, 0), "local": (9 * M, 9 * M, 0, 0)},
    (7, 2, 2022): {"central": (85 * M, 85 * M, 0, 85 * M)},
    (7, 2, 2023): {"central": (134 * M, 134 * M, 0, 45_259_891)},
    (7, 2, 2024): {"central": (184 * M, 184 * M, 0, 0), "local": (5 * M, 5 * M, 0, 0)},
}
# Seed 004: "Tổng kinh phí sự nghiệp đã được giải ngân đến hết ngày 30/5/2024: 1.605,696 triệu đồng"
# (its parts sum to 1.605,697: docs/document-coverage.md).
AS_OF = {2022: date(2022, 12, 31), 2023: date(2023, 12, 31), 2024: date(2024, 5, 30)}

# Phase figures of seed 004 (2021 to mid-2024), recorded in 2024 (D25).
POLICIES_2024 = {
    "credit": {
        "beneficiaries": 114,
        "poor": 42,
        "near_poor": 72,
        "amount": 5_510 * M,
        "covers_from": 2021,
        "note": "Lũy kế 2021 - 6/2024: hộ nghèo vay 1.975 triệu đồng, hộ cận nghèo 3.535 triệu đồng",
    },
}
OUTPUTS = {
    2023: [
        ((2, None), "Mô hình, dự án giảm nghèo", {"quantity": 2}),
        (
            (2, None),
            "Hộ tham gia mô hình, dự án",
            {"quantity": 33, "poor": 16, "near_poor": 9, "recently_escaped": 3, "ethnic_minority": 5},
        ),
        ((4, 1), "Lớp đào tạo nghề", {"quantity": 2}),
        ((4, 1), "Học viên", {"quantity": 69, "poor": 48, "near_poor": 21}),
        ((6, 1), "Lớp tập huấn cán bộ thông tin cơ sở", {"quantity": 2}),
        ((6, 1), "Lượt cán bộ tham gia tập huấn", {"quantity": 284}),
    ],
}
MOBILISED_2024 = [
    (
        "steering",
        "Ban Chỉ đạo hỗ trợ nhà ở cho hộ nghèo tỉnh Bắc Kạn",
        654_000_000,
        "Hỗ trợ 10 nhà cho hộ nghèo",
    ),
    ("army", "Quân khu 1", 200_000_000, "Xây mới 04 nhà"),
    (
        "fund_for_poor",
        "Ủy ban MTTQ Việt Nam thành phố và các xã, phường",
        486_882_832,
        "Xây mới, sửa chữa 34 nhà",
    ),
    ("red_cross", "Hội Chữ thập đỏ thành phố", 180_000_000, "Xây mới 03 nhà"),
]


# Huyện Chợ Mới 2024 (invented, plausible): a province's report sums more than one district and
# every source, credit and mobilised funds included. {(project, sub): {source: stages}}.
CHO_MOI, CHO_MOI_OFFICER = "065", "huyen.chomoi"
CHO_MOI_LINES_2024 = {
    (3, 1): {"central": (850 * M, 850 * M, 0, 612 * M), "local": (26 * M, 26 * M, 0, 20 * M),
             "credit": (400 * M, 400 * M, 0, 400 * M)},
    (4, 3): {"central": (210 * M, 210 * M, 0, 150 * M), "integrated": (60 * M, 60 * M, 0, 60 * M)},
    (6, 2): {"central": (45 * M, 45 * M, 0, 45 * M)},
    (7, 1): {"central": (120 * M, 120 * M, 0, 96 * M), "mobilised": (30 * M, 30 * M, 0, 30 * M)},
}  # fmt: skip
CHO_MOI_POLICIES_2024 = {
    "credit": {"beneficiaries": 58, "poor": 35, "near_poor": 23, "amount": 2_320 * M},
    "health_insurance": {"beneficiaries": 1_460, "poor": 410, "near_poor": 1_050},
}
CHO_MOI_MOBILISED_2024 = [
    ("fund_for_poor", "Ủy ban MTTQ Việt Nam huyện Chợ Mới", 215_400_000, "Sửa chữa 09 nhà"),
    ("enterprise", "Công ty Cổ phần Khoáng sản Bắc Kạn", 120_000_000, "Hỗ trợ giống, vật tư"),
]

# Seed 001 (Cẩm Lương, report of 10/2023 on 2022-2023): central funds "bố trí" in 2023, not yet
# spent; the general policies over 2022-2023, recorded in 2023 as covering from 2022; the fund
# for the poor of 2022. Social protection payments are "chính sách khác".
CAM_LUONG, CAM_LUONG_OFFICER = "15139", "xa.camluong"
CAM_LUONG_LINES_2023 = {(6, 2): 5 * M, (7, 1): 9 * M, (7, 2): 12 * M}
CAM_LUONG_POLICIES_2023 = {
    "credit": {"beneficiaries": 301, "amount": 45_632_742_000, "covers_from": 2022,
               "note": "Dư nợ Ngân hàng Chính sách xã hội và Ngân hàng Nông nghiệp trên địa bàn xã"},
    "education": {"beneficiaries": 115, "amount": 18_020_000, "covers_from": 2022},
    "health_insurance": {"beneficiaries": 254, "covers_from": 2022},
    "other": {"beneficiaries": 1_924, "amount": 1_265_000, "covers_from": 2022,
              "note": "Trợ cấp bảo trợ xã hội thường xuyên (lượt)"},
}  # fmt: skip
CAM_LUONG_OUTPUTS_2023 = [
    ((4, 1), "Lớp đào tạo nghề", {"quantity": 1}),
    ((4, 1), "Học viên", {"quantity": 40}),
]
CAM_LUONG_MOBILISED_2022 = [("fund_for_poor", 'Quỹ "Vì người nghèo" xã Cẩm Lương', 16_196_000, "")]


def _component(program: Program, project: int, sub: int | None) -> Component:
    parent = Component.objects.get(program=program, parent=None, number=project)
    return parent if sub is None else Component.objects.get(program=program, parent=parent, number=sub)


@transaction.atomic
def demo_budgets_load() -> int:
    """Enter the demo figures once; returns how many budget lines were created (0 if present)."""
    city = AdministrativeUnit.objects.get(code=CITY, valid_from=date(2021, 1, 1))
    if BudgetLine.objects.filter(unit=city).exists():
        return 0
    officer = User.objects.get(username=OFFICER)
    program = Program.objects.for_year(2022)
    created = 0
    for (project, sub, year), sources in LINES.items():
        component = _component(program, project, sub)
        rows = {
            ("su_nghiep", source): {
                "assigned": a,
                "allocated": b,
                "carried_over": c,
                "disbursed": d,
                "disbursed_as_of": AS_OF[year] if d else None,
            }
            for source, (a, b, c, d) in sources.items()
        }
        result = budget_grid_save(
            user=officer, unit=city, year=year, component=component, rows=rows, opened="", source=audit.DEMO
        )
        created += result.created
    policy_results_save(
        user=officer,
        unit=city,
        year=2024,
        rows=POLICIES_2024,
        opened=stamp(PolicyResult.objects.filter(unit=city, year=2024)),
        source=audit.DEMO,
    )
    for year, outputs in OUTPUTS.items():
        rows = {
            OutputKind.objects.get(component=_component(program, *key), name=name).pk: values
            for key, name, values in outputs
        }
        outputs_save(
            user=officer,
            unit=city,
            year=year,
            rows=rows,
            opened=stamp(ActivityOutput.objects.filter(unit=city, year=year)),
            source=audit.DEMO,
        )
    rows = [
        {"contributor_kind": k, "contributor": n, "amount": a, "purpose": p, "covers_from": 2021}
        for k, n, a, p in MOBILISED_2024
    ]
    mobilisations_save(
        user=officer,
        unit=city,
        year=2024,
        rows=rows,
        opened=stamp(Mobilisation.objects.filter(unit=city, year=2024)),
        source=audit.DEMO,
    )
    return created + _cho_moi_load(program) + _cam_luong_load(program)


def _grid(officer, unit, year, component, sources: dict, as_of) -> int:
    rows = {
        ("su_nghiep", source): {"assigned": a, "allocated": b, "carried_over": c, "disbursed": d,
                                "disbursed_as_of": as_of if d else None}
        for source, (a, b, c, d) in sources.items()
    }  # fmt: skip
    result = budget_grid_save(
        user=officer, unit=unit, year=year, component=component, rows=rows, opened="", source=audit.DEMO
    )
    return result.created


def _records(officer, unit, year, *, policies=None, outputs=None, mobilised=None, program=None) -> None:
    if policies:
        policy_results_save(user=officer, unit=unit, year=year, rows=policies, source=audit.DEMO,
                            opened=stamp(PolicyResult.objects.filter(unit=unit, year=year)))  # fmt: skip
    if outputs:
        rows = {
            OutputKind.objects.get(component=_component(program, *key), name=name).pk: values
            for key, name, values in outputs
        }
        outputs_save(user=officer, unit=unit, year=year, rows=rows, source=audit.DEMO,
                     opened=stamp(ActivityOutput.objects.filter(unit=unit, year=year)))  # fmt: skip
    if mobilised:
        rows = [
            {"contributor_kind": k, "contributor": n, "amount": a, "purpose": p} for k, n, a, p in mobilised
        ]
        mobilisations_save(user=officer, unit=unit, year=year, rows=rows, source=audit.DEMO,
                           opened=stamp(Mobilisation.objects.filter(unit=unit, year=year)))  # fmt: skip


def _cho_moi_load(program: Program) -> int:
    district = AdministrativeUnit.objects.get(code=CHO_MOI, valid_from=date(2021, 1, 1))
    officer = User.objects.get(username=CHO_MOI_OFFICER)
    created = sum(
        _grid(officer, district, 2024, _component(program, *key), sources, date(2024, 12, 31))
        for key, sources in CHO_MOI_LINES_2024.items()
    )
    _records(officer, district, 2024, policies=CHO_MOI_POLICIES_2024, mobilised=CHO_MOI_MOBILISED_2024)
    return created


def _cam_luong_load(program: Program) -> int:
    commune = AdministrativeUnit.objects.get(code=CAM_LUONG, valid_from=date(2021, 1, 1))
    officer = User.objects.get(username=CAM_LUONG_OFFICER)
    created = sum(
        _grid(officer, commune, 2023, _component(program, *key), {"central": (amount, 0, 0, 0)}, None)
        for key, amount in CAM_LUONG_LINES_2023.items()
    )
    _records(officer, commune, 2023, policies=CAM_LUONG_POLICIES_2023, outputs=CAM_LUONG_OUTPUTS_2023,
             program=program)  # fmt: skip
    _records(officer, commune, 2022, mobilised=CAM_LUONG_MOBILISED_2022)
    return created


# 2026 (the 2026-2035 program): Phường Bắc Kạn's first lines, entered by its officer this autumn.
# (component group, content): {source: (assigned, allocated, carried_over, disbursed)}, invented.
WARD_2026, WARD_OFFICER = "01843", "phuong.backan"
WARD_LINES_2026 = {
    (1, 4): {"central": (850 * M, 850 * M, 0, 312_400_000), "local": (26 * M, 26 * M, 0, 0)},
    (1, 10): {"central": (120 * M, 120 * M, 0, 45 * M)},
    (2, 2): {"central": (600 * M, 400 * M, 0, 0), "local": (18 * M, 0, 0, 0)},
}


@transaction.atomic
def demo_budgets_2026_load() -> int:
    """Phường Bắc Kạn's 2026 lines once; returns how many were created (0 if present)."""
    ward = AdministrativeUnit.objects.get(code=WARD_2026, valid_from=date(2025, 7, 1))
    if BudgetLine.objects.filter(unit=ward, year=2026).exists():
        return 0
    officer = User.objects.get(username=WARD_OFFICER)
    program = Program.objects.for_year(2026)
    return sum(
        _grid(officer, ward, 2026, _component(program, *key), sources, date(2026, 11, 30))
        for key, sources in WARD_LINES_2026.items()
    )
