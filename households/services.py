"""Writes to the household registry. Every write goes through here: web forms, import, demo.

Each function runs in one transaction, checks that the user may enter data for the commune,
and leaves an audit row (django-simple-history) naming the user.
"""

from collections import defaultdict
from datetime import date

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import IntegrityError, transaction
from django.db.models import F

from households.identity import conflicts_open, hold_duplicates
from households.indicators import INDICATOR_BY_FIELD, derive_from_members
from households.models import Household, HouseholdReview, Origin, PovertyStandard
from households.review import member_facts, review_fill
from households.rollups import rollups_refresh
from households.transitions import HISTORY_FIELDS, YearResult, household_history
from povertyprog import audit
from povertyprog.accounts.models import User
from povertyprog.accounts.scoping import can_enter_data
from povertyprog.approvals import LockedError, ensure_unlocked, locked_units
from povertyprog.lib.copyinsert import copy_update
from povertyprog.units.models import AdministrativeUnit


class StaleEditError(Exception):
    """Someone saved the household after this form was opened."""

    message = (
        "Hộ này vừa được người khác cập nhật sau khi bạn mở trang. Thay đổi của bạn chưa được lưu; "
        "hãy tải lại trang để xem dữ liệu mới rồi nhập lại."
    )


def _require_data_entry(user: User, household: Household) -> None:
    if not can_enter_data(user, household.commune):
        raise PermissionDenied("Bạn không có quyền nhập liệu cho đơn vị này.")


@transaction.atomic
def household_save(
    *,
    user: User,
    household: Household,
    expected_version: int | None,
    members_formset=None,
    source: str = audit.PAGE,
):
    """Create or update a household (and its members, from a validated inline formset).

    `expected_version` is the version the form was opened on; if the row moved on since,
    nothing is written and StaleEditError is raised.
    """
    _require_data_entry(user, household)
    if not household.pk and not household.code:
        household.code = household_code_next(household.commune)
    if household.pk:
        household_version_bump(household, expected_version)
    household._history_user, household._change_reason = user, source
    try:
        with transaction.atomic():
            household.save()
    except IntegrityError:  # another officer took the same code a moment ago
        raise ValidationError(
            {"code": f"Mã hộ {household.code} vừa được dùng cho hộ khác. Hãy lưu lại."}
        ) from None
    if members_formset is not None:
        members_formset.instance = household
        kept = [
            f.instance for f in members_formset.forms if f.cleaned_data and not f.cleaned_data.get("DELETE")
        ]
        for form in members_formset.forms:
            form.instance._history_user, form.instance._change_reason = user, source
        held = hold_duplicates(kept, household)  # numbers of other households' members wait in a queue
        try:
            with transaction.atomic():
                members_formset.save()
        except IntegrityError:  # another officer saved the same number a moment ago
            raise ValidationError(
                "Một số định danh cá nhân vừa được lưu cho hộ khác. Hãy lưu lại để xem trường hợp trùng."
            ) from None
        conflicts_open(held, user)
    return household


def household_version_bump(household: Household, expected_version: int | None) -> None:
    """The optimistic lock: written on the version of the household the form was opened on, or
    not at all (StaleEditError: another officer's change in between, or the same form sent twice)."""
    if not Household.objects.filter(pk=household.pk, version=expected_version).update(
        version=F("version") + 1
    ):
        raise StaleEditError(StaleEditError.message)
    household.version = expected_version + 1


def household_code_next(commune: AdministrativeUnit) -> str:
    """The next free code of the commune: <commune code>-<5 digits>."""
    return household_codes_next(commune, 1)[0]


def household_codes_next(commune: AdministrativeUnit, how_many: int, also_taken=frozenset()) -> list[str]:
    """The next `how_many` free codes of the commune, in order (the web form and the import's
    rows without a code number households the same way); `also_taken`: codes reserved elsewhere
    (those an imported file gives its other rows)."""
    prefix = f"{commune.code}-"
    taken = set(Household.objects.filter(code__startswith=prefix).values_list("code", flat=True))
    taken |= set(also_taken)
    number, codes = Household.objects.filter(commune=commune).count(), []
    while len(codes) < how_many:
        number += 1
        code = f"{prefix}{number:05d}"
        if code not in taken:
            codes.append(code)
    return codes


def derived_indicators(household: Household, on: date) -> dict[str, bool]:
    """What the recorded members determine, as of `on`; {} when no members are recorded."""
    return derive_from_members([member_facts(m, on) for m in household.members.all()])


def _apply_overrides(review: HouseholdReview, derived: dict[str, bool], reasons: dict[str, str]) -> None:
    overrides, errors = {}, {}
    for field, value in derived.items():
        if getattr(review, field) == value:
            continue
        reason = (reasons.get(field) or "").strip()
        if reason:
            overrides[field] = reason
        else:
            state = "thiếu hụt" if value else "không thiếu hụt"
            name = INDICATOR_BY_FIELD[field].name
            errors[field] = (
                f"Theo thông tin thành viên, chỉ số “{name}” là {state}. "
                "Muốn ghi khác, hãy nhập lý do ghi đè."
            )
    if errors:
        raise ValidationError(errors)
    review.overrides = overrides


