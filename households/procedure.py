"""Rules of the annual review procedure (Quyết định 24/2021/QĐ-TTg; the 2025 commune procedure
"Công nhận hộ nghèo, hộ cận nghèo thường xuyên hằng năm"), as plain functions of their inputs.
The services of the review season call them; the tests try each at its boundary.
"""

from datetime import date, timedelta

from povertyprog.workdays.calendar import WorkCalendar

PHIEU_A_CRITERIA = 9
# Phiếu A: a household meeting fewer than 4 of the 9 criteria goes on to Phiếu B.
PHIEU_A_ENOUGH = 4
# Village meeting: at least half of those attending agree, or the household is reviewed again.
MEETING_SHARE = 0.5
POSTING_WORKING_DAYS = 3  # niêm yết công khai
RECHECK_WORKING_DAYS = 7  # phúc tra after a complaint
# In-year (thường xuyên) reviews start on the 15th of each month and are settled within 15 days.
REGULAR_START_DAY = 15
REGULAR_SETTLE_DAYS = 15


def goes_to_phieu_b(criteria_met: int) -> bool:
    if not 0 <= criteria_met <= PHIEU_A_CRITERIA:
        raise ValueError(f"Phiếu A có {PHIEU_A_CRITERIA} tiêu chí: {criteria_met} không hợp lệ.")
    return criteria_met < PHIEU_A_ENOUGH


def meeting_agrees(agreed: int, attending: int) -> bool:
    """Agreement of the village meeting for one household: at least 50% of those attending."""
    if attending <= 0 or not 0 <= agreed <= attending:
        raise ValueError("Số đồng ý phải từ 0 đến số người dự họp, và có người dự họp.")
    return agreed * 2 >= attending  # exact in integers: 50% passes


def posting_ends(posted_on: date, calendar: WorkCalendar) -> date:
    """The last day of a public posting put up on `posted_on` (3 working days after it)."""
    return calendar.add_working_days(posted_on, POSTING_WORKING_DAYS)


def recheck_due(complained_on: date, calendar: WorkCalendar) -> date:
    """The day by which a complaint's re-check (phúc tra) must be done (7 working days)."""
    return calendar.add_working_days(complained_on, RECHECK_WORKING_DAYS)


def regular_review_due(applied_on: date) -> date:
    """An in-year application is taken up at the next monthly start (the 15th, on or after the day
    it arrives) and settled within 15 (calendar) days of it (docs/decisions.md D49)."""
    start = applied_on.replace(day=REGULAR_START_DAY)
    if applied_on.day > REGULAR_START_DAY:
        start = (start.replace(day=1) + timedelta(days=32)).replace(day=REGULAR_START_DAY)
    return start + timedelta(days=REGULAR_SETTLE_DAYS)
