"""Carry the registry into the communes of the 2025 arrangement (D45).

A household of an old commune takes the new commune that commune became; an old commune split
between several new ones is carried village by village (VillagePlacement), and nothing moves
while one of its villages has no placement. Reviews keep the commune they were recorded in (the
old units' figures stay as they were, approved years included); rollups count the same reviews
again in the household's new commune (households.rollups), so that a year before the move reads
the same in either tree. Each household moved gets an audit row (who, when, the resolution).
"""

from collections import defaultdict
from dataclasses import dataclass, field

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import connection, transaction
from django.db.models import Count, F
from django.utils import timezone

from households.models import Household, HouseholdReview, VillagePlacement
from households.rollups import rollups_refresh
from povertyprog import audit
from povertyprog.accounts.models import Role, User
from povertyprog.units.models import AdministrativeUnit, ArrangementResolution, Level, UnitSuccession


@dataclass
class CarryLine:
    old: AdministrativeUnit
    new: AdministrativeUnit
    households: int = 0
    villages: list[str] = field(default_factory=list)  # only for a split old commune


@dataclass
class Waiting:
    """A village of a split old commune with no placement yet, and the new communes it may go to."""

    old: AdministrativeUnit
    village: str
    households: int
    choices: list[AdministrativeUnit]


@dataclass
class CarryPlan:
    scope: AdministrativeUnit
    lines: list[CarryLine]
    waiting: list[Waiting]

    @property
    def households(self) -> int:
        return sum(line.households for line in self.lines)

    @property
    def waiting_households(self) -> int:
        return sum(w.households for w in self.waiting)


def _successions(scope: AdministrativeUnit) -> dict[int, list[AdministrativeUnit]]:
    """old commune id -> every new commune it became (also outside the scope: the choices of a
    split commune), for the old communes with a successor in the scope."""
    if scope.level == Level.PROVINCE:
        in_scope = UnitSuccession.objects.filter(new__parent=scope)
    else:
        in_scope = UnitSuccession.objects.filter(new=scope)
    rows = UnitSuccession.objects.filter(old_id__in=in_scope.values("old_id")).select_related("new", "old")
    successors = defaultdict(list)
    for row in rows.order_by("new__code"):
        successors[row.old].append(row.new)
    return successors


def carry_plan(scope: AdministrativeUnit) -> CarryPlan:
    """Households per old -> new commune that carrying into `scope` (a province or a commune of
    the new tree) would move, and the villages of split communes still without a placement."""
    successors = _successions(scope)
    olds = {old.pk: old for old in successors}
    split = [old.pk for old, news in successors.items() if len(news) > 1]
    placements = {
        (p.old_commune_id, p.village): p.new_commune
        for p in VillagePlacement.objects.filter(old_commune_id__in=split).select_related("new_commune")
    }
    lines: dict[tuple[int, int], CarryLine] = {}
    waiting = []
    counts = (
        Household.objects.filter(commune_id__in=list(olds))
        .values("commune_id", "village")
        .annotate(n=Count("id"))
        .order_by("commune_id", "village")
    )
    for row in counts:
        old = olds[row["commune_id"]]
        news = successors[old]
        if len(news) == 1:
            new = news[0]
        else:
            new = placements.get((old.pk, row["village"]))
            if new is None:
                waiting.append(Waiting(old, row["village"], row["n"], news))
                continue
        if scope.level != Level.PROVINCE and new.pk != scope.pk:
            continue  # a village placed in another new commune
        line = lines.setdefault((old.pk, new.pk), CarryLine(old, new))
        line.households += row["n"]
        if len(news) > 1:
            line.villages.append(row["village"])
    ordered = sorted(lines.values(), key=lambda line: (line.new.code, line.old.code))
    return CarryPlan(scope, ordered, waiting)


def can_carry(user: User, scope: AdministrativeUnit) -> bool:
    """The province's staff (or a system administrator) carry a province; a commune's officers
    their own commune."""
    if user.role == Role.ADMIN:
        return True
    if user.unit_id is None:
        return False
    return scope.path.startswith(user.unit.path) and user.role in (Role.PROVINCE_STAFF, Role.COMMUNE_OFFICER)


