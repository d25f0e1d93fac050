"""Issue 16: the review season as the law runs it, through its services, at each rule's boundary:
Phiếu A (4 of 9), the meeting (50% of those attending, re-run), the posting (3 working days across
a weekend and Tết), the complaint (re-check in 7 working days), an open complaint blocking
recognition; the lock, the scope and the audit of every step."""

from datetime import date

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import connection
from django.test.utils import CaptureQueriesContext

from households import season
from households.models import Ground, MeetingVote, ReviewCase, Step, Village
from households.season_selectors import current_step, ready_for_recognition, season_overview, step_of
from povertyprog.accounts.models import Role
from povertyprog.approvals import LockedError
from reports.models import State, Submission
from tests.base import TWO_TIER, BaseTestCase, make_user, unit
from tests.factory import annual_period, make_household, make_review

YEAR = 2026


class SeasonTestCase(BaseTestCase):
    @classmethod
    def setUpTestData(cls):
        super().setUpTestData()
        cls.ward = unit("01843", TWO_TIER)  # Phường Bắc Kạn since 1/7/2025
        cls.ward_officer = make_user("phuong.backan.t", Role.COMMUNE_OFFICER, "01843", TWO_TIER)

    def household(self, village="Tổ 1"):
        return make_household(self.ward, members=3, village=village)

    def listed(self, *households):
        return season.cases_open(
            user=self.ward_officer, commune=self.ward, year=YEAR, households=list(households)
        )

    def screened(self, household, met=(1, 2)):
        (case,) = self.listed(household)
        return season.phieu_a_record(
            user=self.ward_officer,
            case=case,
            met=list(met),
            on=date(YEAR, 9, 10),
            expected_version=case.version,
        )

    def surveyed(self, household, income=1_000_000):
        case = self.screened(household)
        make_review(household, YEAR, income, deprived=("d_water", "d_latrine", "d_telecom"))
        return case

    def meeting(self, village, votes, attending=10, on=date(YEAR, 10, 2)):
        return season.meeting_hold(
            user=self.ward_officer,
            village=village,
            year=YEAR,
            held_on=on,
            chair="Trưởng tổ Hoàng Văn Chủ",
            attending=attending,
            votes={c.pk: n for c, n in votes},
        )

    def posted(self, household, on=date(YEAR, 10, 9)):  # Friday
        case = self.surveyed(household)
        self.meeting(case.village, [(case, 8)])
        season.posting_open(user=self.ward_officer, village=case.village, year=YEAR, posted_on=on)
        return ReviewCase.objects.get(pk=case.pk)


class PhieuATests(SeasonTestCase):
    def test_three_criteria_go_on_to_phieu_b_four_stop(self):
        three = self.screened(self.household(), met=(1, 5, 9))
        four = self.screened(self.household(), met=(1, 2, 5, 9))
        self.assertEqual((three.step, four.step), (Step.PHIEU_B, Step.SCREENED_OUT))
        self.assertEqual(three.phieu_a, [1, 5, 9])

    def test_a_criterion_outside_1_to_9_and_a_stale_form_are_refused(self):
        (case,) = self.listed(self.household())
        with self.assertRaisesMessage(ValidationError, "Phiếu A chỉ có các tiêu chí 1, 2, 3"):
            season.phieu_a_record(
                user=self.ward_officer, case=case, met=[10], on=date(YEAR, 9, 1), expected_version=1
            )
        season.phieu_a_record(
            user=self.ward_officer, case=case, met=[1], on=date(YEAR, 9, 1), expected_version=1
        )
        with self.assertRaisesMessage(ValidationError, "vừa được người khác cập nhật"):
            season.phieu_a_record(
                user=self.ward_officer, case=case, met=[2], on=date(YEAR, 9, 1), expected_version=1
            )

    def test_phieu_b_is_done_when_the_review_exists_whatever_wrote_it(self):
        household = self.household()
        case = self.screened(household)
        self.assertEqual(step_of(case), Step.PHIEU_B)
        make_review(household, YEAR, 1_000_000)
        annotated = ReviewCase.objects.annotate(current=current_step()).get(pk=case.pk)
        self.assertEqual((step_of(case), annotated.current), (Step.SURVEYED, Step.SURVEYED))


