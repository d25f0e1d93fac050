import pytest
from playwright.sync_api import expect

from households.models import Household
from povertyprog.accounts.models import Role, User
from povertyprog.units.models import AdministrativeUnit

pytestmark = pytest.mark.browser
PASSWORD = "Mat-khau-thu-nghiem-1"


@pytest.fixture
def song_cau_officer(reference_data):
    commune = AdministrativeUnit.objects.get(code="01837", valid_from="2021-01-01")
    return User.objects.create_user(
        username="phuong.songcau", password=PASSWORD, role=Role.COMMUNE_OFFICER, unit=commune
    )


def fill_member(page, index, name, sex, birth_year, relation, in_school=False):
    prefix = f"members-{index}-"
    page.fill(f'[name="{prefix}full_name"]', name)
    page.select_option(f'[name="{prefix}sex"]', sex)
    page.fill(f'[name="{prefix}birth_year"]', str(birth_year))
    page.select_option(f'[name="{prefix}relation"]', relation)
    page.select_option(f'[name="{prefix}education_level"]', "thpt" if not in_school else "tieu_hoc")
    if in_school:
        page.check(f'[name="{prefix}attends_school"]')


def test_officer_enters_a_household_and_its_review(live_server, page, song_cau_officer, artifact, clock):
    clock(2025, 12, 1)  # the 2025 review is under way
    page.goto(f"{live_server.url}/dang-nhap/")
    page.get_by_label("Tên đăng nhập").fill("phuong.songcau")
    page.get_by_label("Mật khẩu").fill(PASSWORD)
    page.get_by_role("button", name="Đăng nhập").click()
    page.get_by_role("navigation", name="Điều hướng chính").get_by_role("link", name="Hộ gia đình").click()
    page.get_by_role("link", name="Thêm hộ").click()

    page.get_by_label("Họ tên chủ hộ").fill("Nông Văn Thắng")
    page.get_by_label("Thôn, tổ dân phố").fill("Tổ 7")
    for _ in range(3):
        page.get_by_role("button", name="+ Thêm thành viên").click()
    fill_member(page, 0, "Nông Văn Thắng", "M", 1978, "head")
    fill_member(page, 1, "Hoàng Thị Lan", "F", 1981, "spouse")
    fill_member(page, 2, "Nông Văn Long", "M", 1850, "child", in_school=True)  # a typing mistake
    page.get_by_role("button", name="Lưu").click()

    error = page.locator('[data-error-for="members-2-birth_year"]')
    expect(error).to_contain_text("Năm sinh phải từ 1900 đến")
    page.screenshot(path=artifact("household-form-error.png"), full_page=True)
    assert not Household.objects.exists()  # nothing half-written
    page.fill('[name="members-2-birth_year"]', "2015")
    page.get_by_role("button", name="Lưu").click()

    expect(page.get_by_role("heading", level=1)).to_have_text("Hộ Nông Văn Thắng")
    expect(page.get_by_test_id("members").locator("tbody tr")).to_have_count(3)

    page.get_by_role("link", name="Nhập kết quả rà soát năm").click()
    page.get_by_label("Ngày rà soát").fill("20/11/2025")
    page.get_by_label("Thu nhập bình quân (đồng/người/tháng)").fill("1.800.000")
    for indicator in (
        "9. Nguồn nước sinh hoạt",
        "10. Nhà tiêu hợp vệ sinh",
        "11. Sử dụng dịch vụ viễn thông",
    ):
        page.get_by_label(indicator, exact=True).check()
    page.get_by_role("button", name="Lưu và phân loại").click()
    expect(page.get_by_test_id("class-2025")).to_have_text("Hộ nghèo")
    page.screenshot(path=artifact("household-poor.png"), full_page=True)

    # Edit: a higher income moves the household above the urban line of 2,000,000.
    page.get_by_test_id("reviews").get_by_role("link", name="Sửa").click()
    page.get_by_label("Thu nhập bình quân (đồng/người/tháng)").fill("2.100.000")
    page.get_by_role("button", name="Lưu và phân loại").click()
    expect(page.get_by_test_id("class-2025")).to_have_text("Hộ có mức sống trung bình")


def test_a_new_review_starts_with_the_members_verdict_and_saves(live_server, page, song_cau_officer, clock):
    """Members without health insurance make indicator 4 deprived: its box starts ticked, and the
    review saves without asking for an override reason (it failed with three such errors)."""
    from tests.factory import make_household

    clock(2026, 12, 1)
    household = make_household(song_cau_officer.unit, members=2, head_name="Lường Văn Thái")
    household.members.update(has_health_insurance=False)
    page.goto(f"{live_server.url}/dang-nhap/")
    page.get_by_label("Tên đăng nhập").fill("phuong.songcau")
    page.get_by_label("Mật khẩu").fill(PASSWORD)
    page.get_by_role("button", name="Đăng nhập").click()
    page.goto(f"{live_server.url}/ho-gia-dinh/{household.pk}/ra-soat/2026/")
    insurance = page.get_by_label("4. Bảo hiểm y tế", exact=True)
    expect(insurance).to_be_checked()
    expect(page.get_by_label("Ngày rà soát")).to_have_value("01/12/2026")
    page.get_by_label("Thu nhập bình quân (đồng/người/tháng)").fill("3.000.000")
    page.get_by_role("button", name="Lưu và phân loại").click()
    expect(page.get_by_test_id("class-2026")).to_have_text("Hộ có mức sống trung bình")
    review = household.reviews.get(year=2026)
    assert review.d_health_insurance and review.overrides == {}

    # A past year's review starts without a date (today's would be refused), typed by the officer.
    page.goto(f"{live_server.url}/ho-gia-dinh/{household.pk}/ra-soat/2024/")
    expect(page.get_by_label("Ngày rà soát")).to_have_value("")
