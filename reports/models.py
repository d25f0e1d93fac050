"""The reporting cycle: periods, targets, submissions with their events, notifications.

A unit's figures of a year become official when its submission of that year's annual period is
approved; from then on nothing of that unit and year can be written (reports.locking).
"""

from django.conf import settings
from django.db import models
from django.utils import timezone
from simple_history.models import HistoricalRecords

from povertyprog.units.models import AdministrativeUnit


class PeriodKind(models.TextChoices):
    ANNUAL = "annual", "Năm"
    HALF_YEAR = "half", "6 tháng"
    PHASE = "phase", "Giai đoạn"


class ReportingPeriod(models.Model):
    """A period units report on; opened by a system administrator (admin)."""

    code = models.CharField("mã kỳ", max_length=20, unique=True, help_text="Ví dụ 2024, 2024-6T, 2021-2025.")
    name = models.CharField("tên kỳ báo cáo", max_length=100)
    kind = models.CharField("loại kỳ", max_length=8, choices=PeriodKind)
    first_year = models.PositiveSmallIntegerField("từ năm")
    last_year = models.PositiveSmallIntegerField("đến năm")
    opens_on = models.DateField("ngày mở")
    due_on = models.DateField("hạn gửi")
    closes_on = models.DateField("ngày khóa sổ")

    history = HistoricalRecords()

    class Meta:
        verbose_name = "kỳ báo cáo"
        verbose_name_plural = "kỳ báo cáo"
        ordering = ["-last_year", "kind", "code"]

    def __str__(self) -> str:
        return self.name

    @property
    def year(self) -> int:
        """The data year the period's figures are read for (the last year of a phase)."""
        return self.last_year


class State(models.TextChoices):
    DRAFT = "draft", "Đang nhập"
    SUBMITTED = "submitted", "Đã gửi, chờ phê duyệt"
    RETURNED = "returned", "Bị trả lại"
    APPROVED = "approved", "Đã phê duyệt"


class Submission(models.Model):
    """One unit's report for one period: its registry review, budgets, policy results, outputs."""

    unit = models.ForeignKey(
        AdministrativeUnit, verbose_name="đơn vị", on_delete=models.PROTECT, related_name="+"
    )
    period = models.ForeignKey(ReportingPeriod, verbose_name="kỳ báo cáo", on_delete=models.PROTECT)
    state = models.CharField("trạng thái", max_length=10, choices=State, default=State.DRAFT)
    submitted_at = models.DateTimeField("gửi lúc", null=True, blank=True)
    submitted_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    first_submitted_at = models.DateTimeField("gửi lần đầu lúc", null=True, blank=True)
    decided_at = models.DateTimeField("phê duyệt / trả lại lúc", null=True, blank=True)
    decided_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    reason = models.TextField("lý do trả lại / mở lại", blank=True)
    # Every transition bumps it: a decision taken on an older page is refused.
    version = models.PositiveIntegerField(default=1)

    history = HistoricalRecords()

    class Meta:
        verbose_name = "hồ sơ báo cáo"
        verbose_name_plural = "hồ sơ báo cáo"
        constraints = [models.UniqueConstraint(fields=["unit", "period"], name="submission_unique")]
        indexes = [models.Index(fields=["period", "state"], name="submission_period_state_idx")]

    def __str__(self) -> str:
        return f"{self.unit} – {self.period}"

    @property
    def on_time(self) -> bool | None:
        """Sent (the first time) by the due date; None while never sent."""
        if self.first_submitted_at is None:
            return None
        return timezone.localtime(self.first_submitted_at).date() <= self.period.due_on


class Action(models.TextChoices):
    SUBMIT = "submit", "Gửi"
    RETURN = "return", "Trả lại"
    APPROVE = "approve", "Phê duyệt"
    REOPEN = "reopen", "Mở lại"
    WITHDRAW = "withdraw", "Rút về"


class SubmissionEvent(models.Model):
    """A transition, with the figures as they stood (for the diff since the last approval)."""

    submission = models.ForeignKey(Submission, on_delete=models.CASCADE, related_name="events")
    action = models.CharField(max_length=10, choices=Action)
    user = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    at = models.DateTimeField(auto_now_add=True)
    reason = models.TextField(blank=True)
    snapshot = models.JSONField(default=dict)

    class Meta:
        ordering = ["submission", "at", "pk"]

    def __str__(self) -> str:
        return f"{self.submission} {self.get_action_display()} {self.at:%d/%m/%Y}"


