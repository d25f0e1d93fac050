"""Benchmark: time to load every administrative unit (both trees, 14,165 units).

    python bench/load_units.py [--pg postgres://postgres@127.0.0.1:5432/povertyprog_bench_units]

For SQLite (a new file) and PostgreSQL (the database is dropped and created anew) it migrates,
then times a cold load into the empty table and a second, idempotent load. Target: ≤ 10 s each.
"""

import argparse
import json
import os
import subprocess
import sys
import tempfile
import time

from benchdb import ROOT, bench_env, recreate_database, setup_django

DEFAULT_PG = "postgres://postgres@127.0.0.1:5432/povertyprog_bench_units"  # dropped and re-created


def worker() -> None:
    setup_django()  # on DATABASE_URL, DEBUG off
    from povertyprog.units.loading import units_load_all
    from povertyprog.units.models import AdministrativeUnit

    figures = {}
    for run in ("cold", "warm"):
        started = time.perf_counter()
        results = units_load_all()
        figures[f"{run}_seconds"] = round(time.perf_counter() - started, 3)
        figures[f"{run}_created"] = sum(r.created for r in results)
    figures["units"] = AdministrativeUnit.objects.count()
    print(json.dumps(figures))


def measure(label: str, url: str) -> dict:
    env = bench_env(url)  # DEBUG off, as in production
    manage = [sys.executable, str(ROOT / "manage.py")]
    subprocess.run([*manage, "migrate", "-v0"], env=env, check=True, cwd=ROOT)
    out = subprocess.run(
        [sys.executable, __file__, "--worker"], env=env, check=True, cwd=ROOT,
        capture_output=True, text=True,
    )  # fmt: skip
    figures = json.loads(out.stdout.strip().splitlines()[-1])
    figures["database"] = label
    return figures


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--worker", action="store_true", help=argparse.SUPPRESS)
    parser.add_argument("--pg", default=os.environ.get("BENCH_PG_URL", DEFAULT_PG))
    args = parser.parse_args()
    if args.worker:
        worker()
        return
    rows = []
    with tempfile.TemporaryDirectory() as tmp:
        rows.append(measure("sqlite", f"sqlite:///{tmp}/bench.sqlite3"))
    recreate_database(args.pg, migrate=False)  # measure() migrates it
    rows.append(measure("postgresql", args.pg))
    print(f"{'database':<12}{'units':>8}{'cold load (s)':>16}{'reload (s)':>12}{'target':>10}")
    for row in rows:
        ok = "ok" if max(row["cold_seconds"], row["warm_seconds"]) <= 10 else "SLOW"
        print(
            f"{row['database']:<12}{row['units']:>8}{row['cold_seconds']:>16.2f}"
            f"{row['warm_seconds']:>12.2f}{'≤ 10 s ' + ok:>10}"
        )


if __name__ == "__main__":
    main()
