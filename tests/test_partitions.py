"""The reviews and their audit rows are partitioned by year on PostgreSQL (households migration
0015): a year's query reads one partition, and every write path still lands its rows."""

import re

from django.db import connection

from households.models import HouseholdReview
from households.selectors import registry_stats
from tests.base import BaseTestCase
from tests.factory import make_household, make_review

TABLES = ("households_householdreview", "households_historicalhouseholdreview")


class PartitionTests(BaseTestCase):
    def setUp(self):
        if connection.vendor != "postgresql":
            self.skipTest("declarative partitioning is PostgreSQL's")

    def partitions_read(self, queryset) -> set[str]:
        plan = queryset.explain()
        return set(re.findall(r"households_(?:historical)?householdreview_(y\d{4}|other)", plan))

    def test_both_tables_are_partitioned_by_year(self):
        with connection.cursor() as cursor:
            cursor.execute(
                "SELECT c.relname, pg_get_partkeydef(c.oid) FROM pg_partitioned_table p "
                "JOIN pg_class c ON c.oid = p.partrelid WHERE c.relname = ANY(%s)",
                [list(TABLES)],
            )
            self.assertEqual(dict(cursor.fetchall()), dict.fromkeys(TABLES, "RANGE (year)"))

    def test_a_years_query_reads_that_years_partition_only(self):
        household = make_household(self.song_cau, members=3)
        for year in (2023, 2024, 2025):
            make_review(household, year, 1_200_000, ["d_water", "d_latrine", "d_telecom"])
        one_year = HouseholdReview.objects.filter(year=2024, commune=self.song_cau)
        self.assertEqual(self.partitions_read(one_year), {"y2024"})
        self.assertEqual(self.partitions_read(HouseholdReview.history.filter(year=2024)), {"y2024"})
        # Without the year every partition is read: the check above can tell them apart.
        self.assertGreater(
            len(self.partitions_read(HouseholdReview.objects.filter(commune=self.song_cau))), 3
        )

    def test_rows_land_in_their_years_partition_with_unique_ids_and_history(self):
        household = make_household(self.song_cau, members=2)
        reviews = [make_review(household, year, 1_000_000, ["d_water"]) for year in (2022, 2023)]
        self.assertEqual(len({r.pk for r in reviews}), 2)
        with connection.cursor() as cursor:
            for review in reviews:
                cursor.execute(
                    f"SELECT year FROM households_householdreview_y{review.year} WHERE id = %s", [review.pk]
                )
                self.assertEqual(cursor.fetchone(), (review.year,))
        audited = HouseholdReview.history.filter(household_id=household.pk).values_list("year", flat=True)
        self.assertEqual(set(audited), {2022, 2023})
        self.assertEqual(registry_stats(self.song_cau, 2022)["households"]["total"], 1)
