"""The read replica's routing (povertyprog/dbrouter.py): writes never go to the replica; the read-only
selectors read from it when one is configured; a user's page right after a write reads the primary.

The tests give themselves a "replica" alias on the primary's test database (what TEST MIRROR does
when DATABASE_REPLICA_URL is set) and watch it with an execute_wrapper: a query that reaches it is
recorded, and in the page tests refused with RoutedToReplica, so that which alias ran a query is
seen directly, on SQLite and on PostgreSQL alike.
"""

import copy
import json
import os
import subprocess
import sys
import time

import pytest
import time_machine
from django.db import DEFAULT_DB_ALIAS, connections, router, transaction
from django.test import SimpleTestCase, override_settings

from budgets.models import BudgetLine, Component, Program
from budgets.selectors import budget_overview
from households.exporting import household_list_csv, household_list_export, posting_export, statistics_export
from households.models import Household
from households.selectors import registry_stats, subtree_figures
from povertyprog.accounts.models import Role, User
from povertyprog.dbrouter import WROTE_AT, primary_reads, replica_reads
from povertyprog.units.models import AdministrativeUnit
from reports.selectors import dashboard_figures, indicator_poor_rates
from tests.base import BaseTestCase, make_user

REPLICA = "replica"
WITH_REPLICA = override_settings(REPLICA_DATABASE=REPLICA, READ_YOUR_WRITES_SECONDS=10)


@pytest.fixture(scope="module", autouse=True)
def replica_alias(django_db_setup):
    """A "replica" alias on the test database, as settings make it with DATABASE_REPLICA_URL."""
    added = REPLICA not in connections.settings
    if added:
        mirror = copy.deepcopy(connections[DEFAULT_DB_ALIAS].settings_dict)  # the test database
        mirror["TEST"] = {**mirror["TEST"], "MIRROR": DEFAULT_DB_ALIAS}
        if mirror["ENGINE"].endswith("sqlite3"):
            # TestCase opens a transaction on every alias it uses and checks its constraints at the
            # end, mirrors too. On SQLite's shared in-memory database the mirror is a second
            # connection to the same cache: it begins without taking the write lock, and reads
            # what the primary's open test transaction holds instead of waiting on its table locks.
            mirror["OPTIONS"] = {
                **mirror["OPTIONS"],
                "transaction_mode": "DEFERRED",
                "init_command": "PRAGMA read_uncommitted = 1",
            }
        connections.settings[REPLICA] = mirror
    yield
    connections[REPLICA].close()
    if added:
        del connections[REPLICA]
        del connections.settings[REPLICA]


class RoutedToReplica(Exception):
    pass


class Watch:
    """execute_wrapper: records each statement an alias runs; with refuse=True raises instead."""

    def __init__(self, refuse: bool = False):
        self.statements: list[str] = []
        self.refuse = refuse

    def __call__(self, execute, sql, params, many, context):
        self.statements.append(sql)
        if self.refuse:
            raise RoutedToReplica(sql)
        return execute(sql, params, many, context)


def grid(opened: str) -> dict:
    """Project 2's budget grid of 2023 with one amount: 1.753 triệu đồng assigned from the centre."""
    return {"opened": opened, "nam": "2023", "su_nghiep__central__assigned": "1.753"}


def writes(statements: list[str]) -> list[str]:
    return [s for s in statements if s.lstrip().split(None, 1)[0].upper() in ("INSERT", "UPDATE", "DELETE")]


class RouterDecisionTests(SimpleTestCase):
    @WITH_REPLICA
    def test_writes_go_to_the_primary_even_inside_replica_reads(self):
        self.assertEqual(router.db_for_write(Household), DEFAULT_DB_ALIAS)
        with replica_reads():
            self.assertEqual(router.db_for_write(Household), DEFAULT_DB_ALIAS)
            self.assertEqual(router.db_for_write(BudgetLine), DEFAULT_DB_ALIAS)

    @WITH_REPLICA
    def test_reads_go_to_the_replica_only_inside_replica_reads(self):
        self.assertEqual(router.db_for_read(Household), DEFAULT_DB_ALIAS)
        with replica_reads():
            self.assertEqual(router.db_for_read(Household), REPLICA)
            with primary_reads():  # what the read-your-writes window does
                self.assertEqual(router.db_for_read(Household), DEFAULT_DB_ALIAS)
            self.assertEqual(router.db_for_read(Household), REPLICA)
        self.assertEqual(router.db_for_read(Household), DEFAULT_DB_ALIAS)

    @override_settings(REPLICA_DATABASE=None)
    def test_without_a_replica_every_read_goes_to_the_primary(self):
        with replica_reads():
            self.assertEqual(router.db_for_read(Household), DEFAULT_DB_ALIAS)

    @WITH_REPLICA
    def test_the_decorator_routes_the_function_it_wraps_and_refuses_generators(self):
        @replica_reads
        def where():
            return router.db_for_read(Household)

        self.assertEqual(where(), REPLICA)
        self.assertEqual(router.db_for_read(Household), DEFAULT_DB_ALIAS)

        def rows():
            yield 1

        with self.assertRaises(TypeError):
            replica_reads(rows)

    def test_the_statistics_dashboard_and_export_selectors_read_from_the_replica(self):
        selectors = [
            registry_stats, subtree_figures, dashboard_figures, indicator_poor_rates, budget_overview,
            household_list_export, household_list_csv, posting_export, statistics_export,
        ]  # fmt: skip
        self.assertEqual([f.__name__ for f in selectors if not getattr(f, "reads_from_replica", False)], [])


