from django.contrib import admin
from import_export.admin import ImportExportMixin

from households.models import (
    Complaint,
    Household,
    HouseholdReview,
    ImportJob,
    Member,
    MpiParameters,
    PersonalDataExport,
    PhieuACriterion,
    PovertyStandard,
    ReviewCase,
    Village,
    VillageMeeting,
)
from households.resources import PovertyStandardResource
from povertyprog.lib.history_admin import HistoryAdmin, ReadOnlyAdmin, ReadOnlyHistoryAdmin


@admin.register(PovertyStandard)
class PovertyStandardAdmin(ImportExportMixin, HistoryAdmin):
    """Values the legal texts leave uncertain are edited here (docs/decisions.md D8-D10).

    A change applies to reviews saved afterwards; saved reviews keep the class they were given.
    """

    list_display = ["code", "name", "first_year", "last_year", "rural_income_line", "urban_income_line"]
    resource_classes = [PovertyStandardResource]


@admin.register(MpiParameters)
class MpiParametersAdmin(HistoryAdmin):
    """Weights and cut-off k of the Alkire-Foster measures for a span of years (decisions D53):
    the model's clean() refuses weights that do not cover the 12 indicators or add up to 1, a k
    outside (0, 1], and years that overlap another row. Pages compute with the row of their year."""

    list_display = ["first_year", "last_year", "cutoff", "source"]


@admin.register(Household)
class HouseholdAdmin(ReadOnlyHistoryAdmin):
    """No export here: lists of people leave the system only through the logged, purpose-bound
    download of the household pages (households.privacy, decisions D36)."""

    list_display = ["code", "head_name", "commune", "village"]
    search_fields = ["code", "search_text"]
    list_select_related = ["commune"]


@admin.register(Member)
class MemberAdmin(ReadOnlyHistoryAdmin):
    list_display = ["full_name", "household", "birth_year", "relation"]
    list_select_related = ["household"]


@admin.register(HouseholdReview)
class HouseholdReviewAdmin(ReadOnlyHistoryAdmin):
    list_display = ["household", "year", "classification", "deprivation_count", "income_per_capita"]
    list_filter = ["year", "classification"]
    list_select_related = ["household"]


@admin.register(ImportJob)
class ImportJobAdmin(ReadOnlyAdmin):
    """Imports are made by commune officers on their page (households:import), through the one
    import service; administrators follow them here (decisions.md D22)."""

    list_display = [
        "original_name",
        "user",
        "unit",
        "year",
        "status",
        "created_count",
        "updated_count",
        "created_at",
    ]
    list_filter = ["status", "year"]
    list_select_related = ["user", "unit"]


@admin.register(PersonalDataExport)
class PersonalDataExportAdmin(ReadOnlyAdmin):
    list_display = ["created_at", "user", "unit", "kind", "year", "filter", "rows", "purpose", "ids_shown"]
    list_filter = ["kind", "purpose", "year"]
    list_select_related = ["user", "unit"]


@admin.register(PhieuACriterion)
class PhieuACriterionAdmin(HistoryAdmin):
    """The 9 criteria of Phiếu A: their wording is corrected here (docs/decisions.md D49). The
    numbers stay 1-9; a case keeps the numbers it met."""

    list_display = ["number", "text"]

    def has_add_permission(self, request):
        return PhieuACriterion.objects.count() < 9

    def has_delete_permission(self, request, obj=None):
        return False


@admin.register(Village)
class VillageAdmin(HistoryAdmin):
    """A commune's villages: renamed or set aside (not in use) here; communes add them on the
    season page. Never deleted: households and cases name them."""

    list_display = ["name", "commune", "active"]
    list_filter = ["active"]
    search_fields = ["name", "folded"]
    list_select_related = ["commune"]
    raw_id_fields = ["commune"]

    def has_delete_permission(self, request, obj=None):
        return False


@admin.register(ReviewCase)
class ReviewCaseAdmin(ReadOnlyHistoryAdmin):
    """Written only through households.season (the season's pages)."""

    list_display = ["household", "year", "village", "step", "decision"]
    list_filter = ["year", "step"]
    list_select_related = ["household", "village"]


@admin.register(VillageMeeting)
class VillageMeetingAdmin(ReadOnlyHistoryAdmin):
    list_display = ["village", "year", "held_on", "chair", "attending"]
    list_select_related = ["village"]


@admin.register(Complaint)
class ComplaintAdmin(ReadOnlyHistoryAdmin):
    list_display = ["case", "lodged_on", "ground", "recheck_due", "rechecked_on"]
    list_select_related = ["case__household"]
