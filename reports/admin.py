"""Periods are opened here by a system administrator. Submissions change only through the
workflow (reports.cycle): the admin shows them and their history."""

from django.contrib import admin
from simple_history.admin import SimpleHistoryAdmin

from households.admin import ReadOnlyHistoryAdmin
from reports.models import ReportingPeriod, Submission, Target


@admin.register(ReportingPeriod)
class ReportingPeriodAdmin(SimpleHistoryAdmin):
    list_display = ["code", "name", "kind", "opens_on", "due_on", "closes_on"]


@admin.register(Submission)
class SubmissionAdmin(ReadOnlyHistoryAdmin):
    list_display = ["unit", "period", "state", "first_submitted_at", "decided_at"]
    list_filter = ["period", "state"]


admin.site.register(Target, ReadOnlyHistoryAdmin)
