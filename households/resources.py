"""django-import-export column mapping of the household sheet (declarative, no logic).

The registry's own import (households.importing) is what the web page, the admin and
`manage.py import_households` use; this resource maps the same Vietnamese headers for the
admin's export and serves as the baseline of bench/import_households.py.
"""

from import_export import fields, resources
from import_export.widgets import ForeignKeyWidget

from households.models import Household, PovertyStandard
from povertyprog.lib.reference_data import ReferenceResource
from povertyprog.units.models import AdministrativeUnit, Level


class CommuneWidget(ForeignKeyWidget):
    """A commune by its code, in the tree of the given start date (codes repeat across trees)."""

    def __init__(self, valid_from: str = "2021-01-01"):
        super().__init__(AdministrativeUnit, "code")
        self.valid_from = valid_from

    def get_queryset(self, value, row, *args, **kwargs):
        return AdministrativeUnit.objects.filter(level=Level.COMMUNE, valid_from=self.valid_from)


class HouseholdResource(resources.ModelResource):
    code = fields.Field(attribute="code", column_name="Mã hộ")
    commune = fields.Field(attribute="commune", column_name="Mã xã", widget=CommuneWidget())
    head_name = fields.Field(attribute="head_name", column_name="Họ tên chủ hộ")
    village = fields.Field(attribute="village", column_name="Thôn, tổ dân phố")
    address = fields.Field(attribute="address", column_name="Địa chỉ")

    class Meta:
        model = Household
        import_id_fields = ["code"]
        fields = ["code", "commune", "head_name", "village", "address"]


class PovertyStandardResource(ReferenceResource):
    """The dated standards (admin export and import): one row per standard, by its code."""

    class Meta(ReferenceResource.Meta):
        model = PovertyStandard
        import_id_fields = ["code"]
        exclude = ["id"]
