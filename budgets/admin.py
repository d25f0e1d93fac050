"""The catalogue is dated reference data a system administrator maintains here (programs,
projects, sub-projects, output kinds, poor areas: a new program needs no code). Figures are
entered by the units' own officers through the entry pages; the admin only shows them."""

from django.contrib import admin

from budgets.models import (
    ActivityOutput,
    BudgetLine,
    Component,
    Mobilisation,
    OutputKind,
    PolicyResult,
    Program,
    ProgramArea,
)
from povertyprog.lib.history_admin import HistoryAdmin, ReadOnlyHistoryAdmin


class ComponentInline(admin.TabularInline):
    model = Component
    fields = ["parent", "number", "name", "scope", "capital_types"]
    extra = 0


@admin.register(Program)
class ProgramAdmin(HistoryAdmin):
    list_display = ["code", "name", "first_year", "last_year"]
    inlines = [ComponentInline]


class OutputKindInline(admin.TabularInline):
    model = OutputKind
    fields = ["name", "measure", "has_breakdown", "position"]
    extra = 1


@admin.register(Component)
class ComponentAdmin(HistoryAdmin):
    list_display = ["__str__", "program", "scope"]
    list_filter = ["program", "scope"]
    inlines = [OutputKindInline]


@admin.register(ProgramArea)
class ProgramAreaAdmin(admin.ModelAdmin):
    list_display = ["unit", "program", "basis"]
    list_filter = ["program"]
    raw_id_fields = ["unit"]


for model in (BudgetLine, PolicyResult, ActivityOutput, Mobilisation):
    admin.site.register(model, ReadOnlyHistoryAdmin)
