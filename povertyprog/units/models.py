from datetime import date

from django.core.exceptions import ValidationError
from django.db import models
from django.db.models import Q

from povertyprog.lib.vietnamese import fold


class Level(models.IntegerChoices):
    PROVINCE = 1, "Cấp tỉnh"
    DISTRICT = 2, "Cấp huyện"
    COMMUNE = 3, "Cấp xã"


class Area(models.TextChoices):
    """Decides the income line of the poverty standard."""

    URBAN = "urban", "Thành thị"
    RURAL = "rural", "Nông thôn"


class DivisionType(models.TextChoices):
    PROVINCE = "tinh", "Tỉnh"
    CENTRAL_CITY = "thanh_pho_tw", "Thành phố trực thuộc trung ương"
    RURAL_DISTRICT = "huyen", "Huyện"
    URBAN_DISTRICT = "quan", "Quận"
    DISTRICT_TOWN = "thi_xa", "Thị xã"
    PROVINCIAL_CITY = "thanh_pho", "Thành phố thuộc tỉnh"
    COMMUNE = "xa", "Xã"
    WARD = "phuong", "Phường"
    TOWNSHIP = "thi_tran", "Thị trấn"
    SPECIAL_ZONE = "dac_khu", "Đặc khu"


LEVEL_OF_TYPE = {
    DivisionType.PROVINCE: Level.PROVINCE,
    DivisionType.CENTRAL_CITY: Level.PROVINCE,
    DivisionType.RURAL_DISTRICT: Level.DISTRICT,
    DivisionType.URBAN_DISTRICT: Level.DISTRICT,
    DivisionType.DISTRICT_TOWN: Level.DISTRICT,
    DivisionType.PROVINCIAL_CITY: Level.DISTRICT,
    DivisionType.COMMUNE: Level.COMMUNE,
    DivisionType.WARD: Level.COMMUNE,
    DivisionType.TOWNSHIP: Level.COMMUNE,
    DivisionType.SPECIAL_ZONE: Level.COMMUNE,
}

# Decree 07/2021 speaks of "thành thị" and "nông thôn" without listing unit types; we
# read wards and townships as urban and communes as rural. Special zones (đặc khu,
# since 1/7/2025) default to rural and can be overridden per unit: docs/decisions.md.
AREA_OF_TYPE = {
    DivisionType.WARD: Area.URBAN,
    DivisionType.TOWNSHIP: Area.URBAN,
    DivisionType.COMMUNE: Area.RURAL,
    DivisionType.SPECIAL_ZONE: Area.RURAL,
}


class AdministrativeUnitQuerySet(models.QuerySet):
    def valid_on(self, day: date):
        return self.filter(Q(valid_from__lte=day) & (Q(valid_to__isnull=True) | Q(valid_to__gte=day)))

    def subtree_of(self, unit: "AdministrativeUnit"):
        """The unit and everything below it."""
        return self.filter(path__startswith=unit.path)

    def for_code(self, code: str, year: int, tree: str | None = None) -> "AdministrativeUnit | None":
        """The unit with this code in the tree starting `tree` (YYYY-MM-DD), else in the tree in
        force on 31/12 of `year`, else in the newest tree that has the code (codes repeat across trees)."""
        units = self.filter(code=code)
        chosen = units.filter(valid_from=tree) if tree else units.valid_on(f"{year}-12-31")
        return chosen.first() or units.order_by("-valid_from").first()

    def search(self, text: str):
        return self.filter(search_name__contains=fold(text))


