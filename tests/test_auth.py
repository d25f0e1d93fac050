from django.test import override_settings
from django.urls import reverse

from tests.base import BaseTestCase

PASSWORD = "Mat-khau-thu-nghiem-1"


class LoginTestCase(BaseTestCase):
    def login(self, password, username="songcau"):
        return self.client.post(
            reverse("login"), {"username": username, "password": password}, REMOTE_ADDR="10.0.0.7"
        )

    def test_login_page_is_in_vietnamese(self):
        response = self.client.get(reverse("login"))
        self.assertContains(response, "Đăng nhập")
        self.assertContains(response, "Tên đăng nhập")
        self.assertContains(response, 'lang="vi"')

    def test_login_lands_on_own_unit(self):
        response = self.login(PASSWORD)
        self.assertRedirects(response, "/", fetch_redirect_response=False)
        self.assertContains(self.client.get("/", follow=True), "Phường Sông Cầu")

    def test_wrong_password_is_told_in_vietnamese(self):
        response = self.login("sai-mat-khau")
        self.assertContains(response, "mật khẩu chính xác")

    @override_settings(AXES_FAILURE_LIMIT=5)
    def test_it_locks_after_five_failures_even_with_the_right_password(self):
        for _ in range(4):
            self.assertEqual(self.login("sai-mat-khau").status_code, 200)
        locked = self.login("sai-mat-khau")
        self.assertContains(locked, "tạm khóa", status_code=429)
        locked = self.login(PASSWORD)
        self.assertContains(locked, "tạm khóa", status_code=429)
        self.assertNotIn("_auth_user_id", self.client.session)

    def test_lockout_is_per_user(self):
        for _ in range(5):
            self.login("sai-mat-khau")
        response = self.client.post(
            reverse("login"), {"username": "backan", "password": PASSWORD}, REMOTE_ADDR="10.0.0.7"
        )
        self.assertEqual(response.status_code, 302)

    @override_settings(AXES_FAILURE_LIMIT=5, TRUSTED_PROXIES=["10.0.0.1"])
    def test_behind_the_trusted_proxy_an_attacker_locks_out_only_his_own_address(self):
        def through_proxy(client_address, password, forwarded=None):
            return self.client.post(
                reverse("login"),
                {"username": "songcau", "password": password},
                REMOTE_ADDR="10.0.0.1",
                HTTP_X_FORWARDED_FOR=forwarded or client_address,
            )

        for _ in range(6):
            through_proxy("203.0.113.9", "sai-mat-khau")
        self.assertContains(through_proxy("203.0.113.9", PASSWORD), "tạm khóa", status_code=429)
        # The officer, at her own desk behind the same proxy, still gets in.
        self.assertEqual(through_proxy("192.168.5.20", PASSWORD).status_code, 302)
        self.client.logout()
        # A client that writes the header itself (not from the proxy) is keyed on its own address.
        for _ in range(5):
            self.client.post(
                reverse("login"), {"username": "songcau", "password": "sai"},
                REMOTE_ADDR="198.51.100.4", HTTP_X_FORWARDED_FOR="192.168.5.20",
            )  # fmt: skip
        self.assertEqual(through_proxy("192.168.5.20", PASSWORD).status_code, 302)

    def test_password_change(self):
        self.client.force_login(self.officer)
        response = self.client.post(
            reverse("password_change"),
            {"old_password": PASSWORD, "new_password1": "123", "new_password2": "123"},
        )
        self.assertContains(response, "Mật khẩu này quá ngắn")
        response = self.client.post(
            reverse("password_change"),
            {
                "old_password": PASSWORD,
                "new_password1": "Cau-truc-moi-2026",
                "new_password2": "Cau-truc-moi-2026",
            },
        )
        self.assertRedirects(response, reverse("password_change_done"))

    def test_header_shows_unit_and_role(self):
        self.client.force_login(self.district)
        response = self.client.get(reverse("units:detail", args=[self.backan_city.pk]))
        self.assertContains(response, "Cán bộ cấp huyện")
        self.assertContains(response, 'data-testid="user-unit">Thành phố Bắc Kạn<')
