"""Poverty-reduction targets a unit sets for each unit below it for a period (seed 002's appendix):
households and poor households at the start, the planned reduction; rates computed."""

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.db.models import Q, Sum

from households.models import HouseholdClass, RegistryRollup
from povertyprog import audit
from povertyprog.accounts.models import User
from povertyprog.units.models import AdministrativeUnit, Level
from reports.cycle import can_decide
from reports.locking import ensure_unlocked
from reports.models import ReportingPeriod, Target

FIELDS = ("households_start", "poor_start", "planned_reduction")


def target_rows(unit: AdministrativeUnit, period: ReportingPeriod) -> list[dict]:
    """Each child with its target, or the registry of the year before as the starting figures."""
    children = list(unit.children.order_by("code"))
    existing = {t.unit_id: t for t in Target.objects.filter(unit__in=children, period=period)}
    field = "district_id" if children and children[0].level == Level.DISTRICT else "commune_id"
    start = {
        row[field]: row
        for row in RegistryRollup.objects.filter(**{f"{field}__in": [c.pk for c in children]},
                                                 year=period.first_year - 1)
        .values(field)
        .annotate(households_n=Sum("households"),
                  poor_n=Sum("households", filter=Q(classification=HouseholdClass.POOR)))
    }  # fmt: skip
    rows = []
    for child in children:
        target = existing.get(child.pk)
        if target is not None:
            initial = {name: getattr(target, name) for name in FIELDS}
        else:
            found = start.get(child.pk, {})
            initial = {"households_start": found.get("households_n"), "poor_start": found.get("poor_n")}
        rows.append({"unit": child, "target": target, "initial": initial})
    return rows


@transaction.atomic
def targets_save(*, user: User, period: ReportingPeriod, values: dict[int, dict]) -> int:
    """values {child unit id: {households_start, poor_start, planned_reduction}}; returns rows saved."""
    units = AdministrativeUnit.objects.in_bulk(list(values))
    existing = {
        t.unit_id: t
        for t in Target.objects.select_for_update().filter(unit__in=units.values(), period=period)
    }
    errors, saved = [], 0
    for unit_id, data in values.items():
        unit = units[unit_id]
        if not can_decide(user, unit):
            raise PermissionDenied("Chỉ cấp trên trực tiếp được giao chỉ tiêu.")
        if all(data.get(name) is None for name in FIELDS):
            continue
        if any(data.get(name) is None for name in FIELDS):
            errors.append(f"{unit.name}: ghi đủ tổng số hộ, số hộ nghèo và số hộ phấn đấu giảm.")
            continue
        if data["poor_start"] > data["households_start"]:
            errors.append(f"{unit.name}: số hộ nghèo lớn hơn tổng số hộ.")
        if data["planned_reduction"] > data["poor_start"]:
            errors.append(f"{unit.name}: số hộ phấn đấu giảm lớn hơn số hộ nghèo.")
        target = existing.get(unit_id)
        if target is not None and all(getattr(target, n) == data[n] for n in FIELDS):
            continue
        ensure_unlocked(unit, period.year)
        target = target or Target(unit=unit, period=period)
        for name in FIELDS:
            setattr(target, name, data[name])
        if target.pk:
            target.version += 1
        target._history_user, target._change_reason = user, audit.PAGE
        target.save()
        saved += 1
    if errors:
        raise ValidationError(errors)
    return saved