class AdministrativeUnit(models.Model):
    """A province, district or commune, as it stood between valid_from and valid_to.

    Trees are dated data: the three-tier tree (until 30/6/2025) and the two-tier tree
    (from 1/7/2025) live side by side, and official codes are unique only within a tree.
    """

    code = models.CharField("mã đơn vị", max_length=5)
    name = models.CharField("tên đơn vị", max_length=120)
    division_type = models.CharField("loại đơn vị", max_length=16, choices=DivisionType)
    level = models.PositiveSmallIntegerField("cấp", choices=Level)
    parent = models.ForeignKey(
        "self",
        verbose_name="đơn vị cấp trên",
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="children",
    )
    # Materialised path "20210101/06/058/01834/": the tree's start date, then the codes
    # from the province down. A unit's subtree is every row whose path starts with its path.
    path = models.CharField(max_length=64, unique=True, editable=False)
    # Lower case without diacritics, so "cam luong" finds "Xã Cẩm Lương" on any database.
    search_name = models.CharField(max_length=120, editable=False, db_index=True)
    area_override = models.CharField(
        "khu vực (ghi đè)",
        max_length=8,
        choices=Area,
        blank=True,
        help_text="Chỉ điền khi khu vực khác với mặc định theo loại đơn vị (ví dụ đặc khu).",
    )
    valid_from = models.DateField("hiệu lực từ ngày")
    valid_to = models.DateField("hiệu lực đến ngày", null=True, blank=True)

    objects = AdministrativeUnitQuerySet.as_manager()

    class Meta:
        verbose_name = "đơn vị hành chính"
        verbose_name_plural = "đơn vị hành chính"
        ordering = ["path"]
        constraints = [
            models.UniqueConstraint(fields=["code", "valid_from"], name="unit_code_unique_per_tree"),
            models.CheckConstraint(
                condition=Q(valid_to__isnull=True) | Q(valid_to__gte=models.F("valid_from")),
                name="unit_validity_ordered",
            ),
        ]
        indexes = [
            # Children of a unit, in official code order (unit browser, rollups).
            models.Index(fields=["parent", "code"], name="unit_children_idx"),
            # Provinces valid on a day (root of the browser).
            models.Index(fields=["level", "valid_from"], name="unit_level_valid_idx"),
        ]

    def __str__(self) -> str:
        return self.name

    def save(self, *args, **kwargs):
        self.level = LEVEL_OF_TYPE[self.division_type]
        self.search_name = fold(self.name)
        old_path = self.path
        self.path = self.compute_path()
        super().save(*args, **kwargs)
        if old_path and old_path != self.path:
            # Moved (admin only, rare): carry the subtree along.
            for child in self.children.all():
                child.save()

    def clean(self):
        expected = LEVEL_OF_TYPE.get(self.division_type)
        if expected is not None and self.level != expected:
            raise ValidationError({"level": "Cấp không khớp với loại đơn vị."})
        if self.parent_id is not None and self.parent.level >= self.level:
            raise ValidationError({"parent": "Đơn vị cấp trên phải ở cấp cao hơn."})
        if self.level != Level.PROVINCE and self.parent_id is None:
            raise ValidationError({"parent": "Đơn vị cấp huyện, cấp xã phải có đơn vị cấp trên."})

    @property
    def area(self) -> str | None:
        """Urban or rural for a commune-level unit; None above that level."""
        return self.area_override or AREA_OF_TYPE.get(self.division_type)

    def get_area_display(self) -> str:
        return Area(self.area).label if self.area else ""

    def compute_path(self) -> str:
        if self.parent_id is None:
            return f"{self.valid_from:%Y%m%d}/{self.code}/"
        return f"{self.parent.path}{self.code}/"

    def ancestors(self) -> list["AdministrativeUnit"]:
        """From the province down to this unit (one query: the path names them all)."""
        prefixes = []
        parts = self.path.strip("/").split("/")
        for depth in range(2, len(parts) + 1):
            prefixes.append("/".join(parts[:depth]) + "/")
        return list(AdministrativeUnit.objects.filter(path__in=prefixes).order_by("level"))


class ArrangementResolution(models.Model):
    """The National Assembly Standing Committee's resolution that arranged a province's communes
    (2025: one per new province, in force 1/7/2025). Dated data from fixtures/units/."""

    province = models.OneToOneField(
        AdministrativeUnit, verbose_name="tỉnh", on_delete=models.CASCADE, related_name="arrangement"
    )
    number = models.CharField("số", max_length=40)  # "1683/NQ-UBTVQH15"
    adopted_on = models.DateField("ngày thông qua")
    effective_on = models.DateField("có hiệu lực từ ngày")

    class Meta:
        verbose_name = "nghị quyết sắp xếp đơn vị hành chính cấp xã"
        verbose_name_plural = "nghị quyết sắp xếp đơn vị hành chính cấp xã"

    def __str__(self) -> str:
        return (
            f"Nghị quyết số {self.number} ngày {self.adopted_on:%d/%m/%Y} của Ủy ban Thường vụ Quốc hội "
            f"về việc sắp xếp các đơn vị hành chính cấp xã của {self.province.name[0].lower()}"
            f"{self.province.name[1:]} năm {self.adopted_on.year}"
        )


class UnitSuccession(models.Model):
    """A commune of the old tree and a commune of the new tree it became, wholly or in part (an
    old commune with several rows was split: its households are placed village by village)."""

    old = models.ForeignKey(
        AdministrativeUnit, verbose_name="xã cũ", on_delete=models.CASCADE, related_name="successions"
    )
    new = models.ForeignKey(
        AdministrativeUnit, verbose_name="xã mới", on_delete=models.CASCADE, related_name="sources"
    )
    effective_on = models.DateField("có hiệu lực từ ngày")

    class Meta:
        verbose_name = "sắp xếp đơn vị cấp xã"
        verbose_name_plural = "sắp xếp đơn vị cấp xã"
        constraints = [models.UniqueConstraint(fields=["old", "new"], name="succession_unique")]

    def __str__(self) -> str:
        return f"{self.old} → {self.new}"