@transaction.atomic
def village_placements_save(*, user: User, old: AdministrativeUnit, placements: dict[str, int]) -> int:
    """placements {village: new commune id}; each new commune must be one the old commune became."""
    allowed = set(UnitSuccession.objects.filter(old=old).values_list("new_id", flat=True))
    if len(allowed) < 2:
        raise ValidationError(f"{old.name} không bị chia cho nhiều xã mới: không cần phân thôn.")
    if not any(can_carry(user, new) for new in AdministrativeUnit.objects.filter(pk__in=allowed)):
        raise PermissionDenied("Chỉ cán bộ của tỉnh (hoặc xã mới) được phân thôn về xã mới.")
    saved = 0
    for village, new_id in placements.items():
        if new_id not in allowed:
            raise ValidationError(
                f"{village}: xã mới được chọn không thuộc các xã mà {old.name} được sắp xếp vào."
            )
        placement = VillagePlacement.objects.filter(old_commune=old, village=village).first()
        if placement is not None and placement.new_commune_id == new_id:
            continue
        placement = placement or VillagePlacement(old_commune=old, village=village)
        placement.new_commune_id = new_id
        placement._history_user, placement._change_reason = user, audit.PAGE
        placement.save()
        saved += 1
    return saved


@transaction.atomic
def registry_carry(*, user: User, scope: AdministrativeUnit) -> CarryPlan:
    """Move every household of the plan into its new commune, in one transaction; refused, with
    nothing moved, while a village of a split commune has no placement."""
    if not can_carry(user, scope):
        raise PermissionDenied("Chỉ cán bộ cấp tỉnh (hoặc của xã mới) được chuyển sổ hộ sang đơn vị mới.")
    # Carries of one province wait for each other (a double submit, two officers): the second
    # plans after the first has committed and finds nothing left to move.
    province = scope if scope.level == Level.PROVINCE else scope.parent
    AdministrativeUnit.objects.select_for_update().filter(pk=province.pk).first()
    plan = carry_plan(scope)
    if plan.waiting:
        listed = "; ".join(f"{w.old.name} – {w.village} ({w.households} hộ)" for w in plan.waiting[:20])
        more = f" và {len(plan.waiting) - 20} thôn khác" if len(plan.waiting) > 20 else ""
        raise ValidationError(
            f"Chưa chuyển: {plan.waiting_households} hộ ở {len(plan.waiting)} thôn, tổ dân phố của xã "
            f"bị chia chưa được phân về xã mới: {listed}{more}."
        )
    resolutions = {
        r.province_id: r.number
        for r in ArrangementResolution.objects.filter(
            province__in={line.new.parent_id for line in plan.lines}
        )
    }
    now = timezone.now()
    years = set()
    for line in plan.lines:
        reason = audit.carried(resolutions.get(line.new.parent_id, "01/7/2025"))
        where, params = "commune_id = %s", [line.old.pk]
        if line.villages:
            where += f" AND village IN ({', '.join(['%s'] * len(line.villages))})"
            params += line.villages
        _record_history(where, params, line.new.pk, now, reason, user)
        Household.objects.filter(
            commune=line.old, **({"village__in": line.villages} if line.villages else {})
        ).update(commune=line.new, updated_at=now, version=F("version") + 1)
        years |= {(line.new.pk, y) for y in _years(line)}
    rollups_refresh(years)
    return plan


def _years(line: CarryLine) -> set[int]:
    return set(
        HouseholdReview.objects.filter(household__commune=line.new, commune=line.old)
        .values_list("year", flat=True)
        .distinct()
    )


def _record_history(where: str, params: list, new_commune_id: int, now, reason: str, user: User) -> None:
    """One audit row per household about to move, its commune already the new one (what the row
    will be), written by the database in one statement: nothing held in memory per household."""
    history = Household.history.model
    kept = [f.column for f in history._meta.concrete_fields if not f.name.startswith("history_")]
    source = {column: column for column in kept}
    source |= {"commune_id": "%s", "version": "version + 1", "updated_at": "%s"}
    columns = kept + ["history_date", "history_change_reason", "history_type", "history_user_id"]
    selected = [source[c] for c in kept] + ["%s", "%s", "'~'", "%s"]
    sql = (
        f"INSERT INTO {history._meta.db_table} ({', '.join(columns)}) "
        f"SELECT {', '.join(selected)} FROM {Household._meta.db_table} WHERE {where}"
    )
    values = [new_commune_id if c == "commune_id" else now for c in kept if source[c] == "%s"]
    with connection.cursor() as cursor:
        cursor.execute(sql, [*values, now, reason, user.pk, *params])
