"""Statistics of a small hand-built registry equal hand-computed counts and rates.

Phường Sông Cầu (urban, line 2,000,000) and Xã Dương Quang (rural, 1,500,000), reviews of
2022 and 2023. Every expected number below is counted by hand from the table in setUpTestData.
"""

from django.template import Context, Template

from households.classification import HouseholdClass
from households.models import Origin
from households.selectors import rate, registry_stats, year_figures
from tests.base import BaseTestCase
from tests.factory import make_household, make_review, set_members

EMP, DEP, INS, FLOOR, WATER, LATRINE, TEL = (
    "d_employment", "d_dependants", "d_health_insurance", "d_floor_area", "d_water", "d_latrine", "d_telecom",
)  # fmt: skip


class RegistryStatsTestCase(BaseTestCase):
    @classmethod
    def setUpTestData(cls):
        super().setUpTestData()
        sc, dq = cls.song_cau, cls.duong_quang
        # H1: poor 2022 -> near-poor 2023 (2), 4 persons
        h1 = make_household(sc, members=4)
        make_review(h1, 2022, 1_800_000, [EMP, INS, LATRINE])
        make_review(h1, 2023, 1_900_000, [EMP])
        # H2: poor both years, grows from 3 to 4 persons
        h2 = make_household(sc, members=3)
        make_review(h2, 2022, 1_000_000, [EMP, INS, LATRINE, TEL])
        set_members(h2, 4)
        make_review(h2, 2023, 1_000_000, [EMP, INS, LATRINE, TEL], causes=["cause_capital"])
        # H3: near-poor 2022 -> poor 2023 (5)
        h3 = make_household(sc, members=2)
        make_review(h3, 2022, 1_900_000, [DEP])
        make_review(h3, 2023, 1_900_000, [DEP, FLOOR, LATRINE], causes=["cause_illness", "cause_labour"])
        # H4: not poor 2022 -> poor 2023, never poor before: new (7)
        h4 = make_household(sc, members=5)
        make_review(h4, 2022, 5_000_000)
        make_review(h4, 2023, 1_500_000, [EMP, WATER, LATRINE], causes=["cause_capital"])
        # H5: poor 2022, not reviewed in 2023 (moved away): other decrease (4)
        h5 = make_household(sc, members=2)
        make_review(h5, 2022, 900_000, [EMP, DEP, INS])
        # H6: not poor both years
        h6 = make_household(sc, members=3)
        make_review(h6, 2022, 4_000_000)
        make_review(h6, 2023, 4_500_000)
        # H7 (rural): poor 2022 -> middle 2023 (3)
        h7 = make_household(dq, members=3)
        make_review(h7, 2022, 1_200_000, [EMP, WATER, TEL])
        make_review(h7, 2023, 2_000_000, [TEL])
        # H8 (rural): moved in, first reviewed 2023 as poor: other increase (8)
        h8 = make_household(dq, members=6, origin=Origin.MOVED_IN)
        make_review(h8, 2023, 1_200_000, [EMP, DEP, INS])
        # H9 (rural): ethnic-minority household, near-poor both years
        h9 = make_household(dq, members=4, ethnic_minority=True, ethnicity="02")
        make_review(h9, 2022, 1_400_000, [TEL])
        make_review(h9, 2023, 1_450_000, [TEL])

    def test_commune_totals_and_rates(self):
        h = registry_stats(self.song_cau, 2023)["households"]
        self.assertEqual((h["total"], h["poor"], h["near_poor"], h["middle"], h["not_poor"]), (5, 3, 1, 0, 1))
        self.assertEqual(h["persons"], 4 + 4 + 2 + 5 + 3)
        self.assertEqual(h["poor_persons"], 4 + 2 + 5)
        self.assertEqual(h["poor_rate"], 60.0)
        self.assertEqual(h["near_poor_rate"], 20.0)

    def test_district_totals_sum_the_communes(self):
        stats = registry_stats(self.backan_city, 2023)
        h = stats["households"]
        self.assertEqual((h["total"], h["poor"], h["near_poor"], h["middle"]), (8, 4, 2, 1))
        self.assertEqual(h["ethnic_minority"], 1)
        self.assertEqual(h["ethnic_minority_poor"], 0)
        children = {c["name"]: (c["households"], c["poor"], c["near_poor"]) for c in stats["children"]}
        self.assertEqual(children["Phường Sông Cầu"], (5, 3, 1))
        self.assertEqual(children["Xã Dương Quang"], (3, 1, 1))
        self.assertEqual(children["Phường Đức Xuân"], (0, 0, 0))
        self.assertEqual(len(children), 8)

    def test_indicators_and_dimensions_among_poor(self):
        stats = registry_stats(self.song_cau, 2023)
        indicators = {i["number"]: i for i in stats["indicators"]}
        self.assertEqual(indicators[10]["poor"], 3)  # latrine: H2, H3, H4
        self.assertEqual(indicators[10]["poor_rate"], 100.0)
        self.assertEqual(indicators[1]["poor"], 2)  # employment: H2, H4
        self.assertEqual(indicators[1]["poor_rate"], 66.67)
        self.assertEqual(indicators[1]["near_poor"], 1)  # H1
        self.assertEqual(indicators[1]["near_poor_rate"], 100.0)
        dimensions = {d["key"]: d for d in stats["dimensions"]}
        self.assertEqual(dimensions["employment"]["poor"], 3)  # H2, H4 (employment), H3 (dependants)
        self.assertEqual(dimensions["health"]["poor"], 1)  # H2
        self.assertEqual(dimensions["water"]["poor"], 3)
        self.assertEqual(dimensions["information"]["poor"], 1)
        self.assertEqual(stats["deprivations_total"]["poor"], 4 + 3 + 3)

    def test_causes_and_groups(self):
        stats = registry_stats(self.backan_city, 2023)
        causes = {c["key"]: c["poor"] for c in stats["causes"]}
        self.assertEqual(
            (causes["capital"], causes["illness"], causes["labour"], causes["land"]), (2, 1, 1, 0)
        )
        self.assertEqual(stats["groups"]["near_poor"]["ethnic_minority"], 1)
        self.assertEqual(stats["groups"]["poor"]["other"], 4)
        ethnicities = {e["name"]: (e["poor"], e["near_poor"]) for e in stats["ethnicities"]}
        self.assertEqual(ethnicities, {"Kinh": (4, 1), "Tày": (0, 1)})

    def test_poor_change_table_of_the_commune(self):
        table = registry_stats(self.song_cau, 2023)["changes"]["poor"]
        self.assertEqual(
            table["households"],
            {
                "start": 3, "to_near_poor": 1, "above_near_poor": 0, "other_decrease": 1,
                "from_near_poor": 1, "fell_back": 0, "new": 1, "other_increase": 0, "end": 3,
            },
        )  # fmt: skip
        self.assertEqual(
            table["persons"],
            {
                "start": 9, "to_near_poor": 4, "above_near_poor": 0, "other_decrease": 2,
                "from_near_poor": 2, "fell_back": 0, "new": 5, "other_increase": 1, "end": 11,
            },
        )  # fmt: skip

    def test_change_tables_of_the_district(self):
        changes = registry_stats(self.backan_city, 2023)["changes"]
        poor = changes["poor"]["households"]
        self.assertEqual(
            [poor[k] for k in ("start", "to_near_poor", "above_near_poor", "other_decrease")], [4, 1, 1, 1]
        )
        self.assertEqual(
            [poor[k] for k in ("from_near_poor", "fell_back", "new", "other_increase")], [1, 0, 1, 1]
        )
        near = changes["near_poor"]["households"]
        self.assertEqual(
            near,
            {
                "start": 2, "escaped": 0, "to_poor": 1, "other_decrease": 0,
                "from_poor": 1, "fell_back": 0, "new": 0, "other_increase": 0, "end": 2,
            },
        )  # fmt: skip

    def test_the_identity_holds_in_every_row(self):
        for unit in (self.song_cau, self.duong_quang, self.backan_city):
            for year in (2022, 2023):
                changes = registry_stats(unit, year)["changes"]
                for key, table in changes.items():
                    for counted, t in table.items():
                        values = list(t.values())
                        start, *middle, end = values
                        d2, d3, d4, i5, i6, i7, i8 = middle
                        self.assertEqual(
                            end, start - d2 - d3 - d4 + i5 + i6 + i7 + i8, (unit, year, key, counted)
                        )

    def test_fell_back_and_recently_escaped(self):
        h7 = self.duong_quang.households.get(
            reviews__year=2023, reviews__classification=HouseholdClass.MIDDLE
        )
        make_review(h7, 2024, 1_000_000, [EMP, WATER, TEL])
        stats = registry_stats(self.duong_quang, 2024)
        self.assertEqual(stats["changes"]["poor"]["households"]["fell_back"], 1)
        self.assertEqual(
            registry_stats(self.backan_city, 2023)["households"]["recently_escaped"], 2
        )  # H1, H7

    def test_rates_are_formatted_like_the_seeds(self):
        self.assertEqual(rate(11, 31), 35.48)
        self.assertEqual(rate(2, 3), 66.67)
        rendered = Template("{% load vn %}{{ r|phantram }}").render(Context({"r": rate(11, 31)}))
        self.assertEqual(rendered, "35,48%")

    def test_statistics_run_a_constant_number_of_queries(self):
        with self.assertNumQueries(5):
            registry_stats(self.backan_city, 2023)
        make_review(make_household(self.song_cau, members=2), 2023, 1_000_000, [EMP, DEP, INS])
        with self.assertNumQueries(5):
            registry_stats(self.backan_city, 2023)

    def test_a_documents_figures_are_registry_stats_own_in_one_query(self):
        """year_figures() (what documents print) is registry_stats() without the parts they do not
        print: the same numbers, key for key, from one query instead of five."""
        for unit, year in ((self.song_cau, 2023), (self.duong_quang, 2022), (self.backan_city, 2023)):
            full = registry_stats(unit, year)
            with self.assertNumQueries(1):
                light = year_figures(unit, year)
            self.assertEqual(light, {key: full[key] for key in light}, (unit.code, year))
            self.assertGreater(light["households"]["total"], 0)
