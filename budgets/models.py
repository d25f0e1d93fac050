"""The program catalogue (dated data), budget lines, policy results, activity outputs and
mobilised resources of a unit and year.

Amounts are whole đồng (BigInteger): screens and documents show triệu đồng. No total is ever
stored: a project's figures are the sums of its sub-projects' lines (budgets.selectors).
"""

from django.conf import settings
from django.db import models
from django.db.models import Q
from simple_history.models import HistoricalRecords

from povertyprog.units.models import AdministrativeUnit


class ProgramQuerySet(models.QuerySet):
    def for_year(self, year: int) -> "Program":
        """The program in force in `year` (Program.DoesNotExist when none)."""
        return self.get(first_year__lte=year, last_year__gte=year)


class Program(models.Model):
    """A national target program for a span of years (QĐ 90/QĐ-TTg for 2021-2025, …)."""

    code = models.CharField("mã", max_length=20, unique=True)
    name = models.CharField("tên chương trình", max_length=300)
    legal_basis = models.CharField("căn cứ", max_length=300, blank=True)
    first_year = models.PositiveSmallIntegerField("từ năm")
    last_year = models.PositiveSmallIntegerField("đến năm")

    objects = ProgramQuerySet.as_manager()
    history = HistoricalRecords()

    class Meta:
        verbose_name = "chương trình"
        verbose_name_plural = "chương trình"
        ordering = ["first_year"]

    def __str__(self) -> str:
        return f"{self.name} ({self.first_year}-{self.last_year})"


class Scope(models.TextChoices):
    ALL = "all", "Toàn quốc"
    POOR_AREAS = "poor_areas", "Huyện nghèo, xã đặc biệt khó khăn vùng bãi ngang, ven biển và hải đảo"


class CapitalType(models.TextChoices):
    INVESTMENT = "dtpt", "Vốn đầu tư phát triển"
    RECURRENT = "su_nghiep", "Kinh phí sự nghiệp"


class Component(models.Model):
    """A project (dự án) of a program, or a sub-project (tiểu dự án) of a project.

    Budget lines, outputs and results attach to leaves: a sub-project, or a project that has
    no sub-projects. `number` is the official number within its parent (Dự án 4, Tiểu dự án 3),
    kept even where a locality reports only some of them.
    """

    program = models.ForeignKey(Program, verbose_name="chương trình", on_delete=models.PROTECT,
                                related_name="components")  # fmt: skip
    parent = models.ForeignKey(
        "self", verbose_name="thuộc dự án", null=True, blank=True, on_delete=models.PROTECT,
        related_name="children",
    )  # fmt: skip
    number = models.PositiveSmallIntegerField("số thứ tự chính thức")
    name = models.CharField("tên", max_length=300)
    scope = models.CharField("phạm vi áp dụng", max_length=12, choices=Scope, default=Scope.ALL)
    capital_types = models.JSONField(
        "loại vốn",
        default=list,
        help_text='Danh sách loại vốn được giao: ["dtpt"], ["su_nghiep"] hoặc cả hai.',
    )
    # What the program calls this level: "Dự án" / "Tiểu dự án" (2021-2025, the default),
    # "Hợp phần" / "Nội dung thành phần" (2026-2035).
    term = models.CharField("tên gọi cấp", max_length=40, blank=True)

    history = HistoricalRecords()

    class Meta:
        verbose_name = "dự án, tiểu dự án"
        verbose_name_plural = "dự án, tiểu dự án"
        ordering = ["program", "parent__number", "number"]
        constraints = [
            models.UniqueConstraint(fields=["program", "parent", "number"], name="component_number_unique"),
            models.UniqueConstraint(
                fields=["program", "number"], condition=Q(parent__isnull=True), name="project_number_unique"
            ),
        ]

    def __str__(self) -> str:
        return f"{self.label}: {self.name}"

    @property
    def is_project(self) -> bool:
        return self.parent_id is None

    @property
    def label(self) -> str:
        return f"{self.term or ('Dự án' if self.is_project else 'Tiểu dự án')} {self.number}"


class ProgramArea(models.Model):
    """A unit where the components for poor areas apply (poor district, ĐBKK coastal commune),
    by the list in force for the program (QĐ 353/QĐ-TTg for 2021-2025)."""

    program = models.ForeignKey(Program, on_delete=models.CASCADE, related_name="areas")
    unit = models.ForeignKey(
        AdministrativeUnit, verbose_name="đơn vị", on_delete=models.PROTECT, related_name="+"
    )
    basis = models.CharField("căn cứ", max_length=200, blank=True)

    class Meta:
        verbose_name = "địa bàn đặc thù (huyện nghèo, xã ĐBKK)"
        verbose_name_plural = "địa bàn đặc thù (huyện nghèo, xã ĐBKK)"
        constraints = [models.UniqueConstraint(fields=["program", "unit"], name="program_area_unique")]

    def __str__(self) -> str:
        return f"{self.unit} ({self.program.code})"