class MeetingTests(SeasonTestCase):
    def test_half_of_those_attending_agrees_below_half_is_reviewed_and_met_again(self):
        half, below = self.surveyed(self.household()), self.surveyed(self.household())
        first = self.meeting(half.village, [(half, 5), (below, 4)], attending=10)
        half.refresh_from_db(), below.refresh_from_db()
        self.assertEqual((half.step, below.step), (Step.AGREED, Step.REREVIEW))
        second = self.meeting(below.village, [(below, 7)], attending=12, on=date(YEAR, 10, 16))
        below.refresh_from_db()
        self.assertEqual((below.step, below.meeting, below.agreed), (Step.AGREED, second, 7))
        # Both sets of minutes keep what each meeting decided.
        self.assertEqual(
            list(
                MeetingVote.objects.filter(case=below)
                .order_by("meeting__held_on")
                .values_list("agreed", "agrees")
            ),
            [(4, False), (7, True)],
        )
        self.assertEqual(first.votes.count(), 2)

    def test_more_agreeing_than_attending_and_a_household_without_phieu_b_are_refused(self):
        ready = self.surveyed(self.household())
        with self.assertRaisesMessage(ValidationError, "số đồng ý phải từ 0 đến 10"):
            self.meeting(ready.village, [(ready, 11)])
        (waiting,) = self.listed(self.household())
        with self.assertRaisesMessage(ValidationError, "chưa sẵn sàng đưa ra họp thôn"):
            self.meeting(waiting.village, [(waiting, 6)])
        self.assertFalse(MeetingVote.objects.exists())


class PostingAndComplaintTests(SeasonTestCase):
    def test_the_posting_runs_three_working_days_across_a_weekend(self):
        case = self.posted(self.household(), on=date(YEAR, 10, 9))  # Friday
        self.assertEqual(case.posting.ends_on, date(YEAR, 10, 14))  # Wednesday
        self.assertEqual(case.step, Step.POSTED)

    def test_posting_and_recheck_across_tet_use_the_calendar_in_the_database(self):
        household = self.household()
        case = self.surveyed(household)
        self.meeting(case.village, [(case, 9)], on=date(YEAR, 2, 10))
        posting = season.posting_open(
            user=self.ward_officer, village=case.village, year=YEAR, posted_on=date(YEAR, 2, 13)
        )
        self.assertEqual(posting.ends_on, date(YEAR, 2, 25))  # Tết Bính Ngọ 16-20/2 is not counted
        complaint = season.complaint_lodge(
            user=self.ward_officer,
            household=household,
            year=YEAR,
            lodged_on=date(YEAR, 2, 12),
            complainant="Lê Thị Khiếu",
            ground=Ground.WRONGLY_IN,
        )
        self.assertEqual(complaint.recheck_due, date(YEAR, 3, 2))

    def test_an_open_complaint_blocks_recognition_until_the_recheck_is_posted_and_over(self):
        household = self.household()
        case = self.posted(household)  # posted Fri 9/10, ends Wed 14/10
        after = date(YEAR, 10, 15)
        self.assertEqual(
            season.recognition_blockers(case, date(YEAR, 10, 14)), ["đang niêm yết đến hết ngày 14/10/2026"]
        )
        self.assertEqual(season.recognition_blockers(case, after), [])
        complaint = season.complaint_lodge(
            user=self.ward_officer,
            household=household,
            year=YEAR,
            lodged_on=date(YEAR, 10, 12),
            complainant="Lê Thị Khiếu",
            ground=Ground.WRONG_DATA,
            details="Thu nhập ghi thiếu tiền lương của con trai.",
        )
        self.assertEqual(complaint.recheck_due, date(YEAR, 10, 21))
        self.assertFalse(ready_for_recognition(self.ward, YEAR, after).exists())
        with self.assertRaisesMessage(ValidationError, "còn khiếu nại ngày 12/10/2026 chưa giải quyết"):
            season.cases_recognise(user=self.ward_officer, cases=[case], on=after, decision="01/QĐ-UBND")
        with self.assertRaisesMessage(ValidationError, "Còn khiếu nại chưa giải quyết"):
            season.case_refuse(user=self.ward_officer, case=case, on=after, reason="x", expected_version=None)
        season.complaint_settle(
            user=self.ward_officer,
            complaint=complaint,
            rechecked_on=date(YEAR, 10, 19),
            result="Phúc tra: thu nhập đúng như đã ghi, giữ kết quả.",
            reposted_on=date(YEAR, 10, 20),  # Tuesday: three working days end Friday 23/10
        )
        self.assertEqual(
            season.recognition_blockers(case, date(YEAR, 10, 23)),
            ["kết quả phúc tra đang niêm yết đến hết ngày 23/10/2026"],
        )
        self.assertFalse(ready_for_recognition(self.ward, YEAR, date(YEAR, 10, 23)).exists())
        self.assertTrue(ready_for_recognition(self.ward, YEAR, date(YEAR, 10, 26)).exists())
        season.cases_recognise(
            user=self.ward_officer, cases=[case], on=date(YEAR, 10, 26), decision="01/QĐ-UBND"
        )
        case.refresh_from_db()
        self.assertEqual((case.step, case.decision), (Step.RECOGNISED, "01/QĐ-UBND"))
        with self.assertRaisesMessage(ValidationError, "đã có quyết định năm 2026"):
            season.phieu_a_record(user=self.ward_officer, case=case, met=[], on=after, expected_version=None)

    def test_a_household_left_out_goes_on_the_list_with_its_complaint(self):
        household = self.household()
        complaint = season.complaint_lodge(
            user=self.ward_officer,
            household=household,
            year=YEAR,
            lodged_on=date(YEAR, 10, 12),
            complainant=household.head_name,
            ground=Ground.LEFT_OUT,
        )
        self.assertEqual((complaint.case.household, complaint.case.step), (household, Step.LISTED))


