"""Personal data in the registry (Law 91/2025/QH15, in force 1/1/2026; Decree 13/2023/NĐ-CP):
who sees an ID number whole, who may take a list of people out of the system, and the log of
every list that leaves it. Choices and the articles they follow: docs/decisions.md D36.
"""

from django.db import models
from django.db.models import QuerySet

from households.models import PersonalDataExport
from povertyprog.accounts.models import Role, User
from povertyprog.accounts.scoping import can_enter_data
from povertyprog.units.models import AdministrativeUnit

# Roles whose work needs lists of named people: the commune that keeps them, the district and
# province staff who check them. Viewers and system administrators see figures, not people.
LIST_EXPORT_ROLES = {Role.COMMUNE_OFFICER, Role.DISTRICT_STAFF, Role.PROVINCE_STAFF}
# Who reads the export log: the province (for its subtree) and the system administrator.
LOG_READER_ROLES = {Role.PROVINCE_STAFF, Role.ADMIN}
VISIBLE_DIGITS = 4


class Purpose(models.TextChoices):
    """Why a list leaves the system: one of the tasks the program's texts give these officers."""

    REVIEW = "ra_soat", "Rà soát, cập nhật danh sách hộ nghèo, hộ cận nghèo"
    SUPPORT = "chinh_sach", "Thực hiện chính sách hỗ trợ cho hộ trong danh sách"
    INSPECTION = "kiem_tra", "Kiểm tra, giám sát, phúc tra kết quả rà soát"
    REPORT = "bao_cao", "Tổng hợp, báo cáo cơ quan cấp trên"


def may_export_lists(user: User) -> bool:
    return user.role in LIST_EXPORT_ROLES


def may_read_export_log(user: User) -> bool:
    return user.role in LOG_READER_ROLES


def may_export_posting(user: User, unit: AdministrativeUnit) -> bool:
    """The public posting list (name, village, class) is the commune's own: it posts it."""
    return user.role == Role.COMMUNE_OFFICER and can_enter_data(user, unit)


def shows_ids_whole(user: User, unit: AdministrativeUnit) -> bool:
    """ID numbers are whole only for the officers of the commune that entered them."""
    return user.role == Role.COMMUNE_OFFICER and can_enter_data(user, unit)


def mask_id(value: str) -> str:
    """ "001085012345" -> "********2345": the last four digits let an officer match a paper."""
    if not value:
        return ""
    return "*" * max(len(value) - VISIBLE_DIGITS, 0) + value[-VISIBLE_DIGITS:]


def export_record(
    *,
    user: User,
    unit: AdministrativeUnit,
    kind: str,
    year: int,
    rows: int,
    file_format: str,
    purpose: str,
    filter: str = "",
    ids_shown: bool = False,
):
    """Log one list that leaves the system (the caller has checked the permission)."""
    return PersonalDataExport.objects.create(
        user=user, unit=unit, kind=kind, year=year, rows=rows, file_format=file_format,
        purpose=purpose, filter=filter, ids_shown=ids_shown,
    )  # fmt: skip


def export_log(user: User) -> QuerySet:
    """The exports of the user's subtree (all of them for the system administrator), newest first."""
    log = PersonalDataExport.objects.select_related("user", "unit").order_by("-created_at")
    return log if user.is_system_admin else log.filter(unit__path__startswith=user.unit.path)
