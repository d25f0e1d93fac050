import re

import pytest
from playwright.sync_api import expect

from povertyprog.accounts.models import Role, User
from povertyprog.units.models import AdministrativeUnit

pytestmark = pytest.mark.browser
PASSWORD = "Mat-khau-thu-nghiem-1"


@pytest.fixture
def cam_luong_officer(reference_data):
    commune = AdministrativeUnit.objects.get(code="15139", valid_from="2021-01-01")
    return User.objects.create_user(
        username="xa.camluong", password=PASSWORD, role=Role.COMMUNE_OFFICER, unit=commune
    )


def test_commune_officer_logs_in_and_finds_units(live_server, page, cam_luong_officer, artifact):
    page.goto(f"{live_server.url}/")
    expect(page.get_by_role("heading", name="Đăng nhập")).to_be_visible()
    page.get_by_label("Tên đăng nhập").fill("xa.camluong")
    page.get_by_label("Mật khẩu").fill(PASSWORD)
    page.get_by_role("button", name="Đăng nhập").click()

    # Lands on the to-do of the own commune; its card is one click away, with the Vietnamese
    # breadcrumb and labels.
    expect(page.get_by_role("heading", level=1)).to_have_text("Việc cần làm – Xã Cẩm Lương")
    page.get_by_test_id("unit-card").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Xã Cẩm Lương")
    expect(page.get_by_test_id("breadcrumb")).to_have_text(
        re.compile(r"Tỉnh Thanh Hóa\s*›\s*Huyện Cẩm Thủy\s*›\s*Xã Cẩm Lương")
    )
    expect(page.get_by_test_id("user-role")).to_have_text("Cán bộ cấp xã")
    expect(page.get_by_test_id("user-unit")).to_have_text("Xã Cẩm Lương")
    expect(page.get_by_test_id("unit-area")).to_have_text("Nông thôn")
    page.screenshot(path=artifact("login-commune-officer.png"), full_page=True)

    # Search without diacritics.
    page.get_by_label("Tìm đơn vị").fill("cam luong")
    page.get_by_role("button", name="Tìm").click()
    results = page.get_by_test_id("search-results")
    expect(results).to_contain_text("Xã Cẩm Lương")
    expect(results).to_contain_text("Tỉnh Thanh Hóa › Huyện Cẩm Thủy")
    page.screenshot(path=artifact("unit-search.png"), full_page=True)

    # A unit outside the commune is not found, even by search.
    page.get_by_label("Tìm đơn vị").fill("song cau")
    page.get_by_role("button", name="Tìm").click()
    expect(page.get_by_text("Không tìm thấy đơn vị nào")).to_be_visible()

    page.get_by_role("button", name="Đăng xuất").click()
    expect(page.get_by_role("heading", name="Đăng nhập")).to_be_visible()


def test_the_shell_fits_a_phone(live_server, browser, cam_luong_officer, artifact):
    context = browser.new_context(viewport={"width": 390, "height": 844}, locale="vi-VN")
    page = context.new_page()
    page.goto(f"{live_server.url}/dang-nhap/")
    page.get_by_label("Tên đăng nhập").fill("xa.camluong")
    page.get_by_label("Mật khẩu").fill(PASSWORD)
    page.get_by_role("button", name="Đăng nhập").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Việc cần làm – Xã Cẩm Lương")
    # Nothing wider than the screen: no sideways scrolling of the page itself.
    assert page.evaluate("document.documentElement.scrollWidth") <= 390
    # The header is one row (brand and menu button); the menu opens from the button.
    assert page.locator("header.topbar").bounding_box()["height"] <= 70
    nav = page.get_by_role("navigation", name="Điều hướng chính")
    expect(nav).to_be_hidden()
    page.get_by_test_id("menu-button").click()
    expect(nav).to_be_visible()
    page.screenshot(path=artifact("phone-menu.png"), full_page=True)
    nav.get_by_role("link", name="Thống kê").click()
    # A wide table says it scrolls sideways.
    expect(page.get_by_test_id("scroll-hint").first).to_be_visible()
    page.screenshot(path=artifact("phone-commune.png"), full_page=True)
    context.close()
