from django.contrib import admin

from households.models import (
    Household,
    HouseholdReview,
    ImportJob,
    Member,
    PersonalDataExport,
    PovertyStandard,
)
from povertyprog.admin_base import HistoryAdmin, ReadOnlyAdmin, ReadOnlyHistoryAdmin


@admin.register(PovertyStandard)
class PovertyStandardAdmin(HistoryAdmin):
    """Values the legal texts leave uncertain are edited here (docs/decisions.md D8-D10).

    A change applies to reviews saved afterwards; saved reviews keep the class they were given.
    """

    list_display = ["code", "name", "first_year", "last_year", "rural_income_line", "urban_income_line"]


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
