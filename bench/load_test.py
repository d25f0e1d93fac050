"""Load test: 50 concurrent users against the production stack on loopback, 1,000,000 households.

    python bench/load_test.py [--households 1000000] [--seconds 300] [--users 50]
                              [--think 1000-3000] [--keep] [--replica] [--import-households N]
                              [--split-cores]

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

--replica: after the database is prepared, starts a streaming-replication standby of the whole
primary cluster on port 5433 (`scripts/replica.sh up`, as root), waits until it has replayed the
primary's WAL up to pg_current_wal_lsn(), and gives gunicorn DATABASE_REPLICA_URL: the read-only
selectors (statistics, dashboards, budget overview, exports: povertyprog/dbrouter.py) read there.
Before the users start, each page kind is asked for once and the transactions that one request
ran on each server are counted (pg_stat_database of the bench database): the table says which
pages read from the replica. When the run ends the replica is dropped (`scripts/replica.sh down`),
unless --keep.

--import-households N: while the users browse, one import of N households (with 3-4 members each
on the sheet “Thành viên”) runs on the primary in a separate process, started IMPORT_DELAY
seconds after the users, as households.importing.household_import(dry_run=False) by the
commune's own officer. The workbook (template layout, written before the users start, kept under
var/bench/) is for one commune of Bắc Kạn (province 06, outside Bắc Kạn city, whose pages the
users read) that has no imported households yet, no village list and no approval lock in
IMPORT_YEAR: each run imports into a fresh commune, codes `<commune>-000001…` beside the
generated `S…` codes. A member sheet longer than the product's MAX_ROWS (200,000 rows) is
accepted by raising the limit in the import process only (printed). Prints the import's duration
and when it ran relative to the users.

--split-cores (with --replica, as root; `taskset`): the primary cluster (its postmaster and every
process it has or forks) and the import run on CPU 0; the replica cluster, gunicorn and wrk on CPU 1
(of a 2-CPU machine: the rest of the CPUs are split the same way, evens and odds). On one machine
this is what a replica on a machine of its own gives the readers: cores the import does not use.
The users' sessions and logins are still read from the primary. Every process is given back all
CPUs when the run ends.
"""

import argparse
import json
import os
import re
import signal
import subprocess
import sys
import tempfile
import time
from datetime import date
from pathlib import Path
from urllib.parse import urlsplit, urlunsplit

from benchdb import (
    ROOT,
    database_url,
    manage_shell,
    recreate_database,
    session_keys,
    setup_django,
    wait_until_healthy,
)