class ScopeLockAuditTests(SeasonTestCase):
    def test_another_commune_cannot_write_and_an_approved_year_is_locked(self):
        household = self.household()
        with self.assertRaises(PermissionDenied):
            season.cases_open(user=self.outsider, commune=self.ward, year=YEAR, households=[household])
        (case,) = self.listed(household)
        Submission.objects.create(unit=self.ward, period=annual_period(YEAR), state=State.SUBMITTED)
        with self.assertRaises(LockedError):
            season.phieu_a_record(
                user=self.ward_officer, case=case, met=[1], on=date(YEAR, 9, 1), expected_version=None
            )
        self.assertEqual(ReviewCase.objects.get(pk=case.pk).step, Step.LISTED)

    def test_every_step_leaves_an_audit_row_naming_the_officer(self):
        case = self.posted(self.household())
        history = case.history.order_by("history_date")
        self.assertEqual(
            [h.history_change_reason for h in history][-3:], ["Phiếu A", "Họp thôn", "Niêm yết công khai"]
        )
        self.assertEqual({h.history_user for h in history}, {self.ward_officer})


class OverviewTests(SeasonTestCase):
    def test_counts_per_village_and_in_total_with_a_constant_number_of_queries(self):
        self.posted(self.household("Tổ 3"))
        self.surveyed(self.household("Tổ 1"))
        self.listed(self.household("Tổ 1"))
        today = date(YEAR, 10, 12)
        overview = season_overview(self.ward, YEAR, today)
        by_name = {row["village"].name: row for row in overview["villages"]}
        self.assertEqual(by_name["Tổ 1"]["steps"][Step.SURVEYED], 1)
        self.assertEqual(by_name["Tổ 1"]["steps"][Step.LISTED], 1)
        self.assertEqual(by_name["Tổ 3"]["postings_open"], 1)
        self.assertEqual(overview["total"]["households"], 3)
        self.assertEqual([t["text"] for t in by_name["Tổ 1"]["next"]], ["Rà soát Phiếu A", "Họp thôn"])
        with CaptureQueriesContext(connection) as few:
            season_overview(self.ward, YEAR, today)
        for n in range(5):
            self.surveyed(self.household(f"Thôn mới {n}"))
        with CaptureQueriesContext(connection) as many:
            season_overview(self.ward, YEAR, today)
        self.assertEqual(len(few), len(many))
        self.assertTrue(Village.objects.filter(commune=self.ward, name="Thôn mới 4").exists())
