from django.contrib import admin

from povertyprog.lib.history_admin import HistoryAdmin
from povertyprog.workdays.models import SpecialDay


@admin.register(SpecialDay)
class SpecialDayAdmin(HistoryAdmin):
    """Reference data: the administrator enters each year's schedule when it is announced."""

    list_display = ("day", "kind", "name")
    list_filter = ("kind",)
    date_hierarchy = "day"
