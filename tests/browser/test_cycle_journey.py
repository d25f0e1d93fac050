import pytest
from playwright.sync_api import expect

from povertyprog.accounts.models import Role, User
from povertyprog.units.models import AdministrativeUnit
from tests.factory import period_2024

pytestmark = pytest.mark.browser
PASSWORD = "Mat-khau-thu-nghiem-1"


@pytest.fixture
def people(reference_data, clock):
    clock(2024, 12, 5)  # a working day of the 2024 cycle (due 15/12/2024)
    period_2024()
    song_cau = AdministrativeUnit.objects.get(code="01837", valid_from="2021-01-01")
    city = AdministrativeUnit.objects.get(code="058", valid_from="2021-01-01")
    User.objects.create_user(
        username="phuong.songcau", password=PASSWORD, role=Role.COMMUNE_OFFICER, unit=song_cau
    )
    User.objects.create_user(username="tp.backan", password=PASSWORD, role=Role.DISTRICT_STAFF, unit=city)


def login(browser, live_server, username):
    context = browser.new_context(viewport={"width": 1366, "height": 900}, locale="vi-VN")
    page = context.new_page()
    page.set_default_timeout(15_000)
    page.dialogs = []  # questions before actions that cannot be undone, accepted
    page.on("dialog", lambda dialog: (page.dialogs.append(dialog.message), dialog.accept()))
    page.goto(f"{live_server.url}/dang-nhap/")
    page.get_by_label("Tên đăng nhập").fill(username)
    page.get_by_label("Mật khẩu").fill(PASSWORD)
    page.get_by_role("button", name="Đăng nhập").click()
    return page


def test_submit_return_fix_resubmit_approve_lock(live_server, browser, people, artifact):
    officer = login(browser, live_server, "phuong.songcau")
    officer.get_by_role("navigation", name="Điều hướng chính").get_by_role("link", name="Báo cáo").click()
    officer.get_by_role("link", name="Hồ sơ của Phường Sông Cầu").click()
    expect(officer.get_by_test_id("completeness")).to_contain_text("Hộ đã có kết quả rà soát năm 2024")
    officer.get_by_label("Tôi đã kiểm tra mức độ đầy đủ ở trên và xác nhận gửi báo cáo.").check()
    officer.get_by_role("button", name="Gửi báo cáo").click()
    expect(officer.get_by_test_id("state")).to_contain_text("Đã gửi, chờ phê duyệt")
    assert "lên cấp phê duyệt?" in officer.dialogs[-1]

    district = login(browser, live_server, "tp.backan")
    expect(district.get_by_test_id("notifications")).to_contain_text("1")
    district.goto(f"{live_server.url}/bao-cao/2024/")
    district.locator('[data-unit="01837"]').get_by_role("link", name="Đã gửi, chờ phê duyệt").click()
    district.get_by_label("Lý do trả lại (bắt buộc)").fill("Chưa nhập kinh phí Dự án 2 được giao năm 2024")
    district.get_by_role("button", name="Trả lại").click()
    expect(district.get_by_test_id("state")).to_contain_text("Bị trả lại")

    officer.goto(f"{live_server.url}/bao-cao/thong-bao/")
    officer.get_by_test_id("notification-list").get_by_role("link").first.click()
    expect(officer.get_by_test_id("reason")).to_contain_text("Chưa nhập kinh phí Dự án 2")
    officer.goto(f"{live_server.url}/ngan-sach/?nam=2024")
    officer.get_by_test_id("entry-links").get_by_role("link", name="Dự án 2: Đa dạng hóa sinh kế").click()
    officer.fill('[name="su_nghiep__central__assigned"]', "120,5")
    officer.get_by_role("button", name="Lưu").click()
    officer.goto(f"{live_server.url}/bao-cao/2024/ho-so-cua-toi/")
    officer.get_by_label("Tôi đã kiểm tra mức độ đầy đủ ở trên và xác nhận gửi báo cáo.").check()
    officer.get_by_role("button", name="Gửi báo cáo").click()
    expect(officer.get_by_test_id("state")).to_contain_text("Đã gửi, chờ phê duyệt")

    district.reload()
    diff = district.get_by_test_id("diff")
    expect(diff).to_contain_text("Dự án 2 | Kinh phí sự nghiệp | Ngân sách trung ương")
    expect(diff).to_contain_text("120,5")
    district.screenshot(path=artifact("cycle-diff.png"), full_page=True)
    district.get_by_role("button", name="Phê duyệt").click()
    expect(district.get_by_test_id("state")).to_contain_text("Đã phê duyệt")
    assert district.dialogs[-1].startswith("Phê duyệt báo cáo của Phường Sông Cầu?")

    officer.goto(f"{live_server.url}/ngan-sach/?nam=2024")
    officer.get_by_test_id("entry-links").get_by_role("link", name="Dự án 2: Đa dạng hóa sinh kế").click()
    officer.fill('[name="su_nghiep__central__assigned"]', "999")
    officer.get_by_role("button", name="Lưu").click()
    expect(officer.get_by_text("đã được phê duyệt ngày")).to_be_visible()
    officer.screenshot(path=artifact("cycle-locked.png"), full_page=True)

    district.goto(f"{live_server.url}/bao-cao/2024/")
    row = district.locator('[data-unit="01837"]')
    expect(row).to_contain_text("Đã phê duyệt")
    expect(row).to_contain_text("Đúng hạn")
    expect(district.get_by_test_id("completeness")).to_contain_text("1/8 đã phê duyệt")
    district.screenshot(path=artifact("cycle-dashboard.png"), full_page=True)
