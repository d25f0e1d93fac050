"""A document's life: drafted (fields and narrative edited, figures live), issued (numbered from
the unit's register, figures and text frozen, PDF stored with its SHA-256, immutable), signed
(PAdES with the signer's certificate), verified (is this file one we issued, intact, and who
signed it). A correction is a new document that names the one it replaces.
"""

import hashlib
import io
import logging
import uuid
from datetime import date
from pathlib import Path

from django.conf import settings
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.db.models import F, Q
from django.utils import timezone

from povertyprog.accounts.models import User
from povertyprog.accounts.scoping import can_enter_data
from povertyprog.lib.certnames import asn1crypto_subject, cryptography_subject
from reports.composition import compose
from reports.models import Document, DocumentKind, DocumentRegister, SigningCertificate
from reports.recognition import recognise_issued
from reports.rendering import document_html, pdf_bytes, render_pdf

logger = logging.getLogger(__name__)

ISSUED_MESSAGE = (
    "Văn bản đã ban hành: không sửa được. Muốn đính chính, hãy tạo văn bản mới thay thế văn bản này."
)


def storage_dir() -> Path:
    """Issued PDFs, under MEDIA_ROOT (never served directly: downloads go through the views)."""
    path = Path(settings.MEDIA_ROOT) / "documents"
    path.mkdir(parents=True, exist_ok=True)
    return path


def sha256(content: bytes) -> str:
    return hashlib.sha256(content).hexdigest()


AUTHOR_ONLY = "Chỉ cán bộ của đơn vị ban hành được soạn, ban hành, ký và đính kèm bản quét văn bản này."


def require_author(user: User, document: Document) -> None:
    if not can_enter_data(user, document.unit):
        raise PermissionDenied(AUTHOR_ONLY)


@transaction.atomic
def document_save(
    *, user: User, document: Document, title: str, fields: dict, narrative: dict, expected_version: int | None
) -> Document:
    require_author(user, document)
    if document.pk:
        current = Document.objects.select_for_update().get(pk=document.pk)
        if current.status != Document.Status.DRAFT:
            raise ValidationError(ISSUED_MESSAGE)
        if current.version != expected_version:
            raise ValidationError("Dự thảo vừa được người khác sửa sau khi bạn mở trang: hãy tải lại trang.")
        document.version = current.version + 1
    document.title, document.fields, document.narrative = title, fields, narrative
    document._history_user = user
    document.save()
    return document


def document_data(document: Document) -> dict:
    """What the document prints: frozen for an issued one, live for a draft."""
    return document.snapshot if document.status == Document.Status.ISSUED else compose(document)


def render_html(document: Document, *, font_url=None, preview: bool = False) -> str:
    return document_html(
        document_data(document),
        reference=document.reference,
        day=document.issued_on,
        font_url=font_url,
        preview=preview,
    )


def document_pdf(document: Document, *, signed: bool = False) -> bytes:
    """The stored PDF of an issued document (signed or not); a draft is rendered from the data."""
    if document.status == Document.Status.ISSUED:
        name = document.signed_pdf_name if signed and document.signed_pdf_name else document.pdf_name
        return (storage_dir() / name).read_bytes()
    return pdf_bytes(render_html(document))


def _next_number(unit, year: int, symbol: str) -> int:
    """The register's next number, taken under a row lock: concurrent issuing never repeats or skips."""
    DocumentRegister.objects.bulk_create(
        [DocumentRegister(unit=unit, year=year, symbol=symbol)], ignore_conflicts=True
    )
    register = DocumentRegister.objects.select_for_update().get(unit=unit, year=year, symbol=symbol)
    DocumentRegister.objects.filter(pk=register.pk).update(last_number=F("last_number") + 1)
    return register.last_number + 1


