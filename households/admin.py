from django.contrib import admin
from import_export.admin import ExportMixin
from simple_history.admin import SimpleHistoryAdmin

from households.models import Household, HouseholdReview, ImportJob, Member, PovertyStandard
from households.resources import HouseholdResource


@admin.register(PovertyStandard)
class PovertyStandardAdmin(SimpleHistoryAdmin):
    """Values the legal texts leave uncertain are edited here (docs/decisions.md D8-D10).

    A change applies to reviews saved afterwards; saved reviews keep the class they were given.
    """

    list_display = ["code", "name", "first_year", "last_year", "rural_income_line", "urban_income_line"]


class ReadOnlyAdmin(admin.ModelAdmin):
    """Registry rows are written through households.services (permissions, rollups, audit):
    the admin only shows them."""

    def has_add_permission(self, request):
        return False

    def has_change_permission(self, request, obj=None):
        return False

    def has_delete_permission(self, request, obj=None):
        return False


class ReadOnlyHistoryAdmin(ReadOnlyAdmin, SimpleHistoryAdmin):
    pass


@admin.register(Household)
class HouseholdAdmin(ExportMixin, ReadOnlyHistoryAdmin):
    """Exports through django-import-export's HouseholdResource (the template's headers)."""

    resource_classes = [HouseholdResource]
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
