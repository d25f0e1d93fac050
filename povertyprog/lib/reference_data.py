"""Reference data in and out of the admin with django-import-export (standards, legal bases, office
names; the program catalogue out): what the package serves best — a few dozen rows a system
administrator exports, corrects in Excel and imports back, with its preview and confirmation.
The registry and the budgets have the product's own importers (checks in Vietnamese by row and
column, the approval lock, COPY), not this.

Columns are named by the models' Vietnamese verbose names; an unchanged row is skipped (no audit
row); an import runs in one transaction and each saved row gets its history entry naming the
administrator (django-simple-history's request middleware).
"""

from django.utils.text import capfirst
from import_export import resources, widgets


class WholeNumberWidget(widgets.IntegerWidget):
    """An integer cell; what is not one is reported in Vietnamese, with the value typed."""

    def clean(self, value, row=None, **kwargs):
        try:
            return super().clean(value, row, **kwargs)
        except (ValueError, ArithmeticError):
            raise ValueError(f"“{value}” không phải là một số nguyên.") from None


class ReferenceResource(resources.ModelResource):
    """A ModelResource whose columns carry the fields' Vietnamese names."""

    def __init__(self, **kwargs):
        super().__init__(**kwargs)
        model_fields = {f.name: f for f in self._meta.model._meta.get_fields() if hasattr(f, "verbose_name")}
        for name, field in self.fields.items():
            model_field = model_fields.get(field.attribute or name)
            if model_field is not None and field.column_name == name:
                field.column_name = capfirst(str(model_field.verbose_name))

    @classmethod
    def widget_from_django_field(cls, f, default=widgets.Widget):
        widget = super().widget_from_django_field(f, default)
        return WholeNumberWidget if widget is widgets.IntegerWidget else widget

    class Meta:
        skip_unchanged = True
        report_skipped = True
        use_transactions = True
        clean_model_instances = True  # the model's own validation (ranges, choices) runs on import
