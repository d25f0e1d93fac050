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
    "budgets:overview",
    "budgets:download",
    "reports:dashboard",
    "reports:approve_all",
    "documents:list",
}
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
}


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
        }
        cls.foreigners = [
            cls.outsider,  # commune officer of Cẩm Lương (Thanh Hóa)
            make_user("camthuy", Role.DISTRICT_STAFF, "390"),
            make_user("thanhhoa", Role.PROVINCE_STAFF, "38"),
            make_user("xemcamthuy", Role.VIEWER, "390"),
        ]

    def _url(self, name: str, route: str) -> str:
        namespace = name.split(":")[0] + ":"
        key = "households:import" if name.startswith("households:import_") else namespace
        url = (
            route.replace("<int:year>", "2024").replace("<str:code>", "2024").replace("<str:action>", "duyet")
        )
        url = url.replace("<int:component_pk>", "1").replace("<int:pk>", str(self.ids.get(key, 0)))
        return "/" + url

    def test_no_url_shows_another_units_records(self):
        tried = 0
        for name, route in _routes(get_resolver().url_patterns):
            bound = "<int:pk>" in route
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
