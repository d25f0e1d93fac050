import tempfile
from datetime import date
from pathlib import Path

import pytest
from playwright.sync_api import expect

from households.demo import BACKAN_CITY_2024
from povertyprog.accounts.models import Role, User
from povertyprog.units.models import AdministrativeUnit
from reports.models import Target
from tests.factory import period_2024
from tests.support.certificates import make_pkcs12

pytestmark = pytest.mark.browser
PASSWORD = "Mat-khau-thu-nghiem-1"
APPENDIX = {code: figures for code, *figures in BACKAN_CITY_2024}  # seed 002's appendix


@pytest.fixture
def city_staff(reference_data, settings):
    settings.MEDIA_ROOT = tempfile.mkdtemp()
    period = period_2024(due_on=date(2024, 12, 15), closes_on=date(2025, 1, 31))
    for code, (households, poor, reduction) in APPENDIX.items():
        commune = AdministrativeUnit.objects.get(code=code, valid_from="2021-01-01")
        Target.objects.create(
            unit=commune,
            period=period,
            households_start=households,
            poor_start=poor,
            planned_reduction=reduction,
        )
    city = AdministrativeUnit.objects.get(code="058", valid_from="2021-01-01")
    return User.objects.create_user(
        username="tp.backan", password=PASSWORD, role=Role.DISTRICT_STAFF, unit=city
    )


def test_compose_preview_issue_sign_download_verify(live_server, page, city_staff, artifact):
    folder = Path(tempfile.mkdtemp())
    (folder / "ky-so.p12").write_bytes(make_pkcs12(passphrase="mat-khau-ky"))
    page.goto(f"{live_server.url}/dang-nhap/")
    page.get_by_label("Tên đăng nhập").fill("tp.backan")
    page.get_by_label("Mật khẩu").fill(PASSWORD)
    page.get_by_role("button", name="Đăng nhập").click()

    page.goto(f"{live_server.url}/van-ban/chung-thu-so/")
    page.set_input_files("#c-file", str(folder / "ky-so.p12"))
    page.fill("#c-pass", "mat-khau-ky")
    page.get_by_role("button", name="Lưu chứng thư").click()
    expect(page.get_by_text("Đã lưu chứng thư số")).to_be_visible()

    page.get_by_role("navigation", name="Điều hướng chính").get_by_role("link", name="Văn bản").click()
    page.select_option("#d-kind", "plan")
    page.fill("#d-year", "2024")
    page.get_by_role("button", name="Soạn").click()
    page.get_by_label("Họ tên người ký").fill("Hoàng Thị Thu Hương")
    page.get_by_label("I. MỤC ĐÍCH, YÊU CẦU").fill(
        "Phấn đấu **giảm nghèo bền vững**.\n\n- Huy động nguồn lực xã hội."
    )
    page.get_by_role("button", name="Lưu dự thảo").click()
    expect(page.get_by_text("Đã lưu dự thảo.")).to_be_visible()

    # The preview shows what is being typed, not the last saved version (issue 14, item 10).
    page.get_by_label("I. MỤC ĐÍCH, YÊU CẦU").fill("Phấn đấu **giảm nghèo bền vững**. Câu vừa gõ, chưa lưu.")
    with page.expect_popup() as popup:
        page.get_by_test_id("preview-link").click()
    preview = popup.value
    expect(preview.get_by_text("Câu vừa gõ, chưa lưu.")).to_be_visible()
    expect(preview.get_by_text("CHỈ TIÊU GIẢM NGHÈO NĂM 2024 CỦA CÁC ĐƠN VỊ")).to_be_visible()
    expect(preview.locator('[data-table="targets"] tr.total')).to_contain_text("12.281")
    preview.screenshot(path=artifact("document-preview.png"), full_page=True)
    preview.close()

    page.get_by_role("link", name="Ban hành, ký số").click()
    page.get_by_role("button", name="Ban hành").click()
    expect(page.get_by_text("Đã ban hành văn bản")).to_be_visible()
    assert page.dialogs[-1].startswith("Ban hành văn bản?")  # asked first: it cannot be undone
    expect(page.locator("h1")).to_contain_text("01/KH-UBND")
    page.fill("#p-pass", "mat-khau-ky")
    page.get_by_role("button", name="Ký số").click()
    expect(page.get_by_test_id("signed")).to_contain_text("Đã ký số")
    with page.expect_download() as download:
        page.get_by_test_id("download-signed").click()
    signed = folder / "01-KH-UBND-da-ky.pdf"
    download.value.save_as(signed)
    assert signed.read_bytes().startswith(b"%PDF")

    page.goto(f"{live_server.url}/van-ban/kiem-tra/")
    page.set_input_files("#v-file", str(signed))
    page.get_by_role("button", name="Kiểm tra").click()
    result = page.get_by_test_id("verify-result")
    expect(result).to_contain_text("nguyên vẹn, không bị sửa đổi")
    expect(result).to_contain_text("01/KH-UBND")
    expect(result).to_contain_text("Nguyễn Văn Ký")
    page.screenshot(path=artifact("document-verified.png"), full_page=True)

    tampered = bytearray(signed.read_bytes())
    tampered[len(tampered) // 3] ^= 0x01
    (folder / "sua.pdf").write_bytes(bytes(tampered))
    page.set_input_files("#v-file", str(folder / "sua.pdf"))
    page.get_by_role("button", name="Kiểm tra").click()
    expect(page.get_by_test_id("verify-result")).to_contain_text("đã bị sửa đổi")