class Target(models.Model):
    """A unit's poverty-reduction target for a period (the appendix of seed 002)."""

    FIGURES = ("households_start", "poor_start", "planned_reduction")
    NEAR_POOR_FIGURES = ("near_poor_start", "planned_near_poor_reduction")  # optional, both or neither

    unit = models.ForeignKey(
        AdministrativeUnit, verbose_name="đơn vị", on_delete=models.PROTECT, related_name="+"
    )
    period = models.ForeignKey(ReportingPeriod, verbose_name="kỳ báo cáo", on_delete=models.PROTECT)
    households_start = models.PositiveIntegerField("tổng số hộ đầu kỳ")
    poor_start = models.PositiveIntegerField("số hộ nghèo đầu kỳ")
    planned_reduction = models.IntegerField("số hộ nghèo phấn đấu giảm")
    # Near-poor targets are optional (seed 003: "giảm tỷ lệ hộ cận nghèo 0,02%"); both or neither.
    near_poor_start = models.PositiveIntegerField("số hộ cận nghèo đầu kỳ", null=True, blank=True)
    planned_near_poor_reduction = models.IntegerField("số hộ cận nghèo phấn đấu giảm", null=True, blank=True)
    version = models.PositiveIntegerField(default=1, editable=False)

    history = HistoricalRecords()

    class Meta:
        verbose_name = "chỉ tiêu giảm nghèo"
        verbose_name_plural = "chỉ tiêu giảm nghèo"
        constraints = [models.UniqueConstraint(fields=["unit", "period"], name="target_unique")]

    def __str__(self) -> str:
        return f"{self.unit} – {self.period}"

    @property
    def poor_rate_start(self) -> float | None:
        return self.poor_start * 100 / self.households_start if self.households_start else None

    @property
    def planned_end_rate(self) -> float | None:
        end = self.poor_start - self.planned_reduction
        return end * 100 / self.households_start if self.households_start else None

    @property
    def planned_rate_reduction(self) -> float | None:
        start, end = self.poor_rate_start, self.planned_end_rate
        return None if start is None else start - end

    @property
    def near_poor_rate_start(self) -> float | None:
        if self.near_poor_start is None or not self.households_start:
            return None
        return self.near_poor_start * 100 / self.households_start

    @property
    def planned_near_poor_end_rate(self) -> float | None:
        if self.planned_near_poor_reduction is None or self.near_poor_rate_start is None:
            return None
        return (self.near_poor_start - self.planned_near_poor_reduction) * 100 / self.households_start


class IndicatorTarget(models.Model):
    """A plan's target for one deprivation indicator, as plans word them: "100% hộ nghèo có thẻ
    BHYT" = the share of poor households NOT deprived in that indicator, in percent."""

    unit = models.ForeignKey(
        AdministrativeUnit, verbose_name="đơn vị", on_delete=models.PROTECT, related_name="+"
    )
    period = models.ForeignKey(ReportingPeriod, verbose_name="kỳ báo cáo", on_delete=models.PROTECT)
    indicator = models.CharField("chỉ số", max_length=24)
    target_rate = models.DecimalField("chỉ tiêu (% hộ nghèo không thiếu hụt)", max_digits=5, decimal_places=2)

    history = HistoricalRecords()

    class Meta:
        verbose_name = "chỉ tiêu theo chỉ số thiếu hụt"
        verbose_name_plural = "chỉ tiêu theo chỉ số thiếu hụt"
        constraints = [
            models.UniqueConstraint(fields=["unit", "period", "indicator"], name="indicator_target_unique")
        ]

    def __str__(self) -> str:
        return f"{self.unit} – {self.period} – {self.indicator}"


class Notification(models.Model):
    user = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="notifications")
    text = models.CharField(max_length=300)
    url = models.CharField(max_length=300, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)
    read_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["-created_at", "-pk"]
        indexes = [models.Index(fields=["user", "read_at"], name="notification_unread_idx")]

    def __str__(self) -> str:
        return self.text


