"""The Alkire-Foster measures: a published worked example, the cut-off's boundary, and
properties on generated registries, each path (rollups, reviews) against the definition
computed household by household in plain Python."""

import importlib
import json
import random
from datetime import date
from fractions import Fraction
from io import BytesIO, StringIO

from django.core.exceptions import ValidationError
from django.core.management import call_command
from django.db import connection
from django.test import SimpleTestCase
from django.urls import reverse
from openpyxl import load_workbook

from households.indicators import INDICATOR_FIELDS
from households.models import DeprivationRollup, HouseholdReview, Member, MpiParameters, Relation
from households.mpi import (
    Parameters,
    ScoreRow,
    decomposition,
    equal_nested_weights,
    measures,
    measures_of_units,
)
from households.mpi_selectors import GROUPINGS, MpiUnavailable, mpi_change, mpi_measures, parameters_for
from households.rollups import rollups_rebuild
from povertyprog.lib.formatting import format_number
from reports import documents
from reports.composition import new_document
from tests.base import BaseTestCase, unit
from tests.factory import make_household, make_review
from tests.test_documents import page_images, pdf_text

# mpitbR's introductory vignette (Girela, CRAN mpitbR, vignettes/introduction_to_mpitbR.Rmd,
# "The Alkire-Foster method step-by-step"): 5 people, 4 indicators of weight 1/4, k = 1/2.
VIGNETTE_G0 = [[1, 0, 1, 0], [0, 1, 0, 0], [0, 1, 1, 1], [1, 0, 0, 0], [1, 0, 1, 0]]
VIGNETTE_FIELDS = ["d_employment", "d_nutrition", "d_adult_education", "d_housing_quality"]
VIGNETTE = Parameters(
    {field: Fraction(1, 4) if field in VIGNETTE_FIELDS else Fraction(0) for field in INDICATOR_FIELDS},
    Fraction(1, 2),
)
EQUAL = Parameters(equal_nested_weights(), Fraction(1, 4))


def vignette_deprived(row: list[int]) -> list[str]:
    return [field for field, g in zip(VIGNETTE_FIELDS, row, strict=True) if g]


def pct(value) -> float:
    return round(float(value) * 100, 2)


class VignetteTests(BaseTestCase):
    """The vignette's figures, by the definition and through the registry (North = Sông Cầu,
    persons 1-2; South = Dương Quang, persons 3-5: one-member households)."""

    def check_vignette(self, result: dict) -> None:
        self.assertEqual(result["H"], Fraction(3, 5))
        self.assertEqual(round(float(result["A"]) * 100, 2), 58.33)
        self.assertEqual(result["M0"], Fraction(35, 100))
        self.assertEqual(result["M0"], result["H"] * result["A"])
        by_field = {i["field"]: i for i in result["indicators"]}
        self.assertEqual([pct(by_field[f]["censored"]) for f in VIGNETTE_FIELDS], [40, 20, 60, 20])
        self.assertEqual([pct(by_field[f]["uncensored"]) for f in VIGNETTE_FIELDS], [60, 40, 60, 20])
        self.assertEqual(
            [round(float(by_field[f]["share"]), 2) for f in VIGNETTE_FIELDS], [28.57, 14.29, 42.86, 14.29]
        )

    def test_the_definition_reproduces_the_vignette(self):
        result = measures_of_units([(vignette_deprived(row), 1) for row in VIGNETTE_G0], VIGNETTE)
        self.check_vignette(result)

    def test_the_registry_reproduces_the_vignette_and_its_subgroups(self):
        for index, row in enumerate(VIGNETTE_G0):
            commune = self.song_cau if index < 2 else self.duong_quang
            make_review(make_household(commune, members=1), 2023, 1_000_000, vignette_deprived(row))
        result = mpi_measures(self.backan_city, 2023, by="commune", parameters=VIGNETTE)
        self.assertEqual(result["computed_from"], "reviews")  # unequal weights: straight from the reviews
        self.check_vignette(result)
        groups = {g["name"]: g for g in result["groups"]}
        north, south = groups[self.song_cau.name], groups[self.duong_quang.name]
        self.assertEqual(
            (north["population_share"], south["population_share"]), (Fraction(2, 5), Fraction(3, 5))
        )
        self.assertEqual(north["M0"], Fraction(1, 4))
        self.assertEqual(round(float(south["M0"]), 4), 0.4167)
        self.assertEqual(sum(g["weighted_M0"] for g in result["groups"]), result["M0"])


