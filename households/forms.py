"""Forms validate input and say what is wrong, in Vietnamese, at the field concerned. They don't act."""

from django import forms
from django.utils import timezone

from households.classification import AssessmentMethod
from households.ethnicities import is_minority
from households.indicators import INDICATOR_BY_FIELD, INDICATOR_FIELDS
from households.models import MEMBER_ENTRY_FIELDS, Cause, Household, HouseholdReview, Member, SupportNeed
from households.review import INCOME_TOO_HIGH, MAX_INCOME, heads_error, review_date_error
from households.villages import listed_name
from povertyprog.lib.formatting import format_number

FIRST_REVIEW_YEAR = 2022  # first year of the multidimensional standard of Decree 07/2021


def review_years() -> range:
    """Years a review can be entered for: up to this year's (in December 2026 the 2027 review
    does not exist yet)."""
    return range(FIRST_REVIEW_YEAR, timezone.localdate().year + 1)


class VndField(forms.IntegerField):
    """Whole đồng, typed as officers type them: 1.500.000 or 1 500 000 or 1500000."""

    widget = forms.TextInput(attrs={"inputmode": "numeric", "placeholder": "ví dụ 1.500.000"})

    def prepare_value(self, value):
        return format_number(value) if isinstance(value, int) else value

    def to_python(self, value):
        if isinstance(value, str):
            value = value.strip().replace(".", "").replace(" ", "").replace("\u00a0", "")
            if value.endswith(("đ", "đồng")):
                value = value.removesuffix("đồng").removesuffix("đ")
        return super().to_python(value)


class HouseholdForm(forms.ModelForm):
    version = forms.IntegerField(widget=forms.HiddenInput, required=False)
    # One token per opened "add household" form, so that sending it twice creates one household.
    submission = forms.CharField(widget=forms.HiddenInput, required=False)

    class Meta:
        model = Household
        fields = [
            "code",
            "head_name",
            "village",
            "address",
            "ethnicity",
            "ethnic_minority",
            "social_protection",
            "has_merit_person",
            "no_labour_capacity",
            "origin",
        ]
        error_messages = {"code": {"unique": "Mã hộ này đã có trong sổ hộ gia đình."}}
        help_texts = {"code": "Để trống khi thêm mới: hệ thống tự cấp mã theo mã xã."}

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["code"].required = False
        if self.instance.pk:
            self.fields["version"].initial = self.instance.version
            self.fields["code"].disabled = True

    def clean_village(self):
        return listed_name(self.instance.commune, self.cleaned_data["village"])

    def clean_head_name(self):
        name = " ".join(self.cleaned_data["head_name"].split())
        if len(name.split()) < 2:
            raise forms.ValidationError("Nhập đầy đủ họ và tên chủ hộ.")
        return name

    def clean(self):
        cleaned = super().clean()
        if is_minority(cleaned.get("ethnicity") or "01"):
            cleaned["ethnic_minority"] = True
            self.instance.ethnic_minority = True
        return cleaned


class MemberForm(forms.ModelForm):
    class Meta:
        model = Member
        fields = list(MEMBER_ENTRY_FIELDS)
        widgets = {"birth_date": forms.DateInput(attrs={"placeholder": "dd/mm/yyyy"})}

    def _get_validation_exclusions(self):
        # A number another household's member holds is not a form error: the service saves the
        # member without it and opens a duplicate for the units to resolve (households.identity).
        # Its digits are still checked, by Member.clean().
        exclude = super()._get_validation_exclusions()
        exclude.add("citizen_id")
        return exclude

    def clean_birth_year(self):
        year = self.cleaned_data["birth_year"]
        this_year = timezone.localdate().year
        if not 1900 <= year <= this_year:
            raise forms.ValidationError(f"Năm sinh phải từ 1900 đến {this_year}.")
        return year


class BaseMemberFormSet(forms.BaseInlineFormSet):
    def clean(self):
        super().clean()
        if any(self.errors):
            return
        kept = [f for f in self.forms if f.cleaned_data and not f.cleaned_data.get("DELETE")]
        if problem := heads_error(f.cleaned_data.get("relation") for f in kept):
            raise forms.ValidationError(problem)
        ids = [f.cleaned_data["citizen_id"] for f in kept if f.cleaned_data.get("citizen_id")]
        if len(ids) != len(set(ids)):
            raise forms.ValidationError("Hai thành viên trùng số định danh cá nhân.")


MemberFormSet = forms.inlineformset_factory(
    Household, Member, form=MemberForm, formset=BaseMemberFormSet, extra=0, can_delete=True
)