class DocumentKind(models.TextChoices):
    ANNUAL_REPORT = "annual_report", "Báo cáo kết quả thực hiện Chương trình năm"
    PLAN = "plan", "Kế hoạch thực hiện Chương trình năm"
    PHASE_REPORT = "phase_report", "Báo cáo kết quả thực hiện Chương trình giai đoạn"
    COMMUNE_REPORT = "commune_report", "Báo cáo kết quả thực hiện Chương trình của xã"
    RECOGNITION = "recognition", "Quyết định công nhận hộ nghèo, hộ cận nghèo (Mẫu số 02)"


SYMBOLS = {
    DocumentKind.ANNUAL_REPORT: "BC-UBND",
    DocumentKind.PLAN: "KH-UBND",
    DocumentKind.PHASE_REPORT: "BC-UBND",
    DocumentKind.COMMUNE_REPORT: "BC-UBND",
    DocumentKind.RECOGNITION: "QĐ-UBND",
}


class Document(models.Model):
    """A report or plan of a unit. Drafts follow the data; issuing freezes a snapshot of every
    figure and text, numbers it from the unit's register and stores the PDF with its SHA-256."""

    class Status(models.TextChoices):
        DRAFT = "draft", "Dự thảo"
        ISSUED = "issued", "Đã ban hành"

    unit = models.ForeignKey(
        AdministrativeUnit, verbose_name="đơn vị ban hành", on_delete=models.PROTECT, related_name="+"
    )
    kind = models.CharField("loại văn bản", max_length=20, choices=DocumentKind)
    year = models.PositiveSmallIntegerField("năm")
    # A plan may span years (seed 003: 2024 - 2025): `year` is its first year, `last_year` its last;
    # null for a document of one year (and for reports, whose phase is read from the program).
    last_year = models.PositiveSmallIntegerField("đến năm", null=True, blank=True)
    title = models.CharField("trích yếu", max_length=300)
    fields = models.JSONField(
        "thể thức", default=dict
    )  # legal bases, recipients, signer… (reports.composition)
    narrative = models.JSONField("nội dung do cán bộ soạn", default=dict)  # section key -> text
    status = models.CharField("trạng thái", max_length=8, choices=Status, default=Status.DRAFT)
    symbol = models.CharField("ký hiệu", max_length=20)
    number = models.PositiveIntegerField("số", null=True, blank=True)
    issued_on = models.DateField("ngày ban hành", null=True, blank=True)
    issued_at = models.DateTimeField(null=True, blank=True)
    issued_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    snapshot = models.JSONField("số liệu khi ban hành", default=dict)
    pdf_name = models.CharField(max_length=100, blank=True)
    sha256 = models.CharField(max_length=64, blank=True, db_index=True)
    signature_place = models.JSONField(default=dict)  # where the signer's image goes (reports.rendering)
    signed_pdf_name = models.CharField(max_length=100, blank=True)
    signed_sha256 = models.CharField(max_length=64, blank=True, db_index=True)
    signed_at = models.DateTimeField(null=True, blank=True)
    signed_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    scan_name = models.CharField("bản quét có chữ ký tay", max_length=100, blank=True)
    replaces = models.ForeignKey(
        "self",
        verbose_name="đính chính, thay thế văn bản",
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="corrections",
    )
    version = models.PositiveIntegerField(default=1, editable=False)
    created_at = models.DateTimeField(auto_now_add=True)

    history = HistoricalRecords()

    class Meta:
        verbose_name = "văn bản"
        verbose_name_plural = "văn bản"
        ordering = ["-year", "-created_at"]
        constraints = [
            models.UniqueConstraint(
                fields=["unit", "year", "symbol", "number"],
                name="document_number_unique",
                condition=models.Q(number__isnull=False),
            ),
        ]

    def __str__(self) -> str:
        return f"{self.reference or 'Dự thảo'} – {self.title}"

    @property
    def reference(self) -> str:
        """ "05/BC-UBND": the number zero-padded below 10, a slash, the symbol."""
        return f"{self.number:02d}/{self.symbol}" if self.number else ""


class LegalBasisQuerySet(models.QuerySet):
    def for_document(self, kind: str, year: int) -> list["LegalBasis"]:
        """The bases a document of `kind` about `year` cites, in their order."""
        rows = self.filter(first_year__lte=year, last_year__gte=year).order_by("position", "pk")
        if kind in OWN_BASES_ONLY:  # a decision cites only the bases written for it
            return [row for row in rows if kind in row.kinds.split(",")]
        return [row for row in rows if not row.kinds or kind in row.kinds.split(",")]