NAME = "povertyprog_bench_load"
URL = database_url(NAME)
REPLICA_URL = f"postgres://postgres@127.0.0.1:5433/{NAME}"
PORT = 8765
PRIMARY_PORT, REPLICA_PORT = 5432, 5433  # the local primary; the replica scripts/replica.sh makes
BENCH_VAR = ROOT / "var" / "bench"  # workbooks kept between runs
IMPORT_YEAR = 2024  # the year the users' pages show
IMPORT_PROVINCE = "06"  # Bắc Kạn, in the 2021 tree
IMPORT_SKIP_DISTRICT = "058"  # Bắc Kạn city: the household lists the users read
IMPORT_DELAY = 5  # seconds after the users start
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
    parser.add_argument(
        "--keep", action="store_true", help="reuse the database if it exists; keep the replica"
    )
    parser.add_argument("--replica", action="store_true", help="read the read-only selectors from a standby")
    parser.add_argument("--import-households", type=int, default=0, metavar="N",
                        help="import N households on the primary while the users browse")  # fmt: skip
    parser.add_argument("--split-cores", action="store_true",
                        help="primary and import on half the CPUs, replica and web on the rest")  # fmt: skip
    parser.add_argument("--import-prepare", type=int, help=argparse.SUPPRESS)
    parser.add_argument("--import-run", help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.import_prepare:
        import_prepare(args.import_prepare)
        return
    if args.import_run:
        import_run(Path(args.import_run))
        return
    secret = Path(tempfile.mkdtemp()) / "secret"
    secret.write_text("load-test-" + "x9" * 40)
    env = {
        **{k: v for k, v in os.environ.items() if k != "DATABASE_REPLICA_URL"},
        "DATABASE_URL": URL,
        "DEBUG": "0",
        "SECRET_KEY_FILE": str(secret),
        "SECURE_COOKIES": "0",
        "ALLOWED_HOSTS": "127.0.0.1",
        "LOG_LEVEL": "WARNING",
    }
    if not (args.keep and database_exists()):
        recreate_database(NAME)
        prepare(args.households, env)
    planned = None
    if args.import_households:
        started = time.perf_counter()
        out = subprocess.run(
            [sys.executable, __file__, "--import-prepare", str(args.import_households)],
            env=env,
            check=True,
            capture_output=True,
            text=True,
        )
        planned = json.loads(out.stdout.strip().splitlines()[-1])
        print(
            f"import workbook: {planned['households']:,} households, {planned['members']:,} members, "
            f"commune {planned['commune']} ({planned['commune_name']}), year {IMPORT_YEAR}, "
            f"{planned['megabytes']:.1f} MB, {'reused' if planned['reused'] else 'written'} in "
            f"{time.perf_counter() - started:.0f} s ({Path(planned['path']).name})",
            flush=True,
        )
        if planned["max_rows"]:
            print(
                f"NOTE: {planned['members']:,} member rows exceed the product's limit of "
                f"{planned['product_max_rows']:,} rows a sheet: raised to {planned['max_rows']:,} "
                "in the import process only",
                flush=True,
            )
    keys = session_keys(env, ("tinh.backan", "tp.backan", "phuong.songcau"))
    subprocess.run(
        [sys.executable, str(ROOT / "manage.py"), "collectstatic", "--noinput", "-v0"], env=env, check=True
    )
    server_env = dict(env)
    if args.split_cores and not args.replica:
        sys.exit("--split-cores needs --replica: it gives the replica and the web server cores of their own")
    writer_cpus, reader_cpus = cpu_halves()
    web = ["taskset", "-c", reader_cpus] if args.split_cores else []
    if args.replica:
        try:
            replica_up()
        except BaseException:
            if not args.keep:
                replica_down()
            raise
        server_env["DATABASE_REPLICA_URL"] = REPLICA_URL
        if args.split_cores:
            pin(cluster_pids(PRIMARY_PORT), writer_cpus)
            pin(cluster_pids(REPLICA_PORT), reader_cpus)
            print(
                f"CPUs {writer_cpus}: the primary and the import; "
                f"CPUs {reader_cpus}: the replica, gunicorn, wrk"
            )
    elif replica_online():
        print(
            "NOTE: a replica cluster is online (not used by this run): it replays the primary's WAL meanwhile"
        )
    server = subprocess.Popen(
        [
            *web,
            str(Path(sys.executable).parent / "gunicorn"),
            "povertyprog.wsgi",
            "-c",
            "python:povertyprog.gunicorn_conf",
            "--bind",
            f"127.0.0.1:{PORT}",
        ],
        env=server_env,
        cwd=ROOT,
    )
    importer = None
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
        served = pages_served(pages, keys) if args.replica else {}
        low, _, high = args.think.partition("-")
        think = (int(low), int(high or low))
        users = [args.users // len(pages) + (i < args.users % len(pages)) for i in range(len(pages))]
        print(
            f"{args.users} users at once for {args.seconds} s, think time {think[0]}-{think[1]} ms, "
            "gunicorn 4 workers x 4 threads (povertyprog/gunicorn_conf.py), DEBUG off, "
            + (
                "reads of the read-only selectors from the replica (port 5433)"
                if args.replica
                else "no replica"
            )
            + (
                f", an import of {args.import_households:,} households on the primary meanwhile"
                if planned
                else ""
            )
        )
        users_started = time.time()
        runs = [
            _wrk(path, keys[user], count, args.seconds, think, seed, web)
            for seed, ((_, user, path), count) in enumerate(zip(pages, users, strict=True))
        ]
        if planned:
            time.sleep(IMPORT_DELAY)
            importer = subprocess.Popen(
                [
                    *(["taskset", "-c", writer_cpus] if args.split_cores else []),
                    sys.executable,
                    __file__,
                    "--import-run",
                    planned["plan"],
                ],  # fmt: skip
                env=env,
                stdout=subprocess.PIPE,
                stderr=subprocess.PIPE,
                text=True,
            )
        replica_column = f"{'replica tx':>11}{'primary tx':>11}" if served else ""
        print(
            f"{'page kind':<46}{'users':>6}{'requests':>9}{'errors':>7}"
            f"{'p50 ms':>8}{'p95 ms':>8}{'p99 ms':>8}{replica_column}"
        )
        for (label, _, _), count, run in zip(pages, users, runs, strict=True):
            out, _ = run.communicate(timeout=args.seconds + 120)
            found = dict(re.findall(r"(\w+)=([\d.]+)", out.split("RESULT", 1)[1]))
            errors = int(found["non2xx"]) + int(found["errors"])
            extra = f"{served[label][0]:>11}{served[label][1]:>11}" if served else ""
            print(
                f"{label:<46}{count:>6}{int(found['requests']):>9}{errors:>7}{float(found['p50']):>8.1f}"
                f"{float(found['p95']):>8.1f}{float(found['p99']):>8.1f}{extra}"
            )
        users_ended = time.time()
        if served:
            on_replica = [label for label, (replica_tx, _) in served.items() if replica_tx]
            print(
                "read from the replica (transactions one request of the page ran there, before the load): "
                + (", ".join(on_replica) or "none")
            )
        if importer:
            out, err = importer.communicate(timeout=3600)
            if importer.returncode:
                sys.exit(f"the import failed:\n{out[-3000:]}\n{err[-3000:]}")
            done = json.loads(out.strip().splitlines()[-1])
            within = "within" if done["ended"] <= users_ended else "past"
            print(
                f"import of {done['created']:,} households ({done['rows']:,} rows, {planned['members']:,} "
                f"members) into commune {planned['commune']} on the primary: {done['seconds']:.1f} s "
                f"({done['rows'] / done['seconds']:,.0f} households/s), "
                f"from {done['started'] - users_started:.0f} s "
                f"to {done['ended'] - users_started:.0f} s after the users started ({within} the "
                f"{users_ended - users_started:.0f} s of browsing)"
            )
            if args.replica:
                print(f"replica caught up with the import's WAL {replica_caught_up():.1f} s after the run")
    finally:
        if importer and importer.poll() is None:
            importer.terminate()
            importer.wait(timeout=60)
        server.send_signal(signal.SIGTERM)
        server.wait(timeout=30)
        if args.split_cores:  # the machine's PostgreSQL serves others after this run: all CPUs again
            every = f"0-{os.cpu_count() - 1}"
            pin(cluster_pids(PRIMARY_PORT), every)
            if replica_online():
                pin(cluster_pids(REPLICA_PORT), every)
        if args.replica and not args.keep:
            replica_down()


# --- The replica ----------------------------------------------------------------------------------


def _sql(url: str, query: str, params=()):
    import psycopg

    with psycopg.connect(url, autocommit=True) as conn:
        return conn.execute(query, params).fetchone()


def _admin(url: str) -> str:
    """The maintenance database "postgres" of the server at `url` (queries there are not counted
    in the bench database's statistics)."""
    return urlunsplit(urlsplit(url)._replace(path="/postgres"))


def replica_online() -> bool:
    try:
        _sql(_admin(REPLICA_URL), "SELECT 1")
    except Exception:  # noqa: BLE001 (no server on 5433)
        return False
    return True


def replica_up() -> None:
    """scripts/replica.sh up (a copy of the whole primary cluster, once), then wait until the
    standby has replayed everything the primary had written when it was asked."""
    started = time.perf_counter()
    subprocess.run([str(ROOT / "scripts" / "replica.sh"), "up"], check=True)
    print(f"replica up in {time.perf_counter() - started:.0f} s", flush=True)
    print(f"replica replayed the primary's WAL {replica_caught_up():.1f} s later", flush=True)


def replica_caught_up(seconds: float = 900) -> float:
    """Seconds until pg_last_wal_replay_lsn() on the replica reaches the primary's
    pg_current_wal_lsn() of now."""
    started = time.perf_counter()
    (target,) = _sql(_admin(URL), "SELECT pg_current_wal_lsn()::text")
    while True:
        (done,) = _sql(_admin(REPLICA_URL), "SELECT pg_last_wal_replay_lsn() >= %s::pg_lsn", (target,))
        if done:
            return time.perf_counter() - started
        if time.perf_counter() - started > seconds:
            raise TimeoutError(f"the replica has not replayed up to {target} in {seconds} s")
        time.sleep(0.2)


def replica_down() -> None:
    subprocess.run([str(ROOT / "scripts" / "replica.sh"), "down"], check=True)


def _transactions() -> tuple[int, int]:
    """Committed transactions of the bench database so far: (on the replica, on the primary)."""
    query = "SELECT xact_commit + xact_rollback FROM pg_stat_database WHERE datname = %s"
    return _sql(_admin(REPLICA_URL), query, (NAME,))[0], _sql(_admin(URL), query, (NAME,))[0]


def pages_served(pages, keys: dict[str, str]) -> dict[str, tuple[int, int]]:
    """{label: (transactions on the replica, on the primary)} of one request of each page, asked
    one after the other before the load. Django runs each query in its own transaction
    (autocommit), so these are about the page's queries; the primary's include the session's and
    the user's. A backend that reported its statistics less than a second before is allowed to
    keep them up to 10 s (PostgreSQL 15's PGSTAT_IDLE_INTERVAL): 11 s are waited after each
    request, and an empty wait measures the noise."""
    import urllib.request

    def counted(request) -> tuple[int, int]:
        before = _transactions()
        request()
        time.sleep(11)
        after = _transactions()
        return after[0] - before[0], after[1] - before[1]

    def ask(user: str, path: str):
        request = urllib.request.Request(f"http://127.0.0.1:{PORT}{path}")
        request.add_header("Cookie", f"sessionid={keys[user]}")
        return lambda: urllib.request.urlopen(request, timeout=30).read()

    for _, user, path in pages:  # warm the workers' connections and caches first
        for _ in range(4):
            ask(user, path)()
    time.sleep(11)
    noise = counted(lambda: None)
    return {label: tuple(max(0, a - b) for a, b in zip(counted(ask(user, path)), noise, strict=True))
            for label, user, path in pages}  # fmt: skip


# --- The import -----------------------------------------------------------------------------------


def import_prepare(count: int) -> None:
    """In a fresh process: choose the commune, make its officer, write the workbook; prints the
    plan as JSON (also saved beside the workbook for import_run)."""
    setup_django(URL)
    from households.importing import MEMBER_COLUMNS
    from households.models import Household, Village
    from povertyprog.accounts.models import Role, User
    from povertyprog.approvals import locked_units
    from povertyprog.lib import spreadsheets
    from povertyprog.units.models import AdministrativeUnit, Level

    province = AdministrativeUnit.objects.get(code=IMPORT_PROVINCE, valid_from="2021-01-01")
    communes = list(
        AdministrativeUnit.objects.filter(level=Level.COMMUNE, valid_from=province.valid_from)
        .filter(path__startswith=province.path)
        .select_related("parent")
        .order_by("code")
    )
    ids = [c.pk for c in communes]
    imported = set(
        Household.objects.filter(commune_id__in=ids)
        .exclude(code__startswith="S")
        .values_list("commune_id", flat=True)
    )
    villages = set(Village.objects.filter(commune_id__in=ids).values_list("commune_id", flat=True))
    locked = locked_units(set(ids), IMPORT_YEAR)
    rank, commune = next(
        (rank, c)
        for rank, c in enumerate(communes)
        if c.parent.code != IMPORT_SKIP_DISTRICT and c.pk not in imported | villages and c.pk not in locked
    )
    officer, _ = User.objects.get_or_create(
        username=f"bench-import-{commune.code}", defaults={"role": Role.COMMUNE_OFFICER, "unit": commune}
    )
    BENCH_VAR.mkdir(parents=True, exist_ok=True)
    path = BENCH_VAR / f"load-import-v1-{commune.code}-{count}.xlsx"
    reused = path.exists()
    members = write_workbook(path, count, commune.code, rank, MEMBER_COLUMNS, write=not reused)
    plan = {
        "households": count,
        "members": members,
        "commune": commune.code,
        "commune_name": commune.name,
        "commune_id": commune.pk,
        "officer_id": officer.pk,
        "path": str(path),
        "megabytes": path.stat().st_size / 1024 / 1024,
        "reused": reused,
        "product_max_rows": spreadsheets.MAX_ROWS,
        "max_rows": members + 10 if members > spreadsheets.MAX_ROWS else 0,
    }
    plan["plan"] = str(path.with_suffix(".json"))
    Path(plan["plan"]).write_text(json.dumps(plan))
    print(json.dumps(plan))


def import_run(plan_path: Path) -> None:
    """In a fresh process, on the primary: the import as the officer's confirmed upload runs it
    (households.importing.household_import, dry_run=False); prints its figures as JSON."""
    plan = json.loads(plan_path.read_text())
    setup_django(URL)
    from households.importing import household_import
    from povertyprog.accounts.models import User
    from povertyprog.lib import spreadsheets
    from povertyprog.units.models import AdministrativeUnit

    if plan["max_rows"]:
        spreadsheets.MAX_ROWS = plan["max_rows"]
    user = User.objects.select_related("unit").get(pk=plan["officer_id"])
    unit = AdministrativeUnit.objects.get(pk=plan["commune_id"])
    path = Path(plan["path"])
    started_at, started = time.time(), time.perf_counter()
    result = household_import(
        user=user, unit=unit, year=IMPORT_YEAR, path=path, name=path.name, dry_run=False
    )
    seconds = time.perf_counter() - started
    if not result.committed or result.created != plan["households"]:
        sys.exit(f"import not committed: created {result.created}, problems {result.problems[:5]}")
    print(
        json.dumps(
            {
                "seconds": seconds,
                "started": started_at,
                "ended": started_at + seconds,
                "rows": result.total_rows,
                "created": result.created,
            }
        )
    )


# Members' labels as the template's lists read (households.models choices).
NONE, PRIMARY, LOWER, UPPER = (
    "Chưa đi học / chưa tốt nghiệp tiểu học",
    "Tiểu học",
    "Trung học cơ sở",
    "Trung học phổ thông",
)
SELF_EMPLOYED, WAGE, OUTSIDE = (
    "Tự làm (nông nghiệp, kinh doanh…)",
    "Làm công ăn lương, có hợp đồng lao động",
    "Không tham gia lao động (học sinh, nghỉ hưu, mất sức…)",
)
FAMILY = "Nguyễn Hoàng Nông Hà Lương Triệu Ma Lý Đinh Bế Lục Trần Lê Phạm Vi Đàm Chu Dương Hứa".split()
GIVEN = "An Bình Cường Dũng Đức Giang Hải Hùng Hà Hằng Hoa Hương Lan Linh Mai Nga Ngọc Thảo Trang Vân".split()
ETHNICITIES = ["Tày", "Tày", "Kinh", "Nùng", "Dao", "Tày", "Mông", "Kinh", "Nùng", "Sán Chay"]
OBSERVED = ["d_water", "d_latrine", "d_telecom", "d_floor_area", "d_housing_quality", "d_information"]


def write_workbook(
    path: Path, count: int, commune: str, rank: int, member_columns, write: bool = True
) -> int:
    """`count` households of `commune` in the template layout, each with 3 or 4 members (head,
    spouse, child; a parent in every other); returns the number of members. Personal ID numbers
    (9 members in 10) are valid and unique to the commune (`rank`: its place in the province), so
    that files for other communes never clash with it in the registry."""
    people_per_household = [3 + n % 2 for n in range(count)]
    if not write:
        return sum(people_per_household)
    import xlsxwriter

    from households.importing import HOUSEHOLD_COLUMNS, HOUSEHOLD_SHEET, MEMBER_SHEET

    partial = path.with_suffix(".partial")
    book = xlsxwriter.Workbook(str(partial))
    day = book.add_format({"num_format": "dd/mm/yyyy"})
    households, members = book.add_worksheet(HOUSEHOLD_SHEET), book.add_worksheet(MEMBER_SHEET)
    households.write_row(0, 0, [c.header for c in HOUSEHOLD_COLUMNS])
    members.write_row(0, 0, [c.header for c in member_columns])
    keys, member_keys = [c.key for c in HOUSEHOLD_COLUMNS], [c.key for c in member_columns]
    date_column = keys.index("review_date")
    serials: dict[tuple[int, int], int] = {}
    base = 100_000 + rank % 80 * 10_000

    def citizen_id(female: bool, year: int) -> str:
        digit = (year // 100 - 19) * 2 + female
        serial = serials.get((digit, year), 0)
        serials[(digit, year)] = serial + 1
        return f"006{digit}{year % 100:02d}{base + serial:06d}" if serial < 10_000 else ""

    member_row = 1
    for n in range(count):
        code = f"{commune}-{n + 1:06d}"
        family = FAMILY[n % len(FAMILY)]
        ethnicity = ETHNICITIES[n % len(ETHNICITIES)]
        poor, near_poor = n % 25 == 0, n % 25 == 1
        income = 1_200_000 if poor else 1_800_000 if near_poor else 2_400_000 + n % 40 * 100_000
        head_male, head_year = n % 3 != 0, 1950 + n % 45
        people = [
            ("Chủ hộ", head_male, head_year),
            ("Vợ/chồng", not head_male, head_year + 1 - n % 4),
            ("Con", n % 2 == 0, min(head_year + 22 + n % 6, IMPORT_YEAR - 1)),
        ]
        if people_per_household[n] == 4:
            people.append(("Bố/mẹ", n % 4 == 1, head_year - 24 - n % 5))
        head_name = f"{family} {'Văn' if head_male else 'Thị'} {GIVEN[n // 7 % len(GIVEN)]}"
        row = {
            "code": code,
            "commune_code": commune,
            "head_name": head_name,
            "village": f"Thôn {n % 17 + 1}",
            "ethnicity": ethnicity,
            "income": income,
            "review_date": date(IMPORT_YEAR, 11, 1 + n % 20),
            "reviewer": "Hoàng Thị Thu",
            **{flag: "x" for flag in (OBSERVED[: 3 + n % 3] if poor else OBSERVED[: n % 3])},
            **({"cause_land": "x", "cause_capital": "x", "need_credit": "x"} if poor else {}),
        }
        households.write_row(n + 1, 0, [row.get(key) for key in keys])
        households.write_datetime(n + 1, date_column, row["review_date"], day)
        for k, (relation, male, born) in enumerate(people):
            age = IMPORT_YEAR - born
            if age >= 18:
                education, school = (UPPER, LOWER, PRIMARY)[(n + k) % 3], "Không"
                work = OUTSIDE if age >= 65 else (SELF_EMPLOYED, SELF_EMPLOYED, WAGE)[(n + k) % 3]
            else:
                education = NONE if age < 11 else PRIMARY if age < 15 else LOWER
                school, work = ("Có" if age >= 3 else "Không"), OUTSIDE
            name = (
                head_name
                if k == 0
                else f"{family} {'Văn' if male else 'Thị'} {GIVEN[(n + 3 * k) % len(GIVEN)]}"
            )
            values = {
                "code": code,
                "full_name": name,
                "sex": "Nam" if male else "Nữ",
                "birth_year": born,
                "relation": relation,
                "ethnicity": ethnicity,
                "citizen_id": "" if (n + k) % 10 == 9 else citizen_id(not male, born),
                "has_health_insurance": "Không" if n % 17 == 0 and k == 0 else "Có",
                "education_level": education,
                "attends_school": school,
                "employment": work,
                "has_disability": "Không",
                "monthly_social_allowance": "Không",
                "malnourished": "Không",
            }
            members.write_row(member_row, 0, [values.get(key) for key in member_keys])
            member_row += 1
    book.close()
    partial.rename(path)
    return member_row - 1


def cpu_halves() -> tuple[str, str]:
    """The machine's CPUs in two halves for taskset: evens (the writers), odds (the readers)."""
    cpus = sorted(os.sched_getaffinity(0))
    return ",".join(map(str, cpus[::2])), ",".join(map(str, cpus[1::2] or cpus))


def cluster_pids(port: int) -> list[int]:
    """The postmaster of the PostgreSQL cluster on `port` (pg_lsclusters) and its processes."""
    listing = subprocess.run(["pg_lsclusters", "-h"], capture_output=True, text=True, check=True).stdout
    data = next(line.split()[5] for line in listing.splitlines() if line.split()[2] == str(port))
    postmaster = int((Path(data) / "postmaster.pid").read_text().split()[0])
    children = subprocess.run(["pgrep", "-P", str(postmaster)], capture_output=True, text=True).stdout
    return [postmaster, *map(int, children.split())]


def pin(pids: list[int], cpus: str) -> None:
    """Run these processes (every thread) on `cpus`; processes they fork inherit it. A child that
    ended meanwhile is skipped; the first (the postmaster) must take it, or the run stops."""
    for pid in pids:
        subprocess.run(["taskset", "-a", "-cp", cpus, str(pid)], capture_output=True, check=False)
    wanted = set()
    for part in cpus.split(","):  # "0,2" or "0-3"
        low, _, high = part.partition("-")
        wanted.update(range(int(low), int(high or low) + 1))
    if os.sched_getaffinity(pids[0]) != wanted:
        sys.exit(f"taskset could not move process {pids[0]} to CPUs {cpus} (run as root)")


def _wrk(path: str, session: str, users: int, seconds: int, think: tuple[int, int], seed: int, prefix=()):
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
            *prefix,
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
