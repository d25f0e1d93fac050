from django.core.exceptions import ValidationError
from django.core.validators import RegexValidator
from django.db import models
from django.db.models import Q
from simple_history.models import HistoricalRecords

from households.citizen_ids import citizen_id_problem
from households.classification import AssessmentMethod, HouseholdClass, StandardValues
from households.ethnicities import ETHNICITY_CHOICES, KINH
from households.indicators import INDICATOR_BY_FIELD
from households.mpi import Parameters, fraction, parameters_problem
from povertyprog.lib.vietnamese import fold, person_sort_key
from povertyprog.units.models import AdministrativeUnit, Area


class PovertyStandardQuerySet(models.QuerySet):
    def for_year(self, year: int) -> "PovertyStandard":
        """The standard that applies to a review year; DoesNotExist when none does."""
        return self.get(first_year__lte=year, last_year__gte=year)


class PovertyStandard(models.Model):
    """A multidimensional poverty standard, valid for a range of review years.

    Dated, editable data (seeded by a migration): Decree 07/2021 for 2022-2026, Decree
    351/2025 for 2027-2030. Values the texts do not fix stay empty (see docs/decisions.md).
    """

    code = models.CharField("mã", max_length=32, unique=True)
    name = models.CharField("tên chuẩn nghèo", max_length=200)
    legal_basis = models.CharField("căn cứ pháp lý", max_length=300)
    first_year = models.PositiveSmallIntegerField("áp dụng từ năm")
    last_year = models.PositiveSmallIntegerField("áp dụng đến năm")
    rural_income_line = models.PositiveIntegerField("chuẩn thu nhập nông thôn (đồng/người/tháng)")
    urban_income_line = models.PositiveIntegerField("chuẩn thu nhập thành thị (đồng/người/tháng)")
    rural_middle_upper = models.PositiveIntegerField(
        "mức sống trung bình nông thôn đến (đồng)", null=True, blank=True
    )
    urban_middle_upper = models.PositiveIntegerField(
        "mức sống trung bình thành thị đến (đồng)", null=True, blank=True
    )
    min_deprivations = models.PositiveSmallIntegerField("số chỉ số thiếu hụt tối thiểu (hộ nghèo)", default=3)
    rural_b1_cutoff = models.PositiveSmallIntegerField("ngưỡng điểm B1 nông thôn", null=True, blank=True)
    urban_b1_cutoff = models.PositiveSmallIntegerField("ngưỡng điểm B1 thành thị", null=True, blank=True)
    rural_b1_middle_cutoff = models.PositiveSmallIntegerField(
        "ngưỡng điểm B1 mức sống trung bình nông thôn", null=True, blank=True
    )
    urban_b1_middle_cutoff = models.PositiveSmallIntegerField(
        "ngưỡng điểm B1 mức sống trung bình thành thị", null=True, blank=True
    )
    notes = models.TextField("ghi chú", blank=True)

    objects = PovertyStandardQuerySet.as_manager()
    history = HistoricalRecords()

    class Meta:
        verbose_name = "chuẩn nghèo"
        verbose_name_plural = "chuẩn nghèo"
        ordering = ["first_year"]
        constraints = [
            models.CheckConstraint(
                condition=Q(last_year__gte=models.F("first_year")), name="standard_years_ordered"
            ),
        ]

    def __str__(self) -> str:
        return f"{self.name} ({self.first_year}-{self.last_year})"

    def values(self, area: str) -> StandardValues:
        """The lines and cut-offs for an area; kept on the instance (an import asks per row)."""
        cache = self.__dict__.setdefault("_values_by_area", {})
        if area not in cache:
            cache[area] = self._values(area)
        return cache[area]

    def _values(self, area: str) -> StandardValues:
        urban = area == Area.URBAN
        return StandardValues(
            income_line=self.urban_income_line if urban else self.rural_income_line,
            middle_upper=self.urban_middle_upper if urban else self.rural_middle_upper,
            min_deprivations=self.min_deprivations,
            b1_cutoff=self.urban_b1_cutoff if urban else self.rural_b1_cutoff,
            b1_middle_cutoff=self.urban_b1_middle_cutoff if urban else self.rural_b1_middle_cutoff,
        )


class Origin(models.TextChoices):
    RESIDENT = "resident", "Hộ tại chỗ"
    MOVED_IN = "moved_in", "Chuyển đến"
    SPLIT = "split", "Tách hộ"


class Household(models.Model):
    """A household of the commune's registry. Its class each year lives on HouseholdReview."""

    code = models.CharField(
        "mã hộ",
        max_length=24,
        unique=True,
        validators=[RegexValidator(r"^[0-9A-Za-z.\-]+$", "Mã hộ chỉ gồm chữ, số, dấu chấm, gạch ngang.")],
    )
    commune = models.ForeignKey(
        AdministrativeUnit,
        verbose_name="xã, phường",
        on_delete=models.PROTECT,
        related_name="households",
        db_index=False,  # household_list_idx (commune, head_sort_key) serves it
    )
    village = models.CharField("thôn, tổ dân phố", max_length=100)
    address = models.CharField("địa chỉ", max_length=200, blank=True)
    head_name = models.CharField("họ tên chủ hộ", max_length=100)
    ethnicity = models.CharField("dân tộc của chủ hộ", max_length=2, choices=ETHNICITY_CHOICES, default=KINH)
    ethnic_minority = models.BooleanField("hộ dân tộc thiểu số", default=False)
    social_protection = models.BooleanField("hộ có đối tượng bảo trợ xã hội", default=False)
    has_merit_person = models.BooleanField("hộ có người có công với cách mạng", default=False)
    no_labour_capacity = models.BooleanField("hộ không có khả năng lao động", default=False)
    origin = models.CharField("nguồn gốc", max_length=10, choices=Origin, default=Origin.RESIDENT)
    # The commune of the 1/7/2025 tree the registry was carried into (households.carrying): the
    # years before it are re-aggregated there, whatever moves the household makes later.
    carried_into = models.ForeignKey(
        AdministrativeUnit, verbose_name="xã mới khi sắp xếp 2025", null=True, blank=True,
        on_delete=models.PROTECT, related_name="+",
    )  # fmt: skip
    # Set when the household's members joined another household (nhập hộ): it is reviewed no more.
    merged_into = models.ForeignKey(
        "self", verbose_name="đã nhập vào hộ", null=True, blank=True, on_delete=models.PROTECT,
        related_name="+",
    )  # fmt: skip
    # Derived, for search and Vietnamese sort order on any database.
    search_text = models.CharField(max_length=160, editable=False)
    head_sort_key = models.CharField(max_length=255, editable=False)
    # Optimistic lock: two tabs editing the same household cannot silently overwrite.
    version = models.PositiveIntegerField(default=1, editable=False)
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    # History is looked up by household id; the other indexes would only slow every write.
    history = HistoricalRecords(
        excluded_fields=["search_text", "head_sort_key"],
        no_db_index=["code", "commune", "carried_into", "merged_into"],
        user_db_constraint=False,
    )

    class Meta:
        verbose_name = "hộ gia đình"
        verbose_name_plural = "hộ gia đình"
        indexes = [
            # Household list of a commune in Vietnamese name order.
            models.Index(fields=["commune", "head_sort_key"], name="household_list_idx"),
        ]

    def __str__(self) -> str:
        return f"{self.head_name} ({self.code})"

    def save(self, *args, **kwargs):
        self.set_derived_fields()
        super().save(*args, **kwargs)

    def set_derived_fields(self) -> None:
        """Search text and sort key; bulk writers call this since bulk_create skips save()."""
        for name, value in household_derived_fields(self.head_name, self.code).items():
            setattr(self, name, value)


