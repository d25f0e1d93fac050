"""The reporting cycle: transitions, children first, locks on every write path, audit, diff,
official and provisional aggregates."""

import json
from datetime import date, timedelta
from io import StringIO
from pathlib import Path

from django.core.exceptions import PermissionDenied, ValidationError
from django.core.management import call_command
from django.utils import timezone

from budgets.models import BudgetLine, Component, Program
from budgets.services import budget_grid_save, mobilisations_save, outputs_save, policy_results_save, stamp
from households.models import HouseholdReview
from households.services import review_save
from povertyprog.accounts.models import Role
from povertyprog.approvals import LockedError
from reports import cycle
from reports.models import Notification, ReportingPeriod, State, Submission, Target
from reports.selectors import cycle_status, dashboard_figures, diff_since_approval
from reports.targets import targets_save
from tests.base import BaseTestCase, make_user, unit
from tests.factory import in_the_2024_cycle, make_household, make_review, period_2024

M = 1_000_000
LOCKED = "đã được phê duyệt ngày"


@in_the_2024_cycle
class CycleTestCase(BaseTestCase):
    """Bắc Kạn city's 2024 cycle, the clock pinned on a working day of it (tests.factory)."""

    @classmethod
    def setUpTestData(cls):
        super().setUpTestData()
        cls.period = period_2024()
        cls.dq_officer = make_user("duongquang", Role.COMMUNE_OFFICER, "01849")
        cls.song_cau_household = make_household(cls.song_cau, members=4)
        make_review(
            cls.song_cau_household, 2024, income=1_200_000, deprived=("d_water", "d_latrine", "d_telecom")
        )
        make_review(make_household(cls.duong_quang, members=3), 2024, income=3_000_000)

    def submission(self, commune):
        return cycle.submission_for(commune, self.period)

    def submit(self, user, commune):
        s = self.submission(commune)
        return cycle.submission_submit(user=user, submission=s, expected_version=s.version)

    def approve(self, user, s):
        return cycle.submission_approve(user=user, submission=s, expected_version=s.version)