@transaction.atomic
def document_issue(
    *, user: User, document: Document, day: date | None = None, provisional_ok: bool = False
) -> Document:
    """Number, freeze and store the document. A report whose figures include units not approved
    for its year is refused with their names, unless `provisional_ok`: then its text says, in
    official wording, that the figures are provisional as of the day of issue."""
    require_author(user, document)
    current = Document.objects.select_for_update().get(pk=document.pk)
    if current.status != Document.Status.DRAFT:
        raise ValidationError("Văn bản này đã được ban hành.")
    if not (current.fields.get("signer_name") or "").strip():
        raise ValidationError("Ghi họ tên người ký trước khi ban hành.")
    day = day or timezone.localdate()
    current.issued_on = day  # what a decision recognises is what is ready on its day
    data = compose(current)
    if data["unapproved"] and not provisional_ok:
        names = ", ".join(data["unapproved"][:8]) + ("…" if len(data["unapproved"]) > 8 else "")
        raise ValidationError(
            f"Chưa ban hành được: số liệu năm {current.year} của {len(data['unapproved'])} đơn vị chưa được "
            f"phê duyệt ({names}). Chờ phê duyệt, hoặc chọn ban hành với số liệu tạm tính."
        )
    if data["unapproved"]:
        data["provisional_as_of"] = day.strftime("%d/%m/%Y")
    current.number = _next_number(current.unit, day.year, current.symbol)
    current.issued_on, current.issued_at, current.issued_by = day, timezone.now(), user
    current.snapshot = data
    current.status = Document.Status.ISSUED
    if current.kind == DocumentKind.RECOGNITION:
        if not any(group["rows"] for group in data["decision"]["lists"]):
            raise ValidationError("Chưa có hộ nào đã niêm yết xong và không còn khiếu nại để công nhận.")
        recognise_issued(user, current)
    content, current.signature_place = render_pdf(document_html(data, reference=current.reference, day=day))
    current.pdf_name = f"{uuid.uuid4().hex}.pdf"
    (storage_dir() / current.pdf_name).write_bytes(content)
    current.sha256 = sha256(content)
    current.version += 1
    current._history_user = user
    current.save()
    return current


@transaction.atomic
def document_scan_attach(*, user: User, document: Document, content: bytes) -> Document:
    """Attach the scan of the hand-signed paper copy: only the issuing unit's own staff, only to an
    issued document. A new scan is a new version: the earlier file stays on disk and in the
    document's history (who attached which file, when)."""
    require_author(user, document)
    current = Document.objects.select_for_update().get(pk=document.pk)
    if current.status != Document.Status.ISSUED:
        raise ValidationError("Chỉ đính kèm bản quét cho văn bản đã ban hành.")
    if not content.startswith(b"%PDF"):
        raise ValidationError("Bản quét phải là tệp PDF.")
    current.scan_name = f"{uuid.uuid4().hex}-scan.pdf"
    (storage_dir() / current.scan_name).write_bytes(content)
    current._history_user, current._change_reason = user, f"Đính kèm bản quét (SHA-256 {sha256(content)})"
    current.save(update_fields=["scan_name"])
    return current


def scan_versions(document: Document) -> list:
    """Every scan attached to the document, newest first: (file name, when, by whom, reason)."""
    versions, seen = [], set()
    for row in (
        document.history.exclude(scan_name="").select_related("history_user").order_by("-history_date")
    ):
        if row.scan_name not in seen:
            seen.add(row.scan_name)
            versions.append(row)
    return versions


def document_correct(*, user: User, document: Document) -> Document:
    """A new draft that replaces an issued document (its text and fields as a starting point)."""
    require_author(user, document)
    if document.status != Document.Status.ISSUED:
        raise ValidationError("Chỉ đính chính được văn bản đã ban hành.")
    draft = Document(
        unit=document.unit,
        kind=document.kind,
        year=document.year,
        last_year=document.last_year,
        title=document.title,
        symbol=document.symbol,
        fields=document.fields,
        narrative=document.narrative,
        replaces=document,
    )
    draft._history_user = user
    draft.save()
    return draft


# --- Signatures ------------------------------------------------------------------------------

