"""Regenerate fixtures/units/succession-2025-07-01.csv: which communes of the two-tier tree
(from 1/7/2025) each commune of the three-tier tree became, by GSO codes of both trees.

Run once by a developer (not by the app), after generate_unit_fixtures.py:

    python scripts/generate_unit_succession.py

Source: the PyPI package vietnam-address-converter (Apache-2.0), whose data module carries the
official old -> new table (10,358 rows, "admin_mapping_old_to_new_10_25") keyed by names with
codes of its own. The wheel is downloaded with pip into a temporary folder (no install); its
rows are matched by name to the two unit trees of fixtures/units/:
- old: (province, district, commune) names without their type ("Phường", "Xã"…), then
  (province, commune) when that is unique in the province (districts renamed or merged
  between 2021 and 2025);
- new: (new province, commune) names without their type.
Every row that does not match is written to fixtures/units/succession-unmatched.csv with the
reason, and counted on the standard output. The app reads only the CSV files.
"""

import ast
import csv
import json
import subprocess
import sys
import tempfile
import unicodedata
import zipfile
from collections import Counter, defaultdict
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
FIXTURES = ROOT / "fixtures" / "units"
sys.path.insert(0, str(ROOT))
from povertyprog.lib.vietnamese import fold  # noqa: E402  (plain Python, no Django)

PACKAGE, VERSION = "vietnam-address-converter", "1.0.5"
TYPES = ("thanh pho", "thi xa", "thi tran", "quan", "huyen", "tinh", "phuong", "xa", "dac khu")


def bare(name: str, accents: bool = True, typed: bool = False) -> str:
    """'Thị Trấn Đồng Tâm' -> 'đồng tâm' (accents=False: 'dong tam'); 'Phường 01' -> '1';
    'Văn Miếu-Quốc Tử Giám' = 'Văn Miếu - Quốc Tử Giám'; ’ = '. Accents are kept first:
    'Thạnh An' and 'Thanh An' are two communes of Hồ Chí Minh city."""
    text = unicodedata.normalize("NFC", name).replace("’", "'").replace("–", "-").replace("-", " - ").lower()
    text = text.replace("nông trường ", "nt ").replace("n.t ", "nt ")  # "Thị trấn N.T Phong Hải"
    folded = fold(text)
    words, plain = text.split(), folded.split()
    for kind in () if typed else TYPES:
        size = len(kind.split())
        if " ".join(plain[:size]) == kind and len(plain) > size:
            words, plain = words[size:], plain[size:]
            break
    chosen = words if accents else plain
    return " ".join(word.lstrip("0") or "0" if word.isdigit() else word for word in chosen)


def _lookup(index: dict, key: tuple, folded_index: dict, folded_key: tuple) -> list[str]:
    """Codes for a name with its accents, else for the name without them when that is unique."""
    found = index.get(key, [])
    if found:
        return found
    loose = folded_index.get(folded_key, [])
    return loose if len(loose) == 1 else []


def download(folder: Path) -> dict:
    subprocess.run(
        [
            sys.executable,
            "-m",
            "pip",
            "download",
            "--no-deps",
            "-q",
            "-d",
            str(folder),
            f"{PACKAGE}=={VERSION}",
        ],
        check=True,
    )
    wheel = next(folder.glob("vietnam_address_converter-*.whl"))
    with zipfile.ZipFile(wheel) as archive:
        source = archive.read("vietnam_address_converter/data.py").decode("utf-8")
    # data.py is `DEFAULT_DATA = json.loads('…')`: take the literal without running the module.
    for node in ast.walk(ast.parse(source)):
        if isinstance(node, ast.Call) and getattr(node.func, "attr", "") == "loads":
            return json.loads(node.args[0].value)
    raise ValueError("no json.loads literal in data.py")


def read_tree(name: str) -> list[dict]:
    with (FIXTURES / name).open(encoding="utf-8", newline="") as handle:
        return list(csv.DictReader(handle))


def old_index(rows: list[dict]):
    """Keys with accents and without: (province, district, commune) and (province, commune)."""
    by_code = {r["code"]: r for r in rows}
    names = ("typed", "full", "full_loose", "province", "province_loose")
    indexes = {name: defaultdict(list) for name in names}
    for row in rows:
        if row["level"] != "3":
            continue
        district = by_code[row["parent_code"]]
        province = by_code[district["parent_code"]]
        typed = tuple(bare(x["name"], typed=True) for x in (province, district, row))
        indexes["typed"][typed].append(row["code"])
        for accents, suffix in ((True, ""), (False, "_loose")):
            p, d, c = (bare(x["name"], accents) for x in (province, district, row))
            indexes["full" + suffix][(p, d, c)].append(row["code"])
            indexes["province" + suffix][(p, c)].append(row["code"])
    return indexes


