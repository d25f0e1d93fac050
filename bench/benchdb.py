"""What the benchmarks share: a throw-away PostgreSQL database per benchmark, Django set up on it as
production runs it (DEBUG off), a synthetic province of N communes (20 districts × 50 communes by
default) beside the real tree, medians of repeated timings and the peak memory of a process.

Every benchmark runs with DEBUG off (Django then keeps no log of the queries it ran, and the
settings are production's): production_env() sets it, with a random SECRET_KEY when none is
given, before Django starts (setup_django) and for the commands a benchmark runs (bench_env,
recreate_database's migrate). Files the benchmarks write (uploads, cache, collected static files)
go under var/bench/, not the development tree's var/.
"""

import os
import resource
import secrets
import statistics
import subprocess
import sys
import time
from datetime import date
from pathlib import Path
from urllib.parse import urlsplit, urlunsplit

ROOT = Path(__file__).resolve().parent.parent
TREE = date(2021, 1, 1)
BENCH_VAR = ROOT / "var" / "bench"


def database_url(name: str) -> str:
    return f"postgres://postgres@127.0.0.1:5432/{name}"


def production_env() -> None:
    """DEBUG off, a SECRET_KEY if none is set, the benchmark's own folders (in os.environ, so that
    Django in this process and the commands it starts read the same settings)."""
    os.environ["DEBUG"] = "0"
    if not (os.environ.get("SECRET_KEY") or os.environ.get("SECRET_KEY_FILE")):
        os.environ["SECRET_KEY"] = secrets.token_urlsafe(50)
    os.environ.setdefault("MEDIA_ROOT", str(BENCH_VAR / "media"))
    os.environ.setdefault("CACHE_DIR", str(BENCH_VAR / "cache"))
    os.environ.setdefault("STATIC_ROOT", str(BENCH_VAR / "static"))


def bench_env(url: str) -> dict:
    """The environment for a command run on the database at `url` (manage.py, a worker process)."""
    production_env()
    return {**os.environ, "DATABASE_URL": url}


def recreate_database(name: str, *, migrate: bool = True) -> str:
    """Drop and create the database `name` (or the one a postgres:// URL names), migrate it unless
    told not to; returns its URL."""
    import psycopg

    url = name if "://" in name else database_url(name)
    name = urlsplit(url).path.lstrip("/")
    admin = urlunsplit(urlsplit(url)._replace(path="/postgres"))
    with psycopg.connect(admin, autocommit=True) as conn:
        conn.execute(f'DROP DATABASE IF EXISTS "{name}"')
        conn.execute(f'CREATE DATABASE "{name}"')
    if migrate:
        manage = [sys.executable, str(ROOT / "manage.py")]
        subprocess.run([*manage, "migrate", "-v0"], env=bench_env(url), check=True)
    return url


def setup_django(url: str | None = None) -> None:
    """Django on the database at `url` (default: DATABASE_URL as set), DEBUG off."""
    production_env()
    if url:
        os.environ["DATABASE_URL"] = url
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "povertyprog.settings")
    if str(ROOT) not in sys.path:
        sys.path.insert(0, str(ROOT))
    import django

    django.setup()


def collect_static() -> None:
    """Production's manifest static storage (DEBUG off) needs the collected files to render pages."""
    from django.core.management import call_command

    call_command("collectstatic", interactive=False, verbosity=0)


def median_ms(function, runs: int = 9) -> float:
    """Median of `runs` timings of function(), in ms, after one warm-up call."""
    function()
    times = []
    for _ in range(runs):
        started = time.perf_counter()
        function()
        times.append((time.perf_counter() - started) * 1000)
    return statistics.median(times)


def peak_rss_mb() -> float:
    """The peak resident memory of this process so far, in MB.

    On Linux, VmHWM of /proc/self/status: getrusage's ru_maxrss is carried over fork and exec
    (the kernel keeps the larger of the parent's peak at the fork and the child's own), so a fresh
    worker started by a 900 MB benchmark process would report 900 MB whatever it used itself.
    Elsewhere, ru_maxrss (kB on Linux, bytes on macOS: there it is divided once more)."""
    try:
        with open("/proc/self/status") as status:
            for line in status:
                if line.startswith("VmHWM:"):
                    return int(line.split()[1]) / 1024
    except OSError:
        pass
    peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    return peak / 1024 if sys.platform == "darwin" else peak


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
