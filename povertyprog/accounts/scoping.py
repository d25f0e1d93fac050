"""The one place that decides what a user may see and change.

A user sees their unit's subtree (the unit and every unit below it); a system
administrator sees everything. Every list, detail, export and form goes through
these functions, and a record outside the subtree answers 404, never 403, so that
its existence is not revealed.
"""

from django.core.exceptions import PermissionDenied
from django.db.models import Q, QuerySet
from django.http import Http404
from django.shortcuts import get_object_or_404

from povertyprog.accounts.models import Role, User
from povertyprog.units.models import AdministrativeUnit

DATA_ENTRY_ROLES = {Role.COMMUNE_OFFICER, Role.DISTRICT_STAFF, Role.PROVINCE_STAFF}
REVIEWER_ROLES = {Role.DISTRICT_STAFF, Role.PROVINCE_STAFF}


def unit_scope(user: User, field: str = "unit") -> Q:
    """Filter for rows whose `field` (a foreign key to AdministrativeUnit) is in the user's subtree.

    `field=""` filters AdministrativeUnit itself.
    """
    if user.is_system_admin:
        return Q()
    lookup = f"{field}__path__startswith" if field else "path__startswith"
    return Q(**{lookup: user.unit.path})


def scoped(queryset: QuerySet, user: User, field: str = "unit") -> QuerySet:
    return queryset.filter(unit_scope(user, field))


def visible_units(user: User) -> QuerySet:
    return scoped(AdministrativeUnit.objects.all(), user, field="")


def get_scoped_or_404(queryset: QuerySet, user: User, field: str = "unit", **lookup):
    return get_object_or_404(scoped(queryset, user, field), **lookup)


def is_visible(user: User, unit: AdministrativeUnit) -> bool:
    return user.is_system_admin or unit.path.startswith(user.unit.path)


def can_enter_data(user: User, unit: AdministrativeUnit) -> bool:
    """A unit's own data (registry, budgets, results) is entered by that unit's officers."""
    return user.role in DATA_ENTRY_ROLES and user.unit_id == unit.pk


def can_review(user: User, unit: AdministrativeUnit) -> bool:
    """District and province staff review the units below them, not their own."""
    return user.role in REVIEWER_ROLES and unit.pk != user.unit_id and unit.path.startswith(user.unit.path)


def requested_unit(request) -> AdministrativeUnit:
    """The unit whose subtree a page shows: ?don_vi=<id> within scope, the user's own by default."""
    pk = request.GET.get("don_vi") or request.user.unit_id
    if not pk:
        raise PermissionDenied("Chọn một đơn vị.")
    if not str(pk).isdigit():
        raise Http404("Mã đơn vị không hợp lệ.")
    return get_object_or_404(visible_units(request.user), pk=pk)
