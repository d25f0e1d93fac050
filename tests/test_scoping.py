from django.urls import reverse

from povertyprog.accounts.scoping import can_enter_data, can_review, visible_units
from tests.base import BaseTestCase


class UnitPagesScopingTestCase(BaseTestCase):
    def detail(self, unit):
        return self.client.get(reverse("units:detail", args=[unit.pk]))

    def test_it_requires_login(self):
        response = self.detail(self.song_cau)
        self.assertRedirects(response, f"/dang-nhap/?next=/don-vi/{self.song_cau.pk}/")

    def test_officer_sees_own_commune(self):
        self.client.force_login(self.officer)
        self.assertContains(self.detail(self.song_cau), "Phường Sông Cầu")

    def test_officer_gets_404_for_a_sibling_commune(self):
        self.client.force_login(self.officer)
        self.assertEqual(self.detail(self.duong_quang).status_code, 404)

    def test_officer_gets_404_for_a_foreign_commune_and_own_district(self):
        self.client.force_login(self.officer)
        self.assertEqual(self.detail(self.cam_luong).status_code, 404)
        self.assertEqual(self.detail(self.backan_city).status_code, 404)

    def test_district_staff_see_all_their_communes_and_nothing_outside(self):
        self.client.force_login(self.district)
        for commune in self.backan_city.children.all():
            self.assertEqual(self.detail(commune).status_code, 200, commune.name)
        self.assertEqual(self.detail(self.cam_luong).status_code, 404)
        self.assertEqual(self.detail(self.backan_city.parent).status_code, 404)

    def test_search_only_returns_units_in_scope(self):
        self.client.force_login(self.district)
        response = self.client.get(reverse("units:search"), {"q": "xa"})
        names = {u.name for u in response.context["results"]}
        self.assertEqual(names, {"Xã Nông Thượng", "Xã Dương Quang"})

    def test_admin_sees_everything(self):
        self.client.force_login(self.admin)
        self.assertEqual(self.detail(self.cam_luong).status_code, 200)
        self.assertEqual(visible_units(self.admin).count(), visible_units(self.admin).model.objects.count())

    def test_home_is_the_users_to_do_with_a_link_to_the_unit(self):
        self.client.force_login(self.officer)
        response = self.client.get("/")
        self.assertContains(response, "Việc cần làm – Phường Sông Cầu")
        self.assertContains(response, reverse("units:detail", args=[self.song_cau.pk]))

    def test_breadcrumb_links_only_to_visible_units(self):
        self.client.force_login(self.officer)
        response = self.detail(self.song_cau)
        self.assertContains(response, "Tỉnh Bắc Kạn")
        self.assertNotContains(response, f'href="/don-vi/{self.backan_city.pk}/"')


class WritePermissionTestCase(BaseTestCase):
    def test_only_the_units_own_officers_enter_its_data(self):
        self.assertTrue(can_enter_data(self.officer, self.song_cau))
        self.assertFalse(can_enter_data(self.officer, self.duong_quang))
        self.assertFalse(can_enter_data(self.district, self.song_cau))

    def test_a_viewer_cannot_write_anything(self):
        for unit in (self.backan_city, self.song_cau):
            self.assertFalse(can_enter_data(self.viewer, unit))
            self.assertFalse(can_review(self.viewer, unit))

    def test_reviewers_review_units_below_them_only(self):
        self.assertTrue(can_review(self.district, self.song_cau))
        self.assertFalse(can_review(self.district, self.backan_city))
        self.assertFalse(can_review(self.district, self.cam_luong))
        self.assertTrue(can_review(self.province, self.backan_city))
        self.assertFalse(can_review(self.officer, self.song_cau))

    def test_django_admin_is_for_system_administrators_only(self):
        for user in (self.officer, self.district, self.province, self.viewer):
            self.client.force_login(user)
            response = self.client.get("/quan-tri/")
            self.assertEqual(response.status_code, 302, user.username)
            self.assertIn("/quan-tri/login/", response["Location"])
        self.client.force_login(self.admin)
        self.assertEqual(self.client.get("/quan-tri/").status_code, 200)


class ErrorPagesTestCase(BaseTestCase):
    def test_404_and_403_pages_are_in_vietnamese(self):
        self.client.force_login(self.officer)
        response = self.client.get(reverse("units:detail", args=[self.cam_luong.pk]))
        self.assertContains(response, "không thuộc phạm vi đơn vị của bạn", status_code=404)
        self.client.force_login(self.district)
        response = self.client.get(reverse("households:create"))
        self.assertContains(response, "Chỉ cán bộ cấp xã được thêm hộ gia đình.", status_code=403)
