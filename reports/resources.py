"""django-import-export resources of the documents' dated reference data (admin export and import)."""

from povertyprog.lib.reference_data import ReferenceResource
from reports.models import LegalBasis, OfficeName


class LegalBasisResource(ReferenceResource):
    """The "Căn cứ" lines, by their text (a corrected text is a new line; the old one is ended)."""

    class Meta(ReferenceResource.Meta):
        model = LegalBasis
        import_id_fields = ["text", "kinds"]
        exclude = ["id"]


class OfficeNameResource(ReferenceResource):
    class Meta(ReferenceResource.Meta):
        model = OfficeName
        import_id_fields = ["role", "first_year"]
        exclude = ["id"]