def household_derived_fields(head_name: str, code: str) -> dict[str, str]:
    """The search text and Vietnamese sort key of a household (for writers without instances)."""
    return {"search_text": fold(f"{head_name} {code}"), "head_sort_key": person_sort_key(head_name)}


class Sex(models.TextChoices):
    MALE = "M", "Nam"
    FEMALE = "F", "Nữ"


class Relation(models.TextChoices):
    HEAD = "head", "Chủ hộ"
    SPOUSE = "spouse", "Vợ/chồng"
    CHILD = "child", "Con"
    PARENT = "parent", "Bố/mẹ"
    GRANDPARENT = "grandparent", "Ông/bà"
    GRANDCHILD = "grandchild", "Cháu"
    SIBLING = "sibling", "Anh/chị/em"
    OTHER = "other", "Khác"


class EducationLevel(models.TextChoices):
    NONE = "none", "Chưa đi học / chưa tốt nghiệp tiểu học"
    PRIMARY = "tieu_hoc", "Tiểu học"
    LOWER_SECONDARY = "thcs", "Trung học cơ sở"
    UPPER_SECONDARY = "thpt", "Trung học phổ thông"
    ELEMENTARY_VOCATIONAL = "so_cap", "Sơ cấp nghề"
    INTERMEDIATE = "trung_cap", "Trung cấp"
    COLLEGE = "cao_dang", "Cao đẳng"
    UNIVERSITY = "dai_hoc", "Đại học trở lên"


class Employment(models.TextChoices):
    WAGE_CONTRACT = "wage_contract", "Làm công ăn lương, có hợp đồng lao động"
    WAGE_NO_CONTRACT = "wage_no_contract", "Làm công ăn lương, không có hợp đồng lao động"
    SELF_EMPLOYED = "self_employed", "Tự làm (nông nghiệp, kinh doanh…)"
    UNEMPLOYED = "unemployed", "Không có việc làm, có nhu cầu làm việc"
    NOT_IN_LABOUR_FORCE = "outside", "Không tham gia lao động (học sinh, nghỉ hưu, mất sức…)"


class Member(models.Model):
    household = models.ForeignKey(Household, on_delete=models.CASCADE, related_name="members")
    full_name = models.CharField("họ và tên", max_length=100)
    sex = models.CharField("giới tính", max_length=1, choices=Sex)
    birth_year = models.PositiveSmallIntegerField("năm sinh")
    birth_date = models.DateField("ngày sinh", null=True, blank=True)
    relation = models.CharField("quan hệ với chủ hộ", max_length=12, choices=Relation)
    ethnicity = models.CharField("dân tộc", max_length=2, choices=ETHNICITY_CHOICES, default=KINH)
    citizen_id = models.CharField(
        "số định danh cá nhân",
        max_length=12,
        blank=True,
        validators=[RegexValidator(r"^\d{12}$", "Số định danh cá nhân gồm đúng 12 chữ số.")],
    )
    has_health_insurance = models.BooleanField("có thẻ BHYT", default=True)
    education_level = models.CharField(
        "trình độ giáo dục", max_length=10, choices=EducationLevel, default=EducationLevel.NONE
    )
    attends_school = models.BooleanField("đang đi học", default=False)
    employment = models.CharField(
        "việc làm", max_length=16, choices=Employment, default=Employment.NOT_IN_LABOUR_FORCE
    )
    has_disability = models.BooleanField("người khuyết tật", default=False)
    monthly_social_allowance = models.BooleanField("hưởng trợ cấp xã hội hằng tháng", default=False)
    malnourished = models.BooleanField("trẻ suy dinh dưỡng (thấp còi / nhẹ cân)", default=False)

    history = HistoricalRecords(user_db_constraint=False)

    class Meta:
        verbose_name = "thành viên hộ"
        verbose_name_plural = "thành viên hộ"
        ordering = ["id"]
        constraints = [
            models.UniqueConstraint(
                fields=["citizen_id"],
                condition=~Q(citizen_id=""),
                name="member_citizen_id_unique",
                violation_error_message="Số định danh cá nhân này đã có trong sổ hộ khác.",
            ),
        ]

    def __str__(self) -> str:
        return self.full_name

    def clean(self):
        if self.birth_date and self.birth_date.year != self.birth_year:
            raise ValidationError({"birth_date": "Ngày sinh không khớp với năm sinh."})
        if self.citizen_id:
            problem = citizen_id_problem(self.citizen_id, sex=self.sex, birth_year=self.birth_year)
            if problem:
                raise ValidationError({"citizen_id": problem})


# What an officer enters about a member, in the order forms, templates and import files show it.
# A tuple: Django's inline formsets append their foreign key to a form's Meta.fields list.
MEMBER_ENTRY_FIELDS = (
    "full_name",
    "sex",
    "birth_year",
    "birth_date",
    "relation",
    "ethnicity",
    "citizen_id",
    "has_health_insurance",
    "education_level",
    "attends_school",
    "employment",
    "has_disability",
    "monthly_social_allowance",
    "malnourished",
)


class ReviewType(models.TextChoices):
    PERIODIC = "periodic", "Rà soát định kỳ"
    REGULAR = "regular", "Rà soát thường xuyên"


