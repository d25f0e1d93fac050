"""One person, one record: a personal ID number (số định danh cá nhân) belongs to one member
of one household in the whole registry (a database constraint). A number typed for a member
while another household's member holds it is not saved twice: the member is saved without it
and a CitizenIdConflict waits until one of the units involved decides who keeps the person.
Each side decides about its own rows: the unit of the household that entered the number later
withdraws its row or keeps it without the number; the unit of the household holding the number
lets the person go. Every change is in the members' audit history and on the conflict row.
"""

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.utils import timezone

from households.models import CitizenIdConflict, Household, Member, Relation, Resolution
from povertyprog.accounts.models import User
from povertyprog.accounts.scoping import can_enter_data

RESOLVING = "Giải quyết trùng số định danh"


def registry_holders(numbers: set[str], *, besides: Household | None = None) -> dict[str, Member]:
    """{number: the member holding it} among these numbers, outside `besides`."""
    holders = Member.objects.filter(citizen_id__in=numbers).select_related("household__commune")
    if besides is not None and besides.pk:
        holders = holders.exclude(household=besides)
    return {m.citizen_id: m for m in holders}


def hold_duplicates(members: list[Member], household: Household) -> list[tuple[Member, Member]]:
    """Take off these unsaved members the numbers another household holds; returns the pairs
    (holder, member) for conflicts_open() once the members are saved."""
    holders = registry_holders({m.citizen_id for m in members if m.citizen_id}, besides=household)
    held = []
    for member in members:
        holder = holders.get(member.citizen_id)
        if holder is not None:
            held.append((holder, member))
            member.held_citizen_id, member.citizen_id = member.citizen_id, ""
    return held


def conflicts_open(held: list[tuple[Member, Member]], user: User) -> list[CitizenIdConflict]:
    conflicts = []
    for holder, member in held:
        conflict = CitizenIdConflict(
            citizen_id=member.held_citizen_id,
            holder=holder,
            claimant=member,
            holder_household=holder.household,
            claimant_household=member.household,
            claimant_name=member.full_name,
            raised_by=user,
        )
        conflict._history_user = user
        conflict.save()
        conflicts.append(conflict)
    return conflicts


def _deciding_side(user: User, conflict: CitizenIdConflict, resolution: str) -> None:
    """The officers of the unit whose rows the decision changes take it."""
    if resolution == Resolution.CLAIMANT_KEEPS:
        household, side = conflict.holder_household, "hộ đang giữ số"
    else:
        household, side = conflict.claimant_household, "hộ nhập sau"
    if not can_enter_data(user, household.commune):
        raise PermissionDenied(
            f"Cách giải quyết này do đơn vị của {side} ({household.commune.name}) quyết định."
        )


@transaction.atomic
def conflict_resolve(*, user: User, conflict_id: int, resolution: str) -> CitizenIdConflict:
    conflict = CitizenIdConflict.objects.select_for_update().filter(pk=conflict_id).first()
    if conflict is None or conflict.resolution:
        raise ValidationError("Trường hợp trùng số này đã được giải quyết.")
    if resolution not in Resolution.values:
        raise ValidationError("Chọn một cách giải quyết.")
    _deciding_side(user, conflict, resolution)
    holder, claimant = conflict.holder, conflict.claimant
    if resolution == Resolution.HOLDER_KEEPS and claimant is not None:
        claimant._history_user, claimant._change_reason = user, RESOLVING
        claimant.delete()
        conflict.claimant = None
    elif resolution == Resolution.CLAIMANT_KEEPS and holder is None:  # the holder's row is gone
        if claimant is None:
            raise ValidationError("Cả hai thành viên đã bị xóa khỏi sổ: chọn “Hai người khác nhau” để đóng.")
        claimant.citizen_id = conflict.citizen_id
        claimant._history_user, claimant._change_reason = user, RESOLVING
        claimant.save()
    elif resolution == Resolution.CLAIMANT_KEEPS:
        # The person's own row moves, its history with it, into the place of the row typed later.
        if holder.relation == Relation.HEAD:
            raise ValidationError(
                f"Người này là chủ hộ {holder.household.code}: đổi chủ hộ của hộ đó trước khi chuyển."
            )
        holder.relation = claimant.relation if claimant is not None else Relation.OTHER
        if claimant is not None:
            claimant._history_user, claimant._change_reason = user, RESOLVING
            claimant.delete()
            conflict.claimant = None
        holder.household = conflict.claimant_household
        holder._history_user, holder._change_reason = user, RESOLVING
        holder.save()
    # Resolution.DIFFERENT: the later member stays, without the number.
    conflict.resolution, conflict.resolved_by, conflict.resolved_at = resolution, user, timezone.now()
    conflict._history_user = user
    conflict.save()
    return conflict
