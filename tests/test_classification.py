"""Boundary tests of the poverty standard, table style, without the database."""

import pytest

from households.classification import (
    AssessmentMethod,
    HouseholdClass,
    StandardValues,
    classify,
)

POOR, NEAR, MIDDLE, NOT_POOR = (
    HouseholdClass.POOR,
    HouseholdClass.NEAR_POOR,
    HouseholdClass.MIDDLE,
    HouseholdClass.NOT_POOR,
)

# Decree 07/2021 (2022-2026) and Decree 351/2025 (2027-2030), as seeded by the migration.
ND07_RURAL = StandardValues(1_500_000, 2_250_000, 3, 140, None)
ND07_URBAN = StandardValues(2_000_000, 3_000_000, 3, 175, None)
ND351_RURAL = StandardValues(2_200_000, None, 3, None, None)
ND351_URBAN = StandardValues(2_800_000, None, 3, None, None)

INCOME_CASES = [
    # standard, income, deprivations, expected
    (ND07_RURAL, 1_500_000, 3, POOR),  # exactly at the line, 3 deprivations
    (ND07_RURAL, 1_500_000, 2, NEAR),  # at the line, 2 deprivations
    (ND07_RURAL, 1_500_001, 3, MIDDLE),  # 1 đồng above: never poor, whatever the deprivations
    (ND07_RURAL, 1_500_001, 12, MIDDLE),
    (ND07_RURAL, 0, 0, NEAR),
    (ND07_RURAL, 2_250_000, 0, MIDDLE),  # upper edge of the middle band
    (ND07_RURAL, 2_250_001, 0, NOT_POOR),
    (ND07_URBAN, 2_000_000, 3, POOR),
    (ND07_URBAN, 2_000_000, 2, NEAR),
    (ND07_URBAN, 2_000_001, 5, MIDDLE),
    (ND07_URBAN, 1_500_001, 3, POOR),  # above the rural line, below the urban one
    (ND07_URBAN, 3_000_000, 0, MIDDLE),
    (ND07_URBAN, 3_000_001, 0, NOT_POOR),
    (ND351_RURAL, 2_200_000, 3, POOR),
    (ND351_RURAL, 2_200_000, 2, NEAR),
    (ND351_RURAL, 2_200_001, 3, NOT_POOR),  # no middle band fixed for 2027-2030
    (ND351_RURAL, 1_500_001, 3, POOR),  # poor under the new line, middle under the old
    (ND351_URBAN, 2_800_000, 4, POOR),
    (ND351_URBAN, 2_800_000, 0, NEAR),
    (ND351_URBAN, 2_800_001, 0, NOT_POOR),
]


@pytest.mark.parametrize(("values", "income", "deprived", "expected"), INCOME_CASES)
def test_income_classification(values, income, deprived, expected):
    result = classify(
        method=AssessmentMethod.INCOME, deprivation_count=deprived, values=values, income=income
    )
    assert result == expected


B1_CASES = [
    (ND07_RURAL, 140, 3, POOR),  # B1 ≤ 140 and B2 ≥ 30
    (ND07_RURAL, 140, 2, NEAR),
    (ND07_RURAL, 141, 4, NOT_POOR),
    (ND07_RURAL, 110, 4, POOR),  # a real 2024 row: B1 110 / B2 40 -> poor
    (ND07_RURAL, 150, 2, NOT_POOR),  # a real 2024 row: B1 150 / B2 20 -> not poor
    (ND07_URBAN, 175, 3, POOR),
    (ND07_URBAN, 176, 3, NOT_POOR),
    (StandardValues(1_500_000, 2_250_000, 3, 140, 180), 180, 0, MIDDLE),
    (StandardValues(1_500_000, 2_250_000, 3, 140, 180), 181, 0, NOT_POOR),
]


@pytest.mark.parametrize(("values", "score", "deprived", "expected"), B1_CASES)
def test_b1_score_classification(values, score, deprived, expected):
    result = classify(
        method=AssessmentMethod.B1_SCORE, deprivation_count=deprived, values=values, b1_score=score
    )
    assert result == expected


def test_b1_without_cutoff_is_refused_in_vietnamese():
    with pytest.raises(ValueError, match="chưa có ngưỡng điểm Phiếu B1"):
        classify(method=AssessmentMethod.B1_SCORE, deprivation_count=0, values=ND351_RURAL, b1_score=100)


def test_deprivations_out_of_range_are_refused():
    with pytest.raises(ValueError, match="từ 0 đến 12"):
        classify(method=AssessmentMethod.INCOME, deprivation_count=13, values=ND07_RURAL, income=1)
