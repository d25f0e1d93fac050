import os
import subprocess
import sys
from datetime import date
from decimal import Decimal

from django.conf import settings
from django.template import Context, Template
from django.utils import formats

from povertyprog.settings import database_from_url


def test_sqlite_is_the_default_database():
    config = database_from_url("sqlite:///")
    assert config["ENGINE"] == "django.db.backends.sqlite3"
    assert config["NAME"] == str(settings.BASE_DIR / "var" / "db.sqlite3")


def test_postgres_url_is_parsed():
    config = database_from_url("postgres://gn:m%40t@db.local:5433/giamngheo")
    assert config["ENGINE"] == "django.db.backends.postgresql"
    assert (config["USER"], config["PASSWORD"], config["HOST"], config["PORT"], config["NAME"]) == (
        "gn", "m@t", "db.local", "5433", "giamngheo",
    )  # fmt: skip


def test_production_refuses_to_start_without_a_real_secret():
    env = {**os.environ, "DEBUG": "0", "DJANGO_SETTINGS_MODULE": "povertyprog.settings"}
    env.pop("SECRET_KEY", None)
    result = subprocess.run(
        [sys.executable, "manage.py", "check"],
        cwd=settings.BASE_DIR, env=env, capture_output=True, text=True,
    )  # fmt: skip
    assert result.returncode != 0
    assert "SECRET_KEY must be set" in result.stderr


def test_numbers_and_dates_use_vietnamese_formats():
    assert (
        formats.number_format(Decimal("1234567.5"), decimal_pos=1, use_l10n=True, force_grouping=True)
        == "1.234.567,5"
    )
    rendered = Template("{{ d|date:'SHORT_DATE_FORMAT' }} {{ n|floatformat:'2g' }}").render(
        Context({"d": date(2026, 11, 5), "n": 35.4838})
    )
    assert rendered == "05/11/2026 35,48"


def test_vietnamese_number_formatting():
    from povertyprog.lib.formatting import format_number, format_percent

    assert format_number(1234567.5, 1) == "1.234.567,5"
    assert format_number(12281) == "12.281"
    assert format_number(-2191.705, 3) == "-2.191,705"
    assert format_number(0) == "0"
    assert format_percent(35.4838) == "35,48%"
    assert format_percent(0.21) == "0,21%"
