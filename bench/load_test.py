"""Load test: 50 concurrent users against the production stack on loopback, 1,000,000 households.

    python bench/load_test.py [--households 1000000] [--seconds 300] [--users 50]
                              [--think 1000-3000] [--keep]

Creates (drops first, unless --keep and it exists) the database povertyprog_bench_load, loads the
unit tree, generates the households with bench/generate_households.py, the budgets and 2024 cycle
of the demo for Bắc Kạn city, and logged-in sessions for a province, a district and a commune
officer. Starts the production stack of `make prod` (DEBUG off, gunicorn as
povertyprog/gunicorn_conf.py sets it: 4 threaded workers; whitenoise). Then the users browse for
--seconds, all at the same time, shared among the page kinds — household list (commune and
district), registry statistics (province), reporting dashboard (province, official and
provisional), budget overview (district) — one wrk process (Debian's `wrk`) per page kind. Each
connection is one user, who waits --think milliseconds (uniformly at random in the range) after
each page before asking for the next, as a person reading it does. `--think 0` asks without
pause: the capacity of the machine, where latency is queueing. Prints requests, errors (non-2xx
and socket errors), p50 / p95 / p99 per page kind. Target: zero errors; household list
p95 ≤ 150 ms.
"""

import argparse
import os
import re
import signal
import subprocess
import sys
import tempfile
import time
from pathlib import Path
from urllib.parse import urlsplit, urlunsplit

from benchdb import ROOT, database_url, manage_shell, recreate_database, session_keys, wait_until_healthy

URL = database_url("povertyprog_bench_load")
PORT = 8765
LUA = """
wrk.headers["Cookie"] = "sessionid={session}"
math.randomseed(os.time() + {seed})
delay = function()
  if {think_high} == 0 then return 0 end
  return math.random({think_low}, {think_high})
end
done = function(summary, latency, requests)
  io.write(string.format("RESULT requests=%d non2xx=%d errors=%d p50=%.1f p95=%.1f p99=%.1f\\n",
    summary.requests, summary.errors.status, summary.errors.connect + summary.errors.read +
    summary.errors.write + summary.errors.timeout,
    latency:percentile(50) / 1000, latency:percentile(95) / 1000, latency:percentile(99) / 1000))
end
"""


def database_exists() -> bool:
    import psycopg

    parts = urlsplit(URL)
    with psycopg.connect(urlunsplit(parts._replace(path="/postgres")), autocommit=True) as conn:
        return bool(
            conn.execute("SELECT 1 FROM pg_database WHERE datname = 'povertyprog_bench_load'").fetchone()
        )


