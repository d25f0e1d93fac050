"""Every URL that writes (or hands out personal data), tried by every role of the owning unit's
tree and of a foreign one: the set of (URL, role) pairs let through is exactly the allowed one,
and a refused request changes nothing (no audit row, no notification, no job, no file).

A request is "let through" when the permission gate admits it: the page answers 200 (a form,
perhaps with its errors) or redirects after acting; "refused" is 403, 404, 405 or the login page.
"""

from django.apps import apps
from django.urls import get_resolver

from households.models import ImportJob
from povertyprog.accounts.models import Role
from reports.composition import new_document
from reports.cycle import submission_for
from reports.models import Notification
from tests.base import BaseTestCase, make_user
from tests.factory import in_the_2024_cycle, make_household, make_review, period_2024
from tests.test_access_matrix import OWN_ONLY, UNIT_SCOPED, _routes, route_url, season_records

# Routes that accept POST, with the actions a route name takes.
WRITE_ROUTES = {
    "password_change": None,
    "households:create": None,
    "households:edit": None,
    "households:review": None,
    "households:import": None,
    "households:import_confirm": None,
    "households:carry": None,
    "households:moves": None,
    "households:id_queue": None,
    "budgets:grid": None,
    "budgets:policies": None,
    "budgets:outputs": None,
    "budgets:mobilisation": None,
    "budgets:import": None,
    "budgets:catalogue": None,
    "reports:notifications": None,
    "reports:submission_action": ["gui", "duyet", "tra-lai", "mo-lai"],
    "reports:own_submission": None,
    "reports:approve_all": None,
    "reports:targets": None,
    "reports:indicator_targets": None,
    "documents:create": None,
    "documents:certificate": None,
    "documents:verify": None,
    "documents:edit": None,
    "documents:preview_typed": None,
    "documents:issue": None,
    "documents:sign": None,
    "documents:correct": None,
    "documents:scan": None,
    "season:page": None,
    "season:village": None,
    "season:case": None,
    "season:application": None,
}
# GETs that hand out personal data (names, birth years, ID numbers) or a signed scan.
PERSONAL_DOWNLOADS = {
    "households:download",
    "households:posting_download",
    "households:export_log",
    "documents:scan_download",
    "season:posting",
    "season:final_list",
}

ROLES = ("officer", "district", "province", "viewer")
EVERYONE = {f"own:{r}" for r in (*ROLES, "admin")} | {f"foreign:{r}" for r in ROLES}
# Pages about the user's own unit: each data-entry role, whichever tree it belongs to.
STAFF = {f"{side}:{r}" for side in ("own", "foreign") for r in ("officer", "district", "province")}
OFFICER = {"own:officer"}  # the officer of the commune that owns the record
COMMUNE_OFFICERS = {"own:officer", "foreign:officer"}  # each for their own commune
APPROVER = {"own:district"}  # Bắc Kạn city approves Sông Cầu
EXPECTED = {
    "password_change": EVERYONE,
    "households:create": COMMUNE_OFFICERS,
    "households:edit": OFFICER,
    "households:review": OFFICER,
    "households:import": COMMUNE_OFFICERS,
    "households:import_confirm": OFFICER,
    # The users here work in the three-tier tree: carrying is the new tree's (tests/test_succession.py).
    "households:carry": set(),
    "households:moves": OFFICER,
    "households:id_queue": COMMUNE_OFFICERS,  # each resolves the duplicates of their own commune
    "households:download": {"own:officer", "own:district", "own:province"},
    "households:posting_download": COMMUNE_OFFICERS,
    "households:export_log": {"own:province", "own:admin", "foreign:province"},
    "budgets:grid": set(),  # component 1 is a project, not a sub-project: 404 for everyone
    "budgets:catalogue": {"own:admin"},
    "budgets:policies": STAFF,
    "budgets:outputs": STAFF,
    "budgets:mobilisation": STAFF,
    "budgets:import": STAFF,
    "reports:notifications": EVERYONE,
    "reports:submission_action/gui": OFFICER,
    "reports:submission_action/duyet": APPROVER,
    "reports:submission_action/tra-lai": APPROVER,
    "reports:submission_action/mo-lai": APPROVER,
    "reports:own_submission": STAFF,
    "reports:approve_all": {"own:district", "own:province"},
    "reports:targets": {f"{side}:{r}" for side in ("own", "foreign") for r in ("district", "province")},
    "reports:indicator_targets": STAFF,
    "documents:create": STAFF,
    "documents:certificate": STAFF,
    "documents:verify": EVERYONE,
    "documents:edit": OFFICER,
    "documents:preview_typed": OFFICER,
    "documents:issue": OFFICER,
    "documents:sign": OFFICER,
    "documents:correct": OFFICER,
    "documents:scan": OFFICER,
    "documents:scan_download": set(),
    # The season's steps: the commune's own officer; its printed lists: the commune's officer.
    "season:page": OFFICER,
    "season:village": OFFICER,
    "season:case": OFFICER,
    "season:application": OFFICER,
    "season:posting": OFFICER,
    "season:final_list": OFFICER,  # no scan attached here (tests/test_trust.py attaches one)
}


