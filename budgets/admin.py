"""The catalogue is dated reference data a system administrator maintains here (programs,
projects, sub-projects, output kinds, poor areas: a new program needs no code). Figures are
entered by the units' own officers through the entry pages; the admin only shows them."""

from django.contrib import admin
from import_export.admin import ExportMixin

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
from budgets.resources import ComponentResource, OutputKindResource, ProgramResource
from povertyprog.lib.history_admin import HistoryAdmin, ReadOnlyHistoryAdmin


class ComponentInline(admin.TabularInline):
    model = Component
    fields = ["parent", "number", "name", "scope", "capital_types"]
    extra = 0


@admin.register(Program)
class ProgramAdmin(ExportMixin, HistoryAdmin):
    list_display = ["code", "name", "first_year", "last_year"]
    resource_classes = [ProgramResource]
    inlines = [ComponentInline]


class OutputKindInline(admin.TabularInline):
    model = OutputKind
    fields = ["name", "measure", "has_breakdown", "position"]
    extra = 1


@admin.register(Component)
class ComponentAdmin(ExportMixin, HistoryAdmin):
    list_display = ["__str__", "program", "scope"]
    resource_classes = [ComponentResource]
    list_filter = ["program", "scope"]
    inlines = [OutputKindInline]


@admin.register(OutputKind)
class OutputKindAdmin(ExportMixin, HistoryAdmin):
    list_display = ["name", "component", "measure", "position"]
    list_filter = ["component__program"]
    resource_classes = [OutputKindResource]


@admin.register(ProgramArea)
class ProgramAreaAdmin(admin.ModelAdmin):
    list_display = ["unit", "program", "basis"]
    list_filter = ["program"]
    raw_id_fields = ["unit"]


for model in (BudgetLine, PolicyResult, ActivityOutput, Mobilisation):
    admin.site.register(model, ReadOnlyHistoryAdmin)