class ReviewForm(forms.ModelForm):
    """The annual review. Indicators the members determine arrive pre-filled (initial);
    changing one needs a reason in its `reason_<field>` box (checked by the service)."""

    income_per_capita = VndField(label="Thu nhập bình quân (đồng/người/tháng)", required=False, min_value=0)

    class Meta:
        model = HouseholdReview
        fields = [
            "review_type",
            "review_date",
            "reviewer",
            "method",
            "income_per_capita",
            "b1_score",
            *INDICATOR_FIELDS,
            *[c.value for c in Cause],
            *[n.value for n in SupportNeed],
        ]
        widgets = {"review_date": forms.DateInput(attrs={"placeholder": "dd/mm/yyyy"})}

    opened_at = forms.CharField(widget=forms.HiddenInput, required=False)

    def __init__(self, *args, derived: dict[str, bool] | None = None, read_only: str = "", **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["opened_at"].initial = self.instance.updated_at.isoformat() if self.instance.pk else ""
        self.derived = derived or {}
        self.read_only = read_only
        for field, value in self.derived.items():
            if not self.instance.pk:
                # A ModelForm's initial comes from its (unsaved) instance and wins over a field's:
                # the members' verdict goes there, so the box starts as the members make it.
                self.initial[field] = value
            self.fields[f"reason_{field}"] = forms.CharField(
                label=f"Lý do ghi đè “{INDICATOR_BY_FIELD[field].name}”",
                required=False,
                max_length=300,
                initial=self.instance.overrides.get(field, "") if self.instance.pk else "",
            )
        for field in self.fields.values():
            field.disabled = bool(read_only)

    def clean_income_per_capita(self):
        income = self.cleaned_data.get("income_per_capita")
        if income is not None and income > MAX_INCOME:
            raise forms.ValidationError(INCOME_TOO_HIGH)
        return income

    def clean(self):
        cleaned = super().clean()
        method = cleaned.get("method")
        if method == AssessmentMethod.INCOME and cleaned.get("income_per_capita") is None:
            self.add_error("income_per_capita", "Nhập thu nhập bình quân đầu người/tháng.")
        if method == AssessmentMethod.B1_SCORE and cleaned.get("b1_score") is None:
            self.add_error("b1_score", "Nhập điểm Phiếu B1.")
        year = self.instance.year
        if year and (problem := review_date_error(year, cleaned.get("review_date"))):
            self.add_error("review_date", problem)
        return cleaned

    def override_reasons(self) -> dict[str, str]:
        return {field: self.cleaned_data.get(f"reason_{field}", "") for field in self.derived}

    def indicator_rows(self):
        """(indicator, field, reason field or None, derived value or None), in the order 1-12."""
        return [
            (
                INDICATOR_BY_FIELD[f],
                self[f],
                self[f"reason_{f}"] if f in self.derived else None,
                self.derived.get(f),
            )
            for f in INDICATOR_FIELDS
        ]


class ImportUploadForm(forms.Form):
    file = forms.FileField(label="Tệp danh sách hộ (.xlsx hoặc .csv)")
    year = forms.IntegerField(label="Năm rà soát")

    def clean_year(self):
        year = self.cleaned_data["year"]
        if year not in review_years():
            raise forms.ValidationError(f"Năm rà soát phải từ {FIRST_REVIEW_YEAR} đến {review_years()[-1]}.")
        return year


class MoveForm(forms.Form):
    """Chuyển đi: the household leaves for another commune of today's tree."""

    to_commune = forms.CharField(label="Mã xã, phường nơi đến", max_length=10)
    village = forms.CharField(label="Thôn, tổ dân phố nơi đến", max_length=100)
    moved_on = forms.DateField(
        label="Ngày chuyển", widget=forms.DateInput(attrs={"placeholder": "dd/mm/yyyy"})
    )
    note = forms.CharField(label="Ghi chú", max_length=200, required=False)
    version = forms.IntegerField(widget=forms.HiddenInput)


class SplitForm(forms.Form):
    """Tách hộ: the members ticked form a new household with the head chosen."""

    members = forms.TypedMultipleChoiceField(
        label="Thành viên tách ra", coerce=int, choices=(), widget=forms.CheckboxSelectMultiple
    )
    head = forms.TypedChoiceField(label="Chủ hộ mới", coerce=int, choices=())
    village = forms.CharField(label="Thôn, tổ dân phố của hộ mới", max_length=100, required=False)
    moved_on = forms.DateField(
        label="Ngày tách hộ", widget=forms.DateInput(attrs={"placeholder": "dd/mm/yyyy"})
    )
    version = forms.IntegerField(widget=forms.HiddenInput)

    def __init__(self, *args, members=(), **kwargs):
        super().__init__(*args, **kwargs)
        choices = [(m.pk, f"{m.full_name} ({m.birth_year}, {m.get_relation_display()})") for m in members]
        self.fields["members"].choices = choices
        self.fields["head"].choices = choices


class MergeForm(forms.Form):
    """Nhập hộ: every member joins another household of a commune the officer enters data for."""

    into = forms.CharField(label="Mã hộ nhập vào", max_length=24)
    moved_on = forms.DateField(
        label="Ngày nhập hộ", widget=forms.DateInput(attrs={"placeholder": "dd/mm/yyyy"})
    )
    version = forms.IntegerField(widget=forms.HiddenInput)
