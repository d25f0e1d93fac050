"""The commune chair's decision recognising the year's poor and near-poor households (Mẫu số 02,
QĐ 24/2021) as a document of the register: drafted from the households ready for recognition
(posted, the posting over, no open complaint), issued (numbered, frozen, marking those households
recognised), signed; its certificates (Mẫu số 03) printed from the frozen list."""

from django.db.models import Count
from django.utils import timezone

from households.classification import HouseholdClass
from households.season import RECOGNISED_CLASSES, cases_recognise
from households.season_print import certificates_pdf, proposed_class
from households.season_selectors import ready_for_recognition
from povertyprog.accounts.models import User
from reports.models import Document

LIST_LABELS = {HouseholdClass.POOR: "Hộ nghèo", HouseholdClass.NEAR_POOR: "Hộ cận nghèo"}


def decision_lists(document: Document) -> dict:
    """The households the decision recognises, by class, in the order of the villages and names:
    those ready on its day of issue (today for a draft)."""
    day = document.issued_on or timezone.localdate()
    cases = (
        ready_for_recognition(document.unit, document.year, day)
        .annotate(proposed=proposed_class(), members=Count("household__members"))
        .filter(proposed__in=RECOGNISED_CLASSES)
        .select_related("household", "village")
        .order_by("village__name", "household__head_sort_key", "household__code")
    )
    lists = {cls: [] for cls in RECOGNISED_CLASSES}
    for case in cases:
        lists[case.proposed].append(
            {
                "case": case.pk,
                "code": case.household.code,
                "head_name": case.household.head_name,
                "village": case.household.village,
                "members": case.members,
                "classification": case.proposed,
            }
        )
    return {
        "chair": f"CHỦ TỊCH {document.fields['issuing_body'][0]} {document.unit.name.upper()}",
        "lists": [{"key": cls, "label": LIST_LABELS[cls], "rows": rows} for cls, rows in lists.items()],
        "poor": len(lists[HouseholdClass.POOR]),
        "near_poor": len(lists[HouseholdClass.NEAR_POOR]),
    }


def recognise_issued(user: User, document: Document) -> None:
    """On issuing: the households of the frozen lists become recognised by this decision."""
    from households.models import ReviewCase

    ids = [row["case"] for group in document.snapshot["decision"]["lists"] for row in group["rows"]]
    cases = list(ReviewCase.objects.filter(pk__in=ids).select_related("commune", "household"))
    cases_recognise(user=user, cases=cases, on=document.issued_on, decision=document.reference)


def certificates(document: Document) -> bytes:
    rows = [row for group in document.snapshot["decision"]["lists"] for row in group["rows"]]
    return certificates_pdf(
        document.unit,
        year=document.year,
        rows=rows,
        reference=document.reference,
        issued_on=document.issued_on,
        signer=document.fields.get("signer_name", ""),
    )
