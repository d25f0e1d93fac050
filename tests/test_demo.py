"""The demo registry reproduces the figures of seeds 001 and 002 (slow: ~14,000 households)."""

import pytest

from households.demo import BACKAN_CITY_2024, demo_registry_load
from households.selectors import registry_stats
from povertyprog.units.models import AdministrativeUnit

pytestmark = pytest.mark.django_db


def test_demo_registry_matches_the_seeds():
    assert demo_registry_load() > 13_000
    city = AdministrativeUnit.objects.get(code="058", valid_from="2021-01-01")
    start_2024 = registry_stats(city, 2023)
    assert (start_2024["households"]["total"], start_2024["households"]["poor"]) == (12_281, 241)
    assert start_2024["households"]["poor_rate"] == 1.96
    by_code = {c["code"]: c for c in start_2024["children"]}
    for code, total, poor, _ in BACKAN_CITY_2024:
        assert (by_code[code]["households"], by_code[code]["poor"]) == (total, poor)
    assert by_code["01846"]["poor_rate"] == 5.28  # Phường Huyền Tụng
    end_2024 = registry_stats(city, 2024)["households"]
    assert (end_2024["poor"], end_2024["poor_rate"]) == (241 - 13, 1.86)  # the plan's target

    cam_luong = registry_stats(AdministrativeUnit.objects.get(code="15139", valid_from="2021-01-01"), 2022)
    rates = {i["number"]: (i["poor_rate"], i["near_poor_rate"]) for i in cam_luong["indicators"]}
    assert rates[1] == (35.48, 47.83)  # "Thiếu hụt về việc làm: Hộ nghèo 35,48%; hộ cận nghèo 47,83%"
    assert rates[5] == (9.68, 17.39)
    assert rates[7] == (6.45, 0.0)
    assert rates[8] == (16.13, 17.39)
    assert rates[10] == (48.39, 17.39)
    assert rates[11] == (61.29, 4.35)
    assert rates[12] == (6.45, 0.0)
    assert rates[4] == (0.0, 0.0) and rates[9] == (0.0, 0.0) and rates[6] == (0.0, 0.0)

    assert demo_registry_load() == 0  # idempotent
