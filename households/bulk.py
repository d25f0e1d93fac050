"""Write many households at once (demo data, synthetic scale data, imports).

The same domain rules as the one-by-one services: classification by households.classification,
member-determined indicators by households.indicators, history by households.transitions;
only the writing is batched (bulk_create, COPY-sized batches).
"""

from dataclasses import dataclass, field
from datetime import date

from django.db import transaction

from households.classification import AssessmentMethod
from households.indicators import INDICATOR_FIELDS, derive_from_members
from households.models import Household, HouseholdReview, Member, Origin, PovertyStandard
from households.review import member_facts, review_fill
from households.rollups import rollups_refresh
from households.transitions import YearResult, household_history
from povertyprog.approvals import LockedError, locked_units
from povertyprog.units.models import AdministrativeUnit


@dataclass
class ReviewSpec:
    year: int
    income: int
    deprived: set[str] = field(default_factory=set)  # household-level indicator fields
    causes: set[str] = field(default_factory=set)
    needs: set[str] = field(default_factory=set)
    review_date: date | None = None


@dataclass
class HouseholdSpec:
    code: str
    commune: AdministrativeUnit
    head_name: str
    village: str
    members: list[Member]  # unsaved Member rows, household unset
    reviews: list[ReviewSpec]
    ethnicity: str = "01"
    ethnic_minority: bool = False
    social_protection: bool = False
    has_merit_person: bool = False
    no_labour_capacity: bool = False
    origin: str = Origin.RESIDENT


def build_reviews(spec: HouseholdSpec, household: Household, standards: dict[int, PovertyStandard]):
    """Unsaved HouseholdReview rows of one household, classified, with their history."""
    reviews = []
    for rs in sorted(spec.reviews, key=lambda r: r.year):
        on = rs.review_date or date(rs.year, 11, 15)
        derived = derive_from_members([member_facts(m, on) for m in spec.members])
        review = HouseholdReview(
            household=household,
            year=rs.year,
            review_date=on,
            method=AssessmentMethod.INCOME,
            income_per_capita=rs.income,
            **({f: (f in rs.deprived) for f in INDICATOR_FIELDS} | derived),
            **{c: True for c in rs.causes | rs.needs},
        )
        review_fill(review, household=household, standard=standards[rs.year], members_count=len(spec.members))
        reviews.append(review)
    results = [YearResult(r.year, r.classification, r.members_count) for r in reviews]
    histories = household_history(results, came_from_elsewhere=spec.origin != Origin.RESIDENT)
    for review, history in zip(reviews, histories, strict=True):
        for name, value in history.__dict__.items():
            setattr(review, name, value)
    return reviews


@transaction.atomic
def households_bulk_create(specs: list[HouseholdSpec], batch_size: int = 2000) -> int:
    """Create households with their members and reviews; returns how many households."""
    years = {r.year for s in specs for r in s.reviews}
    for year in years:
        locked = locked_units({s.commune.pk for s in specs}, year)
        if locked:
            raise LockedError(next(iter(locked.values())))
    standards = {year: PovertyStandard.objects.for_year(year) for year in years}
    households = [
        Household(
            code=s.code,
            commune=s.commune,
            head_name=s.head_name,
            village=s.village,
            ethnicity=s.ethnicity,
            ethnic_minority=s.ethnic_minority,
            social_protection=s.social_protection,
            has_merit_person=s.has_merit_person,
            no_labour_capacity=s.no_labour_capacity,
            origin=s.origin,
        )
        for s in specs
    ]
    for household in households:
        household.set_derived_fields()
    Household.objects.bulk_create(households, batch_size=batch_size)
    members, reviews = [], []
    for spec, household in zip(specs, households, strict=True):
        for member in spec.members:
            member.household = household
            members.append(member)
        reviews.extend(build_reviews(spec, household, standards))
    Member.objects.bulk_create(members, batch_size=batch_size)
    HouseholdReview.objects.bulk_create(reviews, batch_size=batch_size)
    rollups_refresh({(review.commune_id, review.year) for review in reviews})
    return len(households)
