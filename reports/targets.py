"""Poverty-reduction targets a unit sets for each unit below it for a period (seed 002's appendix):
households and poor households at the start, the planned reduction; rates computed."""

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.db.models import Q, Sum

from households.models import HouseholdClass, RegistryRollup
from povertyprog import audit
from povertyprog.accounts.models import User
from povertyprog.accounts.scoping import DATA_ENTRY_ROLES
from povertyprog.approvals import ensure_unlocked
from povertyprog.units.models import AdministrativeUnit, Level
from reports.cycle import can_decide
from reports.models import IndicatorTarget, ReportingPeriod, Target

FIELDS = ("households_start", "poor_start", "planned_reduction")
NEAR_POOR_FIELDS = ("near_poor_start", "planned_near_poor_reduction")  # optional, both or neither


def target_rows(unit: AdministrativeUnit, period: ReportingPeriod) -> list[dict]:
    """Each child with its target, or the registry of the year before as the starting figures."""
    children = list(unit.children.order_by("code"))
    existing = {t.unit_id: t for t in Target.objects.filter(unit__in=children, period=period)}
    field = "district_id" if children and children[0].level == Level.DISTRICT else "commune_id"
    start = {
        row[field]: row
        for row in RegistryRollup.objects.filter(
            **{f"{field}__in": [c.pk for c in children]}, year=period.first_year - 1
        )
        .values(field)
        .annotate(
            households_n=Sum("households"),
            poor_n=Sum("households", filter=Q(classification=HouseholdClass.POOR)),
            near_poor_n=Sum("households", filter=Q(classification=HouseholdClass.NEAR_POOR)),
        )
    }
    rows = []
    for child in children:
        target = existing.get(child.pk)
        if target is not None:
            initial = {name: getattr(target, name) for name in FIELDS + NEAR_POOR_FIELDS}
        else:
            found = start.get(child.pk, {})
            initial = {
                "households_start": found.get("households_n"),
                "poor_start": found.get("poor_n"),
                "near_poor_start": found.get("near_poor_n") if found else None,
            }
        rows.append({"unit": child, "target": target, "initial": initial})
    return rows


@transaction.atomic
def targets_save(*, user: User, period: ReportingPeriod, values: dict[int, dict]) -> int:
    """values {child unit id: {households_start, poor_start, planned_reduction[, near_poor_start,
    planned_near_poor_reduction]}}; returns rows saved."""
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
        near = [data.get(name) for name in NEAR_POOR_FIELDS]
        if near[1] is None:
            near = [None, None]  # no near-poor target: the pre-filled start alone is not one
        elif near[0] is None:
            errors.append(f"{unit.name}: ghi số hộ cận nghèo đầu kỳ cùng số hộ cận nghèo phấn đấu giảm.")
        elif near[1] > near[0]:
            errors.append(f"{unit.name}: số hộ cận nghèo phấn đấu giảm lớn hơn số hộ cận nghèo.")
        elif data["poor_start"] + near[0] > data["households_start"]:
            errors.append(f"{unit.name}: số hộ nghèo và cận nghèo lớn hơn tổng số hộ.")
        record = {**{n: data[n] for n in FIELDS}, **dict(zip(NEAR_POOR_FIELDS, near, strict=True))}
        target = existing.get(unit_id)
        if target is not None and all(getattr(target, n) == v for n, v in record.items()):
            continue
        ensure_unlocked(unit, period.year, sent_too=False)  # the approver's own figures for the unit
        target = target or Target(unit=unit, period=period)
        for name, value in record.items():
            setattr(target, name, value)
        if target.pk:
            target.version += 1
        target._history_user, target._change_reason = user, audit.PAGE
        target.save()
        saved += 1
    if errors:
        raise ValidationError(errors)
    return saved


def indicator_targets(unit: AdministrativeUnit, period: ReportingPeriod, official: bool = True) -> list[dict]:
    """Each of the 12 indicators with the unit's target and the actual share of poor households not
    deprived in it (registry of the period's year), from approved communes only unless
    `official=False` (then the figures are provisional and shown as such)."""
    from households.indicators import INDICATORS
    from reports.selectors import indicator_poor_rates

    targets = {t.indicator: t for t in IndicatorTarget.objects.filter(unit=unit, period=period)}
    deprived = indicator_poor_rates(unit, period, official)
    rows = []
    for indicator in INDICATORS:
        target = targets.get(indicator.field)
        rows.append(
            {
                "field": indicator.field,
                "number": indicator.number,
                "name": indicator.name,
                "target": target.target_rate if target else None,
                "actual": 100 - deprived[indicator.field] if deprived is not None else None,
            }
        )
    return rows


@transaction.atomic
def indicator_targets_save(
    *, user: User, unit: AdministrativeUnit, period: ReportingPeriod, values: dict
) -> None:
    """values {indicator field: percent or None}. Set by the unit for itself (its plan)."""
    if user.unit_id != unit.pk or user.role not in DATA_ENTRY_ROLES:
        raise PermissionDenied("Chỉ cán bộ của đơn vị được đặt chỉ tiêu trong kế hoạch của đơn vị.")
    ensure_unlocked(unit, period.year)
    existing = {
        t.indicator: t for t in IndicatorTarget.objects.select_for_update().filter(unit=unit, period=period)
    }
    for field, value in values.items():
        if value is not None and not 0 <= value <= 100:
            raise ValidationError("Chỉ tiêu là tỷ lệ phần trăm từ 0 đến 100.")
        target = existing.get(field)
        if value is None:
            if target is not None:
                target._history_user, target._change_reason = user, audit.PAGE
                target.delete()
            continue
        if target is not None and target.target_rate == value:
            continue
        target = target or IndicatorTarget(unit=unit, period=period, indicator=field)
        target.target_rate = value
        target._history_user, target._change_reason = user, audit.PAGE
        target.save()