def new_index(rows: list[dict]):
    by_code = {r["code"]: r for r in rows}
    index, loose = defaultdict(list), defaultdict(list)
    for row in rows:
        if row["level"] == "3":
            province = by_code[row["parent_code"]]["name"]
            index[(bare(province), bare(row["name"]))].append(row["code"])
            loose[(bare(province, False), bare(row["name"], False))].append(row["code"])
    return index, loose


def match_old(old: dict, o: dict) -> str | None:
    names = (o["province_name"], o["district_name"], o["ward_name"])
    strict, plain = tuple(bare(n) for n in names), tuple(bare(n, False) for n in names)
    found = old["typed"].get(tuple(bare(n, typed=True) for n in names), [])  # "Phường" and "Xã Tân Thành"
    if len(found) != 1:
        found = _lookup(old["full"], strict, old["full_loose"], plain)
    if len(found) != 1:  # districts renamed or merged between 2021 and 2025
        found = _lookup(old["province"], strict[::2], old["province_loose"], plain[::2])
    return found[0] if len(found) == 1 else None


def main() -> None:
    with tempfile.TemporaryDirectory() as tmp:
        data = download(Path(tmp))
    rows = data["mapping"]["rows"]
    old = old_index(read_tree("vn-2021-01-01.csv"))
    new, new_loose = new_index(read_tree("vn-2025-07-01.csv"))
    pairs, unmatched = set(), []
    for row in rows:
        o, n = row["old"], row["new"]
        old_code = match_old(old, o)
        names = (n["province_name"], n["ward_name"])
        new_codes = _lookup(new, tuple(map(bare, names)), new_loose, tuple(bare(x, False) for x in names))
        reason = (
            "old commune not in the 2021 tree" if old_code is None
            else "new commune not in the 2025 tree" if not new_codes
            else ""
        )  # fmt: skip
        if reason:
            unmatched.append([o["province_name"], o["district_name"], o["ward_name"],
                              n["province_name"], n["ward_name"], reason])  # fmt: skip
        else:
            pairs.add((old_code, new_codes[0]))
    with (FIXTURES / "succession-2025-07-01.csv").open("w", newline="", encoding="utf-8") as handle:
        writer = csv.writer(handle, lineterminator="\n")
        writer.writerow(["old_code", "new_code"])
        writer.writerows(sorted(pairs))
    with (FIXTURES / "succession-unmatched.csv").open("w", newline="", encoding="utf-8") as handle:
        writer = csv.writer(handle, lineterminator="\n")
        writer.writerow(
            ["old_province", "old_district", "old_commune", "new_province", "new_commune", "reason"]
        )
        writer.writerows(unmatched)
    write_gaps(pairs)
    print(f"{len(rows)} rows of {PACKAGE} {VERSION}: {len(pairs)} old -> new pairs matched")
    for reason, count in Counter(row[-1] for row in unmatched).most_common():
        print(f"  not matched ({reason}): {count}")


def write_gaps(pairs: set[tuple[str, str]]) -> None:
    """succession-gaps.csv: old communes that no row names (most changed between the 2021 tree
    and 2025), new communes that no row names as a destination (special zones made of a district
    without communes). tests/test_succession.py checks that the loaded data has these gaps only."""
    old = [r for r in read_tree("vn-2021-01-01.csv") if r["level"] == "3"]
    new = [r for r in read_tree("vn-2025-07-01.csv") if r["level"] == "3"]
    olds, news = {o for o, _ in pairs}, {n for _, n in pairs}
    with (FIXTURES / "succession-gaps.csv").open("w", newline="", encoding="utf-8") as handle:
        writer = csv.writer(handle, lineterminator="\n")
        writer.writerow(["tree", "code", "name"])
        writer.writerows(["2021-01-01", r["code"], r["name"]] for r in old if r["code"] not in olds)
        writer.writerows(["2025-07-01", r["code"], r["name"]] for r in new if r["code"] not in news)


if __name__ == "__main__":
    main()