class Cause(models.TextChoices):
    """The 8 causes of poverty, as the poverty-data software words them."""

    LAND = "cause_land", "Thiếu đất sản xuất"
    CAPITAL = "cause_capital", "Thiếu vốn"
    LABOUR = "cause_labour", "Thiếu lao động"
    TOOLS = "cause_tools", "Thiếu công cụ sản xuất"
    KNOWLEDGE = "cause_knowledge", "Thiếu kiến thức sản xuất"
    SKILLS = "cause_skills", "Thiếu kỹ năng lao động"
    ILLNESS = "cause_illness", "Ốm đau, tai nạn"
    OTHER = "cause_other", "Khác"


class SupportNeed(models.TextChoices):
    HEALTH = "need_health", "Hỗ trợ y tế"
    EDUCATION = "need_education", "Hỗ trợ giáo dục"
    PRODUCTION = "need_production", "Hỗ trợ sản xuất"
    CREDIT = "need_credit", "Hỗ trợ vay vốn tín dụng"
    HOUSING = "need_housing", "Hỗ trợ nhà ở"
    OTHER = "need_other", "Khác"


class HouseholdReview(models.Model):
    """The result of one year's review (rà soát) of one household.

    The class is computed by households.classification from the standard, the area and the
    values below, never typed. Fields marked "snapshot" copy the household as it was, so that
    a year's statistics do not change when the household changes later; fields marked
    "history" are derived from the household's earlier reviews (households.transitions).
    """

    # No single-column indexes where a composite one serves (every index slows the imports):
    # review_one_per_household_year (household, year), review_year_commune_idx (year, commune);
    # standards and units are never deleted, so their PROTECT checks need no index either.
    household = models.ForeignKey(Household, on_delete=models.CASCADE, related_name="reviews", db_index=False)
    year = models.PositiveSmallIntegerField("năm rà soát")
    review_type = models.CharField(
        "loại rà soát", max_length=10, choices=ReviewType, default=ReviewType.PERIODIC
    )
    review_date = models.DateField("ngày rà soát")
    reviewer = models.CharField("người rà soát", max_length=100, blank=True)
    standard = models.ForeignKey(
        PovertyStandard, verbose_name="chuẩn nghèo", on_delete=models.PROTECT, db_index=False
    )
    method = models.CharField(
        "phương pháp", max_length=8, choices=AssessmentMethod, default=AssessmentMethod.INCOME
    )
    income_per_capita = models.PositiveBigIntegerField(
        "thu nhập bình quân (đồng/người/tháng)", null=True, blank=True
    )
    b1_score = models.PositiveSmallIntegerField("điểm Phiếu B1", null=True, blank=True)

    d_employment = models.BooleanField("1. Việc làm", default=False)
    d_dependants = models.BooleanField("2. Người phụ thuộc trong hộ gia đình", default=False)
    d_nutrition = models.BooleanField("3. Dinh dưỡng", default=False)
    d_health_insurance = models.BooleanField("4. Bảo hiểm y tế", default=False)
    d_adult_education = models.BooleanField("5. Trình độ giáo dục của người lớn", default=False)
    d_child_schooling = models.BooleanField("6. Tình trạng đi học của trẻ em", default=False)
    d_housing_quality = models.BooleanField("7. Chất lượng nhà ở", default=False)
    d_floor_area = models.BooleanField("8. Diện tích nhà ở bình quân đầu người", default=False)
    d_water = models.BooleanField("9. Nguồn nước sinh hoạt", default=False)
    d_latrine = models.BooleanField("10. Nhà tiêu hợp vệ sinh", default=False)
    d_telecom = models.BooleanField("11. Sử dụng dịch vụ viễn thông", default=False)
    d_information = models.BooleanField("12. Phương tiện phục vụ tiếp cận thông tin", default=False)
    # {indicator field: written reason} where the officer overrode what the members determine.
    overrides = models.JSONField("ghi đè chỉ số (lý do)", default=dict, blank=True)

    cause_land = models.BooleanField(Cause.LAND.label, default=False)
    cause_capital = models.BooleanField(Cause.CAPITAL.label, default=False)
    cause_labour = models.BooleanField(Cause.LABOUR.label, default=False)
    cause_tools = models.BooleanField(Cause.TOOLS.label, default=False)
    cause_knowledge = models.BooleanField(Cause.KNOWLEDGE.label, default=False)
    cause_skills = models.BooleanField(Cause.SKILLS.label, default=False)
    cause_illness = models.BooleanField(Cause.ILLNESS.label, default=False)
    cause_other = models.BooleanField(Cause.OTHER.label, default=False)

    need_health = models.BooleanField(SupportNeed.HEALTH.label, default=False)
    need_education = models.BooleanField(SupportNeed.EDUCATION.label, default=False)
    need_production = models.BooleanField(SupportNeed.PRODUCTION.label, default=False)
    need_credit = models.BooleanField(SupportNeed.CREDIT.label, default=False)
    need_housing = models.BooleanField(SupportNeed.HOUSING.label, default=False)
    need_other = models.BooleanField(SupportNeed.OTHER.label, default=False)

    # Computed.
    deprivation_count = models.PositiveSmallIntegerField("số chỉ số thiếu hụt", default=0)
    classification = models.CharField("phân loại", max_length=10, choices=HouseholdClass)
    # Snapshot.
    commune = models.ForeignKey(
        AdministrativeUnit, on_delete=models.PROTECT, related_name="+", db_index=False
    )
    area = models.CharField("khu vực", max_length=8, choices=Area)
    members_count = models.PositiveSmallIntegerField("số nhân khẩu")
    ethnic_minority = models.BooleanField(default=False)
    ethnicity = models.CharField(max_length=2, choices=ETHNICITY_CHOICES, default=KINH)
    no_labour_capacity = models.BooleanField(default=False)
    has_merit_person = models.BooleanField(default=False)
    # History.
    prev_class = models.CharField(max_length=10, choices=HouseholdClass, blank=True)
    prev_members_count = models.PositiveSmallIntegerField(null=True, blank=True)
    arrived = models.BooleanField(default=False)  # first review of a household that moved in / split
    was_poor_earlier = models.BooleanField(default=False)  # poor in a year before year-1
    was_near_poor_earlier = models.BooleanField(default=False)
    escaped_poverty_year = models.PositiveSmallIntegerField(null=True, blank=True)
    recently_escaped = models.BooleanField("hộ mới thoát nghèo", default=False)

    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    history = HistoricalRecords(no_db_index=["standard", "commune"], user_db_constraint=False)

    class Meta:
        verbose_name = "kết quả rà soát"
        verbose_name_plural = "kết quả rà soát"
        ordering = ["household", "year"]
        constraints = [
            models.UniqueConstraint(fields=["household", "year"], name="review_one_per_household_year"),
            models.CheckConstraint(
                condition=Q(method="income", income_per_capita__isnull=False)
                | Q(method="b1", b1_score__isnull=False),
                name="review_has_income_or_b1",
            ),
            models.CheckConstraint(condition=Q(deprivation_count__lte=12), name="review_deprivations_max_12"),
        ]
        indexes = [
            # Registry statistics: all reviews of a year in a set of communes.
            models.Index(fields=["year", "commune"], name="review_year_commune_idx"),
        ]

    def __str__(self) -> str:
        return f"{self.household} – {self.year}"

    def override_items(self) -> list[tuple[str, str]]:
        """(indicator name, reason) for each indicator the officer overrode."""
        return [(INDICATOR_BY_FIELD[field].name, reason) for field, reason in self.overrides.items()]