@WITH_REPLICA
class ReplicaQueryTests(BaseTestCase):
    databases = {DEFAULT_DB_ALIAS, REPLICA}

    def test_a_read_inside_replica_reads_runs_on_the_replica_connection(self):
        replica = Watch()
        with connections[REPLICA].execute_wrapper(replica), replica_reads():
            self.assertTrue(AdministrativeUnit.objects.filter(code="06").exists())  # committed data
        self.assertEqual(len(replica.statements), 1)
        self.assertIn("units_administrativeunit", replica.statements[0])

    def test_every_query_of_the_statistics_runs_on_the_replica(self):
        """The rollup sums written as raw SQL included: one page never mixes the two servers."""
        replica, primary = Watch(), Watch()
        with (
            connections[REPLICA].execute_wrapper(replica),
            connections[DEFAULT_DB_ALIAS].execute_wrapper(primary),
        ):
            registry_stats(self.backan_city, 2023)
        self.assertEqual(primary.statements, [])
        self.assertEqual(len(replica.statements), 5)

    def test_a_save_inside_replica_reads_goes_to_the_primary(self):
        replica, primary = Watch(refuse=True), Watch()
        with (
            connections[REPLICA].execute_wrapper(replica),
            connections[DEFAULT_DB_ALIAS].execute_wrapper(primary),
            replica_reads(),
        ):
            user = make_user("nguoimoi", Role.ADMIN, None)
            user.first_name = "Lan"
            user.save()
        self.assertEqual(replica.statements, [])
        self.assertTrue(any('"accounts_user"' in s for s in writes(primary.statements)), primary.statements)
        self.assertEqual(User.objects.get(username="nguoimoi").first_name, "Lan")

    def test_reads_inside_the_apps_own_transaction_stay_on_the_primary(self):
        replica = Watch(refuse=True)
        with connections[REPLICA].execute_wrapper(replica), transaction.atomic(), replica_reads():
            self.assertEqual(router.db_for_read(Household), DEFAULT_DB_ALIAS)
            registry_stats(self.song_cau, 2023)
        self.assertEqual(replica.statements, [])

    def test_statistics_and_budget_pages_read_from_the_replica(self):
        self.client.force_login(self.district)  # no write through the middleware: no window
        for url in (
            "/ngan-sach/?nam=2023",
            "/ho-gia-dinh/thong-ke/?nam=2023",
            "/ho-gia-dinh/thong-ke/tai-ve/?nam=2023",
        ):
            replica = Watch(refuse=True)
            with connections[REPLICA].execute_wrapper(replica), self.assertRaises(RoutedToReplica, msg=url):
                self.client.get(url)
            self.assertTrue(replica.statements, url)

    def test_a_page_right_after_a_write_shows_the_write_from_the_primary(self):
        self.client.force_login(self.officer)
        program = Program.objects.for_year(2023)
        project = Component.objects.get(program=program, parent=None, number=2)
        url = f"/ngan-sach/du-an/{project.pk}/?nam=2023"
        opened = self.client.get(url).context["opened"]
        replica = Watch(refuse=True)
        with connections[REPLICA].execute_wrapper(replica):
            # The save redirects to the overview, whose figures come from budget_overview (replica_reads).
            response = self.client.post(url, grid(opened), follow=True)
            self.assertEqual(response.redirect_chain[-1][0], "/ngan-sach/?nam=2023")
            self.assertContains(response, "Đã lưu ngân sách")
            self.assertContains(response, "1.753")
            again = self.client.get("/ngan-sach/?nam=2023")  # still inside the window
            self.assertContains(again, "1.753")
        self.assertEqual(replica.statements, [])
        self.assertIsInstance(self.client.session[WROTE_AT], float)
        # Once the window has passed, the overview reads from the replica again.
        with (
            time_machine.travel(time.time() + 11),
            connections[REPLICA].execute_wrapper(Watch(refuse=True)),
            self.assertRaises(RoutedToReplica),
        ):
            self.client.get("/ngan-sach/?nam=2023")

    def test_a_refused_write_opens_no_window(self):
        self.client.force_login(self.viewer)  # viewers may not enter budgets: 403
        project = Component.objects.get(program=Program.objects.for_year(2023), parent=None, number=2)
        response = self.client.post(f"/ngan-sach/du-an/{project.pk}/?nam=2023", {"nam": "2023"})
        self.assertEqual(response.status_code, 403)
        self.assertNotIn(WROTE_AT, self.client.session)
        with connections[REPLICA].execute_wrapper(Watch(refuse=True)), self.assertRaises(RoutedToReplica):
            self.client.get("/ngan-sach/?nam=2023")

    @override_settings(REPLICA_DATABASE=None)
    def test_without_a_replica_the_middleware_writes_nothing_to_the_session(self):
        self.client.force_login(self.officer)
        project = Component.objects.get(program=Program.objects.for_year(2023), parent=None, number=2)
        url = f"/ngan-sach/du-an/{project.pk}/?nam=2023"
        opened = self.client.get(url).context["opened"]
        replica = Watch(refuse=True)
        with connections[REPLICA].execute_wrapper(replica):
            response = self.client.post(url, grid(opened), follow=True)
        self.assertContains(response, "1.753")
        self.assertNotIn(WROTE_AT, self.client.session)
        self.assertEqual(replica.statements, [])


