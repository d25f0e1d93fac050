"""Regenerate fixtures/units/*.csv from the data files of the PyPI package vietnam-provinces.

Run once by a developer (not by the app):

    python scripts/generate_unit_fixtures.py

It downloads the two wheels with pip into a temporary folder (no install), reads their
nested-divisions.json and writes one CSV per tree: level, code, name, division_type,
parent_code. The app reads only the CSV files, so it never depends on the package.
"""

import csv
import json
import subprocess
import sys
import tempfile
import zipfile
from pathlib import Path

FIXTURES = Path(__file__).resolve().parent.parent / "fixtures" / "units"

# Prefix of the official name -> our division type code (see povertyprog/units/models.py).
PROVINCE_PREFIXES = [("Thành phố", "thanh_pho_tw"), ("Tỉnh", "tinh")]
DISTRICT_PREFIXES = [
    ("Thành phố", "thanh_pho"),
    ("Thị xã", "thi_xa"),
    ("Quận", "quan"),
    ("Huyện", "huyen"),
]
COMMUNE_PREFIXES = [
    ("Phường", "phuong"),
    ("Thị trấn", "thi_tran"),
    ("Đặc khu", "dac_khu"),
    ("Xã", "xa"),
]
NEW_TYPES = {
    "tỉnh": "tinh",
    "thành phố trung ương": "thanh_pho_tw",
    "xã": "xa",
    "phường": "phuong",
    "đặc khu": "dac_khu",
}


def normalise_name(name: str) -> str:
    # The package writes "Thành Phố Bắc Kạn" in places; official names use "Thành phố".
    name = " ".join(name.split())
    return name.replace("Thành Phố ", "Thành phố ").replace("Thị Xã ", "Thị xã ")


def type_from_name(name: str, prefixes: list[tuple[str, str]]) -> str:
    for prefix, code in prefixes:
        if name.startswith(prefix + " "):
            return code
    raise ValueError(f"unknown division type for {name!r}")


def download(version: str, folder: Path) -> list[dict]:
    subprocess.run(
        [sys.executable, "-m", "pip", "download", "--no-deps", "-q", "-d", str(folder),
         f"vietnam-provinces=={version}"],
        check=True,
    )  # fmt: skip
    wheel = next(folder.glob(f"vietnam_provinces-{version}-*.whl"))
    with zipfile.ZipFile(wheel) as archive:
        return json.loads(archive.read("vietnam_provinces/data/nested-divisions.json"))


def three_tier_rows(data: list[dict]):
    for province in data:
        pname = normalise_name(province["name"])
        pcode = f"{province['code']:02d}"
        yield 1, pcode, pname, type_from_name(pname, PROVINCE_PREFIXES), ""
        for district in province["districts"]:
            dname = normalise_name(district["name"])
            dcode = f"{district['code']:03d}"
            yield 2, dcode, dname, type_from_name(dname, DISTRICT_PREFIXES), pcode
            for ward in district["wards"]:
                wname = normalise_name(ward["name"])
                yield (
                    3,
                    f"{ward['code']:05d}",
                    wname,
                    type_from_name(wname, COMMUNE_PREFIXES),
                    dcode,
                )


def two_tier_rows(data: list[dict]):
    for province in data:
        pname = normalise_name(province["name"])
        ptype = NEW_TYPES[province["division_type"]]
        if ptype == "tinh" and not pname.startswith("Tỉnh "):
            pname = f"Tỉnh {pname}"  # the package writes "Thái Nguyên" for "Tỉnh Thái Nguyên"
        pcode = f"{province['code']:02d}"
        yield 1, pcode, pname, ptype, ""
        for ward in province["wards"]:
            wname = normalise_name(ward["name"])
            yield 3, f"{ward['code']:05d}", wname, NEW_TYPES[ward["division_type"]], pcode


def write(path: Path, rows) -> int:
    count = 0
    with path.open("w", newline="", encoding="utf-8") as handle:
        writer = csv.writer(handle, lineterminator="\n")
        writer.writerow(["level", "code", "name", "division_type", "parent_code"])
        for row in rows:
            writer.writerow(row)
            count += 1
    return count


def main() -> None:
    FIXTURES.mkdir(parents=True, exist_ok=True)
    with tempfile.TemporaryDirectory() as tmp:
        old = download("0.6.0", Path(tmp))
        new = download("2025.10.1", Path(tmp))
    print(write(FIXTURES / "vn-2021-01-01.csv", three_tier_rows(old)), "rows, three-tier tree")
    print(write(FIXTURES / "vn-2025-07-01.csv", two_tier_rows(new)), "rows, two-tier tree")


if __name__ == "__main__":
    main()