class RegistryRollup(models.Model):
    """Review figures summed per commune, year and transition group.

    The statistics read these rows instead of the reviews (a province has thousands of rows
    here instead of hundreds of thousands of reviews). Kept exact by households.rollups: every
    write to reviews refreshes the rows of the (commune, year) pairs it touched.
    """

    commune = models.ForeignKey(AdministrativeUnit, on_delete=models.CASCADE, related_name="+")
    # The commune's district (none in the two-tier tree) and province, so that a unit's figures
    # are one indexed equality, without joining the unit tree.
    district = models.ForeignKey(AdministrativeUnit, null=True, on_delete=models.CASCADE, related_name="+")
    province = models.ForeignKey(AdministrativeUnit, on_delete=models.CASCADE, related_name="+")
    year = models.PositiveSmallIntegerField()
    # Group keys (the change tables need them).
    classification = models.CharField(max_length=10, choices=HouseholdClass)
    prev_class = models.CharField(max_length=10, blank=True)
    arrived = models.BooleanField()
    was_poor_earlier = models.BooleanField()
    was_near_poor_earlier = models.BooleanField()
    # Measures: households, persons and households with each mark.
    households = models.PositiveIntegerField(default=0)
    persons = models.PositiveIntegerField(default=0)
    prev_persons = models.PositiveIntegerField(default=0)
    shrink_persons = models.PositiveIntegerField(default=0)
    grow_persons = models.PositiveIntegerField(default=0)
    deprivations = models.PositiveIntegerField(default=0)
    ethnic_minority = models.PositiveIntegerField(default=0)
    recently_escaped = models.PositiveIntegerField(default=0)
    no_labour_capacity = models.PositiveIntegerField(default=0)
    has_merit_person = models.PositiveIntegerField(default=0)
    other_group = models.PositiveIntegerField(default=0)
    d_employment = models.PositiveIntegerField(default=0)
    d_dependants = models.PositiveIntegerField(default=0)
    d_nutrition = models.PositiveIntegerField(default=0)
    d_health_insurance = models.PositiveIntegerField(default=0)
    d_adult_education = models.PositiveIntegerField(default=0)
    d_child_schooling = models.PositiveIntegerField(default=0)
    d_housing_quality = models.PositiveIntegerField(default=0)
    d_floor_area = models.PositiveIntegerField(default=0)
    d_water = models.PositiveIntegerField(default=0)
    d_latrine = models.PositiveIntegerField(default=0)
    d_telecom = models.PositiveIntegerField(default=0)
    d_information = models.PositiveIntegerField(default=0)
    dim_employment = models.PositiveIntegerField(default=0)
    dim_health = models.PositiveIntegerField(default=0)
    dim_education = models.PositiveIntegerField(default=0)
    dim_housing = models.PositiveIntegerField(default=0)
    dim_water = models.PositiveIntegerField(default=0)
    dim_information = models.PositiveIntegerField(default=0)
    cause_land = models.PositiveIntegerField(default=0)
    cause_capital = models.PositiveIntegerField(default=0)
    cause_labour = models.PositiveIntegerField(default=0)
    cause_tools = models.PositiveIntegerField(default=0)
    cause_knowledge = models.PositiveIntegerField(default=0)
    cause_skills = models.PositiveIntegerField(default=0)
    cause_illness = models.PositiveIntegerField(default=0)
    cause_other = models.PositiveIntegerField(default=0)

    class Meta:
        indexes = [
            # Statistics of a year for a commune, a district, a province.
            models.Index(fields=["year", "commune"], name="rollup_year_commune_idx"),
            models.Index(fields=["year", "district"], name="rollup_year_district_idx"),
            models.Index(fields=["year", "province"], name="rollup_year_province_idx"),
        ]

    def __str__(self) -> str:
        return f"{self.commune_id}/{self.year}/{self.classification}: {self.households}"


class EthnicityRollup(models.Model):
    """Poor and near-poor households per commune, year and ethnicity (kept with RegistryRollup)."""

    commune = models.ForeignKey(AdministrativeUnit, on_delete=models.CASCADE, related_name="+")
    district = models.ForeignKey(AdministrativeUnit, null=True, on_delete=models.CASCADE, related_name="+")
    province = models.ForeignKey(AdministrativeUnit, on_delete=models.CASCADE, related_name="+")
    year = models.PositiveSmallIntegerField()
    classification = models.CharField(max_length=10, choices=HouseholdClass)
    ethnicity = models.CharField(max_length=2)
    households = models.PositiveIntegerField(default=0)

    class Meta:
        indexes = [
            models.Index(fields=["year", "commune"], name="ethnicity_rollup_idx"),
            models.Index(fields=["year", "district"], name="ethnicity_rollup_district_idx"),
            models.Index(fields=["year", "province"], name="ethnicity_rollup_province_idx"),
        ]

    def __str__(self) -> str:
        return f"{self.commune_id}/{self.year}/{self.ethnicity}: {self.households}"