class CutoffBoundaryTests(BaseTestCase):
    """k = 1/4 (3 of 12 equal weights): exactly 3 deprivations is poor, 2 is not."""

    @classmethod
    def setUpTestData(cls):
        super().setUpTestData()
        make_review(make_household(cls.song_cau), 2023, 1_000_000, INDICATOR_FIELDS[:3])
        make_review(make_household(cls.song_cau), 2023, 1_000_000, INDICATOR_FIELDS[3:5])
        make_review(make_household(cls.song_cau), 2023, 9_000_000, [])

    def test_three_deprivations_are_poor_at_the_default_cutoff(self):
        result = mpi_measures(self.song_cau, 2023)
        self.assertEqual(result["k"], Fraction(1, 4))
        self.assertEqual((result["population"], result["poor"]), (3, 1))
        self.assertEqual(result["A"], Fraction(3, 12))

    def test_two_deprivations_are_poor_at_two_twelfths_and_three_are_not_at_one_third(self):
        self.assertEqual(mpi_measures(self.song_cau, 2023, k=Fraction(2, 12))["poor"], 2)
        self.assertEqual(mpi_measures(self.song_cau, 2023, k=Fraction(1, 3))["poor"], 0)

    def test_a_cutoff_out_of_range_is_refused_in_vietnamese(self):
        with self.assertRaisesMessage(MpiUnavailable, "Ngưỡng nghèo k phải lớn hơn 0"):
            mpi_measures(self.song_cau, 2023, k=Fraction(0))
        with self.assertRaisesMessage(MpiUnavailable, "Chưa có tham số nghèo đa chiều"):
            mpi_measures(self.song_cau, 2040)


