"""The 2025 arrangement of communes, read: which new communes an old commune became, which old
communes formed a new one, and the resolution that did it (UnitSuccession, ArrangementResolution)."""

from django.db.models import Count

from povertyprog.units.loading import ARRANGEMENT_DAY, THREE_TIER_DAY
from povertyprog.units.models import AdministrativeUnit, ArrangementResolution, UnitSuccession


def resolution_text(province: AdministrativeUnit) -> str:
    found = ArrangementResolution.objects.filter(province=province).select_related("province").first()
    return str(found) if found else ""


def _unit(unit: AdministrativeUnit, with_province: bool = True) -> dict:
    data = {"code": unit.code, "name": unit.name}
    if with_province:
        province = unit.parent if unit.parent.level == 1 else unit.parent.parent
        data["province"] = {"code": province.code, "name": province.name}
    return data


def successors(old: AdministrativeUnit) -> dict:
    """An old commune and the new communes it became ("split" when more than one)."""
    rows = list(UnitSuccession.objects.filter(old=old).select_related("new__parent").order_by("new__code"))
    provinces = {row.new.parent for row in rows}
    return {
        "old": _unit(old),
        "new": [_unit(row.new) for row in rows],
        "split": len(rows) > 1,
        "effective_on": ARRANGEMENT_DAY.isoformat(),
        "resolutions": sorted(filter(None, (resolution_text(p) for p in provinces))),
    }


def sources(new: AdministrativeUnit) -> dict:
    """A new commune and the old communes (wholly or in part) that formed it."""
    rows = list(
        UnitSuccession.objects.filter(new=new).select_related("old__parent__parent").order_by("old__code")
    )
    split = set(
        UnitSuccession.objects.filter(old__in=[r.old_id for r in rows])
        .values("old")
        .annotate(n=Count("new"))
        .filter(n__gt=1)
        .values_list("old", flat=True)
    )
    return {
        "new": _unit(new),
        "old": [{**_unit(row.old), "part": row.old_id in split} for row in rows],
        "effective_on": ARRANGEMENT_DAY.isoformat(),
        "resolution": resolution_text(new.parent),
    }


def old_commune(code: str) -> AdministrativeUnit | None:
    return AdministrativeUnit.objects.filter(code=code, valid_from=THREE_TIER_DAY, level=3).first()


def new_commune(code: str) -> AdministrativeUnit | None:
    return AdministrativeUnit.objects.filter(code=code, valid_from=ARRANGEMENT_DAY, level=3).first()