class DeprivationRollup(models.Model):
    """Households and persons per commune, year, number of deprivations (0-12), ethnic minority
    or not and area: the score distribution the Alkire-Foster measures need (households.mpi),
    kept exact with the other rollups (households.rollups). With equal weights a household's
    score is its number of deprivations / 12, so any cut-off k is answered from these rows."""

    commune = models.ForeignKey(AdministrativeUnit, on_delete=models.CASCADE, related_name="+")
    district = models.ForeignKey(AdministrativeUnit, null=True, on_delete=models.CASCADE, related_name="+")
    province = models.ForeignKey(AdministrativeUnit, on_delete=models.CASCADE, related_name="+")
    year = models.PositiveSmallIntegerField()
    deprivations = models.PositiveSmallIntegerField()
    ethnic_minority = models.BooleanField()
    area = models.CharField(max_length=8, choices=Area)
    households = models.PositiveIntegerField(default=0)
    persons = models.PositiveIntegerField(default=0)
    # Households deprived in each indicator (d_*) and their members (p_*).
    d_employment = models.PositiveIntegerField(default=0)
    d_dependants = models.PositiveIntegerField(default=0)
    d_nutrition = models.PositiveIntegerField(default=0)
    d_health_insurance = models.PositiveIntegerField(default=0)
    d_adult_education = models.PositiveIntegerField(default=0)
    d_child_schooling = models.PositiveIntegerField(default=0)
    d_housing_quality = models.PositiveIntegerField(default=0)
    d_floor_area = models.PositiveIntegerField(default=0)
    d_water = models.PositiveIntegerField(default=0)
    d_latrine = models.PositiveIntegerField(default=0)
    d_telecom = models.PositiveIntegerField(default=0)
    d_information = models.PositiveIntegerField(default=0)
    p_employment = models.PositiveIntegerField(default=0)
    p_dependants = models.PositiveIntegerField(default=0)
    p_nutrition = models.PositiveIntegerField(default=0)
    p_health_insurance = models.PositiveIntegerField(default=0)
    p_adult_education = models.PositiveIntegerField(default=0)
    p_child_schooling = models.PositiveIntegerField(default=0)
    p_housing_quality = models.PositiveIntegerField(default=0)
    p_floor_area = models.PositiveIntegerField(default=0)
    p_water = models.PositiveIntegerField(default=0)
    p_latrine = models.PositiveIntegerField(default=0)
    p_telecom = models.PositiveIntegerField(default=0)
    p_information = models.PositiveIntegerField(default=0)

    class Meta:
        indexes = [
            models.Index(fields=["year", "commune"], name="deprivation_rollup_idx"),
            models.Index(fields=["year", "district"], name="deprivation_rollup_dist_idx"),
            models.Index(fields=["year", "province"], name="deprivation_rollup_prov_idx"),
        ]

    def __str__(self) -> str:
        return f"{self.commune_id}/{self.year}/{self.deprivations}: {self.households}"


class MpiParameters(models.Model):
    """The weights of the 12 indicators and the poverty cut-off k of the Alkire-Foster measures
    for a span of years (dated data, like the standards; decisions.md D53)."""

    first_year = models.PositiveSmallIntegerField("áp dụng từ năm")
    last_year = models.PositiveSmallIntegerField("áp dụng đến năm")
    cutoff = models.CharField(
        "ngưỡng nghèo k",
        max_length=16,
        help_text="Phân số hoặc số thập phân, ví dụ 1/4 (thiếu hụt từ 3/12 trở lên).",
    )
    weights = models.JSONField(
        "trọng số các chỉ số", help_text="Mỗi chỉ số một phân số, tổng bằng 1; mặc định mỗi chỉ số 1/12."
    )
    source = models.CharField("căn cứ", max_length=300)
    history = HistoricalRecords()

    class Meta:
        verbose_name = "tham số nghèo đa chiều (Alkire-Foster)"
        verbose_name_plural = "tham số nghèo đa chiều (Alkire-Foster)"
        ordering = ["first_year"]
        constraints = [
            models.CheckConstraint(
                condition=Q(last_year__gte=models.F("first_year")), name="mpi_years_ordered"
            ),
        ]

    def __str__(self) -> str:
        return f"k = {self.cutoff} ({self.first_year}-{self.last_year})"

    def parameters(self) -> Parameters:
        return Parameters({field: fraction(w) for field, w in self.weights.items()}, fraction(self.cutoff))

    def clean(self) -> None:
        if not isinstance(self.weights, dict):
            raise ValidationError(
                {"weights": 'Trọng số ghi dạng {"d_employment": "1/12", …}: mỗi chỉ số một phân số.'}
            )
        try:
            weights = {field: fraction(w) for field, w in self.weights.items()}
            problem = parameters_problem(weights, fraction(self.cutoff))
        except ValueError as error:
            problem = str(error)
        if problem:
            raise ValidationError(problem)
        overlapping = MpiParameters.objects.exclude(pk=self.pk).filter(
            first_year__lte=self.last_year, last_year__gte=self.first_year
        )
        if overlapping.exists():
            raise ValidationError(
                f"Các năm {self.first_year}-{self.last_year} trùng với bộ tham số {overlapping.first()}."
            )


class ImportJob(models.Model):
    """One uploaded household list: checked (preview), then imported on confirmation."""

    class Status(models.TextChoices):
        CHECKING = "checking", "Đang kiểm tra"
        CHECKED = "checked", "Đã kiểm tra, chờ xác nhận"
        REFUSED = "refused", "Tệp bị từ chối"
        IMPORTING = "importing", "Đang nhập"
        DONE = "done", "Đã nhập xong"
        FAILED = "failed", "Lỗi khi nhập"

    user = models.ForeignKey("accounts.User", on_delete=models.PROTECT, related_name="+")
    unit = models.ForeignKey(AdministrativeUnit, on_delete=models.PROTECT, related_name="+")
    year = models.PositiveSmallIntegerField("năm rà soát")
    original_name = models.CharField("tên tệp", max_length=255)
    stored_name = models.CharField(max_length=100, editable=False)  # generated: <uuid>.<ext> under MEDIA_ROOT
    status = models.CharField(max_length=10, choices=Status, default=Status.CHECKING)
    total_rows = models.PositiveIntegerField(default=0)
    created_count = models.PositiveIntegerField(default=0)
    updated_count = models.PositiveIntegerField(default=0)
    unchanged_count = models.PositiveIntegerField(default=0)
    problems = models.JSONField(default=list, blank=True)  # the first SHOWN_PROBLEMS, in file order
    problem_count = models.PositiveIntegerField(default=0)
    message = models.TextField(blank=True)
    # The background task running the job's current step (django-tasks' result id), if any.
    task_id = models.CharField(max_length=64, blank=True, editable=False)
    created_at = models.DateTimeField(auto_now_add=True)
    finished_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        verbose_name = "lượt nhập tệp"
        verbose_name_plural = "lượt nhập tệp"
        ordering = ["-created_at"]

    def __str__(self) -> str:
        return f"{self.original_name} ({self.get_status_display()})"

    @property
    def status_label(self) -> str:
        """The status as the officer reads it: a checked file with errors waits for no confirmation."""
        if self.status == self.Status.CHECKED and self.problem_count:
            return f"Có {self.problem_count} lỗi: chưa nhập được, sửa tệp rồi tải lên lại"
        return self.get_status_display()

    @property
    def can_confirm(self) -> bool:
        """Checked without problems and with something to write; a failed import may be retried."""
        ready = self.status in (self.Status.CHECKED, self.Status.FAILED)
        return ready and not self.problem_count and (self.created_count + self.updated_count) > 0

    @property
    def hidden_problems(self) -> int:
        return self.problem_count - len(self.problems)