class TransitionTests(CycleTestCase):
    def test_submit_return_with_reason_resubmit_approve(self):
        sent = self.submit(self.officer, self.song_cau)
        self.assertEqual(sent.state, State.SUBMITTED)
        self.assertTrue(Notification.objects.filter(user=self.district, text__contains="đã gửi").exists())
        with self.assertRaisesMessage(ValidationError, "Phải ghi rõ lý do"):
            cycle.submission_return(
                user=self.district, submission=sent, reason=" sai ", expected_version=sent.version
            )
        back = cycle.submission_return(
            user=self.district,
            submission=sent,
            reason="Thiếu danh sách hộ mới thoát nghèo",
            expected_version=sent.version,
        )
        self.assertEqual((back.state, back.reason), (State.RETURNED, "Thiếu danh sách hộ mới thoát nghèo"))
        self.assertTrue(
            Notification.objects.filter(user=self.officer, text__contains="Thiếu danh sách").exists()
        )
        again = self.submit(self.officer, self.song_cau)
        done = self.approve(self.district, again)
        self.assertEqual((done.state, done.decided_by), (State.APPROVED, self.district))
        self.assertEqual(
            done.first_submitted_at, sent.first_submitted_at
        )  # timeliness counts the first sending
        self.assertEqual([e.action for e in done.events.all()], ["submit", "return", "submit", "approve"])

    def test_who_may_do_what(self):
        with self.assertRaises(PermissionDenied):
            self.submit(self.dq_officer, self.song_cau)  # another commune
        with self.assertRaises(PermissionDenied):
            self.submit(self.viewer, self.backan_city)
        sent = self.submit(self.officer, self.song_cau)
        for user in (self.officer, self.province, self.viewer, self.outsider):  # only the nearest approver
            with self.subTest(user=user.username), self.assertRaises(PermissionDenied):
                self.approve(user, sent)
        with self.assertRaisesMessage(ValidationError, "không gửi lại được"):
            self.submit(self.officer, self.song_cau)

    def test_a_period_past_its_close_date_takes_no_submission(self):
        ReportingPeriod.objects.filter(pk=self.period.pk).update(
            closes_on=timezone.localdate() - timedelta(days=1)
        )
        with self.assertRaisesMessage(ValidationError, "đã khóa sổ"):
            self.submit(self.officer, self.song_cau)

    def test_after_the_close_date_nothing_moves_for_anyone_and_no_button_offers_it(self):
        """One rule for the sender and the approver (decisions D39): the 2024 period closed on
        31/01/2025; in 2026 neither the district's sending nor its approval of a commune moves."""
        import time_machine

        dq_sent = self.submit(self.dq_officer, self.duong_quang)
        ReportingPeriod.objects.filter(pk=self.period.pk).update(closes_on=date(2025, 1, 31))
        with time_machine.travel(date(2026, 12, 6), tick=False):
            for name, act in {
                "approve a commune": lambda: self.approve(self.district, dq_sent),
                "return a commune": lambda: cycle.submission_return(
                    user=self.district,
                    submission=dq_sent,
                    reason="Lý do đủ dài",
                    expected_version=dq_sent.version,
                ),
                "approve all": lambda: cycle.submissions_approve_children(
                    user=self.district,
                    unit=self.backan_city,
                    period=ReportingPeriod.objects.get(pk=self.period.pk),
                ),
                "the district's own sending": lambda: self.submit(self.district, self.backan_city),
            }.items():
                with (
                    self.subTest(name),
                    self.assertRaisesMessage(ValidationError, "đã khóa sổ ngày 31/01/2025"),
                ):
                    act()
            self.client.force_login(self.district)
            page = self.client.get(f"/bao-cao/ho-so/{dq_sent.pk}/").content.decode()
            self.assertIn("đã khóa sổ ngày 31/01/2025", page)
            self.assertNotIn("Phê duyệt</button>", page)
            dashboard = self.client.get("/bao-cao/2024/").content.decode()
            self.assertNotIn("Phê duyệt tất cả hồ sơ đang chờ", dashboard)

    def test_two_tabs_approving_the_same_submission(self):
        sent = self.submit(self.officer, self.song_cau)
        first_tab = second_tab = sent.version
        cycle.submission_approve(user=self.district, submission=sent, expected_version=first_tab)
        with self.assertRaisesMessage(cycle.StaleDecisionError, "vừa được người khác xử lý"):
            cycle.submission_return(
                user=self.district,
                submission=sent,
                reason="Số liệu chưa khớp với biểu 01",
                expected_version=second_tab,
            )
        self.assertEqual(Submission.objects.get(pk=sent.pk).state, State.APPROVED)

    def test_children_first_and_bulk_approval(self):
        for officer, commune in ((self.officer, self.song_cau), (self.dq_officer, self.duong_quang)):
            self.submit(officer, commune)
        city = self.submit(self.district, self.backan_city)
        with self.assertRaisesMessage(ValidationError, "đơn vị trực thuộc chưa được phê duyệt"):
            self.approve(self.province, city)
        with self.assertRaises(PermissionDenied):  # the province is not the wards' approver
            cycle.submissions_approve_children(user=self.province, unit=self.backan_city, period=self.period)
        self.assertEqual(
            cycle.submissions_approve_children(user=self.district, unit=self.backan_city, period=self.period),
            2,
        )
        others = [
            c for c in self.backan_city.children.all() if c.pk not in (self.song_cau.pk, self.duong_quang.pk)
        ]
        for commune in others:  # the other six communes of the city
            user = make_user(f"o{commune.code}", Role.COMMUNE_OFFICER, commune.code)
            self.approve(self.district, self.submit(user, commune))
        self.assertEqual(
            self.approve(self.province, Submission.objects.get(pk=city.pk)).state, State.APPROVED
        )

    def test_the_approver_is_the_province_where_there_is_no_district(self):
        ward = unit("01843", tree=date(2025, 7, 1))  # Phường Bắc Kạn, two-tier tree
        province = ward.parent
        self.assertEqual(cycle.approver_unit(ward), None)  # nobody staffs the province yet
        make_user("sonnmt", Role.PROVINCE_STAFF, province.code, tree=date(2025, 7, 1))
        self.assertEqual(cycle.approver_unit(ward), province)


