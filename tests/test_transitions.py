from households.classification import HouseholdClass as C
from households.transitions import YearResult, household_history


def history(classes: dict[int, str], arrived=False):
    results = [YearResult(year, cls, 4) for year, cls in classes.items()]
    return household_history(results, came_from_elsewhere=arrived)


def test_previous_class_is_the_year_before_only():
    h = history({2022: C.POOR, 2023: C.NEAR_POOR, 2025: C.POOR})
    assert [x.prev_class for x in h] == ["", C.POOR, ""]


def test_poor_earlier_means_before_last_year():
    h = history({2022: C.POOR, 2023: C.NOT_POOR, 2024: C.POOR})
    assert [x.was_poor_earlier for x in h] == [False, False, True]  # 2024 fell back


def test_recently_escaped_lasts_three_reviews():
    h = history({2022: C.POOR, 2023: C.NEAR_POOR, 2024: C.NOT_POOR, 2025: C.NOT_POOR, 2026: C.NOT_POOR})
    assert [x.recently_escaped for x in h] == [False, True, True, True, False]
    assert h[1].escaped_poverty_year == 2023


def test_falling_back_ends_recent_escape():
    h = history({2022: C.POOR, 2023: C.NOT_POOR, 2024: C.POOR})
    assert [x.recently_escaped for x in h] == [False, True, False]


def test_only_the_first_review_of_a_household_that_moved_in_is_an_arrival():
    h = history({2023: C.POOR, 2024: C.POOR}, arrived=True)
    assert [x.arrived for x in h] == [True, False]
