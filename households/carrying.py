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
from django.db import transaction
from django.db.models import Count, F
from django.utils import timezone

from households.models import Household, HouseholdReview, VillagePlacement
from households.rollups import rollups_refresh
from povertyprog import audit
from povertyprog.accounts.models import Role, User
from povertyprog.accounts.scoping import is_visible
from povertyprog.lib.copyinsert import history_insert_select
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
    return CarryPlan(ordered, waiting)


CARRIERS = {Role.PROVINCE_STAFF, Role.COMMUNE_OFFICER}


def can_carry(user: User, scope: AdministrativeUnit) -> bool:
    """A province's staff carry their province, a new commune's officers their commune (a system
    administrator any): only units of a tree that communes were arranged into."""
    if not (user.is_system_admin or user.role in CARRIERS) or not is_visible(user, scope):
        return False
    return UnitSuccession.objects.filter(new__path__startswith=scope.path).exists()


@transaction.atomic
def village_placements_save(*, user: User, choices: list[tuple[int, int, str]]) -> int:
    """choices [(old commune id, new commune id, village)]: where villages of split communes go,
    all saved or none. The new commune must be one the old commune became, and one the user may
    carry into, as must the commune a village was placed in before (a new commune's officer
    places villages into their own commune only). Returns how many placements changed."""
    olds = {old_id for old_id, _, _ in choices}
    allowed = defaultdict(set)
    for old_id, new_id in UnitSuccession.objects.filter(old_id__in=olds).values_list("old_id", "new_id"):
        allowed[old_id].add(new_id)
    units = AdministrativeUnit.objects.in_bulk(olds.union(*allowed.values()))
    existing = {
        (p.old_commune_id, p.village): p for p in VillagePlacement.objects.filter(old_commune_id__in=olds)
    }
    saved = 0
    for old_id, new_id, village in choices:
        old = units.get(old_id)
        if old is None or len(allowed[old_id]) < 2:
            raise ValidationError(
                f"{old.name if old else 'Xã đã chọn'} không bị chia cho nhiều xã mới: không cần phân thôn."
            )
        if new_id not in allowed[old_id]:
            raise ValidationError(
                f"{village}: xã mới được chọn không thuộc các xã mà {old.name} được sắp xếp vào."
            )
        placement = existing.get((old_id, village))
        before = placement.new_commune_id if placement else new_id
        if not (can_carry(user, units[new_id]) and can_carry(user, units[before])):
            raise PermissionDenied(
                "Chỉ cán bộ của tỉnh, hoặc của xã mới nhận thôn, được phân thôn về xã mới."
            )
        if before == new_id and placement is not None:
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
    resolutions = dict(
        ArrangementResolution.objects.filter(
            province__in={line.new.parent_id for line in plan.lines}
        ).values_list("province_id", "number")
    )
    now = timezone.now()
    for line in plan.lines:
        reason = audit.carried(resolutions.get(line.new.parent_id))
        households = Household.objects.filter(
            commune=line.old, **({"village__in": line.villages} if line.villages else {})
        )
        # The audit rows first, saying what the rows become, then the rows (one statement each).
        overrides = {
            "commune_id": ("%s", [line.new.pk]),
            "carried_into_id": ("%s", [line.new.pk]),
            "version": ("version + 1", []),
            "updated_at": ("%s", [now]),
        }
        history_insert_select(
            Household,
            rows=households,
            history_type="~",
            user=user,
            now=now,
            reason=reason,
            overrides=overrides,
        )
        households.update(commune=line.new, carried_into=line.new, updated_at=now, version=F("version") + 1)
    # Rollups of the years the carried households were reviewed in, in their new communes.
    moved = HouseholdReview.objects.filter(
        household__carried_into_id__in={line.new.pk for line in plan.lines},
        commune_id__in={line.old.pk for line in plan.lines},
    )
    rollups_refresh(set(moved.values_list("household__carried_into_id", "year").order_by().distinct()))
    return plan
