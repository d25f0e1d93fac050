"""django-import-export resources of the program catalogue: exported from the admin. Its import is
the catalogue page's (budgets.catalogue_exchange: numbering, scopes and capital types checked and
reported in Vietnamese by row), not the admin's."""

from import_export import fields

from budgets.models import Component, OutputKind, Program
from povertyprog.lib.reference_data import ReferenceResource


class ProgramResource(ReferenceResource):
    class Meta(ReferenceResource.Meta):
        model = Program
        exclude = ["id"]


class ComponentResource(ReferenceResource):
    program = fields.Field(attribute="program__code", column_name="Mã chương trình")
    parent = fields.Field(attribute="parent__number", column_name="Thuộc dự án số")

    class Meta(ReferenceResource.Meta):
        model = Component
        fields = ["program", "parent", "number", "name", "term", "scope", "capital_types"]


class OutputKindResource(ReferenceResource):
    program = fields.Field(attribute="component__program__code", column_name="Mã chương trình")
    component = fields.Field(attribute="component", column_name="Dự án / tiểu dự án")

    class Meta(ReferenceResource.Meta):
        model = OutputKind
        fields = ["program", "component", "name", "measure", "has_breakdown", "position"]
