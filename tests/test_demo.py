"""The demo registry reproduces the figures of seeds 001 and 002 and, carried into today's communes,
conserves them (slow: ~14,000 households)."""

import pytest

from households.demo import BACKAN_CITY_2024, demo_registry_load, demo_today_load
from households.models import Household
from households.selectors import registry_stats
from povertyprog.accounts.demo import demo_users_load
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
    _today_conserves_every_year()


def _today_conserves_every_year():
    """Issue 15: carried into the communes of 1/7/2025, the demo registry gives, for every year
    before the move, the same households, poor and near-poor (and change tables) summed over the
    new units as over the old ones; the old units' figures do not move."""
    demo_users_load()
    old_province = AdministrativeUnit.objects.get(code="06", valid_from="2021-01-01")  # Bắc Kạn
    new_province = AdministrativeUnit.objects.get(code="19", valid_from="2025-07-01")  # Thái Nguyên
    years = (2022, 2023, 2024)
    before = {year: registry_stats(old_province, year) for year in years}
    assert demo_today_load() > 14_000
    for year in years:
        old, new = registry_stats(old_province, year), registry_stats(new_province, year)
        assert old == before[year]
        assert old["households"] == new["households"], year
        assert old["changes"] == new["changes"], year
        for key in ("households", "poor", "near_poor"):
            assert sum(c[key] for c in old["children"]) == sum(c[key] for c in new["children"]), (year, key)
    # The new communes hold every household; their 2025 review starts from the 2024 end.
    ward = AdministrativeUnit.objects.get(code="01843", valid_from="2025-07-01")  # Phường Bắc Kạn
    sources = ("01837", "01855", "01843", "01852")  # Sông Cầu, Xuất Hóa, Phùng Chí Kiên, Nông Thượng
    assert Household.objects.filter(commune=ward).count() == sum(
        Household.objects.filter(code__startswith=f"{code}-").count() for code in sources
    )
    y2025 = registry_stats(new_province, 2025)
    assert y2025["changes"]["poor"]["households"]["start"] == before[2024]["households"]["poor"]
    assert y2025["households"]["total"] == before[2024]["households"]["total"]
    assert {c["code"] for c in registry_stats(new_province, 2026)["children"] if c["households"]} == {"01843"}
    assert demo_today_load() == 0  # idempotent
    _season_part_way(ward)


def _season_part_way(ward):
    """Issue 16: Phường Bắc Kạn part-way through its 2026 season: some villages recognised by the
    chair's decision, one meeting under 50% re-run, one complaint settled and one open."""
    import tempfile
    from datetime import date

    from django.test import override_settings

    from households.demo import demo_season_load
    from households.models import Complaint, MeetingVote, ReviewCase, Step
    from households.season_selectors import as_json, season_overview
    from reports.demo import demo_recognition_load

    assert demo_season_load() > 200
    with override_settings(MEDIA_ROOT=tempfile.mkdtemp()):
        recognised = demo_recognition_load()
    assert recognised > 0
    total = as_json(season_overview(ward, 2026, date(2026, 12, 7)))["total"]
    assert total["recognised"] == recognised
    assert (total["complaints_open"], total["complaints_settled"]) == (1, 1)
    assert total["steps"][Step.LISTED] and total["steps"][Step.SURVEYED]  # not everyone is done
    below = MeetingVote.objects.filter(case__commune=ward, agrees=False).get()
    assert MeetingVote.objects.filter(
        case=below.case, agrees=True, meeting__held_on__gt=below.meeting.held_on
    ).exists()
    open_complaint = Complaint.objects.get(case__commune=ward, reposting__isnull=True)
    assert ReviewCase.objects.get(pk=open_complaint.case_id).step == Step.POSTED  # not recognised
    assert demo_season_load() == 0 and demo_recognition_load() == 0  # idempotent
