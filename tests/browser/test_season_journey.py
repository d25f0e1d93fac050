"""Issue 16: one household's review season end to end in a real browser, as the ward's officer
does it: application (Mẫu số 01) → Phiếu A → Phiếu B → village meeting → posting (the printed
list has no ID number) → complaint → re-check → the chair's decision issued and signed → the
certificate printed. Each printed form is saved as PNG in test-artifacts/ (pdftoppm) to look at."""

import subprocess
import tempfile
from pathlib import Path

import pytest
from playwright.sync_api import expect

from povertyprog.accounts.models import Role, User
from povertyprog.units.models import AdministrativeUnit
from tests.factory import make_household
from tests.support.certificates import make_pkcs12

pytestmark = pytest.mark.browser
PASSWORD = "Mat-khau-thu-nghiem-1"
CITIZEN_ID = "006085001234"


def printed(page, url: str, name: str, artifact) -> str:
    """Fetch a printed form as the logged-in user, save its pages as PNG, return its text."""
    response = page.request.get(url)
    assert response.status == 200 and response.body().startswith(b"%PDF"), url
    folder = Path(tempfile.mkdtemp())
    pdf = folder / f"{name}.pdf"
    pdf.write_bytes(response.body())
    subprocess.run(
        ["pdftoppm", "-png", "-r", "60", "-f", "1", "-l", "1", str(pdf), artifact(name)], check=True
    )
    return subprocess.run(
        ["pdftotext", "-layout", str(pdf), "-"], capture_output=True, text=True, check=True
    ).stdout


