import os
from datetime import datetime
from zoneinfo import ZoneInfo

import pytest
import time_machine
from django.conf import settings
from django.core.management import call_command
from django.test.utils import override_settings

from povertyprog.units.loading import units_load_all

PRODUCTION_STATIC = "whitenoise.storage.CompressedManifestStaticFilesStorage"


@pytest.fixture(scope="session", autouse=True)
def production_static_files(tmp_path_factory):
    """Pages render with production's static storage (collected, hashed names from the manifest),
    as under `make prod`: a {% static %} that only works in development fails the page's test."""
    storages = {**settings.STORAGES, "staticfiles": {"BACKEND": PRODUCTION_STATIC}}
    with override_settings(STATIC_ROOT=tmp_path_factory.mktemp("static"), STORAGES=storages):
        call_command("collectstatic", interactive=False, verbosity=0)
        yield


@pytest.fixture(scope="session")
def django_db_setup(django_db_setup, django_db_blocker):
    """Every test database holds the real administrative unit trees, loaded once."""
    with django_db_blocker.unblock():
        units_load_all()


# The Vietnamese office day the tests pin the clock to (Asia/Ho_Chi_Minh).
VN = ZoneInfo("Asia/Ho_Chi_Minh")


@pytest.fixture
def clock():
    """Pin the clock (server code, the live server's thread, the ORM's defaults) to a day.

    ``clock(2025, 12, 1)`` moves it to 09:00 of that day in Vietnam and lets it tick from
    there; every pin ends with the test. No test depends on the real date.
    """
    travellers = []

    def pin(year, month, day, hour=9):
        traveller = time_machine.travel(datetime(year, month, day, hour, tzinfo=VN), tick=True)
        traveller.start()
        travellers.append(traveller)

    yield pin
    for traveller in reversed(travellers):
        traveller.stop()


@pytest.hookimpl(hookwrapper=True)
def pytest_runtest_makereport(item, call):
    """With REQUIRE_COMPLETE=1 (CI), a test that skips fails instead — a green run means every test
    ran — except a PostgreSQL-only test in the SQLite run (CI runs the suite on PostgreSQL too)."""
    outcome = yield
    report = outcome.get_result()
    if not (report.skipped and os.environ.get("REQUIRE_COMPLETE") == "1"):
        return
    reason = str(report.longrepr[-1]) if isinstance(report.longrepr, tuple) else str(report.longrepr)
    from django.db import connection

    if connection.vendor == "sqlite" and "PostgreSQL" in reason:
        return
    report.outcome = "failed"
    report.longrepr = f"skipped in a run that requires every test (REQUIRE_COMPLETE=1): {reason}"
