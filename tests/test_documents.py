"""Official documents: composed from the data, Decree 30 layout in the PDF, issued and frozen,
numbered without gaps, signed and verified."""

import io
import re
import shutil
import subprocess
import tempfile
import threading
import unittest
from datetime import date
from pathlib import Path

from django.core.exceptions import ValidationError
from django.core.management import call_command
from django.db import connection
from django.test import TransactionTestCase, override_settings
from PIL import Image
from pypdf import PdfReader

from households.demo import BACKAN_CITY_2024
from povertyprog.lib.printing import BundledOnly
from reports import documents
from reports.composition import narrative_html, new_document, section_headings
from reports.models import Document, Target
from tests.base import TWO_TIER, BaseTestCase, make_user, unit
from tests.factory import annual_period, make_household, make_review, period_2024
from tests.support.certificates import make_pkcs12

APPENDIX = {code: figures for code, *figures in BACKAN_CITY_2024}  # seed 002's appendix
MEDIA = tempfile.mkdtemp()
MM = 72 / 25.4  # PDF points per millimetre


def pdf_text(content: bytes) -> list[str]:
    return [page.extract_text() for page in PdfReader(io.BytesIO(content)).pages]


def poppler(*command: str) -> str:
    if shutil.which(command[0]) is None:
        raise unittest.SkipTest("poppler-utils not installed")
    return subprocess.run(command, check=True, capture_output=True, text=True).stdout


@override_settings(MEDIA_ROOT=MEDIA)
class DocumentTestCase(BaseTestCase):
    @classmethod
    def setUpTestData(cls):
        super().setUpTestData()
        period = period_2024(due_on=date(2024, 12, 15), closes_on=date(2025, 1, 31))
        for code, (households, poor, reduction) in APPENDIX.items():
            Target.objects.create(
                unit=unit(code),
                period=period,
                households_start=households,
                poor_start=poor,
                planned_reduction=reduction,
            )

    def plan(self, **fields) -> Document:
        document = new_document(self.backan_city, "plan", 2024)
        document.fields.update({"signer_name": "Hoàng Thị Thu Hương", **fields})
        document.narrative = {
            "purpose": "Phấn đấu **giảm nghèo bền vững**, hạn chế tái nghèo.\n\n- Huy động nguồn lực;"
            "\n- Ưu tiên hộ *dân tộc thiểu số*."
        }
        return documents.document_save(
            user=self.district,
            document=document,
            title=document.title,
            fields=document.fields,
            narrative=document.narrative,
            expected_version=None,
        )


class ContentTests(DocumentTestCase):
    def test_the_plan_pdf_carries_the_decree_30_blocks_and_the_appendix_from_the_data(self):
        content = documents.document_pdf(self.plan())
        pages = pdf_text(content)
        text = " ".join("\n".join(pages).split())
        self.assertNotIn("SỐ LIỆU TẠM TÍNH", text)
        for expected in (
            "ỦY BAN NHÂN DÂN",
            "THÀNH PHỐ BẮC KẠN",
            "CỘNG HÒA XÃ HỘI CHỦ NGHĨA VIỆT NAM",
            "Độc lập - Tự do - Hạnh phúc",
            "/KH-UBND",
            "KẾ HOẠCH",
            "Thực hiện Chương trình mục tiêu quốc gia giảm nghèo bền vững năm 2024",
            "Căn cứ Nghị định số 07/2021/NĐ-CP",
            "Nơi nhận:",
            "Lưu: VT.",
            "TM. ỦY BAN NHÂN DÂN",
            "CHỦ TỊCH",
            "Hoàng Thị Thu Hương",
            "DỰ THẢO",  # a draft; a plan is not subject to the approval of the year it plans
            "Phụ lục",
            "Phường Nguyễn Thị Minh Khai",
            "Phường Huyền Tụng",
            "Xã Nông Thượng",
            "Phường Xuất Hóa",
            "giảm nghèo bền vững",
            "Ưu tiên hộ dân tộc thiểu số",
        ):
            with self.subTest(expected):
                self.assertIn(expected, text)
        # Targets: the total row is the sum of the rows, rates recomputed (seed 002: 1,96% -> 1,86%).
        self.assertIn("Tổng cộng 12.281 241 1,96 13 0,10 1,86", " ".join(pages[-1].split()))
        self.assertIn(
            "Phấn đấu giảm 13 hộ nghèo; tỷ lệ hộ nghèo giảm từ 1,96% xuống còn 1,86%", " ".join(text.split())
        )

    def test_a_commune_report_prints_its_deprivation_rates_from_the_registry(self):
        household = make_household(self.song_cau, members=4)
        make_review(household, 2023, income=1_200_000, deprived=("d_water", "d_latrine", "d_telecom"))
        make_review(
            make_household(self.song_cau),
            2023,
            income=1_200_000,
            deprived=("d_water", "d_housing_quality", "d_information"),
        )
        document = new_document(self.song_cau, "commune_report", 2023)
        text = " ".join("\n".join(pdf_text(documents.document_pdf(document))).split())
        self.assertIn("số hộ nghèo 2 hộ, chiếm 100,00%", text)
        self.assertIn("9 Thiếu hụt về nguồn nước sinh hoạt 2 100,00", text)
        self.assertIn("10 Thiếu hụt về nhà tiêu hợp vệ sinh 1 50,00", text)

    def test_narrative_text_is_escaped_and_nothing_outside_the_fonts_is_fetched(self):
        self.assertEqual(
            narrative_html('<img src="http://x/y.png"> **đậm** và *nghiêng*'),
            "<p>&lt;img src=&quot;http://x/y.png&quot;&gt; <strong>đậm</strong> và <em>nghiêng</em></p>",
        )
        fetcher = BundledOnly()
        for url in ("http://127.0.0.1:5432/", "file:///etc/passwd", "https://example.com/font.ttf"):
            with self.subTest(url), self.assertRaises(ValueError):
                fetcher.fetch(url)

    def test_render_document_command_writes_a_draft_pdf(self):
        out = Path(tempfile.mkdtemp()) / "plan.pdf"
        call_command(
            "render_document",
            "plan",
            "--unit",
            "058",
            "--year",
            "2024",
            "--out",
            str(out),
            stdout=io.StringIO(),
        )
        self.assertTrue(out.read_bytes().startswith(b"%PDF"))
        self.assertFalse(Document.objects.exists())  # nothing issued, nothing stored


