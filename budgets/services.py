"""Writes of budgets, policy results, activity outputs and mobilised funds. Every write goes
through here (entry pages, import, demo data).

Each save replaces one unit's records of one year for one form (a component's grid, the policy
table…) in one transaction: it checks that the user enters data for that unit, that nobody
saved the same records since the form was opened (a stamp of their ids and versions), and the
rules of budgets.rules; then creates, updates or deletes rows, each change audited with the
user (django-simple-history).
"""

from collections.abc import Iterable
from dataclasses import dataclass

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import models, transaction

from budgets.models import (
    ActivityOutput,
    BudgetLine,
    Component,
    Mobilisation,
    OutputKind,
    PolicyResult,
    Program,
    Scope,
)
from budgets.rules import STAGE_FIELDS, breakdown_errors, check_line
from budgets.selectors import in_poor_area
from povertyprog import audit
from povertyprog.accounts.models import User
from povertyprog.accounts.scoping import can_enter_data
from povertyprog.approvals import ensure_unlocked
from povertyprog.units.models import AdministrativeUnit


class StaleDataError(Exception):
    message = (
        "Số liệu này vừa được người khác cập nhật sau khi bạn mở trang. Thay đổi của bạn chưa được lưu; "
        "hãy tải lại trang để xem số liệu mới rồi nhập lại."
    )


def cell_name(*parts) -> str:
    """The form field (and error key) of one cell: 'su_nghiep__central__disbursed'."""
    return "__".join(str(part) for part in parts)


def stamp(records: Iterable[models.Model]) -> str:
    """What a form was opened on: ids and versions of the records it shows."""
    return ",".join(f"{r.pk}:{r.version}" for r in sorted(records, key=lambda r: r.pk))


def require_entry(user: User, unit: AdministrativeUnit, year: int) -> None:
    """The user enters this unit's data, and the unit's figures of the year are not approved."""
    if not can_enter_data(user, unit):
        raise PermissionDenied("Bạn không có quyền nhập số liệu cho đơn vị này.")
    ensure_unlocked(unit, year)


@dataclass
class SaveResult:
    created: int = 0
    updated: int = 0
    deleted: int = 0
    warnings: dict[str, str] | None = None


def _replace(
    *,
    user: User,
    queryset: models.QuerySet,
    key_fields: tuple[str, ...],
    rows: dict[tuple, dict],
    opened: str,
    defaults: dict,
    source: str,
) -> SaveResult:
    """Make the records of `queryset` equal `rows` ({key: values}; values None = no record)."""
    existing = {tuple(getattr(r, f) for f in key_fields): r for r in queryset.select_for_update()}
    if stamp(existing.values()) != opened:
        raise StaleDataError(StaleDataError.message)
    result = SaveResult()
    for key, values in rows.items():
        record = existing.get(key)
        if values is None:
            if record is not None:
                record._history_user, record._change_reason = user, source
                record.delete()
                result.deleted += 1
            continue
        if record is None:
            record = queryset.model(**defaults, **dict(zip(key_fields, key, strict=True)), **values)
            result.created += 1
        elif all(getattr(record, name) == value for name, value in values.items()):
            continue
        else:
            for name, value in values.items():
                setattr(record, name, value)
            record.version += 1
            result.updated += 1
        record._history_user, record._change_reason = user, source
        record.save()
    return result


def leaf_components(program: Program, unit: AdministrativeUnit) -> list[Component]:
    """The components a unit enters figures for: sub-projects, and projects without any, that apply."""
    poor_area = in_poor_area(program, unit)
    components = list(Component.objects.filter(program=program).select_related("parent"))
    parents = {c.parent_id for c in components if c.parent_id}
    return [
        c
        for c in components
        if c.pk not in parents and all(x.scope == Scope.ALL or poor_area for x in filter(None, (c, c.parent)))
    ]


@transaction.atomic
def budget_grid_save(
    *,
    user: User,
    unit: AdministrativeUnit,
    year: int,
    component: Component,
    rows: dict,
    opened: str,
    source: str = audit.PAGE,
) -> SaveResult:
    """Save one component's grid: rows {(capital_type, source): {stage: đồng, "disbursed_as_of": date}}.

    Raises ValidationError({cell name: message}) when a rule is broken: nothing is written."""
    require_entry(user, unit, year)
    program = Program.objects.for_year(year)
    if component not in leaf_components(program, unit):
        raise ValidationError(f"{component.label} không áp dụng cho {unit.name} trong năm {year}.")
    errors, warnings, cleaned = {}, {}, {}
    for (capital, fund), values in rows.items():
        if capital not in component.capital_types:
            raise ValidationError(f"{component.label} không được giao loại vốn này.")
        amounts = {name: values.get(name) or 0 for name in STAGE_FIELDS}
        check = check_line(**amounts)
        errors.update({cell_name(capital, fund, k): v for k, v in check.errors.items()})
        warnings.update({cell_name(capital, fund, k): v for k, v in check.warnings.items()})
        empty = not any(amounts.values()) and not values.get("disbursed_as_of")
        cleaned[(capital, fund)] = (
            None
            if empty
            else {**amounts, "disbursed_as_of": values.get("disbursed_as_of"), "updated_by": user}
        )
    if errors:
        raise ValidationError(errors)
    result = _replace(
        user=user,
        queryset=BudgetLine.objects.filter(unit=unit, year=year, component=component),
        key_fields=("capital_type", "source"),
        rows=cleaned,
        opened=opened,
        defaults={"unit": unit, "year": year, "component": component},
        source=source,
    )
    result.warnings = warnings
    return result