class GeneratedRegistryTests(BaseTestCase):
    """Properties on a generated registry of two communes (urban Sông Cầu, rural Dương Quang),
    minority and Kinh households, heads of both sexes, 1-6 members, two years."""

    @classmethod
    def setUpTestData(cls):
        super().setUpTestData()
        rng = random.Random(18)
        for number in range(60):
            commune = cls.song_cau if number % 3 else cls.duong_quang
            minority = rng.random() < 0.4
            household = make_household(
                commune,
                members=rng.randint(1, 6),
                ethnic_minority=minority,
                ethnicity="06" if minority else "01",
            )
            if rng.random() < 0.5:
                Member.objects.filter(household=household, relation=Relation.HEAD).update(sex="F")
            for year in (2022, 2023):
                count = rng.choice([0, 0, 1, 2, 3, 3, 4, 5, 7, 12])
                make_review(
                    household, year, rng.randint(500_000, 3_000_000), rng.sample(INDICATOR_FIELDS, count)
                )

    def by_definition(
        self, unit, year: int, parameters: Parameters, persons: bool = False, where=None
    ) -> dict:
        """The simple twin: each household's review read in Python, the measures by definition."""
        units = []
        for review in HouseholdReview.objects.filter(year=year, commune__path__startswith=unit.path):
            if where is None or where(review):
                deprived = [field for field in INDICATOR_FIELDS if getattr(review, field)]
                units.append((deprived, review.members_count if persons else 1))
        return measures_of_units(units, parameters)

    def test_both_paths_equal_the_definition_household_by_household(self):
        uneven = dict(equal_nested_weights())
        uneven["d_employment"], uneven["d_dependants"] = Fraction(1, 8), Fraction(1, 24)
        for persons in (False, True):
            for k in [Fraction(n, 12) for n in range(1, 13)]:
                expected = self.by_definition(self.backan_city, 2023, EQUAL.with_k(k), persons)
                fast = mpi_measures(self.backan_city, 2023, k=k, persons=persons)
                self.assertEqual(fast["computed_from"], "rollups")
                slow = mpi_measures(self.backan_city, 2023, persons=persons, parameters=Parameters(uneven, k))
                self.assertEqual(slow["computed_from"], "reviews")
                for name in ("population", "poor", "H", "A", "M0", "indicators", "dimensions"):
                    self.assertEqual(fast[name], expected[name], (name, k, persons))
                    self.assertEqual(
                        slow[name],
                        self.by_definition(self.backan_city, 2023, Parameters(uneven, k), persons)[name],
                        (name, k, persons),
                    )

    def test_m0_is_h_times_a_and_contributions_add_up_to_100(self):
        for k in [Fraction(n, 12) for n in range(1, 13)]:
            result = mpi_measures(self.backan_city, 2023, k=k)
            self.assertEqual(result["M0"], result["H"] * result["A"])
            self.assertEqual(sum(i["contribution"] for i in result["indicators"]), result["M0"])
            if result["M0"]:
                self.assertEqual(sum(i["share"] for i in result["indicators"]), 100)
                self.assertEqual(sum(d["share"] for d in result["dimensions"]), 100)

    def test_raising_k_never_raises_h(self):
        for persons in (False, True):
            headcounts = [
                mpi_measures(self.backan_city, 2023, k=Fraction(n, 12), persons=persons)["H"]
                for n in range(1, 13)
            ]
            self.assertEqual(headcounts, sorted(headcounts, reverse=True))
            self.assertGreater(headcounts[0], headcounts[-1])

    def test_subgroups_add_up_to_the_total_and_equal_their_own_definition(self):
        total = mpi_measures(self.backan_city, 2023)
        predicates = {
            "ethnicity": lambda key: lambda r: r.ethnic_minority == key,
            "area": lambda key: lambda r: r.area == key,
            "head_sex": lambda key: lambda r: r.household.members.get(relation=Relation.HEAD).sex == key,
        }
        for by in GROUPINGS:
            result = mpi_measures(self.backan_city, 2023, by=by)
            self.assertEqual(len(result["groups"]), 2, by)
            self.assertEqual(sum(g["population"] for g in result["groups"]), total["population"])
            self.assertEqual(sum(g["weighted_M0"] for g in result["groups"]), total["M0"], by)
            self.assertEqual(result["M0"], total["M0"])
            for group in result["groups"]:
                if by in ("child", "commune"):  # the city's children are its communes
                    expected = self.by_definition(unit(group["key"]), 2023, EQUAL)
                else:
                    expected = self.by_definition(
                        self.backan_city, 2023, EQUAL, where=predicates[by](group["key"])
                    )
                self.assertEqual(group["M0"], expected["M0"], (by, group["key"]))
                self.assertEqual(group["population"], expected["population"], (by, group["key"]))

    def test_a_three_tier_province_by_child_unit_has_its_districts(self):
        province = unit("06")
        result = mpi_measures(province, 2023, by="child")
        self.assertEqual([(g["key"], g["M0"]) for g in result["groups"]], [("058", result["M0"])])
        self.assertEqual(result["M0"], mpi_measures(self.backan_city, 2023)["M0"])

    def test_the_change_between_two_years(self):
        change = mpi_change(self.backan_city, 2022, 2023)
        before, after = mpi_measures(self.backan_city, 2022), mpi_measures(self.backan_city, 2023)
        self.assertEqual(change["M0"]["absolute"], after["M0"] - before["M0"])
        self.assertEqual(change["M0"]["absolute_per_year"], after["M0"] - before["M0"])
        expected = (float(after["M0"]) / float(before["M0"]) - 1) * 100
        self.assertAlmostEqual(change["M0"]["relative_per_year"], expected)
        with self.assertRaisesMessage(MpiUnavailable, "không cùng một chuẩn nghèo"):
            mpi_change(self.backan_city, 2021, 2023)

    def test_the_command_prints_the_documented_keys(self):
        out = StringIO()
        call_command("mpi", unit="058", year=2023, by="area", k="1/3", persons=True, as_json=True, stdout=out)
        data = json.loads(out.getvalue())
        expected = mpi_measures(self.backan_city, 2023, by="area", k=Fraction(1, 3), persons=True)
        self.assertEqual(data["M0"], float(expected["M0"]))
        self.assertEqual(data["k"], 1 / 3)
        self.assertEqual(data["counted"], "persons")
        self.assertEqual({g["key"] for g in data["groups"]}, {"urban", "rural"})
        for key in ("H", "A", "population", "poor", "indicators", "dimensions"):
            self.assertIn(key, data)
        self.assertEqual(
            set(data["indicators"][0]),
            {
                "field",
                "number",
                "name",
                "dimension",
                "weight",
                "uncensored",
                "censored",
                "contribution",
                "share",
            },
        )


