from unittest import mock

import pytest
from django.core.management import call_command
from playwright.sync_api import expect

from households.models import Household
from povertyprog.accounts.models import Role, User
from povertyprog.units.models import AdministrativeUnit
from tests.test_import import household_row, workbook_bytes

pytestmark = pytest.mark.browser
PASSWORD = "Mat-khau-thu-nghiem-1"
XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"


@pytest.fixture
def officer(reference_data):
    commune = AdministrativeUnit.objects.get(code="01837", valid_from="2021-01-01")
    return User.objects.create_user(
        username="phuong.songcau", password=PASSWORD, role=Role.COMMUNE_OFFICER, unit=commune
    )


def upload(page, content: bytes, name: str = "danh-sach.xlsx"):
    page.get_by_label("Tệp danh sách hộ (.xlsx hoặc .csv)").set_input_files(
        {"name": name, "mimeType": XLSX, "buffer": content}
    )
    page.get_by_label("Năm rà soát").fill("2023")
    page.get_by_role("button", name="Tải lên và kiểm tra").click()


def test_officer_fixes_a_file_and_imports_it(live_server, page, officer, artifact):
    page.goto(f"{live_server.url}/dang-nhap/")
    page.get_by_label("Tên đăng nhập").fill("phuong.songcau")
    page.get_by_label("Mật khẩu").fill(PASSWORD)
    page.get_by_role("button", name="Đăng nhập").click()
    page.goto(f"{live_server.url}/ho-gia-dinh/")
    page.get_by_role("link", name="Nhập từ Excel").click()

    good = [household_row(f"01837-9000{i}") for i in range(1, 4)]
    broken = [
        good[0] | {"income": "một triệu"},
        good[1] | {"commune_code": "15139"},
        good[2] | {"head_name": None},
    ]
    upload(page, workbook_bytes(broken))
    problems = page.get_by_test_id("problems")
    expect(problems.locator("tbody tr")).to_have_count(3)
    expect(problems).to_contain_text("Thu nhập bình quân")
    expect(problems).to_contain_text("không thuộc Phường Sông Cầu")
    expect(problems).to_contain_text("Thiếu “Họ tên chủ hộ”")
    rows = problems.locator("tbody tr td:nth-child(2)")
    expect(rows).to_have_text(["2", "3", "4"])
    page.screenshot(path=artifact("import-preview-errors.png"), full_page=True)
    assert not Household.objects.exists()

    page.get_by_role("link", name="Tải lên tệp đã sửa").click()
    upload(page, workbook_bytes(good))
    expect(page.get_by_test_id("count-created")).to_have_text("3")
    page.get_by_role("button", name="Xác nhận nhập 3 hộ").click()
    expect(page.get_by_test_id("job-status")).to_have_text("Đã nhập xong")
    page.get_by_role("link", name="Xem sổ hộ").click()
    expect(page.get_by_test_id("household-list").locator("tbody tr")).to_have_count(3)

    # A large file goes to the worker; the page shows its progress and follows it.
    page.goto(f"{live_server.url}/ho-gia-dinh/nhap/")
    with mock.patch("households.import_jobs.BACKGROUND_BYTES", 0):
        upload(page, workbook_bytes([household_row(f"01837-8{i:04d}") for i in range(50)]))
        expect(page.get_by_test_id("progress")).to_be_visible()
        page.screenshot(path=artifact("import-progress.png"), full_page=True)
        call_command("db_worker", "--batch", "--no-startup-delay")
        expect(page.get_by_test_id("count-created")).to_have_text("50", timeout=15_000)
