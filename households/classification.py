"""Classification of a household under the multidimensional poverty standard.

Pure functions on plain values: no database. The thresholds come from a dated
PovertyStandard row (households/models.py), loaded by the caller as StandardValues.

Decree 07/2021/NĐ-CP Art. 3 (2022-2025, and 2026 by Decree 351/2025 Art. 2):
  poor       = income per person per month ≤ line AND ≥ 3 of the 12 indicators deprived
  near-poor  = income ≤ line AND < 3 deprived
  middle     = line < income ≤ upper band (farm/forestry/fishery/salt households)
Decree 351/2025 Art. 3 (2027-2030): same rule, lines 2,200,000 rural / 2,800,000 urban.
A household above the line is never poor or near-poor, whatever its deprivations.
"""

from dataclasses import dataclass

from django.db import models


class HouseholdClass(models.TextChoices):
    POOR = "poor", "Hộ nghèo"
    NEAR_POOR = "near_poor", "Hộ cận nghèo"
    MIDDLE = "middle", "Hộ có mức sống trung bình"
    NOT_POOR = "not_poor", "Hộ không nghèo"


class AssessmentMethod(models.TextChoices):
    INCOME = "income", "Thu nhập bình quân đầu người/tháng"
    B1_SCORE = "b1", "Điểm Phiếu B1"


@dataclass(frozen=True)
class StandardValues:
    """Thresholds of one poverty standard, for one area (urban or rural)."""

    income_line: int  # VND per person per month
    middle_upper: int | None  # upper edge of the middle-living-standard band; None = not fixed
    min_deprivations: int  # poor needs at least this many deprived indicators
    b1_cutoff: int | None  # Phiếu B1 score at or below which the household is poor/near-poor
    b1_middle_cutoff: int | None  # Phiếu B1 score at or below which it is middle living standard


def _below_line_class(deprivation_count: int, values: StandardValues) -> str:
    if deprivation_count >= values.min_deprivations:
        return HouseholdClass.POOR
    return HouseholdClass.NEAR_POOR


def classify_by_income(income: int, deprivation_count: int, values: StandardValues) -> str:
    """income: average income per person per month, in đồng."""
    if income <= values.income_line:
        return _below_line_class(deprivation_count, values)
    if values.middle_upper is not None and income <= values.middle_upper:
        return HouseholdClass.MIDDLE
    return HouseholdClass.NOT_POOR


def classify_by_b1(score: int, deprivation_count: int, values: StandardValues) -> str:
    """The field method: the Phiếu B1 score stands in for income (TT 07/2021)."""
    if values.b1_cutoff is None:
        raise ValueError("Chuẩn nghèo này chưa có ngưỡng điểm Phiếu B1.")
    if score <= values.b1_cutoff:
        return _below_line_class(deprivation_count, values)
    if values.b1_middle_cutoff is not None and score <= values.b1_middle_cutoff:
        return HouseholdClass.MIDDLE
    return HouseholdClass.NOT_POOR


def classify(
    *,
    method: str,
    deprivation_count: int,
    values: StandardValues,
    income: int | None = None,
    b1_score: int | None = None,
) -> str:
    if not 0 <= deprivation_count <= 12:
        raise ValueError("Số chỉ số thiếu hụt phải từ 0 đến 12.")
    if method == AssessmentMethod.INCOME:
        if income is None:
            raise ValueError("Thiếu thu nhập bình quân đầu người.")
        return classify_by_income(income, deprivation_count, values)
    if b1_score is None:
        raise ValueError("Thiếu điểm Phiếu B1.")
    return classify_by_b1(b1_score, deprivation_count, values)