# Kinds that cite only the bases marked with their code (not those left blank for every kind).
OWN_BASES_ONLY = (DocumentKind.RECOGNITION,)


class LegalBasis(models.Model):
    """One "Căn cứ …" of the documents: a law, resolution, decree or decision with its number and
    date, for the years it applies to. Dated data a system administrator corrects in the admin;
    no template holds a legal text."""

    text = models.CharField(
        "văn bản (số, ngày, cơ quan ban hành, trích yếu)",
        max_length=500,
        help_text="Không ghi chữ “Căn cứ”. Ví dụ: Nghị định số 351/2025/NĐ-CP ngày 30/12/2025 …",
    )
    first_year = models.PositiveSmallIntegerField("áp dụng cho văn bản từ năm")
    last_year = models.PositiveSmallIntegerField("đến năm")
    kinds = models.CharField(
        "loại văn bản",
        max_length=100,
        blank=True,
        help_text="Để trống: mọi loại; hoặc mã loại, cách nhau dấu phẩy.",
    )
    position = models.PositiveSmallIntegerField("thứ tự", default=0)

    objects = LegalBasisQuerySet.as_manager()
    history = HistoricalRecords()

    class Meta:
        verbose_name = "căn cứ pháp lý"
        verbose_name_plural = "căn cứ pháp lý"
        ordering = ["first_year", "position"]

    def __str__(self) -> str:
        return f"{self.first_year}-{self.last_year}: {self.text[:80]}"


class OfficeName(models.Model):
    """The name of an office the documents address, for the years it held the task (the ministry
    in charge of poverty reduction was Lao động - Thương binh và Xã hội until 2025, Nông nghiệp
    và Môi trường since): data a system administrator corrects, never text in code."""

    class Role(models.TextChoices):
        MINISTRY = "ministry", "Bộ quản lý công tác giảm nghèo"

    role = models.CharField("vai trò", max_length=20, choices=Role)
    name = models.CharField("tên cơ quan", max_length=200)
    first_year = models.PositiveSmallIntegerField("từ năm")
    last_year = models.PositiveSmallIntegerField("đến năm")

    history = HistoricalRecords()

    class Meta:
        verbose_name = "tên cơ quan theo năm"
        verbose_name_plural = "tên cơ quan theo năm"
        ordering = ["role", "first_year"]

    def __str__(self) -> str:
        return f"{self.name} ({self.first_year}-{self.last_year})"

    @classmethod
    def for_year(cls, role: str, year: int) -> str:
        row = cls.objects.filter(role=role, first_year__lte=year, last_year__gte=year).first()
        return row.name if row else ""


class DocumentRegister(models.Model):
    """The register of outgoing documents of a unit, per year and symbol: the last number given."""

    unit = models.ForeignKey(AdministrativeUnit, on_delete=models.PROTECT, related_name="+")
    year = models.PositiveSmallIntegerField()
    symbol = models.CharField(max_length=20)
    last_number = models.PositiveIntegerField(default=0)

    class Meta:
        constraints = [models.UniqueConstraint(fields=["unit", "year", "symbol"], name="register_unique")]

    def __str__(self) -> str:
        return f"{self.unit} {self.year} {self.symbol}: {self.last_number}"


class UnitSeal(models.Model):
    """The image of a unit's seal (PNG, red, transparent), set by its staff: e-signed documents
    show it over the left third of the signer's image (Decree 30/2020, Phụ lục I)."""

    unit = models.OneToOneField(AdministrativeUnit, on_delete=models.CASCADE, related_name="+")
    image = models.BinaryField()

    def __str__(self) -> str:
        return f"Con dấu {self.unit}"


class SigningCertificate(models.Model):
    """A signer's PKCS#12 file as uploaded: it stays encrypted with its passphrase, which is asked
    at each signing and never stored."""

    user = models.OneToOneField(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="certificate"
    )
    pkcs12 = models.BinaryField()
    subject = models.CharField(max_length=300)
    not_after = models.DateTimeField()
    signature_image = models.BinaryField(null=True, blank=True)  # PNG, blue ink, transparent
    uploaded_at = models.DateTimeField(auto_now_add=True)

    def __str__(self) -> str:
        return self.subject
