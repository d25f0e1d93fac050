"""Benchmark: carrying a province's registry into the communes of 1/7/2025, on PostgreSQL.

    python bench/carry_registry.py [--households 500000]

Creates (drops first) the database povertyprog_bench_carry, loads the unit trees and the 2025
arrangement, generates N households with two years of reviews in the old communes of Bắc Kạn
and Thái Nguyên (bench/generate_households.py --provinces 06,19), places the villages of split communes, then
times what the province
officer waits for after confirming: households.carrying.registry_carry for the new Tỉnh Thái
Nguyên (move, one audit row per household, rollups of both years in the new communes). Prints
the time, the households moved, the peak resident memory of this process before and after,
and checks conservation (poor households per year, old units summed = new province).
Target: ≤ 60 s for 500,000 households; memory not growing with the households.
"""

import argparse
import subprocess
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))
from benchdb import ROOT, bench_env, peak_rss_mb, recreate_database, setup_django  # noqa: E402

NAME = "povertyprog_bench_carry"


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--households", type=int, default=500_000)
    args = parser.parse_args()
    url = recreate_database(NAME)
    env = bench_env(url)  # DEBUG off, as in production
    generator = [sys.executable, str(ROOT / "bench" / "generate_households.py")]
    subprocess.run(
        [*generator, "--households", str(args.households), "--provinces", "06,19"], env=env, check=True
    )
    setup_django(url)

    from households.carrying import carry_plan, registry_carry, village_placements_save
    from households.selectors import registry_stats
    from povertyprog.accounts.models import Role, User
    from povertyprog.units.models import AdministrativeUnit

    new_province = AdministrativeUnit.objects.get(code="19", valid_from="2025-07-01")
    old_provinces = [AdministrativeUnit.objects.get(code=c, valid_from="2021-01-01") for c in ("06", "19")]
    admin = User.objects.create_user(username="bench", password="x", role=Role.ADMIN)
    before = {y: sum(registry_stats(p, y)["households"]["poor"] for p in old_provinces) for y in (2023, 2024)}
    # The villages of split communes, placed as an officer would (alternately) before confirming.
    waiting = carry_plan(new_province).waiting
    village_placements_save(
        user=admin,
        choices=[(w.old.pk, w.choices[i % len(w.choices)].pk, w.village) for i, w in enumerate(waiting)],
    )
    memory_before = peak_rss_mb()
    started = time.perf_counter()
    plan = carry_plan(new_province)
    preview = time.perf_counter() - started
    started = time.perf_counter()
    registry_carry(user=admin, scope=new_province)
    carried = time.perf_counter() - started
    after = {y: registry_stats(new_province, y)["households"]["poor"] for y in (2023, 2024)}
    print(
        f"households={plan.households:,} lines={len(plan.lines)} preview_s={preview:.2f} "
        f"carry_s={carried:.1f} "
        f"households_per_s={plan.households / carried:,.0f} peak_mb_before={memory_before:.0f} "
        f"peak_mb_after={peak_rss_mb():.0f} conserved={before == after} poor={after}"
    )


if __name__ == "__main__":
    main()
