"""Writes of the poverty-reduction targets: those a unit sets for each unit below it for a period
(seed 002's appendix: households and poor households at the start, the planned reduction), and
those a unit sets for itself per indicator (its plan). Their reads are in reports.selectors."""

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction

from povertyprog import audit
from povertyprog.accounts.models import User
from povertyprog.accounts.scoping import DATA_ENTRY_ROLES
from povertyprog.approvals import ensure_unlocked
from povertyprog.units.models import AdministrativeUnit
from reports.cycle import can_decide
from reports.models import IndicatorTarget, ReportingPeriod, Target

FIELDS, NEAR_POOR_FIELDS = Target.FIGURES, Target.NEAR_POOR_FIGURES


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
