"""Issue 16 (first part): the rules of the review procedure at their boundaries, and working days
across a weekend, Tết and a weekend day worked in exchange."""

from datetime import date, timedelta

from django.test import SimpleTestCase

from households.procedure import goes_to_phieu_b, meeting_agrees, posting_ends, recheck_due
from povertyprog.workdays.calendar import WorkCalendar, calendar_for
from tests.base import BaseTestCase

TET_2026 = frozenset(date(2026, 2, 16) + timedelta(days=i) for i in range(5))  # Mon 16 - Fri 20/2


class RuleTests(SimpleTestCase):
    def test_phieu_a_fewer_than_4_of_9_criteria_goes_on_to_phieu_b(self):
        self.assertEqual([goes_to_phieu_b(n) for n in range(10)], [True] * 4 + [False] * 6)
        for wrong in (-1, 10):
            with self.subTest(wrong), self.assertRaises(ValueError):
                goes_to_phieu_b(wrong)

    def test_the_meeting_agrees_from_half_of_those_attending(self):
        cases = [(5, 10, True), (4, 10, False), (6, 11, True), (5, 11, False), (1, 1, True), (0, 1, False)]
        for agreed, attending, expected in cases:
            with self.subTest(f"{agreed}/{attending}"):
                self.assertEqual(meeting_agrees(agreed, attending), expected)
        for agreed, attending in ((1, 0), (11, 10), (-1, 10)):
            with self.subTest(f"{agreed}/{attending}"), self.assertRaises(ValueError):
                meeting_agrees(agreed, attending)

    def test_three_working_days_of_posting_across_a_weekend(self):
        week = WorkCalendar()
        self.assertEqual(posting_ends(date(2026, 12, 4), week), date(2026, 12, 9))  # Fri -> Wed
        self.assertEqual(posting_ends(date(2026, 12, 2), week), date(2026, 12, 7))  # Wed -> Mon
        self.assertEqual(posting_ends(date(2026, 12, 5), week), date(2026, 12, 9))  # put up on Saturday

    def test_posting_and_recheck_across_tet(self):
        tet = WorkCalendar(off=TET_2026)
        self.assertEqual(posting_ends(date(2026, 2, 13), tet), date(2026, 2, 25))  # Fri before Tết
        self.assertEqual(recheck_due(date(2026, 2, 12), tet), date(2026, 3, 2))  # 13/2, then 23/2 - 2/3
        self.assertEqual(recheck_due(date(2026, 2, 12), WorkCalendar()), date(2026, 2, 23))  # no Tết
        self.assertEqual(tet.working_days_between(date(2026, 2, 13), date(2026, 2, 22)), 0)

    def test_a_weekend_day_worked_in_exchange_counts(self):
        april_2025 = WorkCalendar(
            off=frozenset({date(2025, 4, 30), date(2025, 5, 1), date(2025, 5, 2)}),
            worked=frozenset({date(2025, 4, 26)}),
        )
        self.assertEqual(posting_ends(date(2025, 4, 25), april_2025), date(2025, 4, 29))  # Sat 26 worked
        self.assertEqual(posting_ends(date(2025, 4, 29), april_2025), date(2025, 5, 7))  # 30/4-4/5 off


class SeededCalendarTests(BaseTestCase):
    def test_the_seeded_2026_schedule_has_tet_bính_ngọ(self):
        calendar = calendar_for(date(2026, 2, 1))
        self.assertEqual(calendar.off & TET_2026, TET_2026)
        self.assertEqual(posting_ends(date(2026, 2, 13), calendar), date(2026, 2, 25))
