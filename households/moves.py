"""Households that move between communes (chuyển đi / chuyển đến), split (tách hộ) or merge
(nhập hộ). Each keeps one identity: the household row and every member row stay (their ids,
reviews and audit history), only where they belong changes. The change tables count the move
from where the reviews were recorded (households.transitions); no review is rewritten, so the
approved years of both communes stay as they are.
"""

from datetime import date

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.db.models import F
from django.utils import timezone

from households.models import Household, HouseholdMove, Member, MoveKind, Origin, Relation
from households.rollups import rollups_refresh
from households.services import histories_refresh, household_code_next, household_version_bump
from povertyprog.accounts.models import User
from povertyprog.accounts.scoping import can_enter_data
from povertyprog.units.models import AdministrativeUnit, Level


def _check_household(user: User, household: Household) -> None:
    """The sending commune's officer records the move."""
    if not can_enter_data(user, household.commune):
        raise PermissionDenied("Bạn không có quyền nhập liệu cho đơn vị này.")
    if household.merged_into_id:
        raise ValidationError(f"Hộ {household.code} đã nhập vào hộ khác.")
    if household.commune.valid_to is not None:
        raise ValidationError(
            f"Hộ {household.code} còn ở {household.commune.name} (đơn vị trước 01/7/2025): "
            "chuyển sổ hộ sang xã mới trước khi ghi biến động."
        )


def _bump(household: Household, expected_version: int | None) -> None:
    if expected_version is not None:  # None: a caller without a form (the demo, scripts)
        household_version_bump(household, expected_version)


def _check_date(moved_on: date) -> None:
    if moved_on > timezone.localdate():
        raise ValidationError({"moved_on": "Ngày biến động không được sau hôm nay."})


def destination_commune(code: str, household: Household) -> AdministrativeUnit:
    """The commune of today's tree a household goes to, by its code."""
    commune = AdministrativeUnit.objects.filter(
        code=code.strip(), level=Level.COMMUNE, valid_to__isnull=True, valid_from=household.commune.valid_from
    ).first()
    if commune is None:
        raise ValidationError({"to_commune": f"Mã xã “{code}” không phải xã, phường đang hoạt động."})
    return commune


def merge_target(user: User, code: str) -> Household:
    """The household another one joins, by its code, among those the officer enters data for."""
    into = Household.objects.select_related("commune").filter(code=code.strip()).first()
    if into is None or not can_enter_data(user, into.commune):
        raise ValidationError({"into": f"Không có hộ mã “{code}” trong đơn vị của bạn."})
    return into


def _record(kind: str, household: Household, other: Household | None, to: AdministrativeUnit,
            moved_on: date, members: int, user: User, note: str = "") -> HouseholdMove:  # fmt: skip
    return HouseholdMove.objects.create(
        kind=kind, household=household, other=other, from_commune=household.commune, to_commune=to,
        moved_on=moved_on, members=members, note=note, recorded_by=user,
    )  # fmt: skip


def _refresh(households: list[Household], user: User) -> None:
    rollups_refresh(histories_refresh(households, user=user))


@transaction.atomic
def household_move(
    *,
    user: User,
    household: Household,
    to_commune: AdministrativeUnit,
    village: str,
    moved_on: date,
    expected_version: int | None,
    note: str = "",
) -> HouseholdMove:
    """The household leaves its commune for `to_commune`: from now on it is that commune's, and
    its first review there counts as "chuyển đến" (8), its absence here as "giảm khác" (4)."""
    _check_household(user, household)
    _check_date(moved_on)
    if to_commune.pk == household.commune_id:
        raise ValidationError({"to_commune": "Xã đến trùng với xã đang ở."})
    if not village.strip():
        raise ValidationError({"village": "Nhập thôn, tổ dân phố nơi đến."})
    _bump(household, expected_version)
    move = _record(
        MoveKind.MOVED, household, None, to_commune, moved_on, household.members.count(), user, note
    )
    household.commune, household.village = to_commune, village.strip()
    household._history_user = user
    household._change_reason = f"Chuyển đi {to_commune.name} ngày {moved_on:%d/%m/%Y}"[:100]
    household.save()
    _refresh([household], user)
    return move


def _move_members(members: list[Member], to: Household, user: User, reason: str, head: Member | None) -> None:
    """Members change household with their own rows (ids and histories kept)."""
    for member in members:
        member.household = to
        if head is not None:
            member.relation = Relation.HEAD if member.pk == head.pk else (
                Relation.OTHER if member.relation == Relation.HEAD else member.relation
            )  # fmt: skip
        elif member.relation == Relation.HEAD:
            member.relation = Relation.OTHER
        member._history_user, member._change_reason = user, reason
        member.save()


@transaction.atomic
def household_split(
    *,
    user: User,
    household: Household,
    member_ids: list[int],
    head_id: int,
    village: str,
    moved_on: date,
    expected_version: int | None,
) -> Household:
    """Some members leave to form a new household (origin "Tách hộ") in the same commune."""
    _check_household(user, household)
    _check_date(moved_on)
    members = {m.pk: m for m in household.members.all()}
    leaving = [members[pk] for pk in member_ids if pk in members]
    if not leaving:
        raise ValidationError({"members": "Chọn ít nhất một thành viên tách ra."})
    if len(leaving) == len(members):
        raise ValidationError({"members": "Phải còn ít nhất một thành viên ở lại hộ cũ."})
    if any(m.relation == Relation.HEAD for m in leaving):
        raise ValidationError({"members": "Chủ hộ cũ ở lại hộ cũ; chọn các thành viên khác để tách."})
    head = members.get(head_id)
    if head is None or head not in leaving:
        raise ValidationError({"head": "Chọn chủ hộ mới trong số thành viên tách ra."})
    _bump(household, expected_version)
    new = Household(
        code=household_code_next(household.commune),
        commune=household.commune,
        carried_into=household.carried_into,
        village=village.strip() or household.village,
        address=household.address,
        head_name=head.full_name,
        ethnicity=head.ethnicity,
        ethnic_minority=head.ethnicity != "01",
        origin=Origin.SPLIT,
    )
    new._history_user, new._change_reason = user, f"Tách từ hộ {household.code}"
    new.save()
    _move_members(leaving, new, user, f"Tách hộ: từ hộ {household.code} sang hộ {new.code}", head)
    _record(MoveKind.SPLIT, household, new, new.commune, moved_on, len(leaving), user)
    _refresh([new], user)
    return new


@transaction.atomic
def household_merge(
    *, user: User, household: Household, into: Household, moved_on: date, expected_version: int | None
) -> HouseholdMove:
    """Every member joins `into` (nhập hộ); the household is kept, marked merged, and is reviewed
    no more: its commune counts it in "giảm khác" (4) of the next year."""
    _check_household(user, household)
    _check_date(moved_on)
    if into.pk == household.pk or into.merged_into_id:
        raise ValidationError({"into": "Chọn một hộ khác, đang có trong sổ."})
    if not can_enter_data(user, into.commune):
        raise ValidationError({"into": f"Không có hộ mã “{into.code}” trong đơn vị của bạn."})
    _bump(household, expected_version)
    members = list(household.members.all())
    _move_members(members, into, user, f"Nhập hộ: từ hộ {household.code} vào hộ {into.code}", None)
    move = _record(MoveKind.MERGED, household, into, into.commune, moved_on, len(members), user)
    household.merged_into = into
    household._history_user, household._change_reason = user, f"Nhập vào hộ {into.code}"
    household.save()
    Household.objects.filter(pk=into.pk).update(version=F("version") + 1)  # its open forms are stale
    return move
