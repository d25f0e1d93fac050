"""Entry grids: one form field per cell, named by budgets.services.cell_name, so that a rule's
error lands on the cell it is about. Amounts are typed in triệu đồng (parse_million)."""

from django import forms

from budgets.models import POLICY_BENEFICIARY, STAGES, CapitalType, Contributor, Policy, Source
from budgets.rules import STAGE_FIELDS, breakdown_errors, check_line
from budgets.selectors import BREAKDOWN_FIELDS
from budgets.services import cell_name
from povertyprog.lib.money import format_million, parse_million

DATE_FORMAT = "%d/%m/%Y"
STAGE_LABELS = [*STAGES.values(), "Giải ngân tính đến ngày"]


class AmountField(forms.CharField):
    """Triệu đồng as typed ("2.191,705") -> whole đồng; empty -> 0."""

    def __init__(self, **kwargs):
        kwargs.setdefault("required", False)
        kwargs.setdefault("widget", forms.TextInput(attrs={"inputmode": "decimal", "class": "num"}))
        super().__init__(**kwargs)

    def to_python(self, value) -> int:
        text = super().to_python(value)
        if not text:
            return 0
        try:
            return parse_million(text)
        except ValueError as error:
            raise forms.ValidationError(str(error)) from None


class CountField(forms.IntegerField):
    """A count typed as officers type numbers: 1.234 or 1 234 or 1234 (as amounts accept 2.250)."""

    def to_python(self, value):
        if isinstance(value, str):
            value = value.strip().replace(".", "").replace(" ", "").replace("\u00a0", "")
        return super().to_python(value)


def _count_field() -> forms.IntegerField:
    return CountField(
        required=False, min_value=0, max_value=10_000_000,
        widget=forms.TextInput(attrs={"inputmode": "numeric", "class": "num"}),
        error_messages={"invalid": "Nhập số nguyên.", "min_value": "Không được âm.",
                        "max_value": "Số quá lớn."},
    )  # fmt: skip


def _date_field() -> forms.DateField:
    return forms.DateField(
        required=False, input_formats=[DATE_FORMAT],
        widget=forms.DateInput(format=DATE_FORMAT, attrs={"placeholder": "dd/mm/yyyy", "class": "date"}),
        error_messages={"invalid": "Ngày ghi dạng dd/mm/yyyy."},
    )  # fmt: skip


def _form(name: str, fields: dict, data, initial: dict) -> forms.Form:
    return type(name, (forms.Form,), fields)(data=data, initial=initial)


class GridRow:
    def __init__(self, key, label: str, cells: list):
        self.key, self.label, self.cells = key, label, cells


def budget_grid_form(component, lines, data=None) -> forms.Form:
    """Rows: capital type × source; columns: the four stages and the disbursement date."""
    by_key = {(line.capital_type, line.source): line for line in lines}
    fields, initial = {}, {}
    for capital in component.capital_types:
        for source in Source.values:
            line = by_key.get((capital, source))
            for stage in STAGE_FIELDS:
                name = cell_name(capital, source, stage)
                fields[name] = AmountField(label=f"{stage}")
                if line and getattr(line, stage):
                    initial[name] = format_million(getattr(line, stage), 6)
            fields[cell_name(capital, source, "disbursed_as_of")] = _date_field()
            if line and line.disbursed_as_of:
                initial[cell_name(capital, source, "disbursed_as_of")] = line.disbursed_as_of
    form = _form("BudgetGridForm", fields, data, initial)
    capitals, sources = dict(CapitalType.choices), dict(Source.choices)
    several = len(component.capital_types) > 1
    form.rows = [
        GridRow((capital, source), sources[source] + (f" ({capitals[capital]})" if several else ""),
                [form[cell_name(capital, source, stage)] for stage in (*STAGE_FIELDS, "disbursed_as_of")])
        for capital in component.capital_types
        for source in Source.values
    ]  # fmt: skip
    form.rule = _grid_rule
    return form


def _row_rules(form: forms.Form, rule) -> None:
    """With a form that has format errors, still check the rules on each row whose cells all
    parsed, so the officer sees every error at once (not the rules after the format is fixed)."""
    for row in form.rows:
        names = [cell.name for cell in row.cells]
        if any(name in form.errors for name in names):
            continue
        values = {name.rsplit("__", 1)[1]: form.cleaned_data.get(name) for name in names}
        prefix = names[0].rsplit("__", 1)[0]
        for field_name, message in rule(values).items():
            if f"{prefix}__{field_name}" in form.fields:
                form.add_error(f"{prefix}__{field_name}", message)


def add_rule_errors(form: forms.Form) -> None:
    """The rule checks of the form's kind (form.rule) on the rows that parsed."""
    _row_rules(form, form.rule)


