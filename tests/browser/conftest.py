"""Real headless Chromium (Debian's /usr/bin/chromium) driven by Playwright.

Without Chromium the browser tests are skipped, unless REQUIRE_BROWSER=1 (CI), where they fail.
"""

import os
import shutil
from pathlib import Path

import pytest

# Playwright's sync API runs an event loop in this thread; Django's ORM calls made by the
# test itself (creating users) are still synchronous and safe.
os.environ.setdefault("DJANGO_ALLOW_ASYNC_UNSAFE", "true")

ARTIFACTS = Path(__file__).resolve().parents[2] / "test-artifacts"
CHROMIUM_FLAGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--disable-dev-shm-usage",
]


def _chromium_path() -> str | None:
    return os.environ.get("CHROMIUM_PATH") or shutil.which("chromium") or shutil.which("chromium-browser")


@pytest.fixture(scope="session")
def browser():
    path = _chromium_path()
    if not path:
        message = "Chromium not found (apt-get install chromium)"
        if os.environ.get("REQUIRE_BROWSER") == "1":
            pytest.fail(message)
        pytest.skip(message)
    from playwright.sync_api import sync_playwright

    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=path, headless=True, args=CHROMIUM_FLAGS)
        yield browser
        browser.close()


@pytest.fixture
def page(browser):
    context = browser.new_context(viewport={"width": 1366, "height": 768}, locale="vi-VN")
    page = context.new_page()
    page.set_default_timeout(15_000)
    page.dialogs = []  # the questions asked before an action that cannot be undone, accepted
    page.on("dialog", lambda dialog: (page.dialogs.append(dialog.message), dialog.accept()))
    yield page
    context.close()


@pytest.fixture(autouse=True)
def source_static_files(settings):
    """The live server serves static files from their sources (Django's static handler), which
    knows no hashed names: browser journeys use the plain storage; every other page test runs
    with production's manifest storage (tests/conftest.py)."""
    settings.STORAGES = {
        **settings.STORAGES,
        "staticfiles": {"BACKEND": "django.contrib.staticfiles.storage.StaticFilesStorage"},
    }


@pytest.fixture
def artifact():
    ARTIFACTS.mkdir(exist_ok=True)
    return lambda name: str(ARTIFACTS / name)


@pytest.fixture
def reference_data(transactional_db):
    """Transactional tests empty every table when they end: put the reference data back."""
    from budgets.catalogue import catalogue_load
    from households.season import phieu_a_load
    from households.standards import standards_load
    from povertyprog.units.loading import units_load_all
    from povertyprog.workdays.seeds import special_days_load
    from reports.legal import legal_bases_load, offices_load

    units_load_all()
    standards_load()
    catalogue_load()
    legal_bases_load()
    offices_load()
    phieu_a_load()
    special_days_load()
