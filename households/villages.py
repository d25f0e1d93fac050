"""The village list (thôn, tổ dân phố) each commune keeps: the household form, the import and the
season's pages use it, so that a typo no longer makes a new village. A commune without a list
yet (before it adds its first village) takes any name; the list starts from the registry's names
(households migration 0014) and grows only by the commune's officer adding to it."""

from django.core.exceptions import PermissionDenied, ValidationError

from households.models import Village
from povertyprog.accounts.models import User
from povertyprog.accounts.scoping import can_enter_data
from povertyprog.lib.vietnamese import fold, sort_key
from povertyprog.units.models import AdministrativeUnit

SHOWN = 8  # names quoted in an error message


def village_lists(commune_ids) -> dict[int, dict[str, str]]:
    """{commune id: {folded name: name}} of the active villages of these communes (one query)."""
    lists: dict[int, dict[str, str]] = {}
    rows = Village.objects.filter(commune_id__in=list(commune_ids), active=True)
    for commune_id, folded, name in rows.values_list("commune_id", "folded", "name"):
        lists.setdefault(commune_id, {})[folded] = name
    return lists


def not_listed_message(name: str, commune_name: str, names: dict[str, str]) -> str:
    shown = sorted(names.values(), key=sort_key)
    more = "…" if len(shown) > SHOWN else ""
    return (
        f"“{name}” không có trong danh sách thôn, tổ dân phố của {commune_name} "
        f"({', '.join(shown[:SHOWN])}{more}). Chọn tên trong danh sách, "
        "hoặc thêm thôn mới ở trang Mùa rà soát."
    )


def listed_name(commune: AdministrativeUnit, name: str) -> str:
    """The name as the commune's list spells it (accents, case and spaces aside)."""
    name = " ".join(name.split())
    names = village_lists([commune.pk]).get(commune.pk)
    if not names:
        return name
    if fold(name) not in names:
        raise ValidationError(not_listed_message(name, commune.name, names))
    return names[fold(name)]


def village_add(*, user: User, commune: AdministrativeUnit, name: str) -> Village:
    if not can_enter_data(user, commune):
        raise PermissionDenied("Bạn không có quyền nhập liệu cho đơn vị này.")
    name = " ".join(name.split())
    if not name:
        raise ValidationError("Hãy nhập tên thôn, tổ dân phố.")
    if Village.objects.filter(commune=commune, folded=fold(name)).exists():
        raise ValidationError(f"“{name}” đã có trong danh sách thôn, tổ dân phố của {commune.name}.")
    village = Village(commune=commune, name=name)
    village._history_user = user
    village.save()
    return village
