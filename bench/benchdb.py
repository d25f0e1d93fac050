"""What the benchmarks share: a throw-away PostgreSQL database per benchmark, Django set up on it,
and a synthetic province of N communes (20 districts × 50 communes by default) beside the real tree.
"""

import os
import subprocess
import sys
from datetime import date
from pathlib import Path
from urllib.parse import urlsplit, urlunsplit

ROOT = Path(__file__).resolve().parent.parent
TREE = date(2021, 1, 1)


def database_url(name: str) -> str:
    return f"postgres://postgres@127.0.0.1:5432/{name}"


def recreate_database(name: str) -> str:
    """Drop and create the database `name`, migrate it; returns its URL."""
    import psycopg

    url = database_url(name)
    admin = urlunsplit(urlsplit(url)._replace(path="/postgres"))
    with psycopg.connect(admin, autocommit=True) as conn:
        conn.execute(f'DROP DATABASE IF EXISTS "{name}"')
        conn.execute(f'CREATE DATABASE "{name}"')
    env = {**os.environ, "DATABASE_URL": url}
    subprocess.run([sys.executable, str(ROOT / "manage.py"), "migrate", "-v0"], env=env, check=True)
    return url


def setup_django(url: str) -> None:
    os.environ["DATABASE_URL"] = url
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "povertyprog.settings")
    sys.path.insert(0, str(ROOT))
    import django

    django.setup()


def synthetic_province(communes: int, per_district: int = 50):
    """Province 99 with communes // per_district districts; returns (province, districts, communes)."""
    from povertyprog.units.models import AdministrativeUnit, DivisionType, Level

    province = AdministrativeUnit.objects.create(
        code="99", name="Tỉnh Thử Nghiệm", division_type=DivisionType.PROVINCE, valid_from=TREE
    )
    districts, created = [], []
    for d in range(communes // per_district):
        district = AdministrativeUnit.objects.create(
            code=f"9{d:02d}",
            name=f"Huyện Thử {d + 1}",
            division_type=DivisionType.RURAL_DISTRICT,
            parent=province,
            valid_from=TREE,
        )
        districts.append(district)
        created += AdministrativeUnit.objects.bulk_create(
            AdministrativeUnit(
                code=f"9{d:02d}{c:02d}",
                name=f"Xã Thử {d + 1}.{c + 1}",
                division_type=DivisionType.COMMUNE,
                parent=district,
                valid_from=TREE,
                level=Level.COMMUNE,
                search_name=f"xa thu {d + 1} {c + 1}",
                path=f"{district.path}9{d:02d}{c:02d}/",
            )
            for c in range(per_district)
        )
    return province, districts, created


def manage_shell(env: dict, script: str) -> str:
    """What `manage.py shell -c script` prints, with `env` (the benchmark's database)."""
    command = [sys.executable, str(ROOT / "manage.py"), "shell", "-c", script]
    return subprocess.run(command, env=env, check=True, capture_output=True, text=True).stdout


def session_keys(env: dict, usernames) -> dict[str, str]:
    """Session keys of these users, as if each had logged in (for wrk and the smoke run)."""
    script = (
        "from django.contrib.sessions.backends.db import SessionStore\n"
        "from django.contrib.auth import HASH_SESSION_KEY, SESSION_KEY, BACKEND_SESSION_KEY\n"
        "from povertyprog.accounts.models import User\n"
        f"for name in {tuple(usernames)!r}:\n"
        "    user = User.objects.get(username=name)\n"
        "    s = SessionStore(); s[SESSION_KEY] = str(user.pk)\n"
        "    s[HASH_SESSION_KEY] = user.get_session_auth_hash()\n"
        "    s[BACKEND_SESSION_KEY] = 'django.contrib.auth.backends.ModelBackend'; s.create()\n"
        "    print('session', name, s.session_key)\n"
    )
    lines = manage_shell(env, script).splitlines()
    return {line.split()[1]: line.split()[2] for line in lines if line.startswith("session ")}


def wait_until_healthy(port: int, seconds: float = 60) -> None:
    """Wait for the server on `port` to answer its health page."""
    import time
    import urllib.request

    deadline = time.monotonic() + seconds
    while True:
        try:
            urllib.request.urlopen(f"http://127.0.0.1:{port}/suc-khoe/", timeout=2)
            return
        except OSError:
            if time.monotonic() > deadline:
                raise
            time.sleep(0.5)