def _grid_rule(values: dict) -> dict:
    return check_line(**{stage: values.get(stage) or 0 for stage in STAGE_FIELDS}).errors


def grid_values(form: forms.Form) -> dict:
    """{(capital, source): {stage: đồng, "disbursed_as_of": date}} from a valid grid form."""
    return {
        row.key: {cell.name.rsplit("__", 1)[1]: form.cleaned_data[cell.name] for cell in row.cells}
        for row in form.rows
    }


def policy_form(results, data=None) -> forms.Form:
    by_policy = {r.policy: r for r in results}
    fields, initial = {}, {}
    for policy in Policy.values:
        record = by_policy.get(policy)
        for name in ("beneficiaries", *BREAKDOWN_FIELDS):
            fields[cell_name(policy, name)] = _count_field()
            if record is not None:
                initial[cell_name(policy, name)] = getattr(record, name)
        fields[cell_name(policy, "amount")] = AmountField()
        fields[cell_name(policy, "covers_from")] = forms.IntegerField(
            required=False, min_value=2000, max_value=2100,
            widget=forms.TextInput(attrs={"inputmode": "numeric", "class": "num", "placeholder": "năm"}),
            error_messages={"invalid": "Ghi năm, ví dụ 2021.", "min_value": "Ghi năm, ví dụ 2021.",
                            "max_value": "Ghi năm, ví dụ 2021."},
        )  # fmt: skip
        fields[cell_name(policy, "note")] = forms.CharField(required=False, max_length=300)
        if record is not None:
            initial[cell_name(policy, "amount")] = format_million(record.amount, 6) if record.amount else ""
            initial[cell_name(policy, "covers_from")] = record.covers_from
            initial[cell_name(policy, "note")] = record.note
    form = _form("PolicyForm", fields, data, initial)
    form.rows = [
        GridRow(policy.value, f"{policy.label} ({POLICY_BENEFICIARY[policy].label})",
                [form[cell_name(policy.value, name)]
                 for name in ("beneficiaries", *BREAKDOWN_FIELDS, "amount", "covers_from", "note")])
        for policy in Policy
    ]  # fmt: skip
    form.rule = lambda values: breakdown_errors(values, "beneficiaries", "số đối tượng")
    return form


def row_values(form: forms.Form) -> dict:
    """{row key: {field: value}} from a valid table form (policies, outputs)."""
    return {
        row.key: {cell.name.rsplit("__", 1)[1]: form.cleaned_data[cell.name] for cell in row.cells}
        for row in form.rows
    }


def outputs_form(kinds, outputs, data=None) -> forms.Form:
    by_kind = {o.kind_id: o for o in outputs}
    fields, initial = {}, {}
    for kind in kinds:
        names = ("quantity", *BREAKDOWN_FIELDS) if kind.has_breakdown else ("quantity",)
        for name in names:
            fields[cell_name(kind.pk, name)] = _count_field()
            if kind.pk in by_kind:
                initial[cell_name(kind.pk, name)] = getattr(by_kind[kind.pk], name)
    form = _form("OutputsForm", fields, data, initial)
    form.rows = [
        GridRow(kind.pk, f"{kind.name} ({kind.measure})",
                [form[cell_name(kind.pk, n)] for n in (("quantity", *BREAKDOWN_FIELDS) if kind.has_breakdown
                                                       else ("quantity",))])
        for kind in kinds
    ]  # fmt: skip
    for row, kind in zip(form.rows, kinds, strict=True):
        row.component = kind.component
    form.rule = lambda values: breakdown_errors(values, "quantity", "số lượng")
    return form


class MobilisationForm(forms.Form):
    contributor_kind = forms.ChoiceField(
        label="Loại nguồn", choices=[("", "—"), *Contributor.choices], required=False
    )
    contributor = forms.CharField(label="Tên tổ chức, cá nhân", max_length=200, required=False)
    amount = AmountField(label="Số tiền (triệu đồng)")
    purpose = forms.CharField(label="Nội dung hỗ trợ", max_length=300, required=False)

    def clean(self):
        data = super().clean()
        filled = data.get("contributor") or data.get("amount")
        if filled and not data.get("contributor_kind"):
            self.add_error("contributor_kind", "Chọn loại nguồn.")
        if filled and not data.get("contributor"):
            self.add_error("contributor", "Ghi tên tổ chức, cá nhân.")
        if data.get("contributor") and not data.get("amount"):
            self.add_error("amount", "Ghi số tiền.")
        return data


MobilisationFormSet = forms.formset_factory(MobilisationForm, extra=3)


def mobilisation_initial(records) -> list[dict]:
    return [
        {"contributor_kind": r.contributor_kind, "contributor": r.contributor,
         "amount": format_million(r.amount, 6), "purpose": r.purpose}
        for r in records
    ]  # fmt: skip
