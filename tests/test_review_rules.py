"""The review rules the form and the import share (households.review), at their boundaries."""

from datetime import date

from django.test import SimpleTestCase

from households.review import heads_error, review_date_error


class ReviewDateWindowTests(SimpleTestCase):
    def test_a_review_may_be_dated_from_1_january_to_31_march_of_the_next_year(self):
        for day in (date(2026, 1, 1), date(2026, 12, 31), date(2027, 3, 31)):
            self.assertEqual(review_date_error(2026, day), "", day)

    def test_a_day_outside_the_window_is_refused_naming_the_year(self):
        for day in (date(2025, 12, 31), date(2027, 4, 1)):
            self.assertEqual(
                review_date_error(2026, day), "Ngày rà soát phải trong năm 2026 (hoặc quý I năm sau).", day
            )

    def test_no_day_is_not_this_rules_error(self):
        self.assertEqual(review_date_error(2026, None), "")


class OneHeadTests(SimpleTestCase):
    def test_exactly_one_head(self):
        self.assertEqual(heads_error(["head", "spouse", "child"]), "")
        self.assertEqual(heads_error([]), "")  # no members recorded: nothing to check

    def test_no_head_or_two_heads_is_refused(self):
        for relations in (["spouse", "child"], ["head", "head"]):
            self.assertEqual(heads_error(relations), "Hộ phải có đúng một thành viên là chủ hộ.", relations)
