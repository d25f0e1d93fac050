"""Issue 13: approved data stays approved on every path (derived later years, admin history
pages), and only the issuing unit's staff attach a document's hand-signed scan."""

from django.urls import reverse

from households.models import HouseholdReview, RegistryRollup
from reports.locking import LockedError
from reports.models import State, Submission
from tests.factory import make_household, make_review
from tests.test_cycle import CycleTestCase

M = 1_000_000
HOUSING = ("d_housing_quality", "d_housing_area", "d_water", "d_latrine")


class DerivedYearLockTests(CycleTestCase):
    """Sông Cầu's 2024 is approved; its household was above the line in 2023 and 2024."""

    @classmethod
    def setUpTestData(cls):
        super().setUpTestData()
        cls.household = make_household(cls.song_cau, members=4)
        make_review(cls.household, 2023, income=3 * M)
        make_review(cls.household, 2024, income=3 * M)

    def setUp(self):
        self.approve(self.district, self.submit(self.officer, self.song_cau))

    def _edit_2023(self, income, deprived=()):
        return make_review(self.household, 2023, income=income, deprived=deprived)

    def test_an_earlier_year_edit_that_would_change_an_approved_year_is_refused(self):
        review_2024 = HouseholdReview.objects.get(household=self.household, year=2024)
        history_rows = review_2024.history.count()
        rollups = RegistryRollup.objects.filter(commune=self.song_cau, year=2024)
        escaped = sorted(rollups.values_list("recently_escaped", flat=True))
        with self.assertRaises(LockedError) as refused:
            self._edit_2023(500_000, deprived=HOUSING)  # 2023 poor: 2024 would read "escaped"
        message = str(refused.exception)
        self.assertIn("năm 2024", message)
        self.assertIn(self.household.code, message)
        self.assertIn("Thành phố Bắc Kạn mở lại", message)  # who can reopen it
        # Nothing moved: the 2023 review, the approved 2024 review, its audit trail, the rollup.
        self.assertEqual(
            HouseholdReview.objects.get(household=self.household, year=2023).income_per_capita, 3 * M
        )
        review_2024.refresh_from_db()
        self.assertEqual((review_2024.prev_class, review_2024.recently_escaped), ("middle", False))
        self.assertEqual(review_2024.history.count(), history_rows)
        self.assertEqual(sorted(rollups.values_list("recently_escaped", flat=True)), escaped)
        self.assertEqual(Submission.objects.get(unit=self.song_cau).state, State.APPROVED)

    def test_an_earlier_year_edit_that_leaves_the_approved_year_alone_is_saved(self):
        self._edit_2023(2_500_000)  # still above the line: 2024's history is unchanged
        self.assertEqual(
            HouseholdReview.objects.get(household=self.household, year=2023).income_per_capita, 2_500_000
        )

    def test_after_reopening_the_edit_goes_through_with_an_audit_row_on_the_later_year(self):
        from reports import cycle

        submission = Submission.objects.get(unit=self.song_cau)
        cycle.reopen(
            user=self.district,
            submission=submission,
            reason="Sửa số liệu năm 2023",
            expected_version=submission.version,
        )
        self._edit_2023(500_000, deprived=HOUSING)
        review_2024 = HouseholdReview.objects.get(household=self.household, year=2024)
        self.assertEqual((review_2024.prev_class, review_2024.recently_escaped), ("poor", True))
        self.assertEqual(review_2024.history.first().history_change_reason, "Tính lại diễn biến từ năm khác")


class AdminHistoryTests(CycleTestCase):
    def test_history_pages_of_the_admin_never_write(self):
        submission = self.approve(self.district, self.submit(self.officer, self.song_cau))
        review = HouseholdReview.objects.get(household=self.song_cau_household, year=2024)
        self.client.force_login(self.admin)
        pages = {
            "review": (review, "households_householdreview", {"income_per_capita": "1"}),
            "submission": (submission, "reports_submission", {"state": "draft", "version": "1"}),
        }
        for name, (row, route, data) in pages.items():
            with self.subTest(name):
                version = row.history.first().history_id
                url = reverse(f"admin:{route}_simple_history", args=[row.pk, version])
                self.assertEqual(self.client.get(url).status_code, 200)  # still shown
                self.assertEqual(self.client.post(url, data).status_code, 403)
        review.refresh_from_db()
        submission.refresh_from_db()
        self.assertEqual(review.income_per_capita, 1_200_000)
        self.assertEqual(submission.state, State.APPROVED)
