"""The poverty standards as seeded (reference data; a system administrator edits them afterwards)."""

# Decree 07/2021/NĐ-CP Art. 3: the values of 2022-2025, kept for 2026 by Decree 351/2025 Art. 2.
ND07_VALUES = {
    "rural_income_line": 1_500_000,
    "urban_income_line": 2_000_000,
    "rural_middle_upper": 2_250_000,
    "urban_middle_upper": 3_000_000,
    "min_deprivations": 3,
    # [U] seen only in public scripts; consistent with real 2024 rows (decisions.md D10).
    "rural_b1_cutoff": 140,
    "urban_b1_cutoff": 175,
    "notes": "Ngưỡng điểm Phiếu B1 chưa đối chiếu được với văn bản gốc (TT 07/2021, TT 02/2022).",
}

STANDARDS = [
    {
        "code": "ND07-2021",
        "name": "Chuẩn nghèo đa chiều giai đoạn 2022-2025",
        "legal_basis": "Nghị định số 07/2021/NĐ-CP ngày 27/01/2021 (Điều 3)",
        "first_year": 2022,
        "last_year": 2025,
        **ND07_VALUES,
    },
    {
        # Decree 351/2025 Art. 2: the national standard of 2026 is that of 2022-2025; Art. 4: the
        # 2026 review uses it with its forms. A row of its own, so that a 2026 review names it.
        "code": "ND351-2025-D2",
        "name": "Chuẩn nghèo đa chiều năm 2026 (áp dụng chuẩn giai đoạn 2022-2025)",
        "legal_basis": "Nghị định số 351/2025/NĐ-CP ngày 30/12/2025 (Điều 2)",
        "first_year": 2026,
        "last_year": 2026,
        **ND07_VALUES,
    },
    {
        "code": "ND351-2025",
        "name": "Chuẩn nghèo đa chiều giai đoạn 2027-2030",
        "legal_basis": "Nghị định số 351/2025/NĐ-CP ngày 30/12/2025 (Điều 3)",
        "first_year": 2027,
        "last_year": 2030,
        "rural_income_line": 2_200_000,
        "urban_income_line": 2_800_000,
        "min_deprivations": 3,
        "notes": "Mức sống trung bình và ngưỡng điểm Phiếu B1 chưa được quy định: để trống, "
        "quản trị hệ thống cập nhật khi có hướng dẫn.",
    },
]


def standards_load(model=None) -> None:
    """Create the standards (and the Alkire-Foster parameters) that are missing; never
    overwrites an administrator's edits."""
    standalone = model is None
    if model is None:
        from households.models import PovertyStandard as model
    for values in STANDARDS:
        model.objects.get_or_create(code=values["code"], defaults=values)
    if standalone:
        mpi_parameters_load()  # dated data of the same standards, restored with them


# The Alkire-Foster parameters (decisions.md D53): equal nested weights over the 6 dimensions
# (1/12 an indicator) and k = 3/12, the standard's own count of deprivations.
INDICATOR_COLUMNS = [
    "d_employment", "d_dependants", "d_nutrition", "d_health_insurance", "d_adult_education",
    "d_child_schooling", "d_housing_quality", "d_floor_area", "d_water", "d_latrine", "d_telecom",
    "d_information",
]  # fmt: skip
MPI_PARAMETERS = [
    {
        "first_year": 2021,
        "last_year": 2030,
        "cutoff": "1/4",
        "weights": {field: "1/12" for field in INDICATOR_COLUMNS},
        "source": (
            "Trọng số bằng nhau lồng nhau theo 6 chiều của chuẩn nghèo (Nghị định 07/2021/NĐ-CP); "
            "k = 3/12: hộ thiếu hụt từ 03 chỉ số trở lên (Điều 3 Nghị định 07/2021/NĐ-CP)"
        ),
    },
]


def mpi_parameters_load(model=None) -> None:
    """Create the Alkire-Foster parameter rows that are missing (never overwrites edits)."""
    if model is None:
        from households.models import MpiParameters as model
    for values in MPI_PARAMETERS:
        model.objects.get_or_create(first_year=values["first_year"], defaults=values)