class LayoutTests(DocumentTestCase):
    def test_fonts_are_embedded_and_pages_are_numbered_from_page_two(self):
        content = documents.document_pdf(self.plan())
        path = Path(tempfile.mkdtemp()) / "plan.pdf"
        path.write_bytes(content)
        fonts = poppler("pdffonts", str(path)).splitlines()[2:]
        self.assertTrue(fonts and all(" yes " in line and "DocSerif" in line for line in fonts), fonts)
        first_page = (
            poppler("pdftotext", "-f", "1", "-l", "1", "-layout", str(path), "-").strip().splitlines()
        )
        second_page = (
            poppler("pdftotext", "-f", "2", "-l", "2", "-layout", str(path), "-").strip().splitlines()
        )
        self.assertNotRegex(first_page[0].strip(), r"^\d+$")
        self.assertEqual(second_page[0].strip(), "2")
        last = len(PdfReader(io.BytesIO(content)).pages)  # the appendix page is numbered too
        appendix = poppler("pdftotext", "-f", str(last), "-l", str(last), "-layout", str(path), "-")
        self.assertIn("Phụ lục", appendix)
        self.assertEqual(appendix.strip().splitlines()[0].strip(), str(last))

    def test_margins_and_header_positions_are_within_decree_30(self):
        first, second = page_images(documents.document_pdf(self.plan()), 1, 2, keep_as="plan-page-1")
        px_per_mm = first.width / 210
        left, top, right, _ = _ink_box(first)
        self.assertGreaterEqual(left / px_per_mm, 29.5)  # left margin 30-35 mm
        self.assertLessEqual(left / px_per_mm, 35.5)
        self.assertGreaterEqual(210 - right / px_per_mm, 14.5)  # right margin 15-20 mm
        self.assertLessEqual(210 - right / px_per_mm, 20.5)
        self.assertGreaterEqual(top / px_per_mm, 19.5)  # top margin 20-25 mm: nothing above it on page 1
        self.assertLessEqual(top / px_per_mm, 25.5)
        # The national title sits in the right column, the issuing body in the left one.
        header = first.crop((0, top, first.width, top + int(6 * px_per_mm)))
        columns = [
            x for x in range(header.width) if min(header.getpixel((x, y)) for y in range(header.height)) < 128
        ]
        self.assertLess(min(columns) / px_per_mm, 60)
        self.assertGreater(max(columns) / px_per_mm, 150)
        report = documents.document_pdf(new_document(self.backan_city, "annual_report", 2024))
        [report_page] = page_images(report, 1, 1, keep_as="report-page-1")
        report_left, report_top, _, _ = _ink_box(report_page)
        self.assertGreaterEqual(report_left / px_per_mm, 29.5)
        self.assertGreaterEqual(report_top / px_per_mm, 19.5)
        _, number_top, _, _ = _ink_box(second)
        self.assertLess(number_top / px_per_mm, 20)  # the page number in the top margin


def page_images(
    content: bytes, first: int, last: int, dpi: int = 100, keep_as: str = ""
) -> list[Image.Image]:
    """Pages first..last of a PDF rendered by pdftoppm, in greyscale; the first is also kept as
    test-artifacts/<keep_as>.png to look at."""
    folder = Path(tempfile.mkdtemp())
    (folder / "doc.pdf").write_bytes(content)
    poppler("pdftoppm", "-r", str(dpi), "-png", "-f", str(first), "-l", str(last),
            str(folder / "doc.pdf"), str(folder / "page"))  # fmt: skip
    paths = sorted(folder.glob("page-*.png"))
    if keep_as:
        artifacts = Path(__file__).resolve().parents[1] / "test-artifacts"
        artifacts.mkdir(exist_ok=True)
        shutil.copy(paths[0], artifacts / f"{keep_as}.png")
    return [Image.open(path).convert("L") for path in paths]


def _ink_box(image) -> tuple[int, int, int, int]:
    """Bounding box of the dark pixels."""
    return Image.eval(image, lambda v: 255 if v < 160 else 0).getbbox()