def review_compute(review: HouseholdReview, household: Household) -> None:
    """review_fill() for a review typed in the form: the standard of its year, the recorded members."""
    try:
        standard = PovertyStandard.objects.for_year(review.year)
    except PovertyStandard.DoesNotExist:
        raise ValidationError({"year": f"Chưa có chuẩn nghèo áp dụng cho năm {review.year}."}) from None
    members = household.members.count() if household.pk else 0
    try:
        review_fill(review, household=household, standard=standard, members_count=members)
    except ValueError as error:
        raise ValidationError(str(error)) from None


@transaction.atomic
def review_save(
    *,
    user: User,
    household: Household,
    review: HouseholdReview,
    override_reasons: dict[str, str],
    opened_at: str = "",
) -> HouseholdReview:
    """Record a year's review: derive, check overrides, classify, save, refresh transitions.

    `opened_at` is the review's updated_at when the form was opened ("" for a new one): if the
    review changed (or appeared) since, nothing is written and StaleEditError is raised.
    """
    _require_data_entry(user, household)
    Household.objects.select_for_update().filter(pk=household.pk).first()  # serialise per household
    current = HouseholdReview.objects.filter(household=household, year=review.year).values_list(
        "updated_at", flat=True
    )
    stamp = current.first()
    if (stamp.isoformat() if stamp else "") != opened_at:
        raise StaleEditError(StaleEditError.message)
    derived = derived_indicators(household, review.review_date)
    _apply_overrides(review, derived, override_reasons)
    review._history_user, review._change_reason = user, audit.PAGE
    return review_record(household=household, review=review)


@transaction.atomic
def review_record(*, household: Household, review: HouseholdReview) -> HouseholdReview:
    """Compute, save, and bring the household's history and the rollups up to date."""
    ensure_unlocked(household.commune, review.year)
    if household.merged_into_id:
        raise ValidationError(f"Hộ {household.code} đã nhập vào hộ khác: không rà soát riêng nữa.")
    review.household = household
    review_compute(review, household)
    review.save()
    rollups_refresh(histories_refresh([household], user=getattr(review, "_history_user", None)))
    return review


def histories_refresh(households: list[Household], user: User | None = None) -> set[tuple[int, int]]:
    """Recompute the history fields of these households' reviews; returns their (commune, year) pairs.

    A review whose history fields change gets its own audit row (by `user`); none of them may
    lie in an approved year."""
    origins = {h.pk: h.origin for h in households}
    by_household = defaultdict(list)
    ids = list(origins)
    for start in range(0, len(ids), 2000):
        chunk = HouseholdReview.objects.filter(household_id__in=ids[start : start + 2000])
        for review in chunk.annotate(tree=F("commune__valid_from")).order_by("year"):
            by_household[review.household_id].append(review)
    changed, pairs = [], set()
    for household_id, reviews in by_household.items():
        results = [
            YearResult(r.year, r.classification, r.members_count, place=(r.tree, r.commune_id))
            for r in reviews
        ]
        histories = household_history(results, came_from_elsewhere=origins[household_id] != Origin.RESIDENT)
        for review, history in zip(reviews, histories, strict=True):
            pairs.add((review.commune_id, review.year))
            if any(getattr(review, name) != getattr(history, name) for name in HISTORY_FIELDS):
                for name in HISTORY_FIELDS:
                    setattr(review, name, getattr(history, name))
                changed.append(review)
    _ensure_history_unlocked(changed, {h.pk: h for h in households})
    reviews_bulk_update(changed, HISTORY_FIELDS, user=user, reason=audit.DERIVED)
    return pairs


def reviews_bulk_update(
    reviews: list[HouseholdReview] | list[dict], fields, *, user: User | None, reason: str, server=None
) -> None:
    """Save these fields of many reviews (instances, or dicts by attname with id and year), with
    their audit rows, a year at a time: on PostgreSQL the reviews are partitioned by year (D50),
    and an UPDATE that names its year reads one partition instead of all of them (the UPDATE of
    1,000 reviews: 0.53 s against 6.0 s, measured). Written by copy_update (one UPDATE … FROM a
    COPYed table, audit rows by INSERT … SELECT) on PostgreSQL, by bulk_update elsewhere."""
    by_year = defaultdict(list)
    for review in reviews:
        by_year[review["year"] if isinstance(review, dict) else review.year].append(review)
    for year, group in sorted(by_year.items()):
        copy_update(
            HouseholdReview, group, fields, history_user=user, change_reason=reason, where={"year": year},
            server=server,
        )  # fmt: skip


def _ensure_history_unlocked(changed: list[HouseholdReview], households: dict[int, Household]) -> None:
    """A later year's previous class, escape year and "recently escaped" flag are approved
    figures too: a write that would change them in an approved year is refused (the caller's
    transaction undoes the rest)."""
    communes_by_year = defaultdict(set)
    for review in changed:
        communes_by_year[review.year].add(review.commune_id)
    for year, communes in sorted(communes_by_year.items()):
        locked = locked_units(communes, year)
        review = next((r for r in changed if r.year == year and r.commune_id in locked), None)
        if review is not None:
            household = households[review.household_id]
            raise LockedError(
                f"Thay đổi này làm đổi diễn biến năm {year} của hộ {household.code} ({household.head_name}): "
                f"phân loại năm trước, thoát nghèo, hộ mới thoát nghèo. {locked[review.commune_id]}"
            )