class PersonalDataExport(models.Model):
    """One download of a list that names people (Law 91/2025/QH15 on personal data protection,
    Decree 13/2023/NĐ-CP): who, when, which unit, which filter, how many rows, and why."""

    class Kind(models.TextChoices):
        LIST = "list", "Danh sách hộ và thành viên"
        POSTING = "posting", "Danh sách niêm yết công khai"

    user = models.ForeignKey("accounts.User", on_delete=models.PROTECT, related_name="+")
    unit = models.ForeignKey(AdministrativeUnit, on_delete=models.PROTECT, related_name="+")
    kind = models.CharField("loại", max_length=8, choices=Kind)
    year = models.PositiveSmallIntegerField("năm")
    filter = models.CharField("điều kiện lọc", max_length=100, blank=True)
    file_format = models.CharField("định dạng", max_length=4)
    purpose = models.CharField("mục đích", max_length=20)
    rows = models.PositiveIntegerField("số hộ")
    ids_shown = models.BooleanField("hiện đủ số định danh", default=False)
    created_at = models.DateTimeField("lúc", auto_now_add=True)

    class Meta:
        verbose_name = "lượt xuất dữ liệu cá nhân"
        verbose_name_plural = "lượt xuất dữ liệu cá nhân"
        ordering = ["-created_at"]
        # The log page lists a subtree's exports, newest first.
        indexes = [models.Index(fields=["unit", "-created_at"], name="pd_export_unit_idx")]

    def __str__(self) -> str:
        return f"{self.user} – {self.get_kind_display()} {self.unit} {self.year} ({self.rows} hộ)"


class VillagePlacement(models.Model):
    """Where the households of one village (thôn, tổ dân phố) of an old commune split by the 2025
    arrangement go: the new commune, assigned by an officer before the registry is carried."""

    old_commune = models.ForeignKey(
        AdministrativeUnit, verbose_name="xã cũ", on_delete=models.PROTECT, related_name="+"
    )
    village = models.CharField("thôn, tổ dân phố", max_length=100)
    new_commune = models.ForeignKey(
        AdministrativeUnit, verbose_name="xã mới", on_delete=models.PROTECT, related_name="+"
    )

    history = HistoricalRecords(user_db_constraint=False)

    class Meta:
        verbose_name = "phân thôn về xã mới"
        verbose_name_plural = "phân thôn về xã mới"
        constraints = [
            models.UniqueConstraint(fields=["old_commune", "village"], name="village_placement_unique")
        ]

    def __str__(self) -> str:
        return f"{self.village} ({self.old_commune}) → {self.new_commune}"


class MoveKind(models.TextChoices):
    MOVED = "moved", "Chuyển đi nơi khác"
    SPLIT = "split", "Tách hộ"
    MERGED = "merged", "Nhập hộ"


class HouseholdMove(models.Model):
    """A household leaving its commune (chuyển đi / chuyển đến), or members leaving it to form a
    new household (tách hộ) or to join another (nhập hộ). The household and its members keep
    their records and histories; the change tables count the move from the reviews."""

    kind = models.CharField("loại", max_length=8, choices=MoveKind)
    household = models.ForeignKey(
        Household, verbose_name="hộ", on_delete=models.PROTECT, related_name="moves"
    )
    # Split: the new household; merge: the household joined.
    other = models.ForeignKey(
        Household,
        verbose_name="hộ liên quan",
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
    )
    from_commune = models.ForeignKey(
        AdministrativeUnit, verbose_name="từ xã", on_delete=models.PROTECT, related_name="+"
    )
    to_commune = models.ForeignKey(
        AdministrativeUnit, verbose_name="đến xã", on_delete=models.PROTECT, related_name="+"
    )
    moved_on = models.DateField("ngày")
    members = models.PositiveSmallIntegerField("số nhân khẩu chuyển", default=0)
    note = models.CharField("ghi chú", max_length=200, blank=True)
    recorded_by = models.ForeignKey("accounts.User", on_delete=models.PROTECT, related_name="+")
    recorded_at = models.DateTimeField("lúc ghi", auto_now_add=True)

    class Meta:
        verbose_name = "biến động hộ"
        verbose_name_plural = "biến động hộ"
        ordering = ["-moved_on", "-id"]

    def __str__(self) -> str:
        return f"{self.get_kind_display()}: {self.household} {self.from_commune} → {self.to_commune}"


class Resolution(models.TextChoices):
    HOLDER_KEEPS = "holder", "Người này thuộc hộ đang giữ số: bỏ dòng nhập sau"
    CLAIMANT_KEEPS = "claimant", "Người này đã chuyển sang hộ nhập sau: chuyển thành viên sang"
    DIFFERENT = "different", "Hai người khác nhau, số nhập sau bị nhầm: giữ thành viên, bỏ số"


