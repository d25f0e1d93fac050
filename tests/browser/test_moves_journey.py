"""A household of Phường Bắc Kạn moves to Xã Phong Quang: the sending officer records it on the
household's page, the receiving officer finds it in their list, with its history."""

from datetime import date

import pytest
from playwright.sync_api import expect

from households.models import Household, Member
from povertyprog.accounts.models import Role, User
from povertyprog.units.models import AdministrativeUnit

pytestmark = pytest.mark.browser
PASSWORD = "Mat-khau-thu-nghiem-1"
TWO_TIER = date(2025, 7, 1)


def login(page, live_server, username):
    page.goto(f"{live_server.url}/dang-nhap/")
    page.get_by_label("Tên đăng nhập").fill(username)
    page.get_by_label("Mật khẩu").fill(PASSWORD)
    page.get_by_role("button", name="Đăng nhập").click()


def test_a_household_moves_to_another_commune(live_server, page, reference_data, artifact, clock):
    clock(2026, 11, 20)
    ward = AdministrativeUnit.objects.get(code="01843", valid_from=TWO_TIER)
    receiving = AdministrativeUnit.objects.get(code="01849", valid_from=TWO_TIER)
    for username, unit in (("phuong.backan", ward), ("xa.phongquang", receiving)):
        User.objects.create_user(username=username, password=PASSWORD, role=Role.COMMUNE_OFFICER, unit=unit)
    household = Household.objects.create(
        code="01843-00001", commune=ward, village="Tổ 1", head_name="Lý Văn Tài"
    )
    Member.objects.create(
        household=household, full_name="Lý Văn Tài", sex="M", birth_year=1980, relation="head"
    )

    login(page, live_server, "phuong.backan")
    page.goto(f"{live_server.url}/ho-gia-dinh/{household.pk}/")
    page.get_by_role("link", name="Chuyển đi, tách, nhập hộ").click()
    form = page.get_by_test_id("move-form")
    form.get_by_label("Mã xã, phường nơi đến").fill("01849")
    form.get_by_label("Thôn, tổ dân phố nơi đến").fill("Thôn Nà Cù")
    form.get_by_label("Ngày chuyển").fill("10/03/2026")
    page.screenshot(path=artifact("household-move-form.png"), full_page=True)
    form.get_by_role("button", name="Ghi chuyển đi").click()
    expect(page.get_by_text("Đã ghi hộ 01843-00001 chuyển đến Xã Phong Quang.")).to_be_visible()

    page.context.clear_cookies()
    login(page, live_server, "xa.phongquang")
    page.goto(f"{live_server.url}/ho-gia-dinh/")
    page.get_by_role("link", name="Lý Văn Tài").first.click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Hộ Lý Văn Tài")
    expect(page.locator("body")).to_contain_text("Chuyển đi Xã Phong Quang ngày 10/03/2026")
    page.screenshot(path=artifact("household-moved-in.png"), full_page=True)
