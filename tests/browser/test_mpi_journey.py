"""The province's staff read how poor, and poor in what: the Alkire-Foster page in Chromium."""

from fractions import Fraction

import pytest
from playwright.sync_api import expect

from households.indicators import INDICATOR_FIELDS
from households.mpi_selectors import mpi_measures
from povertyprog.accounts.models import Role, User
from povertyprog.lib.formatting import format_number
from povertyprog.units.models import AdministrativeUnit
from tests.factory import make_household, make_review

pytestmark = pytest.mark.browser
PASSWORD = "Mat-khau-thu-nghiem-1"


@pytest.fixture
def province_staff(reference_data):
    province = AdministrativeUnit.objects.get(code="06", valid_from="2021-01-01")
    for code, counts in (("01837", [0, 3, 5, 1]), ("01849", [4, 4, 0, 12, 2])):
        commune = AdministrativeUnit.objects.get(code=code, valid_from="2021-01-01")
        for count in counts:
            household = make_household(commune, members=3)
            make_review(household, 2023, 1_000_000, INDICATOR_FIELDS[: count + 1])
            make_review(household, 2024, 1_000_000, INDICATOR_FIELDS[:count])
    return User.objects.create_user(
        username="tinh.backan", password=PASSWORD, role=Role.PROVINCE_STAFF, unit=province
    )


def test_province_staff_read_the_measures_by_commune_then_by_area_at_another_k(
    live_server, page, province_staff, artifact, clock
):
    clock(2024, 12, 10)  # the 2024 review is the current one
    page.goto(f"{live_server.url}/dang-nhap/")
    page.get_by_label("Tên đăng nhập").fill("tinh.backan")
    page.get_by_label("Mật khẩu").fill(PASSWORD)
    page.get_by_role("button", name="Đăng nhập").click()
    page.get_by_role("navigation", name="Điều hướng chính").get_by_role("link", name="Thống kê").click()
    page.get_by_test_id("mpi-link").click()

    province = province_staff.unit
    expected = mpi_measures(province, 2024, by="child")
    expect(page.get_by_role("heading", level=1)).to_have_text("Nghèo đa chiều năm 2024: Tỉnh Bắc Kạn")
    expect(page.get_by_test_id("M0")).to_have_text(format_number(float(expected["M0"]), 4))
    groups = page.get_by_test_id("mpi-groups")
    expect(groups.locator("tbody tr")).to_have_count(2)  # the province's one district here, and the total
    expect(groups).to_contain_text("Thành phố Bắc Kạn")
    expect(page.get_by_test_id("contribution-chart").locator("svg")).to_be_visible()
    expect(page.get_by_test_id("mpi-change")).to_contain_text("Năm 2023")
    page.screenshot(path=artifact("mpi-by-child-unit.png"), full_page=True)

    page.get_by_label("Chia nhóm").select_option("area")
    page.get_by_label("Ngưỡng k").fill("1/3")
    page.get_by_role("button", name="Xem").click()
    expect(page.get_by_test_id("population-note")).to_contain_text("k = 33,33%")
    expect(page.get_by_test_id("mpi-groups")).to_contain_text("Thành thị")
    expect(page.get_by_test_id("mpi-groups")).to_contain_text("Nông thôn")
    by_area = mpi_measures(province, 2024, by="area", k=Fraction(1, 3))
    expect(page.get_by_test_id("poor")).to_have_text(str(by_area["poor"]))

    with page.expect_download() as download:
        page.get_by_role("link", name="Tải các bảng (Excel)").click()
    assert download.value.suggested_filename == "ngheo-da-chieu-06-2024.xlsx"
    page.screenshot(path=artifact("mpi-by-area.png"), full_page=True)