class CitizenIdConflict(models.Model):
    """One personal ID number entered for a member of a household while another household's
    member holds it. The new member is saved without the number and waits here until one of
    the units involved decides who keeps the person (Law 91/2025: one person, one record)."""

    citizen_id = models.CharField("số định danh cá nhân", max_length=12)
    holder = models.ForeignKey(
        Member, verbose_name="thành viên đang giữ số", null=True, on_delete=models.SET_NULL, related_name="+"
    )
    claimant = models.ForeignKey(
        Member, verbose_name="thành viên nhập sau", null=True, on_delete=models.SET_NULL, related_name="+"
    )
    # Kept for the record when a member row goes away with the resolution.
    holder_household = models.ForeignKey(Household, on_delete=models.PROTECT, related_name="+")
    claimant_household = models.ForeignKey(Household, on_delete=models.PROTECT, related_name="+")
    claimant_name = models.CharField("họ tên nhập sau", max_length=100)
    raised_by = models.ForeignKey("accounts.User", on_delete=models.PROTECT, related_name="+")
    raised_at = models.DateTimeField("lúc phát hiện", auto_now_add=True)
    resolution = models.CharField("cách giải quyết", max_length=10, choices=Resolution, blank=True)
    resolved_by = models.ForeignKey(
        "accounts.User", null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    resolved_at = models.DateTimeField("lúc giải quyết", null=True, blank=True)

    history = HistoricalRecords(user_db_constraint=False)

    class Meta:
        verbose_name = "trùng số định danh"
        verbose_name_plural = "trùng số định danh"
        ordering = ["raised_at", "id"]

    def __str__(self) -> str:
        return f"{self.citizen_id}: {self.holder_household.code} / {self.claimant_household.code}"


# --- The review season (Quyết định 24/2021/QĐ-TTg; the 2025 commune procedure) -------------------


class Village(models.Model):
    """A thôn / tổ dân phố of a commune: the list the commune keeps, used by the household form,
    the import and the season's pages (a name outside it is refused once the list exists)."""

    commune = models.ForeignKey(
        AdministrativeUnit, verbose_name="xã, phường", on_delete=models.PROTECT, related_name="villages"
    )
    name = models.CharField("tên thôn, tổ dân phố", max_length=100)
    folded = models.CharField(max_length=100, editable=False)
    active = models.BooleanField("đang dùng", default=True)

    history = HistoricalRecords(user_db_constraint=False)

    class Meta:
        verbose_name = "thôn, tổ dân phố"
        verbose_name_plural = "thôn, tổ dân phố"
        ordering = ["commune", "name"]
        constraints = [
            models.UniqueConstraint(fields=["commune", "folded"], name="village_unique_per_commune")
        ]

    def __str__(self) -> str:
        return self.name

    def save(self, *args, **kwargs):
        self.name = " ".join(self.name.split())
        self.folded = fold(self.name)
        super().save(*args, **kwargs)


class PhieuACriterion(models.Model):
    """One of the 9 criteria of Phiếu A (TT 07/2021 Phụ lục II, re-issued by TT 02/2022). Their
    wording is not confirmed by a legal text seen here: the administrator corrects it."""

    number = models.PositiveSmallIntegerField("số thứ tự", unique=True)
    text = models.TextField("nội dung tiêu chí")

    history = HistoricalRecords(user_db_constraint=False)

    class Meta:
        verbose_name = "tiêu chí Phiếu A"
        verbose_name_plural = "tiêu chí Phiếu A"
        ordering = ["number"]
        constraints = [
            models.CheckConstraint(condition=Q(number__gte=1, number__lte=9), name="phieu_a_number_1_9")
        ]

    def __str__(self) -> str:
        return f"{self.number:02d}. {self.text}"


class CaseKind(models.TextChoices):
    PERIODIC = "periodic", "Rà soát định kỳ"
    REGULAR = "regular", "Rà soát thường xuyên"


class CaseRequest(models.TextChoices):
    ENTER = "enter", "Đề nghị xét duyệt hộ nghèo, hộ cận nghèo"
    LEAVE = "leave", "Đề nghị xét duyệt thoát nghèo, thoát cận nghèo"
    LISTED = "listed", "Do thôn, Ban chỉ đạo xã đưa vào danh sách"


class Step(models.TextChoices):
    """Where a household's review stands in the year's procedure (ReviewCase.step). SURVEYED is
    never stored: a case waiting for Phiếu B is surveyed as soon as its review of the year exists,
    whichever path wrote it (form, import, bulk): households.season.step_of / steps_annotated."""

    LISTED = "listed", "Có trong danh sách, chờ Phiếu A"
    SCREENED_OUT = "screened_out", "Không rà soát tiếp (Phiếu A có từ 4 tiêu chí)"
    PHIEU_B = "phieu_b", "Chờ Phiếu B"
    SURVEYED = "surveyed", "Đã chấm Phiếu B, chờ họp thôn"
    REREVIEW = "rereview", "Họp thôn dưới 50% đồng ý: rà soát lại, họp lại"
    AGREED = "agreed", "Họp thôn đồng ý, chờ niêm yết"
    POSTED = "posted", "Đã niêm yết"
    RECOGNISED = "recognised", "Đã công nhận"
    REFUSED = "refused", "Không công nhận (đã trả lời bằng văn bản)"


class VillageMeeting(models.Model):
    """The village meeting on the households reviewed (chaired by the village head, the commune
    Front invited to supervise); a household below 50% of those attending is reviewed again and
    discussed at a new meeting. Minutes: Phụ lục V, two sets."""

    commune = models.ForeignKey(AdministrativeUnit, on_delete=models.PROTECT, related_name="+")
    village = models.ForeignKey(
        Village, verbose_name="thôn", on_delete=models.PROTECT, related_name="meetings"
    )
    year = models.PositiveSmallIntegerField("năm rà soát")
    held_on = models.DateField("ngày họp")
    chair = models.CharField("chủ trì (trưởng thôn)", max_length=100)
    secretary = models.CharField("thư ký", max_length=100, blank=True)
    supervisor = models.CharField("đại diện Mặt trận Tổ quốc giám sát", max_length=100, blank=True)
    attending = models.PositiveIntegerField("số người dự họp")
    recorded_by = models.ForeignKey("accounts.User", on_delete=models.PROTECT, related_name="+")

    history = HistoricalRecords(user_db_constraint=False)

    class Meta:
        verbose_name = "cuộc họp thôn"
        verbose_name_plural = "cuộc họp thôn"
        ordering = ["held_on", "id"]
        indexes = [models.Index(fields=["commune", "year"], name="meeting_commune_year_idx")]
        constraints = [
            models.CheckConstraint(condition=Q(attending__gt=0), name="meeting_attending_positive")
        ]

    def __str__(self) -> str:
        return f"Họp {self.village} ngày {self.held_on:%d/%m/%Y}"


class PostingKind(models.TextChoices):
    LIST = "list", "Niêm yết danh sách"
    RECHECK = "recheck", "Niêm yết lại kết quả phúc tra"


class Posting(models.Model):
    """A public posting (niêm yết công khai) at the village hall and the commune People's Committee
    for 3 working days; `ends_on` computed from the work calendar when posted."""

    commune = models.ForeignKey(AdministrativeUnit, on_delete=models.PROTECT, related_name="+")
    village = models.ForeignKey(
        Village, verbose_name="thôn", on_delete=models.PROTECT, related_name="postings"
    )
    year = models.PositiveSmallIntegerField("năm rà soát")
    kind = models.CharField("loại", max_length=8, choices=PostingKind, default=PostingKind.LIST)
    posted_on = models.DateField("ngày niêm yết")
    ends_on = models.DateField("hết hạn niêm yết")
    recorded_by = models.ForeignKey("accounts.User", on_delete=models.PROTECT, related_name="+")

    history = HistoricalRecords(user_db_constraint=False)

    class Meta:
        verbose_name = "niêm yết công khai"
        verbose_name_plural = "niêm yết công khai"
        ordering = ["posted_on", "id"]
        indexes = [models.Index(fields=["commune", "year"], name="posting_commune_year_idx")]

    def __str__(self) -> str:
        return f"{self.get_kind_display()} {self.village} {self.posted_on:%d/%m/%Y}"


class ReviewCase(models.Model):
    """A household's review in one year, step by step: application (Mẫu số 01) or listing,
    Phiếu A, Phiếu B (the HouseholdReview of the year), village meeting, posting, complaints,
    recognition (Mẫu số 02 / 03) or a written refusal. Written only by households.season."""

    household = models.ForeignKey(Household, on_delete=models.PROTECT, related_name="cases")
    year = models.PositiveSmallIntegerField("năm rà soát")
    commune = models.ForeignKey(AdministrativeUnit, on_delete=models.PROTECT, related_name="+")
    village = models.ForeignKey(Village, verbose_name="thôn", on_delete=models.PROTECT, related_name="cases")
    kind = models.CharField("hình thức", max_length=8, choices=CaseKind, default=CaseKind.PERIODIC)
    request = models.CharField("nội dung", max_length=8, choices=CaseRequest, default=CaseRequest.LISTED)
    applied_on = models.DateField("ngày nộp giấy đề nghị", null=True, blank=True)
    applicant = models.CharField("người làm giấy đề nghị", max_length=100, blank=True)
    # In-year review: settled within 15 days of the monthly start (households.procedure).
    due_on = models.DateField("hạn giải quyết", null=True, blank=True)
    step = models.CharField("bước", max_length=12, choices=Step, default=Step.LISTED)
    phieu_a = models.JSONField("tiêu chí Phiếu A đạt", default=list, blank=True)  # criterion numbers
    phieu_a_on = models.DateField("ngày rà soát Phiếu A", null=True, blank=True)
    meeting = models.ForeignKey(
        VillageMeeting, verbose_name="họp thôn gần nhất", null=True, blank=True, on_delete=models.PROTECT
    )
    agreed = models.PositiveIntegerField("số người đồng ý", null=True, blank=True)
    posting = models.ForeignKey(
        Posting,
        verbose_name="niêm yết",
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="cases",
    )
    decided_on = models.DateField("ngày công nhận / trả lời", null=True, blank=True)
    decision = models.CharField("quyết định công nhận", max_length=40, blank=True)
    refusal_reason = models.TextField("lý do không công nhận", blank=True)
    version = models.PositiveIntegerField(default=1, editable=False)
    updated_at = models.DateTimeField(auto_now=True)

    history = HistoricalRecords(user_db_constraint=False)

    class Meta:
        verbose_name = "hồ sơ rà soát của hộ"
        verbose_name_plural = "hồ sơ rà soát của hộ"
        ordering = ["village", "household__head_sort_key"]
        constraints = [
            models.UniqueConstraint(fields=["household", "year"], name="case_one_per_household_year")
        ]
        indexes = [models.Index(fields=["commune", "year", "village", "step"], name="case_season_idx")]

    def __str__(self) -> str:
        return f"{self.household} – {self.year}"


class MeetingVote(models.Model):
    """One household discussed at a village meeting: how many of those attending agreed."""

    meeting = models.ForeignKey(VillageMeeting, on_delete=models.PROTECT, related_name="votes")
    case = models.ForeignKey(ReviewCase, on_delete=models.PROTECT, related_name="votes")
    agreed = models.PositiveIntegerField("số người đồng ý")
    agrees = models.BooleanField("đạt từ 50% trở lên")

    class Meta:
        verbose_name = "biểu quyết tại họp thôn"
        verbose_name_plural = "biểu quyết tại họp thôn"
        constraints = [models.UniqueConstraint(fields=["meeting", "case"], name="vote_one_per_meeting_case")]

    def __str__(self) -> str:
        return f"{self.meeting}: {self.case} {self.agreed}"


class Ground(models.TextChoices):
    LEFT_OUT = "left_out", "Bị bỏ sót (đủ điều kiện nhưng không có tên)"
    WRONGLY_IN = "wrongly_in", "Có tên nhưng không đủ điều kiện"
    WRONG_DATA = "wrong_data", "Thông tin của hộ không đúng"


class Complaint(models.Model):
    """A complaint about one household's review: re-checked (phúc tra) within 7 working days, the
    result posted again for 3 working days. Open until that re-posting is recorded: an open
    complaint blocks the household's recognition."""

    case = models.ForeignKey(ReviewCase, on_delete=models.PROTECT, related_name="complaints")
    lodged_on = models.DateField("ngày khiếu nại")
    complainant = models.CharField("người khiếu nại", max_length=100)
    ground = models.CharField("nội dung", max_length=10, choices=Ground)
    details = models.TextField("chi tiết", blank=True)
    recheck_due = models.DateField("hạn phúc tra")
    rechecked_on = models.DateField("ngày phúc tra", null=True, blank=True)
    result = models.TextField("kết quả phúc tra", blank=True)
    reposting = models.ForeignKey(
        Posting,
        verbose_name="niêm yết lại",
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
    )
    recorded_by = models.ForeignKey("accounts.User", on_delete=models.PROTECT, related_name="+")

    history = HistoricalRecords(user_db_constraint=False)

    class Meta:
        verbose_name = "khiếu nại"
        verbose_name_plural = "khiếu nại"
        ordering = ["lodged_on", "id"]

    def __str__(self) -> str:
        return f"Khiếu nại {self.case} ngày {self.lodged_on:%d/%m/%Y}"

    @property
    def is_open(self) -> bool:
        return self.reposting_id is None
