"""Issue 13: approved data stays approved on every path (derived later years, admin history
pages), and only the issuing unit's staff attach a document's hand-signed scan."""

import io
import re
from datetime import date, datetime

from django.core.exceptions import PermissionDenied, ValidationError
from django.urls import reverse

from households.models import HouseholdReview, PersonalDataExport, RegistryRollup
from households.services import review_save
from povertyprog.accounts.models import Role
from povertyprog.approvals import LockedError
from reports import cycle
from reports.models import Notification, ReportingPeriod, State, Submission
from reports.selectors import diff_since_approval
from tests.base import make_user
from tests.conftest import VN
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
        cycle.submission_reopen(
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


class PersonalDataTests(CycleTestCase):
    """Lists of named people: who may take them, what they show, and the log of each one."""

    @classmethod
    def setUpTestData(cls):
        super().setUpTestData()
        member = cls.song_cau_household.members.first()
        member.citizen_id = "001085012345"
        member.save()

    def _members_sheet_ids(self, response):
        from openpyxl import load_workbook

        from households.exporting import MEMBER_SHEET

        sheet = load_workbook(io.BytesIO(response.content))[MEMBER_SHEET]
        column = [c.value for c in sheet[1]].index("Số định danh cá nhân")
        return [row[column] for row in sheet.iter_rows(min_row=2, values_only=True) if row[column]]

    def _download(self, user, **query):
        self.client.force_login(user)
        return self.client.get(
            reverse("households:download"), {"don_vi": self.song_cau.pk, "nam": 2024, **query}
        )

    def test_the_viewer_and_the_administrator_cannot_take_a_list_of_people(self):
        for user in (self.viewer, self.admin):
            with self.subTest(user.username):
                self.assertEqual(self._download(user, muc_dich="ra_soat").status_code, 403)
                listing = self.client.get(reverse("households:list"), {"don_vi": self.song_cau.pk})
                self.assertNotContains(listing, "Tải danh sách Excel")
        self.assertFalse(PersonalDataExport.objects.exists())

    def test_a_purpose_is_chosen_first_and_each_export_is_logged(self):
        page = self._download(self.district)
        self.assertContains(page, "Mục đích sử dụng")
        self.assertFalse(PersonalDataExport.objects.exists())  # choosing is not exporting
        response = self._download(self.district, muc_dich="kiem_tra", phan_loai="poor")
        self.assertTrue(response.content.startswith(b"PK"))
        entry = PersonalDataExport.objects.get()
        self.assertEqual(
            (entry.user, entry.unit, entry.year, entry.filter, entry.rows, entry.purpose, entry.ids_shown),
            (self.district, self.song_cau, 2024, "poor", 1, "kiem_tra", False),
        )

    def test_id_numbers_are_whole_only_for_the_communes_own_officer(self):
        self.assertEqual(
            self._members_sheet_ids(self._download(self.officer, muc_dich="ra_soat")), ["001085012345"]
        )
        for user in (self.district, self.province):
            with self.subTest(user.username):
                ids = self._members_sheet_ids(self._download(user, muc_dich="bao_cao"))
                self.assertEqual(ids, ["********2345"])
        shown = PersonalDataExport.objects.order_by("id").values_list("ids_shown", flat=True)
        self.assertEqual(list(shown), [True, False, False])

    def test_the_export_log_is_the_provinces_and_the_administrators(self):
        self._download(self.officer, muc_dich="chinh_sach")
        for user, status in (
            (self.province, 200),
            (self.admin, 200),
            (self.district, 403),
            (self.viewer, 403),
        ):
            with self.subTest(user.username):
                self.client.force_login(user)
                response = self.client.get(reverse("households:export_log"))
                self.assertEqual(response.status_code, status)
                if status == 200:
                    self.assertContains(response, "Thực hiện chính sách hỗ trợ cho hộ trong danh sách")
                    self.assertContains(response, "songcau")
        self.client.force_login(make_user("tinhthanhhoa", Role.PROVINCE_STAFF, "38"))
        self.assertNotContains(self.client.get(reverse("households:export_log")), "songcau")

    def test_the_public_posting_list_holds_name_village_and_class_only(self):
        from openpyxl import load_workbook

        self.client.force_login(self.officer)
        response = self.client.get(reverse("households:posting_download"), {"nam": 2024})
        rows = list(load_workbook(io.BytesIO(response.content)).active.iter_rows(values_only=True))
        self.assertEqual(rows[2], ("STT", "Họ và tên chủ hộ", "Thôn, tổ dân phố", "Phân loại"))
        self.assertEqual(rows[3], (1, self.song_cau_household.head_name, "Tổ 1", "Hộ nghèo"))
        self.assertEqual(len(rows), 4)  # the above-the-line household of Dương Quang is not there
        self.assertEqual(PersonalDataExport.objects.get().kind, "posting")
        self.client.force_login(self.district)
        self.assertEqual(self.client.get(reverse("households:posting_download")).status_code, 403)


class MalformedRequestTests(CycleTestCase):
    """Every page, asked with nonsense parameters by a user who may see it: 400 or 404, never 500
    (the pages render with the production static storage: tests/conftest.py)."""

    BOGUS = {"don_vi": "abc", "nam": "abc", "trang": "abc", "phan_loai": "<script>", "q": "x"}

    def test_no_page_answers_500_to_malformed_parameters(self):
        from django.urls import get_resolver

        from tests.test_access_matrix import _routes

        self.client.raise_request_exception = False
        tried = 0
        for user in (self.officer, self.district, self.viewer):
            self.client.force_login(user)
            for name, route in _routes(get_resolver().url_patterns):
                url = "/" + route.replace("<int:year>", "2024").replace("<str:code>", "2024")
                url = url.replace("<str:action>", "duyet").replace("<int:component_pk>", "1")
                url = url.replace("<int:pk>", "1")
                for query in (self.BOGUS, {"don_vi": "1 OR 1=1"}, {"nam": "99999999999999999999"}):
                    tried += 1
                    with self.subTest(name=name, user=user.username, query=query):
                        self.assertLess(self.client.get(url, query).status_code, 500)
        self.assertGreater(tried, 400)
        for path in ("/bao-cao/%00/", "/ho-gia-dinh/?q=%00", "/van-ban/?don_vi=%00"):
            with self.subTest(path):
                self.assertEqual(self.client.get(path).status_code, 400)

    def test_the_document_preview_uses_the_collected_fonts(self):
        from reports.composition import new_document

        document = new_document(self.song_cau, "commune_report", 2024)
        document._history_user = self.officer
        document.save()
        self.client.force_login(self.officer)
        response = self.client.get(reverse("documents:preview", args=[document.pk]))
        self.assertEqual(response.status_code, 200)
        self.assertRegex(
            response.content.decode(), r"/static/fonts/LiberationSerif-Regular\.[0-9a-f]{12}\.ttf"
        )


class ReadOnlyFormTests(CycleTestCase):
    def test_a_locked_review_opens_read_only_with_the_reason_and_refuses_a_post(self):
        self.approve(self.district, self.submit(self.officer, self.song_cau))
        self.client.force_login(self.officer)
        url = reverse("households:review", args=[self.song_cau_household.pk, 2024])
        page = self.client.get(url)
        self.assertContains(page, "Chỉ xem: Số liệu năm 2024 của Phường Sông Cầu đã được phê duyệt")
        self.assertNotContains(page, "Lưu và phân loại</button>")
        self.assertRegex(
            page.content.decode(), r'<input[^>]*name="income_per_capita" value="1.200.000"[^>]* disabled'
        )
        self.assertEqual(self.client.post(url, {"income_per_capita": "5.000.000"}).status_code, 403)

    def test_a_viewer_sees_a_draft_document_read_only_and_cannot_save_it(self):
        from reports.composition import new_document

        document = new_document(self.song_cau, "commune_report", 2024)
        document._history_user = self.officer
        document.save()
        self.client.force_login(self.district)
        url = reverse("documents:edit", args=[document.pk])
        page = self.client.get(url)
        self.assertContains(page, "Chỉ xem: Chỉ cán bộ của đơn vị ban hành")
        self.assertNotContains(page, "Lưu dự thảo</button>")
        self.assertEqual(self.client.post(url, {"title": "Sửa trộm"}).status_code, 403)
        self.client.force_login(self.viewer)
        certificate = self.client.get(reverse("documents:certificate"))
        self.assertContains(certificate, "Chỉ cán bộ nhập liệu của đơn vị")
        self.assertNotContains(certificate, "Lưu ảnh con dấu")


class SendingTests(CycleTestCase):
    """Sending is a commitment: shown complete or not, confirmed, locked until returned or withdrawn."""

    def _edit_review(self, income):
        review = HouseholdReview.objects.get(household=self.song_cau_household, year=2024)
        review.income_per_capita = income
        return review_save(
            user=self.officer, household=self.song_cau_household, review=review,
            override_reasons={}, opened_at=review.updated_at.isoformat(),
        )  # fmt: skip

    def test_the_send_form_shows_completeness_and_needs_a_confirmation(self):
        make_household(self.song_cau, members=2)  # registered, not reviewed in 2024
        submission = cycle.submission_for(self.song_cau, self.period)
        self.client.force_login(self.officer)
        page = self.client.get(reverse("reports:submission", args=[submission.pk]))
        self.assertContains(page, "1 / 2 hộ (50,00%)")
        self.assertContains(page, "mới 1 hộ có kết quả rà soát năm 2024")
        url = reverse("reports:submission_action", args=[submission.pk, "gui"])
        refused = self.client.post(url, {"version": submission.version}, follow=True)
        self.assertContains(refused, "đánh dấu xác nhận trước khi gửi")
        self.assertEqual(Submission.objects.get(pk=submission.pk).state, State.DRAFT)
        self.client.post(url, {"version": submission.version, "xac_nhan": "1"})
        self.assertEqual(Submission.objects.get(pk=submission.pk).state, State.SUBMITTED)

    def test_sent_data_is_locked_until_withdrawn_with_a_reason(self):
        sent = self.submit(self.officer, self.song_cau)
        with self.assertRaisesMessage(LockedError, "đã được gửi ngày"):
            self._edit_review(2_500_000)
        with self.assertRaisesMessage(ValidationError, "lý do"):
            cycle.submission_withdraw(
                user=self.officer, submission=sent, reason="", expected_version=sent.version
            )
        with self.assertRaises(PermissionDenied):
            cycle.submission_withdraw(
                user=self.district,
                submission=sent,
                reason="Rút thử của cấp trên",
                expected_version=sent.version,
            )
        withdrawn = cycle.submission_withdraw(
            user=self.officer,
            submission=sent,
            reason="Sửa thu nhập hộ Nguyễn Văn",
            expected_version=sent.version,
        )
        self.assertEqual(withdrawn.state, State.DRAFT)
        self.assertTrue(
            Notification.objects.filter(user=self.district, text__contains="đã rút hồ sơ").exists()
        )
        self._edit_review(2_500_000)  # open again

    def test_after_a_return_and_a_resend_the_page_shows_the_last_sending(self):
        first = self.submit(self.officer, self.song_cau)
        returned = cycle.submission_return(
            user=self.district,
            submission=first,
            reason="Kiểm tra lại thu nhập hộ",
            expected_version=first.version,
        )
        self._edit_review(2_500_000)  # poor -> middle
        resent = self.submit(self.officer, self.song_cau)
        diff = diff_since_approval(resent)
        self.assertEqual(diff["since"].action, "submit")
        self.assertEqual(diff["classes"], [(self.song_cau_household.code, "poor", "middle")])
        self.client.force_login(self.district)
        page = self.client.get(reverse("reports:submission", args=[returned.pk])).content.decode()
        self.assertIn("Gửi lúc", page)
        self.assertIn("bởi songcau", page.split('data-testid="state"')[1].split("</p>")[0])
        self.assertNotIn("Kiểm tra lại thu nhập hộ</p>", page)  # the answered return reason is gone


class HistoryPageTests(CycleTestCase):
    def test_the_household_page_lists_every_change_before_and_after_in_vietnamese(self):
        review = HouseholdReview.objects.get(household=self.song_cau_household, year=2024)
        review.income_per_capita = 2_500_000
        review_save(
            user=self.officer, household=self.song_cau_household, review=review,
            override_reasons={}, opened_at=review.updated_at.isoformat(),
        )  # fmt: skip
        self.client.force_login(self.district)
        page = self.client.get(reverse("households:detail", args=[self.song_cau_household.pk]))
        history = page.content.decode().split('data-testid="history"')[1]
        self.assertIn("songcau – Sửa: Kết quả rà soát năm 2024 (Trang nhập liệu)", history)
        self.assertIn("1.200.000 → 2.500.000", history)
        self.assertIn("Hộ nghèo → Hộ có mức sống trung bình", history)
        self.assertIn("Thêm mới: Thông tin hộ", history)
        for english in ("Created", "Changed", "Deleted"):
            self.assertNotIn(english, history)


class PageTextTests(CycleTestCase):
    """What every page says: a plain <title>, no doubled words, one date-time order."""

    DOUBLED = re.compile(r"\b(năm|báo cáo|hồ sơ|của|kỳ báo cáo)\s+\1\b", re.IGNORECASE)

    def test_titles_are_text_and_no_page_doubles_a_word(self):
        from django.urls import get_resolver

        from tests.test_access_matrix import _routes

        ReportingPeriod.objects.create(
            code="2026", name="Báo cáo năm 2026", kind="annual", first_year=2026, last_year=2026,
            opens_on=date(2026, 10, 1), due_on=date(2026, 12, 15), closes_on=date(2027, 1, 31),
        )  # fmt: skip
        submission = cycle.submission_for(self.song_cau, self.period)
        checked = 0
        for user in (self.officer, self.district):
            self.client.force_login(user)
            for name, route in _routes(get_resolver().url_patterns):
                if "<int:pk>" in route and not name.startswith("reports:submission"):
                    continue
                for code in ("2024", "2026"):
                    url = "/" + route.replace("<str:code>", code).replace("<int:pk>", str(submission.pk))
                    url = url.replace("<int:year>", "2024").replace("<str:action>", "duyet")
                    url = url.replace("<int:component_pk>", "2")
                    response = self.client.get(url)
                    if response.status_code != 200 or "html" not in response.get("Content-Type", ""):
                        continue
                    html = response.content.decode()
                    title = html.split("<title>", 1)[1].split("</title>", 1)[0]
                    text = re.sub(r"<[^>]+>", " ", html)
                    checked += 1
                    with self.subTest(url=url, user=user.username):
                        self.assertNotIn("<", title)
                        self.assertIsNone(self.DOUBLED.search(text), self.DOUBLED.search(text))
                        self.assertNotRegex(
                            text, r"\d\d/\d\d/\d{4} \d\d:\d\d"
                        )  # time first: 09:30 05/12/2026
        self.assertGreater(checked, 40)

    def test_the_browser_finds_its_icon(self):
        response = self.client.get("/favicon.ico")
        self.assertEqual(response.status_code, 302)
        self.assertRegex(response["Location"], r"/static/favicon\.[0-9a-f]{12}\.ico$")

    def test_the_certificate_subject_reads_in_vietnamese(self):
        from reports import documents
        from tests.support.certificates import make_pkcs12

        documents.certificate_store(user=self.officer, pkcs12=make_pkcs12(), passphrase="mat-khau-ky")
        self.client.force_login(self.officer)
        page = self.client.get(reverse("documents:certificate")).content.decode()
        self.assertIn("Họ tên: Nguyễn Văn Ký", page)
        self.assertNotIn("CN=", page)


class ReviewYearClockTests(CycleTestCase):
    """The pages as the review year turns (Decision 07/2021's annual review ends in December; a
    review may be dated up to 31/03 of the next year): the clock pinned in each part of the year."""

    PARTS = {
        # today: (the year the household list opens, the new review form's date for that year)
        date(2026, 3, 15): (2025, "15/03/2026"),  # first quarter: last year's review is still entered
        date(2026, 7, 1): (2025, ""),  # mid-year: last year's lists are current; its window has closed
        date(2026, 12, 1): (2026, "01/12/2026"),  # review season
        date(2026, 12, 31): (2026, "31/12/2026"),
    }

    def test_each_part_of_the_year_opens_the_right_year_and_date(self):
        import time_machine

        household = make_household(self.song_cau, members=1)
        self.client.force_login(self.officer)
        for today, (year, review_date) in self.PARTS.items():
            nine = datetime(today.year, today.month, today.day, 9, tzinfo=VN)
            with self.subTest(today=today), time_machine.travel(nine, tick=False):
                self.client.force_login(self.officer)  # a session of that day
                listing = self.client.get(reverse("households:list"))
                self.assertEqual(listing.context["year"], year)
                url = reverse("households:review", args=[household.pk, year])
                field = re.search(
                    r'<input[^>]*name="review_date"[^>]*>', self.client.get(url).content.decode()
                )
                value = re.search(r'value="([^"]*)"', field.group(0))
                self.assertEqual(value.group(1) if value else "", review_date)