# A subset (Latin + Vietnamese) of the bundled serif: pyHanko parses it at every signing.
FONT = Path(settings.BASE_DIR) / "static" / "fonts" / "stamp-serif-vi.ttf"


def certificate_store(*, user: User, pkcs12: bytes, passphrase: str):
    """Keep the signer's PKCS#12 as uploaded (encrypted by its passphrase, which is not stored)."""
    from cryptography.hazmat.primitives.serialization import pkcs12 as p12

    try:
        key, certificate, _ = p12.load_key_and_certificates(pkcs12, passphrase.encode())
    except ValueError:
        raise ValidationError("Không mở được tệp chứng thư (.p12): sai mật khẩu hoặc tệp hỏng.") from None
    if key is None or certificate is None:
        raise ValidationError("Tệp .p12 phải chứa cả khóa bí mật và chứng thư số.")
    SigningCertificate.objects.update_or_create(
        user=user,
        defaults={
            "pkcs12": pkcs12,
            "subject": cryptography_subject(certificate.subject)[:300],
            "not_after": certificate.not_valid_after_utc,
        },
    )


def _png(content: bytes) -> bytes:
    from PIL import Image, UnidentifiedImageError

    try:
        image = Image.open(io.BytesIO(content))
        image.verify()
    except (UnidentifiedImageError, OSError):
        raise ValidationError("Ảnh phải là tệp PNG (nền trong suốt).") from None
    if image.format != "PNG" or max(image.size) > 2000:
        raise ValidationError("Ảnh phải là tệp PNG, tối đa 2000 × 2000 điểm ảnh.")
    return content


def signature_image_store(*, user: User, content: bytes) -> None:
    """The signer's handwritten signature (blue, transparent PNG) shown on e-signed documents."""
    updated = SigningCertificate.objects.filter(user=user).update(signature_image=_png(content))
    if not updated:
        raise ValidationError("Hãy tải chứng thư số (.p12) lên trước.")


def seal_store(*, user: User, content: bytes) -> None:
    """The seal of the user's unit (red, transparent PNG), set by the unit's own staff."""
    from reports.models import UnitSeal

    if user.unit is None or not can_enter_data(user, user.unit):
        raise PermissionDenied("Chỉ cán bộ của đơn vị được đặt ảnh con dấu của đơn vị.")
    UnitSeal.objects.update_or_create(unit=user.unit, defaults={"image": _png(content)})


