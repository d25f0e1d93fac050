import pytest
from playwright.sync_api import expect

from budgets.models import BudgetLine
from povertyprog.accounts.models import Role, User
from povertyprog.units.models import AdministrativeUnit

pytestmark = pytest.mark.browser
PASSWORD = "Mat-khau-thu-nghiem-1"


@pytest.fixture
def city_officer(reference_data):
    city = AdministrativeUnit.objects.get(code="058", valid_from="2021-01-01")
    return User.objects.create_user(
        username="tp.backan", password=PASSWORD, role=Role.DISTRICT_STAFF, unit=city
    )


def test_officer_corrects_a_budget_grid_and_sees_the_new_totals(live_server, page, city_officer, artifact):
    page.goto(f"{live_server.url}/dang-nhap/")
    page.get_by_label("Tên đăng nhập").fill("tp.backan")
    page.get_by_label("Mật khẩu").fill(PASSWORD)
    page.get_by_role("button", name="Đăng nhập").click()
    page.get_by_role("navigation", name="Điều hướng chính").get_by_role("link", name="Ngân sách").click()
    page.fill("#b-nam", "2023")
    page.get_by_role("button", name="Xem").click()
    page.get_by_test_id("entry-links").get_by_role("link", name="Dự án 2: Đa dạng hóa sinh kế").click()

    page.fill('[name="su_nghiep__central__assigned"]', "1.753")
    page.fill('[name="su_nghiep__central__allocated"]', "1.000")
    page.fill('[name="su_nghiep__central__disbursed"]', "1.200,5")  # more than was allocated
    page.fill('[name="su_nghiep__local__assigned"]', "53")
    page.get_by_role("button", name="Lưu").click()

    error = page.locator('[data-error-for="su_nghiep__central__disbursed"]')
    expect(error).to_contain_text("vượt số đã phân bổ cộng chuyển nguồn")
    page.screenshot(path=artifact("budget-grid-error.png"), full_page=True)
    assert not BudgetLine.objects.exists()

    page.fill('[name="su_nghiep__central__disbursed"]', "228,91")
    page.get_by_role("button", name="Lưu").click()
    expect(page.get_by_text("Đã lưu ngân sách dự án 2 năm 2023.")).to_be_visible()
    total = page.get_by_test_id("grand-total")
    expect(total).to_contain_text("1.806")  # 1.753 + 53, added by the system
    expect(total).to_contain_text("228,91")
    expect(total).to_contain_text("22,89%")  # 228,91 of 1.000 allocated
    page.screenshot(path=artifact("budget-overview.png"), full_page=True)