class MpiPageTests(BaseTestCase):
    @classmethod
    def setUpTestData(cls):
        super().setUpTestData()
        for number, count in enumerate([0, 1, 3, 4, 6, 12, 2, 3]):
            commune = cls.song_cau if number % 2 else cls.duong_quang
            household = make_household(commune, members=1 + number % 4)
            make_review(household, 2023, 1_000_000, INDICATOR_FIELDS[:count])
            make_review(household, 2024, 1_000_000, INDICATOR_FIELDS[: max(0, count - 1)])

    def test_the_page_shows_the_measures_the_tables_and_the_charts(self):
        self.client.force_login(self.district)
        response = self.client.get(reverse("households:mpi"), {"don_vi": self.backan_city.pk, "nam": 2024})
        self.assertEqual(response.status_code, 200)
        expected = mpi_measures(self.backan_city, 2024, by="commune")
        page = response.content.decode()
        self.assertIn(f'data-testid="M0">{format_number(float(expected["M0"]), 4)}<', page)
        self.assertIn(f'data-testid="poor">{expected["poor"]}<', page)
        self.assertIn("Quần thể: mọi hộ có kết quả rà soát năm 2024", page)
        self.assertIn(self.song_cau.name, page)
        self.assertIn("Đóng góp của từng chiều vào M0", page)  # the stacked bars
        self.assertIn("M0 theo đơn vị trực thuộc năm 2024", page)
        self.assertIn('data-testid="mpi-change"', page)  # 2023 -> 2024 under the same standard

    def test_a_wrong_k_is_told_in_vietnamese_and_the_years_k_is_used(self):
        self.client.force_login(self.district)
        response = self.client.get(
            reverse("households:mpi"), {"don_vi": self.backan_city.pk, "nam": 2024, "k": "ba"}
        )
        self.assertContains(response, "không phải là một phân số")
        self.assertContains(response, 'data-testid="M0">')

    def test_the_download_says_nothing_that_would_show_on_the_next_page(self):
        """A wrong k is told on the page; the download uses the year's k and leaves no message."""
        self.client.force_login(self.district)
        query = {"don_vi": self.backan_city.pk, "nam": 2024, "k": "ba"}
        self.assertEqual(self.client.get(reverse("households:mpi_download"), query).status_code, 200)
        page = self.client.get(reverse("households:mpi"), {"don_vi": self.backan_city.pk, "nam": 2024})
        self.assertNotContains(page, "không phải là một phân số")

    def test_the_excel_tables_hold_the_same_numbers(self):
        self.client.force_login(self.district)
        response = self.client.get(
            reverse("households:mpi_download"), {"don_vi": self.backan_city.pk, "nam": 2024, "nhom": "area"}
        )
        self.assertEqual(response.status_code, 200)
        book = load_workbook(BytesIO(response.content))
        self.assertEqual(book.sheetnames, ["Tổng hợp", "Chỉ số", "Chiều", "Theo nhóm", "Thay đổi"])
        expected = mpi_measures(self.backan_city, 2024, by="area")
        summary = book["Tổng hợp"]
        self.assertEqual([c.value for c in summary[6]][2:], [
            expected["population"], expected["poor"], round(float(expected["H"]) * 100, 2),
            round(float(expected["A"]) * 100, 2), round(float(expected["M0"]), 4),
        ])  # fmt: skip
        groups = book["Theo nhóm"]
        self.assertEqual({groups.cell(row, 2).value for row in (6, 7)}, {"Thành thị", "Nông thôn"})

    def test_an_officer_of_another_commune_gets_404(self):
        self.client.force_login(self.outsider)
        for name in ("households:mpi", "households:mpi_download"):
            response = self.client.get(reverse(name), {"don_vi": self.song_cau.pk, "nam": 2024})
            self.assertEqual(response.status_code, 404, name)