class LockTests(CycleTestCase):
    @classmethod
    def setUpTestData(cls):
        super().setUpTestData()
        cls.component = Component.objects.get(program=Program.objects.for_year(2024), parent=None, number=2)

    def _approve(self, officer, commune):
        return self.approve(self.district, self.submit(officer, commune))

    def test_the_lock_holds_against_every_write_path(self):
        self._approve(self.officer, self.song_cau)
        review = HouseholdReview.objects.get(household=self.song_cau_household, year=2024)
        review.income_per_capita = 5_000_000
        paths = {
            "review form": lambda: review_save(
                user=self.officer,
                household=self.song_cau_household,
                review=review,
                override_reasons={},
                opened_at=review.updated_at.isoformat(),
            ),
            "budget grid": lambda: budget_grid_save(
                user=self.officer,
                unit=self.song_cau,
                year=2024,
                component=self.component,
                opened="",
                rows={("su_nghiep", "central"): {"assigned": M}},
            ),
            "policy results": lambda: policy_results_save(
                user=self.officer,
                unit=self.song_cau,
                year=2024,
                rows={"credit": {"beneficiaries": 1}},
                opened="",
            ),
            "outputs": lambda: outputs_save(
                user=self.officer, unit=self.song_cau, year=2024, rows={}, opened=""
            ),
            "mobilised": lambda: mobilisations_save(
                user=self.officer, unit=self.song_cau, year=2024, rows=[], opened=""
            ),
            "targets": lambda: targets_save(
                user=self.district,
                period=self.period,
                values={self.song_cau.pk: {"households_start": 10, "poor_start": 1, "planned_reduction": 1}},
            ),
            "demo bulk writer": lambda: make_review(make_household(self.song_cau), 2024, income=1),
        }
        for name, write in paths.items():
            with self.subTest(name), self.assertRaisesMessage(LockedError, LOCKED):
                write()
        self.assertEqual(HouseholdReview.objects.get(pk=review.pk).income_per_capita, 1_200_000)
        self.assertFalse(BudgetLine.objects.exists() or Target.objects.exists())
        # Another year and another commune stay open.
        budget_grid_save(
            user=self.officer,
            unit=self.song_cau,
            year=2023,
            component=self.component,
            opened="",
            rows={("su_nghiep", "central"): {"assigned": M}},
        )
        budget_grid_save(
            user=self.dq_officer,
            unit=self.duong_quang,
            year=2024,
            component=self.component,
            opened="",
            rows={("su_nghiep", "central"): {"assigned": M}},
        )

    def test_imports_report_the_lock_per_row_and_write_nothing(self):
        from openpyxl import Workbook

        from households.importing import HOUSEHOLD_COLUMNS, HOUSEHOLD_SHEET, household_import

        self._approve(self.officer, self.song_cau)
        book = Workbook()
        sheet = book.active
        sheet.title = HOUSEHOLD_SHEET
        sheet.append([c.header for c in HOUSEHOLD_COLUMNS])
        keys = [c.key for c in HOUSEHOLD_COLUMNS]
        values = {
            "code": "01837-77777",
            "commune_code": "01837",
            "head_name": "Lý Văn Mới",
            "village": "Tổ 2",
            "members_count": 3,
            "income": 2_500_000,
            "review_date": "15/11/2024",
        }
        sheet.append([values.get(k) for k in keys])
        path = Path(self.tmp_dir()) / "lock.xlsx"
        book.save(path)
        result = household_import(
            user=self.officer, unit=self.song_cau, year=2024, path=path, name="lock.xlsx", dry_run=False
        )
        self.assertFalse(result.committed)
        self.assertIn(LOCKED, result.problems[0].message)
        self.assertEqual(result.problems[0].row, 2)

    def tmp_dir(self) -> str:
        import tempfile

        return tempfile.mkdtemp()

    def test_reopening_one_commune_leaves_its_siblings_locked(self):
        song_cau = self._approve(self.officer, self.song_cau)
        self._approve(self.dq_officer, self.duong_quang)
        with self.assertRaisesMessage(ValidationError, "Phải ghi rõ lý do"):
            cycle.submission_reopen(
                user=self.district, submission=song_cau, reason="", expected_version=song_cau.version
            )
        cycle.submission_reopen(
            user=self.district,
            submission=song_cau,
            reason="Bổ sung hộ mới tách hộ tháng 12",
            expected_version=song_cau.version,
        )
        budget_grid_save(
            user=self.officer,
            unit=self.song_cau,
            year=2024,
            component=self.component,
            opened="",
            rows={("su_nghiep", "central"): {"assigned": M}},
        )
        with self.assertRaisesMessage(LockedError, LOCKED):
            budget_grid_save(
                user=self.dq_officer,
                unit=self.duong_quang,
                year=2024,
                component=self.component,
                opened="",
                rows={("su_nghiep", "central"): {"assigned": M}},
            )

    def test_the_locked_form_page_says_why(self):
        self._approve(self.officer, self.song_cau)
        self.client.force_login(self.officer)
        response = self.client.post(
            f"/ngan-sach/du-an/{self.component.pk}/?nam=2024",
            {"opened": "", "su_nghiep__central__assigned": "5"},
        )
        self.assertContains(response, LOCKED, status_code=403)
        self.assertContains(response, "bởi backan", status_code=403)