def prepare(households: int, env: dict) -> None:
    manage = [sys.executable, str(ROOT / "manage.py")]
    subprocess.run([*manage, "load_units"], env=env, check=True, capture_output=True)
    started = time.perf_counter()
    subprocess.run(
        [sys.executable, str(ROOT / "bench" / "generate_households.py"), "--households", str(households)],
        env=env,
        check=True,
        capture_output=True,
    )
    print(f"generated {households:,} households in {time.perf_counter() - started:.0f} s")
    script = (
        "from povertyprog.accounts.demo import demo_users_load; from budgets.demo import demo_budgets_load; "
        "from reports.demo import demo_cycle_load; demo_users_load(); demo_budgets_load(); demo_cycle_load()"
    )
    manage_shell(env, script)


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--households", type=int, default=1_000_000)
    parser.add_argument("--seconds", type=int, default=300)
    parser.add_argument("--users", type=int, default=50)
    parser.add_argument("--think", default="1000-3000", help="pause after each page, ms: LOW-HIGH or 0")
    parser.add_argument("--keep", action="store_true", help="reuse the database if it exists")
    args = parser.parse_args()
    secret = Path(tempfile.mkdtemp()) / "secret"
    secret.write_text("load-test-" + "x9" * 40)
    env = {
        **os.environ,
        "DATABASE_URL": URL,
        "DEBUG": "0",
        "SECRET_KEY_FILE": str(secret),
        "SECURE_COOKIES": "0",
        "ALLOWED_HOSTS": "127.0.0.1",
        "LOG_LEVEL": "WARNING",
    }
    if not (args.keep and database_exists()):
        recreate_database("povertyprog_bench_load")
        prepare(args.households, env)
    keys = session_keys(env, ("tinh.backan", "tp.backan", "phuong.songcau"))
    subprocess.run(
        [sys.executable, str(ROOT / "manage.py"), "collectstatic", "--noinput", "-v0"], env=env, check=True
    )
    server = subprocess.Popen(
        [
            str(Path(sys.executable).parent / "gunicorn"),
            "povertyprog.wsgi",
            "-c",
            "python:povertyprog.gunicorn_conf",
            "--bind",
            f"127.0.0.1:{PORT}",
        ],
        env=env,
        cwd=ROOT,
    )
    try:
        wait_until_healthy(PORT)
        city = _city_id(env)
        pages = [
            ("household list, commune (50/page)", "phuong.songcau", "/ho-gia-dinh/?nam=2024"),
            ("household list, district", "tp.backan", f"/ho-gia-dinh/?nam=2024&don_vi={city}"),
            ("registry statistics, province", "tinh.backan", "/ho-gia-dinh/thong-ke/?nam=2024"),
            ("reporting dashboard, province, official", "tinh.backan", "/bao-cao/2024/"),
            ("reporting dashboard, province, provisional", "tinh.backan", "/bao-cao/2024/?so_lieu=tam-tinh"),
            ("budget overview, district", "tp.backan", "/ngan-sach/?nam=2023"),
        ]
        low, _, high = args.think.partition("-")
        think = (int(low), int(high or low))
        users = [args.users // len(pages) + (i < args.users % len(pages)) for i in range(len(pages))]
        print(
            f"{args.users} users at once for {args.seconds} s, think time {think[0]}-{think[1]} ms, "
            "gunicorn 4 workers x 4 threads (povertyprog/gunicorn_conf.py), DEBUG off"
        )
        runs = [
            _wrk(path, keys[user], count, args.seconds, think, seed)
            for seed, ((_, user, path), count) in enumerate(zip(pages, users, strict=True))
        ]
        print(
            f"{'page kind':<46}{'users':>6}{'requests':>9}{'errors':>7}"
            f"{'p50 ms':>8}{'p95 ms':>8}{'p99 ms':>8}"
        )
        for (label, _, _), count, run in zip(pages, users, runs, strict=True):
            out, _ = run.communicate(timeout=args.seconds + 120)
            found = dict(re.findall(r"(\w+)=([\d.]+)", out.split("RESULT", 1)[1]))
            errors = int(found["non2xx"]) + int(found["errors"])
            print(
                f"{label:<46}{count:>6}{int(found['requests']):>9}{errors:>7}{float(found['p50']):>8.1f}"
                f"{float(found['p95']):>8.1f}{float(found['p99']):>8.1f}"
            )
    finally:
        server.send_signal(signal.SIGTERM)
        server.wait(timeout=30)


def _wrk(path: str, session: str, users: int, seconds: int, think: tuple[int, int], seed: int):
    """One wrk process: `users` connections on one page kind, started now, results on stdout."""
    script = Path(tempfile.mkdtemp()) / "wrk.lua"
    script.write_text(
        LUA.replace("{session}", session)
        .replace("{seed}", str(seed))
        .replace("{think_low}", str(think[0]))
        .replace("{think_high}", str(think[1]))
    )
    return subprocess.Popen(
        [
            "wrk",
            "-t1",
            f"-c{users}",
            f"-d{seconds}s",
            "--timeout",
            "10s",
            "-s",
            str(script),
            f"http://127.0.0.1:{PORT}{path}",
        ],  # fmt: skip
        stdout=subprocess.PIPE,
        text=True,
    )


def _city_id(env: dict) -> str:
    """The id of Bắc Kạn city (district 058) in the 2021 tree."""
    script = (
        "from povertyprog.units.models import AdministrativeUnit as U; "
        "print(U.objects.get(code='058', valid_from='2021-01-01').pk)"
    )
    return manage_shell(env, script).strip().splitlines()[-1]


if __name__ == "__main__":
    main()