def _fingerprint() -> tuple:
    """Counts of every audit table, notifications and import jobs: a write leaves a trace here."""
    history = [m for m in apps.get_models() if m.__name__.startswith("Historical")]
    return (
        tuple(m.objects.count() for m in history),
        Notification.objects.count(),
        ImportJob.objects.count(),
    )


@in_the_2024_cycle
class WriteMatrixTests(BaseTestCase):
    @classmethod
    def setUpTestData(cls):
        super().setUpTestData()
        household = make_household(cls.song_cau, members=2)
        make_review(household, 2024, income=1_200_000, deprived=("d_water", "d_latrine", "d_telecom"))
        period = period_2024()
        job = ImportJob.objects.create(
            user=cls.officer, unit=cls.song_cau, year=2024, original_name="ds.xlsx", stored_name="x.xlsx"
        )
        document = new_document(cls.song_cau, "commune_report", 2024)
        document._history_user = cls.officer
        document.save()
        cls.submission = submission_for(cls.song_cau, period)
        cls.ids = {
            "households:": household.pk,
            "households:import": job.pk,
            "reports:": cls.submission.pk,
            "documents:": document.pk,
            **season_records(cls.officer, cls.song_cau, household),
        }
        cls.own = {
            "officer": cls.officer,
            "district": cls.district,
            "province": cls.province,
            "viewer": cls.viewer,
            "admin": cls.admin,
        }
        cls.foreign = {
            "officer": cls.outsider,
            "district": make_user("camthuy", Role.DISTRICT_STAFF, "390"),
            "province": make_user("thanhhoa", Role.PROVINCE_STAFF, "38"),
            "viewer": make_user("xemcamthuy", Role.VIEWER, "390"),
        }

    def _urls(self):
        for name, route in _routes(get_resolver().url_patterns):
            if name not in WRITE_ROUTES and name not in PERSONAL_DOWNLOADS:
                continue
            url = route_url(name, route, self.ids)
            query = f"?don_vi={self.song_cau.pk}&nam=2024" if name in UNIT_SCOPED else "?nam=2024"
            for action in WRITE_ROUTES.get(name) or [None]:
                yield (
                    (f"{name}/{action}" if action else name),
                    url.replace("<str:action>", action or "") + query,
                )

    def _try(self, user, label: str, url: str):
        from django.db import transaction

        self.client.force_login(user)
        before = _fingerprint()
        with transaction.atomic():
            if label.split("/")[0] in PERSONAL_DOWNLOADS:
                response = self.client.get(url)
            else:
                response = self.client.post(
                    url, {"version": self.submission.version, "reason": "Lý do đủ dài để thử"}
                )
            after = _fingerprint()
            transaction.set_rollback(True)
        refused = response.status_code in (403, 404, 405) or "/dang-nhap/" in response.get("Location", "")
        return (not refused), before != after

    def test_only_the_allowed_roles_get_through_and_refusals_write_nothing(self):
        for name in WRITE_ROUTES:
            self.assertTrue(
                name in OWN_ONLY or name in UNIT_SCOPED or name in dict(_routes(get_resolver().url_patterns))
            )
        observed, writes, pairs = {}, [], 0
        for label, url in self._urls():
            for side, users in (("own", self.own), ("foreign", self.foreign)):
                for role, user in users.items():
                    admitted, wrote = self._try(user, label, url)
                    pairs += 1
                    if admitted:
                        observed.setdefault(label, set()).add(f"{side}:{role}")
                    elif wrote:
                        writes.append((label, side, role))
        print(
            f"\nwrite matrix: {pairs} URL × role pairs tried, {sum(map(len, observed.values()))} let through"
        )
        self.assertEqual(writes, [])
        for label, allowed in EXPECTED.items():
            with self.subTest(label):
                self.assertEqual(observed.get(label, set()), allowed)
        self.assertEqual(set(observed) - set(EXPECTED), set())