class IssueTests(DocumentTestCase):
    def _report(self, kind="annual_report", at=None):
        document = new_document(at or self.backan_city, kind, 2024)
        document.fields["signer_name"] = "Hoàng Thị Thu Hương"
        document._history_user = self.district
        document.save()
        return document

    def test_an_issued_document_never_carries_the_draft_mark(self):
        """Issue 14 (1): a report over unapproved units is refused with their names, or issued on the
        user's explicit choice with official wording; a plan is not held to the year's approval."""
        report = self._report()
        with self.assertRaisesMessage(ValidationError, "chưa được phê duyệt (") as refused:
            documents.document_issue(user=self.district, document=report, day=date(2025, 1, 10))
        self.assertIn("Phường Sông Cầu", str(refused.exception))
        self.assertIn(
            "DỰ THẢO – SỐ LIỆU TẠM TÍNH", " ".join(pdf_text(documents.document_pdf(report))[0].split())
        )
        issued = documents.document_issue(
            user=self.district, document=report, day=date(2025, 1, 10), provisional_ok=True
        )
        text = " ".join(" ".join(pdf_text(documents.document_pdf(issued))).split())
        self.assertNotIn("DỰ THẢO", text)
        self.assertIn("là số liệu tạm tính đến ngày 10/01/2025", text)
        plan = documents.document_issue(user=self.district, document=self.plan(), day=date(2024, 1, 5))
        plan_text = " ".join(" ".join(pdf_text(documents.document_pdf(plan))).split())
        self.assertNotIn("DỰ THẢO", plan_text)
        self.assertNotIn("tạm tính", plan_text)

    def test_issuing_numbers_freezes_and_makes_the_document_immutable(self):
        document = documents.document_issue(user=self.district, document=self.plan(), day=date(2024, 1, 5))
        self.assertEqual(document.reference, "01/KH-UBND")
        frozen = documents.document_pdf(document)
        self.assertEqual(documents.sha256(frozen), document.sha256)
        self.assertIn("Bắc Kạn, ngày 05 tháng 01 năm 2024", " ".join(pdf_text(frozen)[0].split()))
        Target.objects.filter(unit=unit("01846")).update(poor_start=99)  # the data changes afterwards
        again = Document.objects.get(pk=document.pk)
        self.assertEqual(documents.document_pdf(again), frozen)
        self.assertNotIn("99", documents.render_html(again).split("Phường Huyền Tụng")[1][:200])
        with self.assertRaisesMessage(ValidationError, "Văn bản đã ban hành"):
            documents.document_save(
                user=self.district,
                document=again,
                title="Khác",
                fields=again.fields,
                narrative={},
                expected_version=again.version,
            )
        correction = documents.document_correct(user=self.district, document=again)
        self.assertEqual((correction.replaces, correction.status), (again, Document.Status.DRAFT))
        second = documents.document_issue(user=self.district, document=correction, day=date(2024, 1, 9))
        self.assertEqual(second.reference, "02/KH-UBND")

    def test_a_scanned_hand_signed_copy_is_attached_and_downloaded(self):
        document = documents.document_issue(user=self.district, document=self.plan())
        self.client.force_login(self.district)
        scan = io.BytesIO(b"%PDF-1.4 ban quet co chu ky tay")
        scan.name = "ban-quet.pdf"
        self.client.post(f"/van-ban/{document.pk}/ban-quet/", {"scan": scan})
        response = self.client.get(f"/van-ban/{document.pk}/ban-quet.pdf")
        self.assertEqual(b"".join(response), b"%PDF-1.4 ban quet co chu ky tay")
        self.assertContains(self.client.get(f"/van-ban/{document.pk}/"), "tải bản quét có chữ ký tay")
        # Others in scope (the viewer, the province) cannot replace it; the issuer's new scan is a
        # new version, the first one kept, each attachment in the document's history.
        for other in (self.viewer, self.province):
            self.client.force_login(other)
            forged = io.BytesIO(b"%PDF-1.4 ban gia mao")
            forged.name = "gia.pdf"
            self.assertEqual(
                self.client.post(f"/van-ban/{document.pk}/ban-quet/", {"scan": forged}).status_code, 403
            )
        self.client.force_login(self.district)
        second = io.BytesIO(b"%PDF-1.4 ban quet lan hai")
        second.name = "lan-hai.pdf"
        self.client.post(f"/van-ban/{document.pk}/ban-quet/", {"scan": second})
        self.assertEqual(
            b"".join(self.client.get(f"/van-ban/{document.pk}/ban-quet.pdf")), b"%PDF-1.4 ban quet lan hai"
        )
        versions = documents.scan_versions(Document.objects.get(pk=document.pk))
        self.assertEqual([v.history_user for v in versions], [self.district, self.district])
        first = documents.storage_dir() / versions[1].scan_name
        self.assertEqual(first.read_bytes(), b"%PDF-1.4 ban quet co chu ky tay")
        not_pdf = io.BytesIO(b"GIF89a")
        not_pdf.name = "anh.pdf"
        self.assertContains(
            self.client.post(f"/van-ban/{document.pk}/ban-quet/", {"scan": not_pdf}, follow=True),
            "Bản quét phải là tệp PDF.",
        )

    def test_the_document_list_shows_the_newest_first_fifty_a_page(self):
        for year in [2022] * 50 + [2025]:
            new_document(self.backan_city, "annual_report", year).save()
        self.client.force_login(self.district)
        first = self.client.get("/van-ban/").content.decode()
        self.assertIn("Trang 1 / 2", first)
        self.assertEqual(first.count("<tr><td>"), 50)
        self.assertLess(first.index("năm 2025"), first.index("năm 2022"))
        second = self.client.get("/van-ban/?trang=2").content.decode()
        self.assertIn("Trang 2 / 2", second)
        self.assertEqual(second.count("<tr><td>"), 1)

    def test_the_certificate_page_shows_each_form_once_under_a_plain_title(self):
        self.client.force_login(self.district)
        page = self.client.get("/van-ban/chung-thu-so/").content.decode()
        self.assertIn("<title>Chứng thư số · Hệ thống báo cáo</title>", page)
        self.assertEqual(page.count('name="pkcs12"'), 1)
        self.assertEqual(page.count('value="signature"'), 1)
        self.assertEqual(page.count('value="seal"'), 1)

    def test_only_the_units_staff_issue_and_a_signer_is_needed(self):
        document = self.plan(signer_name="")
        with self.assertRaisesMessage(ValidationError, "Ghi họ tên người ký"):
            documents.document_issue(user=self.district, document=document)
        with self.assertRaises(documents.PermissionDenied):
            documents.document_issue(user=self.officer, document=document)

    def test_signing_is_intact_and_one_changed_byte_fails_verification(self):
        document = documents.document_issue(user=self.district, document=self.plan())
        documents.certificate_store(user=self.district, pkcs12=make_pkcs12(), passphrase="mat-khau-ky")
        with self.assertRaisesMessage(ValidationError, "Sai mật khẩu"):
            documents.document_sign(user=self.district, document=document, passphrase="sai")
        signed = documents.document_sign(user=self.district, document=document, passphrase="mat-khau-ky")
        content = documents.document_pdf(signed, signed=True)
        result = documents.verify(content)
        self.assertTrue(result["known"])
        self.assertEqual(len(result["signatures"]), 1)
        self.assertTrue(result["signatures"][0]["intact"])
        self.assertIn("Nguyễn Văn Ký", result["signatures"][0]["signer"])
        self.assertTrue(
            documents.verify(documents.document_pdf(signed))["known"]
        )  # the unsigned original too
        tampered = bytearray(content)
        tampered[len(tampered) // 3] ^= 0x01
        result = documents.verify(bytes(tampered))
        self.assertFalse(result["known"])
        self.assertFalse(result["signatures"] and result["signatures"][0]["intact"])
        # An incremental update appended to the signed file (a page added after signing): the signed
        # bytes are intact, but the file is not what was signed, and the page says so.
        from pypdf import PdfWriter

        appended = io.BytesIO()
        writer = PdfWriter(io.BytesIO(content), incremental=True)
        writer.add_blank_page()
        writer.write(appended)
        self.assertTrue(appended.getvalue().startswith(content))
        report = documents.verify(appended.getvalue())["signatures"][0]
        self.assertEqual(
            (report["intact"], report["covers_whole_file"], report["unchanged"]), (True, False, False)
        )
        self.assertGreater(report["appended_bytes"], 0)
        self.assertTrue(documents.verify(content)["signatures"][0]["unchanged"])
        self.client.force_login(self.district)
        upload = io.BytesIO(appended.getvalue())
        upload.name = "da-ky.pdf"
        page = self.client.post("/van-ban/kiem-tra/", {"pdf": upload}).content.decode()
        self.assertIn("chữ ký không bao phủ toàn bộ tệp", page)
        self.assertIn("Sau khi ký, tệp được nối thêm", page)
        self.assertNotIn("nguyên vẹn, bao phủ toàn bộ tệp", page)
        garbage = documents.verify(b"not a pdf at all")
        self.assertFalse(garbage["known"])
        self.assertEqual(garbage["error"], "Không đọc được tệp: tệp không phải PDF hoặc đã bị hỏng.")


@override_settings(MEDIA_ROOT=MEDIA)
class ConcurrentNumberingTests(TransactionTestCase):
    """Two officers issuing at the same moment get different numbers, with no gap (PostgreSQL)."""

    def setUp(self):
        from budgets.catalogue import catalogue_load
        from households.standards import standards_load
        from povertyprog.units.loading import units_load_all

        units_load_all()
        standards_load()
        catalogue_load()

    def test_concurrent_issuing(self):
        if connection.vendor != "postgresql":
            self.skipTest("row locks are PostgreSQL's; SQLite serialises writers anyway")
        from povertyprog.accounts.models import Role

        user = make_user("backan", Role.DISTRICT_STAFF, "058")
        drafts = []
        for _ in range(6):
            document = new_document(user.unit, "annual_report", 2024)
            document.fields["signer_name"] = "Hoàng Thị Thu Hương"
            document._history_user = user
            document.save()
            drafts.append(document)
        errors = []

        def issue(document):
            try:
                documents.document_issue(user=user, document=document, provisional_ok=True)
            except Exception as error:  # noqa: BLE001 - reported by the assertion below
                errors.append(error)
            finally:
                connection.close()

        threads = [threading.Thread(target=issue, args=(d,)) for d in drafts]
        for thread in threads:
            thread.start()
        for thread in threads:
            thread.join()
        self.assertEqual(errors, [])
        numbers = sorted(Document.objects.values_list("number", flat=True))
        self.assertEqual(numbers, [1, 2, 3, 4, 5, 6])


@override_settings(MEDIA_ROOT=MEDIA)
class SignatureImageTests(DocumentTestCase):
    def _png(self, colour) -> bytes:
        from PIL import ImageDraw

        image = Image.new("RGBA", (300, 120), (0, 0, 0, 0))
        ImageDraw.Draw(image).line((10, 100, 290, 20), fill=colour, width=6)
        buffer = io.BytesIO()
        image.save(buffer, "PNG")
        return buffer.getvalue()

    def test_the_signers_image_and_the_seal_go_to_the_signature_space(self):
        document = documents.document_issue(user=self.district, document=self.plan())
        place = document.signature_place
        self.assertEqual(set(place), {"page", "box"})
        documents.certificate_store(user=self.district, pkcs12=make_pkcs12(), passphrase="mat-khau-ky")
        with self.assertRaisesMessage(ValidationError, "PNG"):
            documents.signature_image_store(user=self.district, content=b"GIF89a not a png")
        documents.signature_image_store(user=self.district, content=self._png((20, 40, 200, 255)))
        documents.seal_store(user=self.district, content=self._png((220, 20, 20, 255)))
        signed = documents.document_sign(user=self.district, document=document, passphrase="mat-khau-ky")
        content = documents.document_pdf(signed, signed=True)
        reader = PdfReader(io.BytesIO(content))
        widgets = [
            (index, [float(v) for v in a.get_object()["/Rect"]])
            for index, page in enumerate(reader.pages)
            for a in page.get("/Annots", [])
            if a.get_object().get("/FT") == "/Sig" or a.get_object().get("/Subtype") == "/Widget"
        ]
        self.assertEqual(len(widgets), 1)
        index, (x1, y1, x2, y2) = widgets[0]
        bx1, by1, bx2, by2 = place["box"]
        self.assertEqual(index, place["page"])
        self.assertTrue(bx1 <= x1 < x2 <= bx2 and by1 <= y1 < y2 <= by2, (widgets, place))
        self.assertTrue(documents.verify(content)["signatures"][0]["intact"])
        page_images(content, index + 1, index + 1, dpi=80, keep_as="signed-signature-block")


class PrintedFormulaTests(DocumentTestCase):
    """Issue 14 (5): every column whose heading states a formula holds on the values as printed."""

    ROW = re.compile(
        r"(?P<households>\d{1,3}(?:\.\d{3})*) (?P<poor>\d+) (?P<rate>\d+,\d\d) (?P<reduction>\d+) "
        r"(?P<down>-?\d+,\d\d) (?P<end>\d+,\d\d)$"
    )

    def test_the_targets_appendix_holds_its_formulas_on_the_printed_values(self):
        text = "\n".join(pdf_text(documents.document_pdf(self.plan())))
        self.assertIn("(7)=(5)-(8)", text.replace(" ", ""))
        number = lambda v: float(v.replace(".", "").replace(",", "."))  # noqa: E731
        rows = [m for line in text.splitlines() if (m := self.ROW.search(" ".join(line.split())))]
        self.assertGreaterEqual(len(rows), 9)  # 8 communes and the total
        for m in rows:
            households, poor, reduction = (number(m[k]) for k in ("households", "poor", "reduction"))
            with self.subTest(m.group(0)):
                self.assertAlmostEqual(number(m["rate"]), round(poor * 100 / households + 1e-9, 2))  # (5)
                self.assertAlmostEqual(
                    number(m["end"]), round((poor - reduction) * 100 / households + 1e-9, 2)
                )
                self.assertAlmostEqual(
                    number(m["down"]), round(number(m["rate"]) - number(m["end"]), 2)
                )  # (7)
        self.assertIn("giảm từ 1,96% xuống còn 1,86% (giảm 0,10%)", " ".join(text.split()))


class DatedLawAndPlaceTests(DocumentTestCase):
    """Issue 14 (6, 8): the legal bases and the program are the document year's; a unit named after
    a person signs with its full name."""

    def test_a_2026_document_cites_decree_351_and_the_2026_2035_program(self):
        plan = new_document(self.backan_city, "plan", 2026)
        bases = " ".join(plan.fields["legal_bases"])
        self.assertIn("Nghị định số 351/2025/NĐ-CP ngày 30/12/2025", bases)
        self.assertIn("Nghị quyết số 257/2025/QH15", bases)
        self.assertIn("Nghị định số 358/2025/NĐ-CP", bases)
        self.assertNotIn("07/2021", bases)
        self.assertIn("xây dựng nông thôn mới, giảm nghèo bền vững", plan.title)
        self.assertNotIn("2021 - 2025", plan.title + bases)
        old = new_document(self.backan_city, "annual_report", 2024)  # a report gets its bases too
        self.assertEqual(old.fields["recipients"][0], "Như trên")  # it has a "Kính gửi"
        self.assertIn("Nghị định số 07/2021/NĐ-CP", " ".join(old.fields["legal_bases"]))
        self.assertIn("ngày 19/6/2015", old.fields["legal_bases"][0])  # every law with its date

    def test_the_place_line_of_a_unit_named_after_a_person_is_its_full_name(self):
        codes = ("01834", "01843", "01837", "01849")
        place = {code: new_document(unit(code), "commune_report", 2024).fields["place"] for code in codes}
        self.assertEqual(place["01834"], "Phường Nguyễn Thị Minh Khai")
        self.assertEqual(place["01843"], "Phường Phùng Chí Kiên")
        self.assertEqual((place["01837"], place["01849"]), ("Sông Cầu", "Dương Quang"))


class SignerBlockTests(DocumentTestCase):
    """Issue 14 (10): one way to say who signs, validated; no "KT. PHÓ CHỦ TỊCH / PHÓ PHÓ …"."""

    def _post(self, document, **signer):
        data = {
            "title": document.title, "issuing_body": "ỦY BAN NHÂN DÂN\nTHÀNH PHỐ BẮC KẠN", "place": "Bắc Kạn",
            "recipients": "Lưu: VT", "authority": "TM. ỦY BAN NHÂN DÂN", "head_title": "CHỦ TỊCH",
            "signer_name": "Hoàng Thị Thu Hương", "version": document.version, **signer,
        }  # fmt: skip
        return self.client.post(f"/van-ban/{document.pk}/soan/", data)

    def test_a_deputy_signs_for_the_chair_and_contradictions_are_refused(self):
        document = self.plan()
        self.client.force_login(self.district)
        refused = self._post(document, mode="KT.", signer_title="KT. PHÓ CHỦ TỊCH")
        self.assertContains(refused, "Chỉ ghi chức vụ")
        refused = self._post(document, mode="KT.", signer_title="CHỦ TỊCH")
        self.assertContains(refused, "Ký thay (KT.) là cấp phó")
        saved = self._post(document, mode="KT.", signer_title="Phó Chủ tịch")
        self.assertEqual(saved.status_code, 302)
        document.refresh_from_db()
        text = " ".join(" ".join(pdf_text(documents.document_pdf(document))).split())
        self.assertIn("TM. ỦY BAN NHÂN DÂN KT. CHỦ TỊCH PHÓ CHỦ TỊCH Hoàng Thị Thu Hương", text)
        self.assertNotIn("PHÓ PHÓ", text)
        self._post(document, mode="", signer_title="")
        document.refresh_from_db()
        text = " ".join(" ".join(pdf_text(documents.document_pdf(document))).split())
        self.assertIn("TM. ỦY BAN NHÂN DÂN CHỦ TỊCH Hoàng Thị Thu Hương", text)
        self.assertNotIn("KT.", text)


class OneTermTests(DocumentTestCase):
    def test_a_plan_prints_one_kế_hoạch_vốn_in_every_section(self):
        """Issue 14 (4): "kế hoạch vốn" is the assigned capital everywhere (it was allocated in III)."""
        from budgets.models import Component, Program
        from budgets.services import budget_grid_save

        component = Component.objects.get(program=Program.objects.for_year(2024), parent=None, number=2)
        budget_grid_save(
            user=self.district, unit=self.backan_city, year=2024, component=component, opened="",
            rows={("su_nghiep", "central"): {"assigned": 6_187_000_000, "allocated": 4_881_000_000}},
        )  # fmt: skip
        text = " ".join(" ".join(pdf_text(documents.document_pdf(self.plan()))).split())
        contents = text.split("III. NỘI DUNG THỰC HIỆN", 1)[1].split("IV.", 1)[0]
        self.assertIn("Kế hoạch vốn giao", contents)
        self.assertIn("Tổng cộng 6.187,000", contents)
        self.assertNotIn("4.881", contents)
        funding = text.split("IV.", 1)[1]
        self.assertIn("Tổng cộng 6.187,000 4.881,000", funding)  # giao, then đã phân bổ


class LevelDefaultsTests(DocumentTestCase):
    def test_a_province_reports_to_the_ministry_of_the_year_and_sends_to_its_departments(self):
        """Issue 14 (7): each level its own addressee and recipients; office names are dated data."""
        backan = unit("06")
        report = new_document(backan, "annual_report", 2024)
        self.assertEqual(report.fields["to"], ["Bộ Lao động - Thương binh và Xã hội"])
        self.assertEqual(
            report.fields["recipients"],
            [
                "Như trên",
                "Các sở, ban, ngành liên quan",
                "Ủy ban nhân dân các huyện, thị xã, thành phố",
                "Lưu: VT",
            ],
        )
        two_tier = new_document(unit("19", TWO_TIER), "annual_report", 2026)  # Thái Nguyên, since 1/7/2025
        self.assertEqual(two_tier.fields["to"], ["Bộ Nông nghiệp và Môi trường"])
        self.assertIn("Ủy ban nhân dân các xã, phường", two_tier.fields["recipients"])
        commune = new_document(unit("01837"), "commune_report", 2024)
        self.assertEqual(commune.fields["to"], ["Ủy ban nhân dân thành phố Bắc Kạn"])
        self.assertNotIn("Các phòng, ban, đơn vị liên quan", commune.fields["recipients"])


class PrintedWordingTests(DocumentTestCase):
    """Issue 14 (8): the appendix line names the plan's number, date and committee; headings name
    their year; a table with nothing in it is a sentence instead."""

    def test_appendix_line_headings_and_empty_tables(self):
        issued = documents.document_issue(user=self.district, document=self.plan(), day=date(2024, 1, 5))
        text = " ".join(" ".join(pdf_text(documents.document_pdf(issued))).split())
        self.assertIn(
            "(Kèm theo Kế hoạch số 01/KH-UBND ngày 05 tháng 01 năm 2024 "
            "của Ủy ban nhân dân thành phố Bắc Kạn)",
            text,
        )
        report = new_document(self.backan_city, "annual_report", 2024)
        report_text = " ".join(" ".join(pdf_text(documents.document_pdf(report))).split())
        self.assertIn("IV. PHƯƠNG HƯỚNG, NHIỆM VỤ NĂM 2025", report_text)
        self.assertNotIn("NĂM TIẾP THEO", report_text)
        self.assertIn(
            "Chưa ghi nhận kết quả thực hiện các chính sách giảm nghèo chung trong kỳ.", report_text
        )
        phase = new_document(self.backan_city, "phase_report", 2024)
        self.assertIn(("results", "II. KẾT QUẢ THỰC HIỆN GIAI ĐOẠN 2021 - 2024"), section_headings(phase))


class PhaseTests(DocumentTestCase):
    def test_a_phase_report_to_2024_has_no_2025_figure(self):
        """Issue 14 (2): the multi-year table stops at the report's year; its totals are the sums
        of the columns it prints."""
        from budgets.models import Component, Program
        from budgets.services import budget_grid_save
        from reports.composition import compose

        component = Component.objects.get(program=Program.objects.for_year(2024), parent=None, number=2)
        for year, amount in ((2023, 1_000_000_000), (2024, 2_000_000_000), (2025, 360_000_000)):
            budget_grid_save(
                user=self.district, unit=self.backan_city, year=year, component=component, opened="",
                rows={("su_nghiep", "central"): {"assigned": amount}},
            )  # fmt: skip
        phase = new_document(self.backan_city, "phase_report", 2024)
        table = compose(phase)["figures"]["budget"]["by_year"]
        self.assertEqual(table["years"], [2023, 2024])
        self.assertEqual(table["totals"]["total"]["total"], 3_000_000_000)
        text = " ".join(" ".join(pdf_text(documents.document_pdf(phase))).split())
        self.assertNotIn("3.360", text)
        self.assertIn("3.000,000", text)


class CreditUnitTests(DocumentTestCase):
    def test_credit_is_counted_in_household_loans(self):
        """Issue 14 (8): a household may borrow more than once: credit is counted in "lượt hộ"."""
        from budgets.services import policy_results_save

        policy_results_save(
            user=self.district, unit=self.backan_city, year=2024, opened="",
            rows={"credit": {"beneficiaries": 114, "poor": 60, "near_poor": 54, "amount": 5_510_000_000}},
        )  # fmt: skip
        report = new_document(self.backan_city, "annual_report", 2024)
        text = " ".join(" ".join(pdf_text(documents.document_pdf(report))).split())
        self.assertIn("lượt hộ 114 60 54 5.510,000", text)
        self.assertNotIn("lũy kế", text)  # a figure of the year alone

    def test_a_cumulative_figure_says_the_period_it_covers(self):
        """Issue 14 (3): seed 004's credit 2021 - 6/2024 recorded in 2024 is not printed as 2024's."""
        from budgets.services import mobilisations_save, policy_results_save

        policy_results_save(
            user=self.district, unit=self.backan_city, year=2024, opened="",
            rows={"credit": {"beneficiaries": 114, "poor": 42, "near_poor": 72, "amount": 5_510_000_000,
                             "covers_from": 2021}},
        )  # fmt: skip
        mobilisations_save(
            user=self.district, unit=self.backan_city, year=2024, opened="",
            rows=[{"contributor_kind": "army", "contributor": "Quân khu 1", "amount": 200_000_000,
                   "covers_from": 2021}],
        )  # fmt: skip
        report = new_document(self.backan_city, "annual_report", 2024)
        text = " ".join(" ".join(pdf_text(documents.document_pdf(report))).split())
        self.assertIn("(lũy kế 2021 - 2024)", text)
        self.assertIn("Nguồn lực huy động, xã hội hóa (lũy kế 2021 - 2024)", text)


class GoalTests(DocumentTestCase):
    """Issue 14: start and end of the year, the reduction, the target and the share achieved."""

    def _poor_households(self, commune, count: int, year: int, poor: bool = True):
        deprived = ("d_water", "d_latrine", "d_telecom") if poor else ()
        for _ in range(count):
            make_review(
                make_household(commune), year, income=1_200_000 if poor else 9_000_000, deprived=deprived
            )

    def test_achievement_counts_from_the_targets_base_and_hits_its_boundaries(self):
        from reports.goals import poverty_goal

        # Seed 002's targets for 2024 (setUpTestData): Sông Cầu 2.347 households, 27 poor, reduce 2.
        self._poor_households(self.song_cau, 25, 2024)
        goal = poverty_goal(self.song_cau, 2024, 2024, "annual")
        self.assertEqual((goal["start"]["poor"], goal["start"]["poor_rate"]), (27, 1.15))
        self.assertEqual((goal["reduction"], goal["planned_reduction"], goal["achievement"]), (2, 2, 100.0))
        self._poor_households(self.song_cau, 1, 2024)  # 26 poor: one of two
        self.assertEqual(poverty_goal(self.song_cau, 2024, 2024, "annual")["achievement"], 50.0)
        # The city: its communes' targets summed (13), no target counted twice when it has its own.
        city_goal = poverty_goal(self.backan_city, 2024, 2024, "annual")
        self.assertEqual((city_goal["planned_reduction"], city_goal["start"]["poor"]), (13, 241))
        Target.objects.create(unit=self.backan_city, period=Target.objects.first().period,
                              households_start=12_281, poor_start=241, planned_reduction=15)  # fmt: skip
        self.assertEqual(poverty_goal(self.backan_city, 2024, 2024, "annual")["planned_reduction"], 15)
        # The plan states the same target as the report; its appendix still sums the communes'.
        from reports.composition import targets_table

        table = targets_table(self.backan_city, 2024)
        self.assertEqual((table["target"]["reduction"], table["total"]["reduction"]), (15, 13))
        text = " ".join(" ".join(pdf_text(documents.document_pdf(self.plan()))).split())
        self.assertIn("Phấn đấu giảm 15 hộ nghèo", text)

    def test_without_a_target_the_start_is_the_review_of_the_year_before(self):
        from reports.goals import poverty_goal

        self._poor_households(self.duong_quang, 4, 2022)
        self._poor_households(self.duong_quang, 1, 2022, poor=False)
        goal = poverty_goal(self.duong_quang, 2023, 2023, "annual")
        self.assertEqual((goal["start"]["poor"], goal["start"]["households"]), (4, 5))
        self.assertNotIn("planned_reduction", goal)
        self.assertNotIn("reduction", goal)  # no 2023 review: nothing to compare
        text = " ".join(" ".join(pdf_text(documents.document_pdf(
            new_document(self.duong_quang, "commune_report", 2023)))).split())  # fmt: skip
        self.assertIn("Đầu năm 2023: tổng số hộ 5 hộ; số hộ nghèo 4 hộ, chiếm 80,00%", text)
        self.assertIn("Chưa có kết quả rà soát hộ nghèo, hộ cận nghèo năm 2023 trên địa bàn.", text)

    def test_a_commune_report_prints_kiến_nghị_and_the_officers_table_after_the_figures(self):
        self._poor_households(self.song_cau, 2, 2024)
        document = new_document(self.song_cau, "commune_report", 2024)
        table = "| Số, ký hiệu | Trích yếu |\n|---|---|\n| 30/KH-UBND | Kế hoạch giảm nghèo năm 2024 |"
        document.narrative = {"results": f"Các văn bản đã ban hành:\n\n{table}"}
        html = documents.render_html(document)
        text = " ".join(" ".join(pdf_text(documents.document_pdf(document))).split())
        self.assertIn("V. KIẾN NGHỊ, ĐỀ XUẤT", text)
        self.assertIn("10 Thiếu hụt về nhà tiêu hợp vệ sinh 2 100,00", text)
        self.assertIn("tỷ lệ hộ nghèo tăng 98,85% (từ 1,15% lên 100,00%)", text)
        # The officer's text follows the computed parts under the next number: one numbering.
        self.assertIn("5. Nội dung khác Các văn bản đã ban hành:", text)
        self.assertIn("Số, ký hiệu Trích yếu 30/KH-UBND Kế hoạch giảm nghèo năm 2024", text)
        self.assertLess(text.index("4. Nguồn vốn"), text.index("5. Nội dung khác"))
        self.assertIn("<th>Số, ký hiệu</th>", html)
        self.assertIn("<td>30/KH-UBND</td>", html)

    def test_a_document_issued_before_the_goal_block_keeps_its_own_figures_in_the_preview(self):
        """A snapshot frozen before issue 14 has no "goal": its HTML shows the registry sentence it
        was issued with, not a "no review" sentence that contradicts its stored PDF."""
        self._poor_households(self.song_cau, 2, 2024)
        draft = new_document(self.song_cau, "commune_report", 2024)
        draft.fields["signer_name"] = "Nguyễn Văn An"
        report = documents.document_save(
            user=self.officer,
            document=draft,
            title=draft.title,
            fields=draft.fields,
            narrative={},
            expected_version=None,
        )
        issued = documents.document_issue(
            user=self.officer, document=report, day=date(2025, 1, 5), provisional_ok=True
        )
        snapshot = dict(issued.snapshot)
        snapshot["figures"] = {k: v for k, v in snapshot["figures"].items() if k != "goal"}
        Document.objects.filter(pk=issued.pk).update(snapshot=snapshot)
        html = " ".join(documents.render_html(Document.objects.get(pk=issued.pk)).split())
        self.assertIn("Tổng số hộ dân cư 2 hộ; số hộ nghèo 2 hộ, chiếm 100,00%", html)
        self.assertNotIn("Chưa có kết quả rà soát", html)


class PlanOverYearsTests(DocumentTestCase):
    """Issue 14 (seed 003): a plan over 2024 - 2025 with each year's targets, near-poor targets
    beside the poor ones, their columns' formulas holding on the printed values."""

    NEAR_POOR = {"01837": (40, 3), "01846": (61, 4)}  # code -> near-poor start, planned reduction

    def _targets(self, period, near_poor: dict, reduction_2025: int = 1) -> None:
        from reports.targets import targets_save

        values = {}
        for code, (households, poor, reduction) in APPENDIX.items():
            start, near_reduction = near_poor.get(code, (None, None))
            values[unit(code).pk] = {
                "households_start": households,
                "poor_start": poor - (reduction if period.year == 2025 else 0),
                "planned_reduction": reduction if period.year == 2024 else reduction_2025,
                "near_poor_start": start,
                "planned_near_poor_reduction": near_reduction,
            }
        targets_save(user=self.district, period=period, values=values)

    def test_near_poor_targets_are_checked_and_nothing_is_half_saved(self):
        from reports.targets import targets_save

        period = Target.objects.first().period
        song_cau, huyen_tung = unit("01837"), unit("01846")
        base = {"households_start": 2347, "poor_start": 27, "planned_reduction": 2}
        cases = [
            ({"near_poor_start": None, "planned_near_poor_reduction": 3}, "ghi số hộ cận nghèo đầu kỳ"),
            ({"near_poor_start": 2, "planned_near_poor_reduction": 3}, "lớn hơn số hộ cận nghèo"),
            (
                {"near_poor_start": 2321, "planned_near_poor_reduction": 3},
                "nghèo và cận nghèo lớn hơn tổng số hộ",
            ),
        ]
        for near, message in cases:
            with self.subTest(message), self.assertRaisesMessage(ValidationError, "Phường Sông Cầu: "):
                try:
                    targets_save(
                        user=self.district,
                        period=period,
                        values={
                            huyen_tung.pk: {
                                "households_start": 1382,
                                "poor_start": 73,
                                "planned_reduction": 3,
                                "near_poor_start": 61,
                                "planned_near_poor_reduction": 4,
                            },
                            song_cau.pk: {**base, **near},
                        },
                    )
                except ValidationError as error:
                    self.assertIn(message, " ".join(error.messages))
                    raise
            self.assertIsNone(Target.objects.get(unit=huyen_tung, period=period).near_poor_start)
        # A start without a planned reduction is the pre-filled figure, not a target.
        targets_save(
            user=self.district,
            period=period,
            values={song_cau.pk: {**base, "near_poor_start": 40, "planned_near_poor_reduction": None}},
        )
        self.assertIsNone(Target.objects.get(unit=song_cau, period=period).near_poor_start)

    def test_the_goal_counts_near_poor_achievement_from_the_targets_base(self):
        from reports.goals import poverty_goal

        self._targets(Target.objects.first().period, {"01837": (30, 3)})
        for _ in range(27):  # 30 near-poor households at the start, 27 at the end: 3 of 3
            make_review(make_household(self.song_cau), 2024, income=1_200_000)
        goal = poverty_goal(self.song_cau, 2024, 2024, "annual")
        self.assertEqual(goal["start"]["near_poor"], 30)
        self.assertEqual((goal["planned_near_poor_reduction"], goal["near_poor_achievement"]), (3, 100.0))
        make_review(make_household(self.song_cau), 2024, income=1_200_000)  # 28: 2 of 3
        goal = poverty_goal(self.song_cau, 2024, 2024, "annual")
        self.assertEqual(goal["near_poor_achievement"], 66.7)
        text = " ".join(
            " ".join(
                pdf_text(documents.document_pdf(new_document(self.song_cau, "commune_report", 2024)))
            ).split()
        )
        self.assertIn(
            "Chỉ tiêu giảm hộ cận nghèo là giảm 3 hộ (tỷ lệ hộ cận nghèo còn 1,15%); "
            "đã giảm 2 hộ, đạt 67% chỉ tiêu.",
            text,
        )
        for _ in range(3):  # 31: one more than at the start, no negative share
            make_review(make_household(self.song_cau), 2024, income=1_200_000)
        text = " ".join(
            " ".join(
                pdf_text(documents.document_pdf(new_document(self.song_cau, "commune_report", 2024)))
            ).split()
        )
        self.assertIn("(tỷ lệ hộ cận nghèo còn 1,15%); tăng 1 hộ, không đạt chỉ tiêu.", text)
        self.assertNotIn("đạt -", text)
        # The city sums near-poor targets only when every commune has one.
        self.assertNotIn("planned_near_poor_reduction", poverty_goal(self.backan_city, 2024, 2024, "annual"))

    def test_a_plan_over_two_years_prints_each_years_targets_and_appendix(self):
        every = {code: (APPENDIX[code][1] + 10, 2) for code in APPENDIX}
        self._targets(Target.objects.first().period, every)
        self._targets(annual_period(2025), {code: (start - 2, 1) for code, (start, _) in every.items()})
        plan = new_document(self.backan_city, "plan", 2024, last_year=2025)
        self.assertIn("giai đoạn 2024 - 2025", plan.title)
        pages = pdf_text(documents.document_pdf(plan))
        text = " ".join(" ".join(pages).split())
        self.assertIn("2. Chỉ tiêu giảm nghèo giai đoạn 2024 - 2025", text)
        self.assertIn(
            "- Năm 2024: phấn đấu giảm 13 hộ nghèo; tỷ lệ hộ nghèo giảm từ 1,96% xuống còn 1,86% "
            "(giảm 0,10%); giảm 16 hộ cận nghèo, tỷ lệ hộ cận nghèo giảm từ 2,61%",
            text,
        )
        self.assertIn(
            "- Năm 2025: phấn đấu giảm 8 hộ nghèo; tỷ lệ hộ nghèo giảm từ 1,86% xuống còn 1,79%", text
        )
        self.assertIn("Thời gian thực hiện: năm 2024 và năm 2025.", text)
        # No capital recorded: a sentence says so, no table of zeros (issue 14, 8).
        self.assertIn("Chưa có số liệu kế hoạch vốn các dự án, tiểu dự án giai đoạn 2024 - 2025.", text)
        self.assertNotIn("0,000", text)
        for label, year in (("Phụ lục 01", 2024), ("Phụ lục 02", 2025)):
            self.assertIn(f"{label} CHỈ TIÊU GIẢM NGHÈO NĂM {year} CỦA CÁC ĐƠN VỊ", text)
        # Every formula of the near-poor columns on the values as printed, both appendices.
        number = lambda v: float(v.replace(".", "").replace(",", "."))  # noqa: E731
        row = re.compile(
            r"(\d{1,3}(?:\.\d{3})*) (\d+) (\d+,\d\d) (\d+) (-?\d+,\d\d) (\d+,\d\d) "
            r"(\d+) (\d+,\d\d) (\d+) (-?\d+,\d\d) (\d+,\d\d)$"
        )
        rows = [
            m.groups() for line in "\n".join(pages).splitlines() if (m := row.search(" ".join(line.split())))
        ]
        self.assertEqual(len(rows), 18)  # 8 communes and the total, twice
        for households, *_, near, near_rate, near_reduction, down, end in rows:
            h, n, r = number(households), number(near), number(near_reduction)
            self.assertAlmostEqual(number(near_rate), round(n * 100 / h + 1e-9, 2))  # (10)
            self.assertAlmostEqual(number(end), round((n - r) * 100 / h + 1e-9, 2))  # (13)
            self.assertAlmostEqual(number(down), round(number(near_rate) - number(end), 2))  # (12)

    def test_the_documents_page_makes_a_plan_over_years_and_refuses_a_span_that_is_not_one(self):
        self.client.force_login(self.district)
        before = Document.objects.count()
        for kind, last_year, message in (
            ("annual_report", "2025", "Chỉ kế hoạch mới ghi “Đến năm”"),
            ("plan", "2030", "tối đa 5 năm"),
            ("plan", "2023", "đến năm sau năm 2024"),
            ("plan", "hai năm", "“Đến năm” phải là một năm"),
        ):
            with self.subTest(kind=kind, last_year=last_year):
                response = self.client.post(
                    "/van-ban/moi/", {"kind": kind, "year": 2024, "last_year": last_year}, follow=True
                )
                self.assertContains(response, message)
        self.assertEqual(Document.objects.count(), before)
        response = self.client.post("/van-ban/moi/", {"kind": "plan", "year": 2024, "last_year": "2025"})
        document = Document.objects.get(pk=int(response["Location"].strip("/").split("/")[-2]))
        self.assertEqual((document.year, document.last_year), (2024, 2025))
        self.assertContains(self.client.get(response["Location"]), "Soạn kế hoạch giai đoạn 2024 - 2025")