class ParametersTests(BaseTestCase):
    def test_the_years_parameters_are_seeded_equal_weights_and_k_one_quarter(self):
        parameters, row = parameters_for(2026)
        self.assertEqual(parameters.k, Fraction(1, 4))
        self.assertEqual(set(parameters.weights.values()), {Fraction(1, 12)})
        self.assertIn("Nghị định 07/2021/NĐ-CP", row.source)

    def test_weights_that_do_not_add_up_or_overlapping_years_are_refused(self):
        weights = {field: "1/12" for field in INDICATOR_FIELDS}
        bad = MpiParameters(
            first_year=2031, last_year=2035, cutoff="1/4", weights={**weights, "d_water": "1/6"}
        )
        with self.assertRaisesMessage(ValidationError, "Tổng các trọng số phải bằng 1"):
            bad.full_clean()
        overlapping = MpiParameters(
            first_year=2030, last_year=2035, cutoff="1/3", weights=weights, source="x"
        )
        with self.assertRaisesMessage(ValidationError, "trùng với bộ tham số"):
            overlapping.full_clean()
        MpiParameters(first_year=2031, last_year=2035, cutoff="1/3", weights=weights, source="x").full_clean()
        as_list = MpiParameters(
            first_year=2031, last_year=2035, cutoff="1/3", weights=["1/12"] * 12, source="x"
        )
        with self.assertRaisesMessage(ValidationError, "mỗi chỉ số một phân số"):
            as_list.full_clean()


class MigrationFillTests(BaseTestCase):
    """The migration that created the rollup filled it from the reviews already there (frozen
    SQL): the same rows as households.rollups builds."""

    def test_the_migrations_sql_gives_the_rollups_rows(self):
        for number, count in enumerate([0, 3, 5, 12, 1]):
            household = make_household(self.song_cau if number % 2 else self.duong_quang, members=number + 1)
            make_review(household, 2023, 1_000_000, INDICATOR_FIELDS[:count])
        rollups_rebuild()
        columns = [f.attname for f in DeprivationRollup._meta.concrete_fields if f.name != "id"]
        built = sorted(DeprivationRollup.objects.values_list(*columns))
        DeprivationRollup.objects.all().delete()
        migration = importlib.import_module("households.migrations.0016_mpi")
        with connection.cursor() as cursor:
            cursor.execute(migration.fill_sql())
        self.assertEqual(sorted(DeprivationRollup.objects.values_list(*columns)), built)
        self.assertEqual(len(built), 5)


class DocumentSectionTests(BaseTestCase):
    """The optional section of a report (its year) and a plan (the year before), read from the PDF."""

    @classmethod
    def setUpTestData(cls):
        super().setUpTestData()
        for year in (2023, 2024):
            for count in (0, 2, 3, 6):
                make_review(make_household(cls.song_cau), year, 1_200_000, INDICATOR_FIELDS[:count])

    def test_the_section_prints_the_measures_when_asked_and_only_then(self):
        document = new_document(self.song_cau, "commune_report", 2024)
        text = " ".join("\n".join(pdf_text(documents.document_pdf(document))).split())
        self.assertNotIn("Alkire-Foster", text)
        document.fields["mpi_section"] = True
        content = documents.document_pdf(document)
        text = " ".join("\n".join(pdf_text(content)).split())
        # 4 households: 3 and 6 deprivations are poor at k = 1/4: H = 50 %, A = (3 + 6) / 24 = 37,5 %
        self.assertIn("Nghèo đa chiều theo phương pháp Alkire-Foster (năm 2024", text)
        self.assertIn("Số hộ nghèo đa chiều 2 hộ trên tổng số 4 hộ, tỷ lệ H = 50,00%", text)
        self.assertIn("A = 37,50%; chỉ số nghèo đa chiều M0 = H × A = 0,1875", text)
        (page,) = page_images(content, 2, 2, keep_as="mpi-report-page-2")  # the section, to look at
        self.assertLess(page.getextrema()[0], 100)  # ink on it

    def test_a_plan_prints_the_year_before(self):
        document = new_document(self.song_cau, "plan", 2025)
        document.fields["mpi_section"] = True
        text = " ".join("\n".join(pdf_text(documents.document_pdf(document))).split())
        self.assertIn("Nghèo đa chiều theo phương pháp Alkire-Foster (năm 2024", text)