class Source(models.TextChoices):
    CENTRAL = "central", "Ngân sách trung ương"
    LOCAL = "local", "Ngân sách địa phương"
    INTEGRATED = "integrated", "Vốn lồng ghép"
    CREDIT = "credit", "Vốn tín dụng chính sách"
    MOBILISED = "mobilised", "Vốn huy động hợp pháp khác"


STAGES = {
    "assigned": "Kế hoạch vốn giao",
    "allocated": "Đã phân bổ",
    "carried_over": "Chuyển nguồn từ năm trước",
    "disbursed": "Đã giải ngân",
}


class BudgetLine(models.Model):
    """The funds of one unit, year, leaf component, capital type and source, by stage (đồng)."""

    unit = models.ForeignKey(
        AdministrativeUnit, verbose_name="đơn vị", on_delete=models.PROTECT, related_name="+"
    )
    year = models.PositiveSmallIntegerField("năm")
    component = models.ForeignKey(Component, verbose_name="dự án, tiểu dự án", on_delete=models.PROTECT)
    capital_type = models.CharField("loại vốn", max_length=10, choices=CapitalType)
    source = models.CharField("nguồn vốn", max_length=10, choices=Source)
    assigned = models.PositiveBigIntegerField(STAGES["assigned"], default=0)
    allocated = models.PositiveBigIntegerField(STAGES["allocated"], default=0)
    carried_over = models.PositiveBigIntegerField(STAGES["carried_over"], default=0)
    disbursed = models.PositiveBigIntegerField(STAGES["disbursed"], default=0)
    disbursed_as_of = models.DateField("giải ngân tính đến ngày", null=True, blank=True)
    version = models.PositiveIntegerField(default=1, editable=False)
    updated_at = models.DateTimeField(auto_now=True)
    updated_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, on_delete=models.SET_NULL, related_name="+"
    )

    history = HistoricalRecords()

    class Meta:
        verbose_name = "dòng ngân sách"
        verbose_name_plural = "ngân sách"
        constraints = [
            models.UniqueConstraint(
                fields=["unit", "year", "component", "capital_type", "source"], name="budget_line_unique"
            ),
            models.CheckConstraint(
                condition=Q(disbursed__lte=models.F("allocated") + models.F("carried_over")),
                name="budget_disbursed_within_funds",
            ),
        ]
        indexes = [models.Index(fields=["year", "unit"], name="budget_year_unit_idx")]

    def __str__(self) -> str:
        return f"{self.unit} {self.year} {self.component.label} {self.capital_type} {self.source}"

    @property
    def remaining(self) -> int:
        return self.allocated + self.carried_over - self.disbursed


class Beneficiary(models.TextChoices):
    HOUSEHOLDS = "households", "hộ"
    HOUSEHOLD_LOANS = "household_loans", "lượt hộ"  # a household may borrow more than once
    PERSONS = "persons", "người"


class Policy(models.TextChoices):
    """The general poverty-reduction policies (chính sách giảm nghèo chung) reports list."""

    CREDIT = "credit", "Tín dụng ưu đãi"
    HEALTH_INSURANCE = "health_insurance", "Cấp thẻ bảo hiểm y tế"
    EDUCATION = "education", "Hỗ trợ giáo dục"
    ELECTRICITY = "electricity", "Hỗ trợ tiền điện"
    WATER_SANITATION = "water", "Nước sinh hoạt, nhà tiêu hợp vệ sinh"
    HOUSING = "housing", "Hỗ trợ nhà ở"
    LEGAL_AID = "legal_aid", "Trợ giúp pháp lý"
    TET = "tet", "Hỗ trợ dịp Tết"
    OTHER = "other", "Chính sách khác"


POLICY_BENEFICIARY = {
    Policy.CREDIT: Beneficiary.HOUSEHOLD_LOANS,
    Policy.HEALTH_INSURANCE: Beneficiary.PERSONS,
    Policy.EDUCATION: Beneficiary.PERSONS,
    Policy.ELECTRICITY: Beneficiary.HOUSEHOLDS,
    Policy.WATER_SANITATION: Beneficiary.HOUSEHOLDS,
    Policy.HOUSING: Beneficiary.HOUSEHOLDS,
    Policy.LEGAL_AID: Beneficiary.PERSONS,
    Policy.TET: Beneficiary.HOUSEHOLDS,
    Policy.OTHER: Beneficiary.PERSONS,
}


class Breakdown(models.Model):
    """How many of the beneficiaries were poor, near-poor, recently escaped, ethnic minority."""

    poor = models.PositiveIntegerField("hộ nghèo", null=True, blank=True)
    near_poor = models.PositiveIntegerField("hộ cận nghèo", null=True, blank=True)
    recently_escaped = models.PositiveIntegerField("hộ mới thoát nghèo", null=True, blank=True)
    ethnic_minority = models.PositiveIntegerField("dân tộc thiểu số", null=True, blank=True)

    class Meta:
        abstract = True