@transaction.atomic
def document_sign(*, user: User, document: Document, passphrase: str) -> Document:
    """Sign the issued PDF (PAdES) with the user's certificate; a visible signature on page 1, top
    right: the organisation's signature as Decree 30 places it on electronic copies."""
    from pyhanko.pdf_utils.font.opentype import GlyphAccumulatorFactory
    from pyhanko.pdf_utils.images import PdfImage
    from pyhanko.pdf_utils.incremental_writer import IncrementalPdfFileWriter
    from pyhanko.pdf_utils.text import TextBoxStyle
    from pyhanko.sign import fields, signers
    from pyhanko.stamp import TextStampStyle

    require_author(user, document)
    current = Document.objects.select_for_update().get(pk=document.pk)
    if current.status != Document.Status.ISSUED:
        raise ValidationError("Chỉ ký được văn bản đã ban hành.")
    if current.signed_pdf_name:
        raise ValidationError("Văn bản này đã được ký.")
    certificate = SigningCertificate.objects.filter(user=user).first()  # fresh: images may have changed
    if certificate is None:
        raise ValidationError("Bạn chưa tải chứng thư số (.p12) lên hồ sơ của mình.")
    signer = _signer(bytes(certificate.pkcs12), passphrase)
    writer = IncrementalPdfFileWriter(io.BytesIO((storage_dir() / current.pdf_name).read_bytes()))
    image = signature_picture(certificate, current.unit)
    if image is not None and current.signature_place:
        # The signer's image (and the seal over its left third) between the title and the name.
        place = current.signature_place
        x1, y1, x2, y2 = place["box"]
        width = min(x2 - x1, (y2 - y1) * image.width / image.height)
        middle = (x1 + x2) / 2
        page, box = place["page"], (round(middle - width / 2), y1, round(middle + width / 2), y2)
        style = TextStampStyle(
            stamp_text=" ", background=PdfImage(image), background_opacity=1, border_width=0
        )
    else:
        # The organisation's signature of electronic copies: top right of page 1, number and time.
        page, box = 0, (595 - 42 - 170, 800, 595 - 42, 836)
        style = TextStampStyle(
            stamp_text=f"{current.unit.name}\n{current.reference}\n%(ts)s",
            timestamp_format="%Y-%m-%dT%H:%M:%S%z",
            text_box_style=TextBoxStyle(font=GlyphAccumulatorFactory(str(FONT), font_size=7)),
            border_width=0,
        )
    fields.append_signature_field(writer, fields.SigFieldSpec("ChuKySo", on_page=page, box=box))
    meta = signers.PdfSignatureMetadata(
        field_name="ChuKySo", reason=f"Ban hành {current.reference}", location=current.fields.get("place", "")
    )
    # A fixed reservation spares pyHanko a trial signature to size the container (half the time).
    output = signers.PdfSigner(meta, signer=signer, stamp_style=style).sign_pdf(writer, bytes_reserved=16384)
    content = output.getvalue()
    current.signed_pdf_name = f"{uuid.uuid4().hex}-signed.pdf"
    (storage_dir() / current.signed_pdf_name).write_bytes(content)
    current.signed_sha256, current.signed_at, current.signed_by = sha256(content), timezone.now(), user
    current._history_user = user
    current.save()
    return current


def _signer(pkcs12: bytes, passphrase: str):
    """A pyHanko signer holding the key as the PKCS#12 gives it: pyHanko's own SimpleSigner re-loads
    and re-checks the RSA key at every signature (60 ms of a 200 ms signing)."""
    from asn1crypto import keys, x509
    from cryptography.hazmat.primitives.asymmetric.padding import PKCS1v15
    from cryptography.hazmat.primitives.asymmetric.rsa import RSAPrivateKey
    from cryptography.hazmat.primitives.serialization import Encoding, NoEncryption, PrivateFormat
    from cryptography.hazmat.primitives.serialization import pkcs12 as p12
    from pyhanko.sign import signers
    from pyhanko.sign.general import get_pyca_cryptography_hash
    from pyhanko_certvalidator.registry import SimpleCertificateStore

    try:
        key, certificate, others = p12.load_key_and_certificates(pkcs12, passphrase.encode())
    except ValueError:
        raise ValidationError("Sai mật khẩu chứng thư số.") from None

    class LoadedKeySigner(signers.SimpleSigner):
        def sign_raw(self, data: bytes, digest_algorithm: str) -> bytes:
            mechanism = self.get_signature_mechanism_for_digest(digest_algorithm).signature_algo
            if mechanism == "rsassa_pkcs1v15" and isinstance(key, RSAPrivateKey):
                return key.sign(data, PKCS1v15(), get_pyca_cryptography_hash(digest_algorithm))
            return super().sign_raw(data, digest_algorithm)

    certs = [x509.Certificate.load(c.public_bytes(Encoding.DER)) for c in [certificate, *(others or [])]]
    private = keys.PrivateKeyInfo.load(key.private_bytes(Encoding.DER, PrivateFormat.PKCS8, NoEncryption()))
    return LoadedKeySigner(
        signing_cert=certs[0], signing_key=private, cert_registry=SimpleCertificateStore.from_certs(certs)
    )


