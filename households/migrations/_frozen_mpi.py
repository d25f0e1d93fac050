"""Frozen copy of households.standards.MPI_PARAMETERS for migration 0016 (migrations never import
application code; tests/test_migrations_frozen.py keeps the two equal)."""

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