class PolicyResult(Breakdown):
    unit = models.ForeignKey(
        AdministrativeUnit, verbose_name="đơn vị", on_delete=models.PROTECT, related_name="+"
    )
    year = models.PositiveSmallIntegerField("năm")
    # A figure recorded in `year` may cover several years (seed 004's credit of 2021 - 6/2024):
    # the first year it covers; empty for the year alone. Documents say the period it covers.
    covers_from = models.PositiveSmallIntegerField("lũy kế từ năm", null=True, blank=True)
    policy = models.CharField("chính sách", max_length=20, choices=Policy)
    beneficiaries = models.PositiveIntegerField("số đối tượng được hỗ trợ", default=0)
    amount = models.PositiveBigIntegerField("kinh phí (đồng)", default=0)
    note = models.CharField("ghi chú", max_length=300, blank=True)
    version = models.PositiveIntegerField(default=1, editable=False)

    history = HistoricalRecords()

    class Meta:
        verbose_name = "kết quả chính sách giảm nghèo chung"
        verbose_name_plural = "kết quả chính sách giảm nghèo chung"
        constraints = [
            models.UniqueConstraint(fields=["unit", "year", "policy"], name="policy_result_unique")
        ]

    def __str__(self) -> str:
        return f"{self.unit} {self.year} {self.get_policy_display()}"

    @property
    def beneficiary_unit(self) -> str:
        return POLICY_BENEFICIARY[self.policy].label


class OutputKind(models.Model):
    """A kind of count-type result of a component (classes held, trainees, houses, models…).
    Configured by a system administrator: new kinds need no code."""

    component = models.ForeignKey(Component, verbose_name="dự án, tiểu dự án", on_delete=models.CASCADE,
                                  related_name="output_kinds")  # fmt: skip
    name = models.CharField("tên kết quả", max_length=200)
    measure = models.CharField("đơn vị tính", max_length=30)
    has_breakdown = models.BooleanField(
        "chia theo nhóm hộ", default=False, help_text="Trong đó: hộ nghèo, cận nghèo, mới thoát nghèo, DTTS."
    )
    position = models.PositiveSmallIntegerField("thứ tự", default=0)

    class Meta:
        verbose_name = "loại kết quả hoạt động"
        verbose_name_plural = "loại kết quả hoạt động"
        ordering = ["component", "position", "pk"]

    def __str__(self) -> str:
        return f"{self.name} ({self.measure})"


class ActivityOutput(Breakdown):
    unit = models.ForeignKey(
        AdministrativeUnit, verbose_name="đơn vị", on_delete=models.PROTECT, related_name="+"
    )
    year = models.PositiveSmallIntegerField("năm")
    kind = models.ForeignKey(OutputKind, verbose_name="kết quả", on_delete=models.PROTECT)
    quantity = models.PositiveIntegerField("số lượng", default=0)
    version = models.PositiveIntegerField(default=1, editable=False)

    history = HistoricalRecords()

    class Meta:
        verbose_name = "kết quả hoạt động"
        verbose_name_plural = "kết quả hoạt động"
        constraints = [
            models.UniqueConstraint(fields=["unit", "year", "kind"], name="activity_output_unique")
        ]

    def __str__(self) -> str:
        return f"{self.unit} {self.year} {self.kind}"


class Contributor(models.TextChoices):
    FUND_FOR_POOR = "fund_for_poor", "Quỹ Vì người nghèo (Mặt trận Tổ quốc)"
    RED_CROSS = "red_cross", "Hội Chữ thập đỏ"
    STEERING = "steering", "Ban Chỉ đạo, cơ quan nhà nước cấp trên"
    ARMY = "army", "Đơn vị quân đội"
    ENTERPRISE = "enterprise", "Doanh nghiệp"
    OTHER = "other", "Tổ chức, cá nhân khác"


class Mobilisation(models.Model):
    """Funds mobilised (huy động, xã hội hóa) from one contributor in a unit and year."""

    unit = models.ForeignKey(
        AdministrativeUnit, verbose_name="đơn vị", on_delete=models.PROTECT, related_name="+"
    )
    year = models.PositiveSmallIntegerField("năm")
    # A figure recorded in `year` may cover several years (seed 004's credit of 2021 - 6/2024):
    # the first year it covers; empty for the year alone. Documents say the period it covers.
    covers_from = models.PositiveSmallIntegerField("lũy kế từ năm", null=True, blank=True)
    contributor_kind = models.CharField("loại nguồn", max_length=16, choices=Contributor)
    contributor = models.CharField("tên tổ chức, cá nhân", max_length=200)
    amount = models.PositiveBigIntegerField("số tiền (đồng)")
    purpose = models.CharField("nội dung hỗ trợ", max_length=300, blank=True)
    version = models.PositiveIntegerField(default=1, editable=False)

    history = HistoricalRecords()

    class Meta:
        verbose_name = "nguồn lực huy động"
        verbose_name_plural = "nguồn lực huy động"
        ordering = ["unit", "year", "contributor_kind", "pk"]
        constraints = [
            models.UniqueConstraint(
                fields=["unit", "year", "contributor_kind", "contributor"], name="mobilisation_unique"
            )
        ]

    def __str__(self) -> str:
        return f"{self.unit} {self.year} {self.contributor}"
