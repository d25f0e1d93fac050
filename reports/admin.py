"""Periods are opened here by a system administrator. Submissions change only through the
workflow (reports.cycle): the admin shows them and their history."""

from django.contrib import admin
from import_export.admin import ImportExportMixin

from povertyprog.lib.history_admin import HistoryAdmin, ReadOnlyHistoryAdmin
from reports.models import LegalBasis, OfficeName, ReportingPeriod, Submission, Target
from reports.resources import LegalBasisResource, OfficeNameResource


@admin.register(ReportingPeriod)
class ReportingPeriodAdmin(HistoryAdmin):
    list_display = ["code", "name", "kind", "opens_on", "due_on", "closes_on"]


@admin.register(Submission)
class SubmissionAdmin(ReadOnlyHistoryAdmin):
    list_display = ["unit", "period", "state", "first_submitted_at", "decided_at"]
    list_filter = ["period", "state"]


admin.site.register(Target, ReadOnlyHistoryAdmin)


@admin.register(LegalBasis)
class LegalBasisAdmin(ImportExportMixin, HistoryAdmin):
    """The "Căn cứ" of the documents, by the years they apply to: corrected here, never in code."""

    list_display = ["text", "first_year", "last_year", "kinds", "position"]
    resource_classes = [LegalBasisResource]
    list_filter = ["first_year"]


@admin.register(OfficeName)
class OfficeNameAdmin(ImportExportMixin, HistoryAdmin):
    """Names of the offices documents address, by year (the ministry in charge of poverty reduction)."""

    list_display = ["role", "name", "first_year", "last_year"]
    resource_classes = [OfficeNameResource]
