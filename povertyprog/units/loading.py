"""Load the administrative unit trees of fixtures/units/ into the database, idempotently."""

import csv
import json
from dataclasses import dataclass
from datetime import date
from pathlib import Path

from django.conf import settings
from django.db import transaction

from povertyprog.lib.vietnamese import fold
from povertyprog.units.models import AdministrativeUnit, ArrangementResolution, UnitSuccession

UNIT_FIXTURES = Path(settings.BASE_DIR) / "fixtures" / "units"
_FIELDS = ["name", "division_type", "level", "parent", "path", "search_name", "valid_to"]
_COMPARED = [field if field != "parent" else "parent_id" for field in _FIELDS]


@dataclass(frozen=True)
class Tree:
    file: str
    valid_from: date
    valid_to: date | None
    description: str


@dataclass
class LoadResult:
    tree: Tree
    created: int = 0
    updated: int = 0
    unchanged: int = 0

    @property
    def total(self) -> int:
        return self.created + self.updated + self.unchanged


def unit_trees() -> list[Tree]:
    manifest = json.loads((UNIT_FIXTURES / "trees.json").read_text(encoding="utf-8"))
    return [
        Tree(
            file=entry["file"],
            valid_from=date.fromisoformat(entry["valid_from"]),
            valid_to=date.fromisoformat(entry["valid_to"]) if entry["valid_to"] else None,
            description=entry["description"],
        )
        for entry in manifest
    ]


def _read_rows(path: Path) -> list[dict]:
    with path.open(encoding="utf-8", newline="") as handle:
        rows = list(csv.DictReader(handle))
    # Parents before children, whatever the file order.
    return sorted(rows, key=lambda row: int(row["level"]))


@transaction.atomic
def units_load_tree(*, tree: Tree) -> LoadResult:
    """Create or update every unit of one tree; units missing from the file are kept."""
    result = LoadResult(tree=tree)
    existing = {u.code: u for u in AdministrativeUnit.objects.filter(valid_from=tree.valid_from)}
    placed: dict[str, AdministrativeUnit] = {}
    rows = _read_rows(UNIT_FIXTURES / tree.file)
    for level in (1, 2, 3):
        to_create, to_update = [], []
        for row in (r for r in rows if int(r["level"]) == level):
            parent = placed[row["parent_code"]] if row["parent_code"] else None
            code = row["code"]
            values = {
                "name": row["name"],
                "division_type": row["division_type"],
                "level": level,
                "parent_id": parent.pk if parent else None,
                "path": f"{parent.path}{code}/" if parent else f"{tree.valid_from:%Y%m%d}/{code}/",
                "search_name": fold(row["name"]),
                "valid_to": tree.valid_to,
            }
            unit = existing.get(code)
            if unit is None:
                unit = AdministrativeUnit(code=code, valid_from=tree.valid_from, **values)
                to_create.append(unit)
            elif any(getattr(unit, field) != values[field] for field in _COMPARED):
                for field, value in values.items():
                    setattr(unit, field, value)
                to_update.append(unit)
            else:
                result.unchanged += 1
            placed[code] = unit
        AdministrativeUnit.objects.bulk_create(to_create, batch_size=2000)
        AdministrativeUnit.objects.bulk_update(to_update, _FIELDS, batch_size=500)
        result.created += len(to_create)
        result.updated += len(to_update)
    return result


def units_load_all() -> list[LoadResult]:
    results = [units_load_tree(tree=tree) for tree in unit_trees()]
    successions_load()
    return results


# The 2025 arrangement: old -> new communes (scripts/generate_unit_succession.py) and the
# resolution of each new province.
ARRANGEMENT_DAY = date(2025, 7, 1)
THREE_TIER_DAY = date(2021, 1, 1)


@transaction.atomic
def successions_load() -> int:
    """Create the rows of fixtures/units/succession-2025-07-01.csv and resolutions-2025-07-01.csv
    that are missing (both trees must be loaded); returns how many succession rows were created."""
    old = dict(
        AdministrativeUnit.objects.filter(valid_from=THREE_TIER_DAY, level=3).values_list("code", "pk")
    )
    new = dict(AdministrativeUnit.objects.filter(valid_from=ARRANGEMENT_DAY).values_list("code", "pk"))
    if not old or not new:
        return 0
    with (UNIT_FIXTURES / "resolutions-2025-07-01.csv").open(encoding="utf-8", newline="") as handle:
        for row in csv.DictReader(handle):
            ArrangementResolution.objects.update_or_create(
                province_id=new[row["province_code"]],
                defaults={
                    "number": row["number"],
                    "adopted_on": date.fromisoformat(row["adopted_on"]),
                    "effective_on": ARRANGEMENT_DAY,
                },
            )
    existing = set(UnitSuccession.objects.values_list("old_id", "new_id"))
    with (UNIT_FIXTURES / "succession-2025-07-01.csv").open(encoding="utf-8", newline="") as handle:
        wanted = [(old[row["old_code"]], new[row["new_code"]]) for row in csv.DictReader(handle)]
    missing = [
        UnitSuccession(old_id=o, new_id=n, effective_on=ARRANGEMENT_DAY)
        for o, n in wanted
        if (o, n) not in existing
    ]
    UnitSuccession.objects.bulk_create(missing, batch_size=2000)
    return len(missing)