class RandomPopulationTests(SimpleTestCase):
    """200 random populations (random weights too): the score-distribution arithmetic (what the
    database hands over, grouped by score) equals the definition unit by unit, and the
    properties of the measures hold exactly."""

    def population(self, rng: random.Random) -> list[tuple[list[str], int]]:
        size = rng.randint(1, 40)
        return [(rng.sample(INDICATOR_FIELDS, rng.randint(0, 12)), rng.randint(1, 7)) for _ in range(size)]

    def random_parameters(self, rng: random.Random) -> Parameters:
        raw = [rng.randint(0, 5) for _ in INDICATOR_FIELDS]
        if not any(raw):
            raw[0] = 1
        weights = {field: Fraction(w, sum(raw)) for field, w in zip(INDICATOR_FIELDS, raw, strict=True)}
        return Parameters(weights, Fraction(rng.randint(1, 12), 12))

    def grouped(self, units, parameters: Parameters) -> list[ScoreRow]:
        rows: dict[Fraction, ScoreRow] = {}
        for deprived, weight in units:
            score = parameters.score(deprived)
            row = rows.setdefault(score, ScoreRow(score, 0, dict.fromkeys(INDICATOR_FIELDS, 0)))
            row.units += weight
            for field in deprived:
                row.deprived[field] += weight
        return list(rows.values())

    def test_grouped_equals_the_definition_and_the_properties_hold(self):
        rng = random.Random(2026)
        for case in range(200):
            units = self.population(rng)
            parameters = (
                EQUAL.with_k(Fraction(rng.randint(1, 12), 12)) if case % 2 else self.random_parameters(rng)
            )
            result = measures(self.grouped(units, parameters), parameters)
            self.assertEqual(result, measures_of_units(units, parameters), case)
            self.assertEqual(result["M0"], result["H"] * result["A"])
            self.assertEqual(sum(i["contribution"] for i in result["indicators"]), result["M0"])
            if result["M0"]:
                self.assertEqual(sum(i["share"] for i in result["indicators"]), 100)
            halves = {True: units[::2], False: units[1::2]}
            groups = {
                key: measures(self.grouped(part, parameters), parameters)
                for key, part in halves.items()
                if part
            }
            self.assertEqual(sum(g["weighted_M0"] for g in decomposition(groups, result)), result["M0"])
            headcounts = [
                measures_of_units(units, parameters.with_k(Fraction(n, 12)))["H"] for n in range(1, 13)
            ]
            self.assertEqual(headcounts, sorted(headcounts, reverse=True))


class ComparedYearTests(BaseTestCase):
    def test_the_page_compares_with_the_year_asked_and_annualises(self):
        for count in (1, 4, 6):
            household = make_household(self.song_cau)
            for year, fewer in ((2022, 0), (2024, 1)):
                make_review(household, year, 1_000_000, INDICATOR_FIELDS[: count - fewer])
        self.client.force_login(self.officer)
        response = self.client.get(reverse("households:mpi"), {"nam": 2024, "so_voi": 2022})
        change = mpi_change(self.song_cau, 2022, 2024)
        self.assertContains(response, "Thay đổi so với năm 2022")
        self.assertEqual(change["M0"]["absolute_per_year"], change["M0"]["absolute"] / 2)
        self.assertContains(response, format_number(float(change["M0"]["absolute_per_year"]), 4))
        response = self.client.get(reverse("households:mpi"), {"nam": 2024, "so_voi": 2021})
        self.assertContains(response, "không cùng một chuẩn nghèo")

    def test_2026_compares_with_2025_its_standard_kept_by_decree_351(self):
        household = make_household(self.song_cau)
        make_review(household, 2025, 1_000_000, INDICATOR_FIELDS[:4], review_date=date(2025, 12, 1))
        make_review(household, 2026, 1_000_000, INDICATOR_FIELDS[:2], review_date=date(2026, 12, 1))
        change = mpi_change(self.song_cau, 2025, 2026)
        self.assertEqual((change["H"]["before"], change["H"]["after"]), (1, 0))
        with self.assertRaisesMessage(MpiUnavailable, "không cùng một chuẩn nghèo"):
            mpi_change(self.song_cau, 2026, 2027)