class AuditAndDiffTests(CycleTestCase):
    def test_every_write_path_leaves_an_audit_row_with_its_user(self):
        component = Component.objects.get(program=Program.objects.for_year(2024), parent=None, number=2)
        writes = {
            "budget line": (
                BudgetLine,
                lambda: budget_grid_save(
                    user=self.officer,
                    unit=self.song_cau,
                    year=2024,
                    component=component,
                    opened="",
                    rows={("su_nghiep", "central"): {"assigned": M}},
                ),
            ),
            "target": (
                Target,
                lambda: targets_save(
                    user=self.district,
                    period=self.period,
                    values={
                        self.song_cau.pk: {"households_start": 10, "poor_start": 1, "planned_reduction": 1}
                    },
                ),
            ),
        }
        for name, (model, write) in writes.items():
            with self.subTest(name):
                before = model.history.count()
                write()
                self.assertGreater(model.history.count(), before)
                self.assertIn(model.history.first().history_user, (self.officer, self.district))
        line = BudgetLine.objects.get()
        budget_grid_save(
            user=self.officer,
            unit=self.song_cau,
            year=2024,
            component=component,
            opened=stamp([line]),
            rows={("su_nghiep", "central"): {"assigned": 2 * M}},
        )
        newest, previous = line.history.all()[:2]
        changes = {c.field: (c.old, c.new) for c in newest.diff_against(previous).changes}
        self.assertEqual(changes["assigned"], (M, 2 * M))  # before and after
        self.assertEqual(newest.history_change_reason, "Trang nhập liệu")  # from where
        before = Submission.history.count()
        self.submit(self.officer, self.song_cau)
        self.assertGreater(Submission.history.count(), before)
        self.assertEqual(Submission.history.first().history_user, self.officer)

    def test_the_diff_since_approval_lists_exactly_what_changed(self):
        component = Component.objects.get(program=Program.objects.for_year(2024), parent=None, number=2)
        budget_grid_save(
            user=self.officer,
            unit=self.song_cau,
            year=2024,
            component=component,
            opened="",
            rows={("su_nghiep", "central"): {"assigned": M}},
        )
        approved = self.approve(self.district, self.submit(self.officer, self.song_cau))
        cycle.submission_reopen(
            user=self.district,
            submission=approved,
            reason="Bổ sung kinh phí được giao thêm",
            expected_version=approved.version,
        )
        review = HouseholdReview.objects.get(household=self.song_cau_household, year=2024)
        review.income_per_capita = 2_500_000  # above the urban line: poor -> middle
        review_save(
            user=self.officer,
            household=self.song_cau_household,
            review=review,
            override_reasons={},
            opened_at=review.updated_at.isoformat(),
        )
        budget_grid_save(
            user=self.officer,
            unit=self.song_cau,
            year=2024,
            component=component,
            opened=stamp(BudgetLine.objects.all()),
            rows={("su_nghiep", "central"): {"assigned": 3 * M}},
        )
        resent = self.submit(self.officer, self.song_cau)
        diff = diff_since_approval(resent)
        self.assertEqual(diff["classes"], [(self.song_cau_household.code, "poor", "middle")])
        self.assertEqual(
            [(k, b[0], a[0]) for k, b, a in diff["budgets"]],
            [("Dự án 2 | Kinh phí sự nghiệp | Ngân sách trung ương", M, 3 * M)],
        )