def test_settings_make_the_replica_alias_and_the_pgbouncer_switches():
    """DATABASE_REPLICA_URL adds the "replica" alias (the primary's test database in tests), DB_POOLER=
    pgbouncer turns off server-side cursors and prepared statements; nothing of it by default."""
    script = (
        "import json, django; django.setup(); from django.conf import settings as s; "
        "keys = ('PORT', 'DISABLE_SERVER_SIDE_CURSORS', 'OPTIONS', 'TEST'); "
        "print(json.dumps({a: {k: d.get(k) for k in keys} for a, d in s.DATABASES.items()}"
        " | {'replica_alias': s.REPLICA_DATABASE}))"
    )

    def configured(**env) -> dict:
        base = {k: v for k, v in os.environ.items() if k not in ("DATABASE_REPLICA_URL", "DB_POOLER")}
        result = subprocess.run(
            [sys.executable, "-c", script],
            env={**base, "DJANGO_SETTINGS_MODULE": "povertyprog.settings", **env},
            capture_output=True, text=True, check=True,
        )  # fmt: skip
        return json.loads(result.stdout)

    plain = configured(DATABASE_URL="postgres://postgres@127.0.0.1:5432/povertyprog")
    assert plain["replica_alias"] is None and set(plain) == {"default", "replica_alias"}
    assert not plain["default"]["DISABLE_SERVER_SIDE_CURSORS"]
    both = configured(
        DATABASE_URL="postgres://postgres@127.0.0.1:6432/povertyprog",
        DB_POOLER="pgbouncer",
        DATABASE_REPLICA_URL="postgres://postgres@127.0.0.1:5433/povertyprog",
    )
    assert both["replica_alias"] == "replica"
    assert both["replica"]["TEST"]["MIRROR"] == "default"
    assert (both["default"]["PORT"], both["replica"]["PORT"]) == ("6432", "5433")
    assert both["default"]["DISABLE_SERVER_SIDE_CURSORS"] is True
    assert both["default"]["OPTIONS"] == {"prepare_threshold": None}
    assert not both["replica"]["DISABLE_SERVER_SIDE_CURSORS"]  # reached directly: exports stream
    wrong = subprocess.run(
        [sys.executable, "-c", script],
        env={**os.environ, "DJANGO_SETTINGS_MODULE": "povertyprog.settings",
             "DATABASE_URL": "postgres://postgres@127.0.0.1:6432/povertyprog", "DB_POOLER": "pgpool"},
        capture_output=True, text=True,
    )  # fmt: skip
    assert wrong.returncode != 0 and "DB_POOLER: unknown pooler 'pgpool'" in wrong.stderr
