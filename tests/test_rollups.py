"""The maintained rollups stay exact: after any sequence of writes they equal a full rebuild."""

from households.models import EthnicityRollup, RegistryRollup
from households.rollups import rollups_rebuild
from households.selectors import registry_stats
from tests.base import BaseTestCase
from tests.factory import make_household, make_review

FIELDS = ["commune_id", "year", "classification", "prev_class", "arrived", "households", "persons",
          "d_latrine", "dim_water", "cause_capital", "recently_escaped"]  # fmt: skip


def snapshot():
    rollups = sorted(RegistryRollup.objects.values_list(*FIELDS))
    ethnic = sorted(
        EthnicityRollup.objects.values_list("commune_id", "year", "classification", "ethnicity", "households")
    )
    return rollups, ethnic


class RollupTestCase(BaseTestCase):
    def test_incremental_rollups_equal_a_full_rebuild(self):
        a = make_household(self.song_cau, members=3)
        b = make_household(self.duong_quang, members=2, ethnicity="02", ethnic_minority=True)
        make_review(a, 2022, 900_000, ["d_water", "d_latrine", "d_telecom"], causes=["cause_capital"])
        make_review(b, 2023, 1_200_000, ["d_water"])
        make_review(a, 2023, 1_900_000, ["d_latrine"])  # poor -> near-poor
        make_review(a, 2022, 5_000_000)  # correcting 2022 changes 2023's transition
        make_review(b, 2024, 1_000_000, ["d_water", "d_latrine", "d_telecom"])
        incremental = snapshot()
        stats = registry_stats(self.backan_city, 2023)
        rollups_rebuild()
        self.assertEqual(snapshot(), incremental)
        self.assertEqual(registry_stats(self.backan_city, 2023), stats)
        # a (not poor in 2022 after the correction) and b (first reviewed in 2023) are new near-poor.
        self.assertEqual(stats["changes"]["near_poor"]["households"]["new"], 2)

    def test_a_correction_moves_the_household_between_columns(self):
        a = make_household(self.song_cau, members=3)
        make_review(a, 2022, 900_000, ["d_water", "d_latrine", "d_telecom"])
        make_review(a, 2023, 1_900_000, ["d_latrine"])
        self.assertEqual(
            registry_stats(self.song_cau, 2023)["changes"]["near_poor"]["households"]["from_poor"], 1
        )
        make_review(a, 2022, 5_000_000)
        changes = registry_stats(self.song_cau, 2023)["changes"]["near_poor"]["households"]
        self.assertEqual((changes["from_poor"], changes["new"]), (0, 1))