class AggregateTests(CycleTestCase):
    def test_official_figures_count_only_approved_communes_and_provisional_ones_are_marked(self):
        self.approve(self.district, self.submit(self.officer, self.song_cau))
        official = dashboard_figures(self.backan_city, self.period, official=True)
        provisional = dashboard_figures(self.backan_city, self.period, official=False)
        self.assertEqual((official["total"]["households"], official["total"]["poor"]), (1, 1))
        self.assertEqual(provisional["total"]["households"], 2)
        self.client.force_login(self.district)
        page = self.client.get("/bao-cao/2024/?so_lieu=tam-tinh")
        self.assertContains(page, "TẠM TÍNH")
        self.assertContains(page, "<svg")
        self.assertNotContains(self.client.get("/bao-cao/2024/"), "TẠM TÍNH")

    def test_cycle_status_command_lists_children_with_state_and_timeliness(self):
        self.submit(self.officer, self.song_cau)
        out = StringIO()
        call_command("cycle_status", "--unit", "058", "--period", "2024", "--json", stdout=out)
        data = json.loads(out.getvalue())
        self.assertEqual(set(data), {"unit", "period", "children", "counts"})
        row = next(r for r in data["children"] if r["code"] == "01837")
        self.assertEqual((row["state"], row["on_time"]), ("submitted", True))
        self.assertEqual(data["counts"]["children"], 8)
        self.assertEqual(data["counts"]["submitted"], 1)
        self.assertEqual(cycle_status(self.backan_city, self.period)["unit"]["state"], "draft")

    def test_a_late_first_sending_is_late_even_if_resent(self):
        ReportingPeriod.objects.filter(pk=self.period.pk).update(
            due_on=timezone.localdate() - timedelta(days=1)
        )
        self.period.refresh_from_db()
        sent = self.submit(self.officer, self.song_cau)
        self.assertFalse(sent.on_time)


class ReminderTests(CycleTestCase):
    def test_units_that_have_not_sent_are_reminded_once_a_day_as_the_due_date_nears(self):
        self.submit(self.officer, self.song_cau)
        out = StringIO()
        call_command("cycle_reminders", stdout=out)  # due in 10 days: not yet
        self.assertEqual(out.getvalue().strip(), "reminded=0")
        call_command("cycle_reminders", "--days", "10", stdout=out)
        reminded = set(
            Notification.objects.filter(text__startswith="Sắp đến hạn").values_list("user", flat=True)
        )
        self.assertIn(self.dq_officer.pk, reminded)
        self.assertNotIn(self.officer.pk, reminded)  # Sông Cầu has sent
        count = len(reminded)
        call_command("cycle_reminders", "--days", "10", stdout=StringIO())
        self.assertEqual(Notification.objects.filter(text__startswith="Sắp đến hạn").count(), count)


class IndicatorTargetTests(CycleTestCase):
    def test_a_plan_sets_targets_per_indicator_and_sees_the_actual_share(self):
        self.client.force_login(self.officer)
        response = self.client.post(
            "/bao-cao/2024/chi-tieu-chi-so/", {"d_health_insurance": "100", "d_water": "101"}
        )
        self.assertContains(response, "Tối đa 100%.")
        self.client.post("/bao-cao/2024/chi-tieu-chi-so/", {"d_health_insurance": "100", "d_water": "95,5"})
        page = self.client.get("/bao-cao/2024/")
        rows = {r["field"]: r for r in page.context["indicator_targets"]}
        self.assertEqual(rows["d_health_insurance"]["target"], 100)
        self.assertContains(page, "95,50%")
        # Official means approved only (issue 14, item 9): nothing official until Sông Cầu is approved.
        self.assertIsNone(rows["d_water"]["actual"])
        provisional = self.client.get("/bao-cao/2024/", {"so_lieu": "tam-tinh"})
        rows = {r["field"]: r for r in provisional.context["indicator_targets"]}
        self.assertEqual(rows["d_water"]["actual"], 0)  # Sông Cầu's only poor household lacks clean water
        self.assertEqual(rows["d_health_insurance"]["actual"], 100)
        self.assertContains(provisional, "(tạm tính)")
        self.approve(self.district, self.submit(self.officer, self.song_cau))
        rows = {r["field"]: r for r in self.client.get("/bao-cao/2024/").context["indicator_targets"]}
        self.assertEqual(rows["d_water"]["actual"], 0)
