"""The registry stamp (households.stamps): stale after any committed write to households, members
or reviews, including a write that was under way when the stamp was taken (D54)."""

import psycopg
from django.db import connection

from households.models import Member
from households.stamps import registry_stamp, registry_unchanged_since
from tests.base import BaseTestCase
from tests.factory import make_household, make_review

INSERT_AUDIT_ROW = """
    INSERT INTO households_historicalmember (id, full_name, sex, birth_year, relation, ethnicity, citizen_id,
        has_health_insurance, education_level, attends_school, employment, has_disability,
        monthly_social_allowance, malnourished, history_date, history_type)
    VALUES (987654321, 'Người khác', 'F', 1990, 'head', '01', '', true, 'none', false,
        'self_employed', false, false, false, now(), '+')
"""


class RegistryStampTests(BaseTestCase):
    def test_each_kind_of_registry_write_makes_the_stamp_stale(self):
        household = make_household(self.song_cau)
        writes = {
            "household": lambda: make_household(self.duong_quang),
            "member": lambda: Member.objects.create(
                household=household, full_name="Lê Thị Năm", sex="F", birth_year=1990, relation="child"
            ),
            "review": lambda: make_review(household, 2023, 1_000_000),
            "member removed": lambda: household.members.first().delete(),
        }
        for name, write in writes.items():
            with self.subTest(name):
                stamp = registry_stamp()
                self.assertTrue(registry_unchanged_since(stamp))
                write()
                self.assertFalse(registry_unchanged_since(stamp))

    def test_no_stamp_is_taken_while_another_transaction_writes(self):
        """Its audit rows could carry ids below the last one the stamp would see and commit after
        it: the ids alone would not tell, so there is no stamp until it ends (PostgreSQL)."""
        if connection.vendor != "postgresql":
            self.skipTest("concurrent writers and snapshots are PostgreSQL's; SQLite runs one writer")
        settings = connection.settings_dict
        options = {"dbname": settings["NAME"], "host": settings["HOST"] or None, "user": settings["USER"]}
        if settings["PORT"]:
            options["port"] = settings["PORT"]
        make_household(self.song_cau)  # this test's own transaction writes too: that is no obstacle
        self.assertIsNotNone(registry_stamp())
        for ending in ("rollback", "commit"):
            with self.subTest(ending), psycopg.connect(**options) as other:
                other.execute(INSERT_AUDIT_ROW)  # under way, not committed
                self.assertIsNone(registry_stamp())
                self.assertFalse(registry_unchanged_since(registry_stamp()))
                getattr(other, ending)()
                stamp = registry_stamp()
                self.assertIsNotNone(stamp)
                self.assertTrue(registry_unchanged_since(stamp))
                other.execute("DELETE FROM households_historicalmember WHERE id = 987654321")
                other.commit()
                removed = ending == "commit"  # a committed removal (of the last audit row) is a write too
                self.assertEqual(registry_unchanged_since(stamp), not removed)