def test_a_households_season_from_application_to_certificate(
    live_server, page, reference_data, artifact, clock, settings
):
    settings.MEDIA_ROOT = tempfile.mkdtemp()
    ward = AdministrativeUnit.objects.get(code="01843", valid_from="2025-07-01")
    User.objects.create_user(
        username="phuong.backan", password=PASSWORD, role=Role.COMMUNE_OFFICER, unit=ward
    )
    household = make_household(ward, members=3, head_name="Lò Văn Minh", village="Tổ 5")
    household.members.filter(relation="head").update(citizen_id=CITIZEN_ID, birth_year=1985, sex="M")
    base = live_server.url
    p12 = Path(tempfile.mkdtemp()) / "ky-so.p12"
    p12.write_bytes(make_pkcs12(passphrase="mat-khau-ky"))

    def on(*day):
        """Weeks pass between the steps: the clock moves on, and the officer logs in again."""
        clock(*day)
        page.context.clear_cookies()
        page.goto(f"{base}/dang-nhap/")
        page.get_by_label("Tên đăng nhập").fill("phuong.backan")
        page.get_by_label("Mật khẩu").fill(PASSWORD)
        page.get_by_role("button", name="Đăng nhập").click()

    on(2026, 9, 3)
    expect(page.get_by_role("heading", level=1)).to_have_text("Việc cần làm – Phường Bắc Kạn")

    # 1. The application (Mẫu số 01), blank for signing and as entered.
    page.goto(f"{base}/ra-soat/ho/{household.pk}/2026/giay-de-nghi/")
    text = printed(
        page, f"{base}/ra-soat/{ward.pk}/2026/giay-de-nghi-trang.pdf", "season-01-mau01-trang", artifact
    )
    assert "GIẤY ĐỀ NGHỊ" in text
    page.get_by_label("Ngày nhận giấy đề nghị").fill("2026-09-03")
    page.get_by_role("button", name="Nhận giấy đề nghị").click()
    expect(page.get_by_text("Đã nhận giấy đề nghị.")).to_be_visible()
    expect(page.get_by_test_id("case-step")).to_have_text("Có trong danh sách, chờ Phiếu A")
    case_url = page.url
    text = printed(page, case_url + "giay-de-nghi.pdf", "season-02-mau01", artifact)
    assert "Lò Văn Minh" in text and "ngày 03 tháng 09 năm 2026" in text

    # 2. Phiếu A: 2 of 9 criteria, fewer than 4: on to Phiếu B.
    page.get_by_test_id("criterion-1").check()
    page.get_by_test_id("criterion-6").check()
    page.get_by_label("Ngày rà soát").fill("2026-09-16")
    page.get_by_role("button", name="Ghi Phiếu A").click()
    expect(page.get_by_test_id("case-step")).to_have_text("Chờ Phiếu B")

    # 3. Phiếu B: the existing review form, income under the 2026 (2022-2025) urban line.
    on(2026, 10, 20)
    page.goto(case_url)
    page.get_by_test_id("phieu-b-link").click()
    page.get_by_label("Thu nhập bình quân (đồng/người/tháng)").fill("1.500.000")
    for indicator in (
        "9. Nguồn nước sinh hoạt",
        "10. Nhà tiêu hợp vệ sinh",
        "11. Sử dụng dịch vụ viễn thông",
    ):
        page.get_by_label(indicator, exact=True).check()
    page.get_by_role("button", name="Lưu và phân loại").click()
    expect(page.get_by_test_id("class-2026")).to_have_text("Hộ nghèo")
    page.goto(case_url)
    expect(page.get_by_test_id("case-step")).to_have_text("Đã chấm Phiếu B, chờ họp thôn")

    # 4. The village meeting: 20 of 40 agree (50%).
    on(2026, 10, 26)
    page.goto(case_url)
    page.get_by_role("link", name="Tổ 5").click()
    form = page.get_by_test_id("meeting-form")
    form.get_by_label("Ngày họp").fill("2026-10-26")
    form.get_by_label("Chủ trì (trưởng thôn)").fill("Hoàng Văn Thắng")
    form.get_by_label("Thư ký").fill("Đinh Thị Thư")
    form.get_by_label("Đại diện Mặt trận Tổ quốc").fill("Bế Văn Giám")
    form.get_by_label("Số người dự họp").fill("40")
    page.get_by_test_id(f"agreed-{household.code}").fill("20")
    page.get_by_role("button", name="Ghi kết quả họp").click()
    expect(page.get_by_text("Đã ghi kết quả họp thôn.")).to_be_visible()
    expect(page.get_by_test_id(f"step-{household.code}")).to_have_text("Họp thôn đồng ý, chờ niêm yết")
    minutes_url = page.get_by_test_id("minutes").first.get_attribute("href")
    text = printed(page, base + minutes_url, "season-03-bien-ban-phu-luc-v", artifact)
    assert text.count("BIÊN BẢN HỌP THÔN") == 2 and "Hoàng Văn Thắng" in text

    # 5. The posting, Tuesday 27/10: three working days end Friday 30/10; the list has no ID.
    page.get_by_label("Ngày niêm yết").fill("2026-10-27")
    page.get_by_role("button", name="Ghi niêm yết").click()
    expect(page.get_by_text("đến hết 30/10/2026")).to_be_visible()
    page.screenshot(path=artifact("season-village.png"), full_page=True)
    posting_url = page.get_by_test_id("posting-print").first.get_attribute("href")
    text = printed(page, base + posting_url, "season-04-niem-yet", artifact)
    assert "Lò Văn Minh" in text and "Hộ nghèo" in text and CITIZEN_ID not in text

    # 6. A complaint, then its re-check and the re-posting.
    on(2026, 10, 28)
    page.goto(case_url)
    complaint = page.get_by_test_id("complaint-form")
    complaint.get_by_label("Ngày khiếu nại").fill("2026-10-28")
    complaint.get_by_label("Người khiếu nại").fill("Lục Văn Khiếu")
    complaint.get_by_label("Nội dung").select_option("wrong_data")
    complaint.get_by_role("button", name="Ghi khiếu nại").click()
    expect(page.get_by_test_id("complaints")).to_contain_text("Hạn phúc tra 06/11/2026")
    expect(page.get_by_test_id("blockers")).to_contain_text("còn khiếu nại ngày 28/10/2026 chưa giải quyết")
    on(2026, 11, 2)
    page.goto(case_url)
    settle = page.get_by_test_id("settle-form")
    settle.get_by_label("Ngày phúc tra").fill("2026-11-02")
    settle.get_by_label("Kết quả phúc tra").fill("Thu nhập đúng như Phiếu B: giữ kết quả hộ nghèo.")
    settle.get_by_label("Ngày niêm yết lại kết quả").fill("2026-11-02")
    settle.get_by_role("button", name="Ghi kết quả phúc tra").click()
    expect(page.get_by_test_id("complaints")).to_contain_text("niêm yết lại đến hết 05/11/2026")
    page.screenshot(path=artifact("season-case.png"), full_page=True)

    # 7. Recognition: the chair's decision drafted, issued, signed; the certificate printed.
    on(2026, 11, 6)
    page.goto(f"{base}/van-ban/chung-thu-so/")
    page.set_input_files("#c-file", str(p12))
    page.fill("#c-pass", "mat-khau-ky")
    page.get_by_role("button", name="Lưu chứng thư").click()
    page.goto(f"{base}/ra-soat/")
    expect(page.get_by_test_id("ready")).to_contain_text("1 hộ đã niêm yết xong")
    page.screenshot(path=artifact("season-page.png"), full_page=True)
    page.get_by_test_id("draft-decision").click()
    page.get_by_label("Họ tên người ký").fill("Hoàng Văn Quyết")
    page.get_by_role("button", name="Lưu dự thảo").click()
    page.get_by_role("link", name="Ban hành, ký số").click()
    page.get_by_role("button", name="Ban hành").click()
    expect(page.locator("h1")).to_contain_text("01/QĐ-UBND")
    page.fill("#p-pass", "mat-khau-ky")
    page.get_by_role("button", name="Ký số").click()
    expect(page.get_by_test_id("signed")).to_contain_text("Đã ký số")
    text = printed(
        page,
        base + page.get_by_test_id("download").get_attribute("href"),
        "season-05-quyet-dinh-mau02",
        artifact,
    )
    assert "QUYẾT ĐỊNH" in text and "Lò Văn Minh" in text and "Điều 1." in text
    text = printed(
        page,
        base + page.get_by_test_id("certificates").get_attribute("href"),
        "season-06-giay-chung-nhan-mau03",
        artifact,
    )
    assert "GIẤY CHỨNG NHẬN" in text and "Lò Văn Minh" in text and "01/QĐ-UBND" in text
    page.goto(case_url)
    expect(page.get_by_test_id("case-step")).to_have_text("Đã công nhận")
    text = printed(page, f"{base}/ra-soat/{ward.pk}/2026/phu-luc-vi.pdf", "season-07-phu-luc-vi", artifact)
    assert "Lò Văn Minh" in text and CITIZEN_ID not in text
