from django.contrib.auth.models import AbstractUser
from django.core.exceptions import ValidationError
from django.db import models
from django.db.models import Q

from povertyprog.units.models import AdministrativeUnit, Level


class Role(models.TextChoices):
    COMMUNE_OFFICER = "commune_officer", "Cán bộ cấp xã"
    DISTRICT_STAFF = "district_staff", "Cán bộ cấp huyện"
    PROVINCE_STAFF = "province_staff", "Cán bộ cấp tỉnh"
    VIEWER = "viewer", "Người xem"
    ADMIN = "admin", "Quản trị hệ thống"


# The level of unit each working role belongs to.
LEVEL_OF_ROLE = {
    Role.COMMUNE_OFFICER: Level.COMMUNE,
    Role.DISTRICT_STAFF: Level.DISTRICT,
    Role.PROVINCE_STAFF: Level.PROVINCE,
}


class User(AbstractUser):
    """An officer: one unit, one role. What they see is that unit's subtree (scoping.py)."""

    full_name = models.CharField("họ và tên", max_length=120, blank=True)
    job_title = models.CharField("chức vụ", max_length=120, blank=True)
    unit = models.ForeignKey(
        AdministrativeUnit,
        verbose_name="đơn vị",
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="users",
    )
    role = models.CharField("vai trò", max_length=20, choices=Role, default=Role.VIEWER)

    class Meta:
        verbose_name = "người dùng"
        verbose_name_plural = "người dùng"
        constraints = [
            # Everyone but a system administrator works for a unit.
            models.CheckConstraint(
                condition=Q(role="admin") | Q(unit__isnull=False),
                name="user_unit_required_unless_admin",
            ),
        ]

    def __str__(self) -> str:
        return self.full_name or self.username

    @property
    def is_system_admin(self) -> bool:
        return self.role == Role.ADMIN

    def clean(self):
        super().clean()
        level = LEVEL_OF_ROLE.get(self.role)
        if level is not None and self.unit_id and self.unit.level != level:
            role, level_name = self.get_role_display(), Level(level).label.lower()
            raise ValidationError({"unit": f"Vai trò “{role}” phải thuộc đơn vị {level_name}."})
        if self.role != Role.ADMIN and not self.unit_id:
            raise ValidationError({"unit": "Người dùng phải thuộc một đơn vị."})

    def save(self, *args, **kwargs):
        if self.is_superuser and self.role != Role.ADMIN and not self.unit_id:
            self.role = Role.ADMIN  # createsuperuser
        # The Django admin is for system administrators only.
        self.is_staff = self.is_superuser = self.role == Role.ADMIN
        super().save(*args, **kwargs)