def signature_picture(certificate, unit):
    """The signer's image with the unit's seal over its left third (Pillow RGBA), or None."""
    from PIL import Image

    from reports.models import UnitSeal

    if not certificate.signature_image:
        return None
    signature = Image.open(io.BytesIO(bytes(certificate.signature_image))).convert("RGBA")
    seal = UnitSeal.objects.filter(unit=unit).first()
    if seal is None:
        return signature
    stamp = Image.open(io.BytesIO(bytes(seal.image))).convert("RGBA")
    size = round(signature.height * 1.1)
    stamp = stamp.resize((size, round(size * stamp.height / stamp.width)))
    # The seal's right edge a third into the signature: it covers the signature's left third.
    offset = max(size - signature.width // 3, 0)
    canvas = Image.new("RGBA", (offset + signature.width, max(stamp.height, signature.height)), (0, 0, 0, 0))
    canvas.alpha_composite(signature, (offset, (canvas.height - signature.height) // 2))
    canvas.alpha_composite(stamp, (0, (canvas.height - stamp.height) // 2))
    return canvas


def trust_roots() -> list:
    """The CA certificates (PEM files named by SIGNING_TRUST_ROOTS) whose signers count as trusted."""
    from asn1crypto import pem, x509

    roots = []
    for path in settings.SIGNING_TRUST_ROOTS:
        for _, _, der in pem.unarmor(Path(path).read_bytes(), multiple=True):
            roots.append(x509.Certificate.load(der))
    return roots


# What an incremental update after the signature did (pyhanko's ModificationLevel).
ADDED_AFTER_SIGNING = {
    "LTA_UPDATES": "chỉ bổ sung dữ liệu kiểm tra chứng thư, dấu thời gian (được phép)",
    "FORM_FILLING": "điền vào các trường biểu mẫu",
    "ANNOTATIONS": "thêm chú thích, ghi chú lên trang",
    "OTHER": "thay đổi nội dung (trang, chữ hoặc hình có thể khác bản đã ký)",
}


def _signature_report(status, embedded, size: int) -> dict:
    """One signature: is what it signed intact, does it cover the whole file, and what was added
    after it (an incremental update appended to a signed file keeps the signature "valid" for the
    bytes it covers while showing other content)."""
    whole = status.coverage.name == "ENTIRE_FILE"
    level = getattr(status.modification_level, "name", "OTHER") if not whole else "NONE"
    byte_range = [int(v) for v in embedded.byte_range]
    appended = max(size - (byte_range[2] + byte_range[3]), 0)
    intact = bool(status.intact and status.valid)
    return {
        "intact": intact,
        "covers_whole_file": whole,
        "appended_bytes": 0 if whole else appended,
        "added": "" if whole else ADDED_AFTER_SIGNING.get(level, ADDED_AFTER_SIGNING["OTHER"]),
        # "nguyên vẹn" is said only of a file that is exactly what was signed (or that only gained
        # validation data afterwards).
        "unchanged": intact and (whole or level == "LTA_UPDATES"),
        "trusted": bool(status.trusted),
        "signer": asn1crypto_subject(status.signing_cert.subject),
        "signed_at": status.signer_reported_dt,
    }


def verify(content: bytes) -> dict:
    """Is this file a document this system issued (or signed), unmodified; who signed it and when."""
    digest = sha256(content)
    document = (
        Document.objects.filter(Q(sha256=digest) | Q(signed_sha256=digest)).select_related("unit").first()
    )
    result = {"sha256": digest, "document": document, "known": document is not None, "signatures": []}
    try:
        from pyhanko.pdf_utils.reader import PdfFileReader
        from pyhanko.sign.validation import validate_pdf_signature
        from pyhanko_certvalidator import ValidationContext

        reader = PdfFileReader(io.BytesIO(content))
        for embedded in reader.embedded_signatures:
            context = ValidationContext(trust_roots=trust_roots(), allow_fetching=False)
            status = validate_pdf_signature(embedded, context)
            result["signatures"].append(_signature_report(status, embedded, len(content)))
    except Exception as error:  # noqa: BLE001 - any unreadable PDF is reported, not raised
        logger.info("verification could not read an uploaded file: %s", type(error).__name__)
        result["error"] = "Không đọc được tệp: tệp không phải PDF hoặc đã bị hỏng."
    return result
