"""Every URL of the product, tried by every role of a foreign unit: nothing of another unit leaks.

Records of Bắc Kạn city (a household, an import job, a submission, a document…) are asked for by
users of Thanh Hóa province; pages scoped by ?don_vi= are asked for Bắc Kạn's units. The answer
must be 404 (existence not revealed). Pages that only ever show the user's own unit must not show
Bắc Kạn's data either. The test fails if a URL is added without being classified here.
"""

from datetime import date

from django.urls import URLResolver, get_resolver

from households.models import ImportJob
from povertyprog.accounts.models import Role
from reports.composition import new_document
from reports.cycle import submission_for
from tests.base import BaseTestCase, make_user
from tests.factory import make_household, make_review, period_2024

# Pages that read ?don_vi= (the unit whose subtree they show).
UNIT_SCOPED = {
    "households:list",
    "households:stats",
    "households:download",
    "households:stats_download",
    "households:mpi",
    "households:mpi_download",
    "budgets:overview",
    "budgets:download",
    "reports:dashboard",
    "reports:approve_all",
    "documents:list",
}
# Season pages bound to a commune by their path (<int:unit_pk>): a foreign commune's is 404.
BOUND_PARAMS = ("<int:pk>", "<int:unit_pk>", "<int:household_pk>")
# Pages about the user's own unit or account only (no other unit can be named in them).
OWN_ONLY = {
    "home",
    "health",
    "favicon",
    "login",
    "logout",
    "password_change",
    "password_change_done",
    "units:index",
    "units:search",
    "households:create",
    "households:carry",
    "households:id_queue",
    "households:import",
    "households:import_template",
    "households:posting_download",
    "households:export_log",
    "budgets:grid",
    "budgets:policies",
    "budgets:outputs",
    "budgets:mobilisation",
    "budgets:import",
    "budgets:template",
    "budgets:catalogue",  # the program's catalogue: the same for everyone, no unit in it
    "budgets:catalogue_download",
    "reports:periods",
    "reports:notifications",
    "reports:own_submission",
    "reports:targets",
    "reports:indicator_targets",
    "documents:create",
    "documents:verify",
    "documents:certificate",
    "season:start",
    "season:help",
}


def season_records(officer, commune, household) -> dict:
    """A case of `household` (reviewed for 2024) through the season up to a posting, and the ids
    of its pages: {route name: pk} for the season's pages bound to a record."""
    from households import season

    (case,) = season.cases_open(user=officer, commune=commune, year=2024, households=[household])
    season.phieu_a_record(user=officer, case=case, met=[1], on=date(2024, 9, 2), expected_version=None)
    meeting = season.meeting_hold(
        user=officer, village=case.village, year=2024, held_on=date(2024, 9, 20), chair="Trưởng thôn",
        attending=10, votes={case.pk: 9},
    )  # fmt: skip
    posting = season.posting_open(user=officer, village=case.village, year=2024, posted_on=date(2024, 9, 23))
    return {
        "season:case": case.pk,
        "season:application_pdf": case.pk,
        "season:refusal_pdf": case.pk,
        "season:minutes": meeting.pk,
        "season:posting": posting.pk,
        "<int:unit_pk>": commune.pk,
        "<int:village_pk>": case.village_id,
        "<int:household_pk>": household.pk,
    }


def route_url(name: str, route: str, ids: dict) -> str:
    """The route with its parameters filled from `ids` (by route name, then by namespace)."""
    namespace = name.split(":")[0] + ":"
    key = "households:import" if name.startswith("households:import_") else namespace
    url = route.replace("<int:year>", "2024").replace("<str:code>", "2024").replace("<slug:slug>", "phieu-a")
    for param in ("<int:unit_pk>", "<int:village_pk>", "<int:household_pk>"):
        url = url.replace(param, str(ids.get(param, 0)))
    url = url.replace("<int:component_pk>", "1").replace("<int:pk>", str(ids.get(name, ids.get(key, 0))))
    return "/" + url


def _routes(patterns, prefix="", namespace=None):
    for pattern in patterns:
        if isinstance(pattern, URLResolver):
            if str(pattern.pattern).startswith("quan-tri"):
                continue  # the Django admin: staff of role admin only (tests/test_scoping.py)
            yield from _routes(
                pattern.url_patterns, prefix + str(pattern.pattern), pattern.namespace or namespace
            )
        else:
            name = f"{namespace}:{pattern.name}" if namespace else pattern.name
            yield name, prefix + str(pattern.pattern)


class AccessMatrixTests(BaseTestCase):
    @classmethod
    def setUpTestData(cls):
        super().setUpTestData()
        household = make_household(cls.song_cau, members=2)
        make_review(household, 2024, income=1_200_000, deprived=("d_water", "d_latrine", "d_telecom"))
        period = period_2024(due_on=date(2024, 12, 15), closes_on=date(2099, 1, 31))
        job = ImportJob.objects.create(
            user=cls.officer, unit=cls.song_cau, year=2024, original_name="ds.xlsx", stored_name="x.xlsx"
        )
        document = new_document(cls.backan_city, "plan", 2024)
        document._history_user = cls.district
        document.save()
        cls.ids = {
            "households:": household.pk,
            "households:import": job.pk,
            "reports:": submission_for(cls.song_cau, period).pk,
            "documents:": document.pk,
            "units:": cls.song_cau.pk,
            **season_records(cls.officer, cls.song_cau, household),
        }
        cls.foreigners = [
            cls.outsider,  # commune officer of Cẩm Lương (Thanh Hóa)
            make_user("camthuy", Role.DISTRICT_STAFF, "390"),
            make_user("thanhhoa", Role.PROVINCE_STAFF, "38"),
            make_user("xemcamthuy", Role.VIEWER, "390"),
        ]

    def _url(self, name: str, route: str) -> str:
        return route_url(name, route.replace("<str:action>", "duyet"), self.ids)

    def test_no_url_shows_another_units_records(self):
        tried = 0
        for name, route in _routes(get_resolver().url_patterns):
            bound = any(param in route for param in BOUND_PARAMS)
            self.assertTrue(bound or name in UNIT_SCOPED or name in OWN_ONLY, f"classify {name} in this test")
            url = self._url(name, route)
            query = {"don_vi": self.song_cau.pk, "nam": 2024} if name in UNIT_SCOPED else {"nam": 2024}
            for user in self.foreigners:
                self.client.force_login(user)
                response = self.client.get(url, query)
                if response.status_code == 405:
                    response = self.client.post(
                        url + f"?don_vi={self.song_cau.pk}" if name in UNIT_SCOPED else url
                    )
                tried += 1
                with self.subTest(url=url, user=user.username):
                    if bound or name in UNIT_SCOPED:
                        self.assertEqual(response.status_code, 404)
                    else:
                        self.assertIn(response.status_code, (200, 302, 403, 404))
                        self.assertNotIn("Sông Cầu", response.content.decode("utf-8", "replace"))
        self.assertGreaterEqual(tried, 200)
        print(f"\naccess matrix: {tried} URL × role pairs tried")