def _breakdown_errors(prefix, values: dict, total_field: str, total_label: str) -> dict[str, str]:
    """budgets.rules.breakdown_errors, by cell name."""
    return {
        cell_name(prefix, name): message
        for name, message in breakdown_errors(values, total_field, total_label).items()
    }


@transaction.atomic
def policy_results_save(
    *, user: User, unit: AdministrativeUnit, year: int, rows: dict, opened: str, source: str = audit.PAGE
) -> SaveResult:
    """rows {policy: {beneficiaries, poor, near_poor, recently_escaped, ethnic_minority, amount, note}}."""
    require_entry(user, unit, year)
    errors = {}
    for policy, values in rows.items():
        errors.update(_breakdown_errors(policy, values, "beneficiaries", "số đối tượng"))
        if values.get("covers_from") and not 2000 <= values["covers_from"] <= year:
            errors[cell_name(policy, "covers_from")] = f"Năm bắt đầu lũy kế phải trước hoặc bằng {year}."
    if errors:
        raise ValidationError(errors)
    cleaned = {
        (policy,): {
            **values,
            "beneficiaries": values.get("beneficiaries") or 0,
            "amount": values.get("amount") or 0,
        }
        if any(v not in (None, "", 0) for v in values.values())
        else None
        for policy, values in rows.items()
    }
    return _replace(
        user=user,
        queryset=PolicyResult.objects.filter(unit=unit, year=year),
        key_fields=("policy",),
        rows=cleaned,
        opened=opened,
        defaults={"unit": unit, "year": year},
        source=source,
    )


@transaction.atomic
def outputs_save(
    *, user: User, unit: AdministrativeUnit, year: int, rows: dict, opened: str, source: str = audit.PAGE
) -> SaveResult:
    """rows {kind id: {quantity, poor, near_poor, recently_escaped, ethnic_minority}}."""
    require_entry(user, unit, year)
    program = Program.objects.for_year(year)
    leaves = leaf_components(program, unit)
    allowed = set(OutputKind.objects.filter(component__in=leaves).values_list("pk", flat=True))
    errors = {}
    for kind_id, values in rows.items():
        if kind_id not in allowed:
            raise ValidationError("Kết quả này không thuộc dự án áp dụng cho đơn vị.")
        errors.update(_breakdown_errors(kind_id, values, "quantity", "số lượng"))
    if errors:
        raise ValidationError(errors)
    cleaned = {
        (kind_id,): {**values, "quantity": values.get("quantity") or 0} if any(values.values()) else None
        for kind_id, values in rows.items()
    }
    return _replace(
        user=user,
        queryset=ActivityOutput.objects.filter(unit=unit, year=year),
        key_fields=("kind_id",),
        rows=cleaned,
        opened=opened,
        defaults={"unit": unit, "year": year},
        source=source,
    )


@transaction.atomic
def mobilisations_save(
    *,
    user: User,
    unit: AdministrativeUnit,
    year: int,
    rows: list[dict],
    opened: str,
    source: str = audit.PAGE,
) -> SaveResult:
    """rows [{contributor_kind, contributor, amount, purpose}]: the year's whole list."""
    require_entry(user, unit, year)
    keyed, errors = {}, {}
    for index, values in enumerate(rows):
        key = (values["contributor_kind"], values["contributor"])
        if key in keyed:
            errors[cell_name(index, "contributor")] = "Nguồn này đã có ở dòng trên."
        keyed[key] = {"amount": values["amount"], "purpose": values.get("purpose", "")}
        if "covers_from" in values:  # pages do not send it: a recorded period stays as it was
            keyed[key]["covers_from"] = values["covers_from"]
    if errors:
        raise ValidationError(errors)
    queryset = Mobilisation.objects.filter(unit=unit, year=year)
    for record in queryset:
        keyed.setdefault((record.contributor_kind, record.contributor), None)
    return _replace(
        user=user,
        queryset=queryset,
        key_fields=("contributor_kind", "contributor"),
        rows=keyed,
        opened=opened,
        defaults={"unit": unit, "year": year},
        source=source,
    )
