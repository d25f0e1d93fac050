"""Document pages: list, compose (form fields and narrative), preview, PDF, issue, sign, verify,
upload of the signer's certificate and of a scanned hand-signed copy. Thin: reports.documents acts."""

import copy

from django import forms
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied, ValidationError
from django.core.paginator import Paginator
from django.http import Http404, HttpResponse
from django.shortcuts import redirect, render
from django.templatetags.static import static
from django.views.decorators.http import require_POST

from povertyprog.accounts.scoping import DATA_ENTRY_ROLES, can_enter_data, get_scoped_or_404, requested_unit
from povertyprog.middleware import CSP
from reports import documents, recognition
from reports.composition import OWN_TITLE_MODES, SIGNING_MODES, new_document, section_headings
from reports.models import Document, DocumentKind
from reports.selectors import documents_of, unapproved_units

PAGE_SIZE = 50  # documents a page, as households

LIST_FIELDS = ("legal_bases", "to", "recipients", "issuing_body")
TEXT_FIELDS = ("parent_body", "place", "authority", "mode", "head_title", "signer_title", "signer_name")
BOOL_FIELDS = ("mpi_section",)
AUTHORITIES = [("TM. ỦY BAN NHÂN DÂN", "TM. ỦY BAN NHÂN DÂN (tập thể)"), ("", "Không (thủ trưởng ký)")]
SIGNING_PREFIXES = ("TM.", "KT.", "Q.", "TL.", "TUQ.")
MAX_UPLOAD = 20 * 1024 * 1024
SIGNERS_ONLY = (
    "Chỉ cán bộ nhập liệu của đơn vị (người soạn, ban hành văn bản) lưu chứng thư số, chữ ký và con dấu."
)


def _document(request, pk: int) -> Document:
    return get_scoped_or_404(Document.objects.select_related("unit", "replaces"), request.user, "unit", pk=pk)


@login_required
def document_list(request):
    unit = requested_unit(request)
    params = request.GET.copy()
    params.pop("trang", None)
    return render(
        request,
        "documents/list.html",
        {
            "unit": unit,
            "page": Paginator(documents_of(unit), PAGE_SIZE).get_page(request.GET.get("trang")),
            "querystring": params.urlencode(),
            "kinds": DocumentKind.choices,
            "can_write": can_enter_data(request.user, unit),
        },
    )


@login_required
@require_POST
def document_create(request):
    unit = request.user.unit
    if unit is None or not can_enter_data(request.user, unit):
        raise PermissionDenied("Chỉ cán bộ nhập liệu của đơn vị được soạn văn bản.")
    kind = request.POST.get("kind", "")
    try:
        year = int(request.POST.get("year", ""))
    except ValueError:
        year = 0
    if unit is None or kind not in DocumentKind.values or not 2021 <= year <= 2035:
        messages.error(request, "Chọn loại văn bản và năm (2021-2035).")
        return redirect("documents:list")
    to_year = request.POST.get("last_year", "").strip()
    if to_year and not to_year.isdigit():
        messages.error(request, "“Đến năm” phải là một năm, ví dụ 2025.")
        return redirect("documents:list")
    try:
        document = new_document(unit, kind, year, last_year=int(to_year) if to_year else None)
    except ValueError as error:  # not a plan's span
        messages.error(request, str(error))
        return redirect("documents:list")
    documents.document_save(
        user=request.user,
        document=document,
        title=document.title,
        fields=document.fields,
        narrative=document.narrative,
        expected_version=None,
    )
    return redirect("documents:edit", pk=document.pk)


class FieldsForm(forms.Form):
    title = forms.CharField(label="Trích yếu", max_length=300)
    issuing_body = forms.CharField(
        label="Cơ quan ban hành (mỗi dòng một dòng in)", widget=forms.Textarea(attrs={"rows": 2})
    )
    parent_body = forms.CharField(label="Cơ quan chủ quản (nếu có)", required=False)
    place = forms.CharField(label="Địa danh", max_length=60)
    legal_bases = forms.CharField(
        label="Căn cứ (mỗi dòng một căn cứ)", required=False, widget=forms.Textarea(attrs={"rows": 4})
    )
    to = forms.CharField(
        label="Kính gửi (mỗi dòng một nơi)", required=False, widget=forms.Textarea(attrs={"rows": 2})
    )
    recipients = forms.CharField(
        label="Nơi nhận (mỗi dòng một nơi)", widget=forms.Textarea(attrs={"rows": 3})
    )
    authority = forms.ChoiceField(label="Thay mặt tập thể", choices=AUTHORITIES, required=False)
    mode = forms.ChoiceField(label="Hình thức ký", choices=list(SIGNING_MODES.items()), required=False)
    head_title = forms.CharField(label="Chức vụ người đứng đầu", max_length=60, initial="CHỦ TỊCH")
    signer_title = forms.CharField(
        label="Chức vụ người ký (khi ký thay, thừa lệnh, thừa ủy quyền)", max_length=60, required=False
    )
    signer_name = forms.CharField(label="Họ tên người ký", max_length=100, required=False)
    mpi_section = forms.BooleanField(
        label="In thêm mục nghèo đa chiều (H, A, M0 theo phương pháp Alkire-Foster)", required=False
    )

    def clean(self):
        """One way to say who signs: the prefix comes from "Hình thức ký", never typed in a title."""
        data = super().clean()
        for name in ("head_title", "signer_title"):
            title = (data.get(name) or "").strip().upper()
            if title.split(" ", 1)[0] in SIGNING_PREFIXES:
                self.add_error(
                    name, "Chỉ ghi chức vụ (ví dụ CHỦ TỊCH); TM./KT./Q./TL./TUQ. chọn ở “Hình thức ký”."
                )
            data[name] = title
        mode, head, signer = data.get("mode", ""), data.get("head_title", ""), data.get("signer_title", "")
        if mode in OWN_TITLE_MODES and not signer:
            self.add_error("signer_title", "Ghi chức vụ của người ký thay (ví dụ PHÓ CHỦ TỊCH).")
        elif mode == "KT." and not signer.startswith("PHÓ "):
            self.add_error("signer_title", f"Ký thay (KT.) là cấp phó của người đứng đầu: ví dụ PHÓ {head}.")
        elif mode in OWN_TITLE_MODES and signer == head:
            self.add_error("signer_title", "Người ký thay, thừa lệnh không mang chức vụ của người đứng đầu.")
        if mode not in OWN_TITLE_MODES:
            data["signer_title"] = head
        return data


def _lines(text: str) -> list[str]:
    return [line.strip().rstrip(";.") for line in (text or "").splitlines() if line.strip()]


@login_required
def document_edit(request, pk: int):
    document = _document(request, pk)
    if document.status != Document.Status.DRAFT:
        return redirect("documents:detail", pk=document.pk)
    read_only = "" if can_enter_data(request.user, document.unit) else documents.AUTHOR_ONLY
    if read_only and request.method == "POST":
        raise PermissionDenied(read_only)
    sections = section_headings(document)
    form, narrative = _typed(request, document, sections, read_only)
    if request.method == "POST" and form.is_valid():
        try:
            documents.document_save(
                user=request.user,
                document=document,
                title=form.cleaned_data["title"],
                fields=_fields(form),
                narrative=narrative,
                expected_version=int(request.POST.get("version", 0)),
            )
        except ValidationError as error:
            form.add_error(None, error.messages)
        else:
            messages.success(request, "Đã lưu dự thảo.")
            return redirect("documents:edit", pk=document.pk)
    return render(
        request,
        "documents/edit.html",
        {
            "document": document,
            "form": form,
            "read_only": read_only,
            "sections": [(key, heading, narrative[key]) for key, heading in sections],
        },
    )


def _typed(request, document: Document, sections, read_only: str = ""):
    """The fields form and the narrative as typed (POST) or as saved (GET)."""
    initial = {
        "title": document.title,
        **{k: document.fields.get(k, "") for k in TEXT_FIELDS},
        **{k: "\n".join(document.fields.get(k, [])) for k in LIST_FIELDS},
        **{k: bool(document.fields.get(k)) for k in BOOL_FIELDS},
        "head_title": document.fields.get("head_title") or "CHỦ TỊCH",
    }
    form = FieldsForm(request.POST or None, initial=initial)
    for field in form.fields.values():
        field.disabled = bool(read_only)
    narrative = {
        key: request.POST.get(f"section_{key}", document.narrative.get(key, "")) for key, _ in sections
    }
    return form, narrative


def _fields(form: "FieldsForm") -> dict:
    data = form.cleaned_data
    return {
        **{k: data[k] for k in TEXT_FIELDS},
        **{k: _lines(data[k]) for k in LIST_FIELDS},
        **{k: bool(data[k]) for k in BOOL_FIELDS},
    }


def _preview_response(document: Document) -> HttpResponse:
    html = documents.render_html(document, font_url=lambda name: static(f"fonts/{name}"), preview=True)
    response = HttpResponse(html)
    # The document's print stylesheet is inline (the PDF is made from the same HTML); no script runs.
    response["Content-Security-Policy"] = CSP.replace("style-src 'self'", "style-src 'self' 'unsafe-inline'")
    return response


@login_required
@require_POST
def document_preview_typed(request, pk: int):
    """The draft as it is being typed, nothing saved (the edit page's "Xem trước" opens it)."""
    document = _document(request, pk)
    documents.require_author(request.user, document)
    if document.status != Document.Status.DRAFT:
        return _preview_response(document)
    form, narrative = _typed(request, document, section_headings(document))
    if not form.is_valid():
        errors = "; ".join(
            f"{form.fields[k].label if k in form.fields else ''}: {' '.join(v)}"
            for k, v in form.errors.items()
        )
        return HttpResponse(
            f"Chưa xem trước được: {errors}".encode(), status=400, content_type="text/plain; charset=utf-8"
        )
    unsaved = copy.copy(document)
    unsaved.title, unsaved.fields, unsaved.narrative = form.cleaned_data["title"], _fields(form), narrative
    return _preview_response(unsaved)


@login_required
def document_detail(request, pk: int):
    document = _document(request, pk)
    return render(
        request,
        "documents/detail.html",
        {
            "document": document,
            "can_write": can_enter_data(request.user, document.unit),
            "has_certificate": hasattr(request.user, "certificate"),
            "scans": documents.scan_versions(document) if document.scan_name else [],
            # The units a report would be issued over unapproved (compose() finds the same list).
            "unapproved": unapproved_units(document.unit, document.year)
            if document.status == Document.Status.DRAFT and document.kind != DocumentKind.PLAN
            else [],
        },
    )


@login_required
def document_preview(request, pk: int):
    return _preview_response(_document(request, pk))


@login_required
def document_download(request, pk: int):
    document = _document(request, pk)
    signed = request.GET.get("ban") == "ky"
    content = documents.document_pdf(document, signed=signed)
    name = (document.reference or "du-thao").replace("/", "-")
    response = HttpResponse(content, content_type="application/pdf")
    response["Content-Disposition"] = f'attachment; filename="{name}{"-da-ky" if signed else ""}.pdf"'
    return response


@login_required
def document_certificates(request, pk: int):
    """Mẫu số 03: the certificates of the households an issued recognition decision lists."""
    document = _document(request, pk)
    if document.kind != DocumentKind.RECOGNITION or document.status != Document.Status.ISSUED:
        raise Http404("Chỉ quyết định công nhận đã ban hành mới in giấy chứng nhận.")
    response = HttpResponse(recognition.certificates(document), content_type="application/pdf")
    name = document.reference.replace("/", "-")
    response["Content-Disposition"] = f'inline; filename="giay-chung-nhan-{name}.pdf"'
    return response


def _act(request, action, done: str, **arguments):
    try:
        action(user=request.user, **arguments)
    except ValidationError as error:
        messages.error(request, " ".join(error.messages))
        return False
    messages.success(request, done)
    return True


@login_required
@require_POST
def document_issue(request, pk: int):
    document = _document(request, pk)
    _act(
        request,
        documents.document_issue,
        "Đã ban hành văn bản và lưu bản PDF.",
        document=document,
        provisional_ok=request.POST.get("tam_tinh") == "1",
    )
    return redirect("documents:detail", pk=document.pk)


@login_required
@require_POST
def document_sign(request, pk: int):
    document = _document(request, pk)
    _act(
        request,
        documents.document_sign,
        "Đã ký số văn bản.",
        document=document,
        passphrase=request.POST.get("passphrase", ""),
    )
    return redirect("documents:detail", pk=document.pk)


@login_required
@require_POST
def document_correct(request, pk: int):
    document = _document(request, pk)
    try:
        draft = documents.document_correct(user=request.user, document=document)
    except ValidationError as error:
        messages.error(request, " ".join(error.messages))
        return redirect("documents:detail", pk=document.pk)
    return redirect("documents:edit", pk=draft.pk)


@login_required
def document_scan_download(request, pk: int):
    """The attached scan of the hand-signed paper copy."""
    document = _document(request, pk)
    if not document.scan_name:
        raise Http404("Văn bản này chưa có bản quét.")
    response = HttpResponse(
        (documents.storage_dir() / document.scan_name).read_bytes(), content_type="application/pdf"
    )
    name = (document.reference or "van-ban").replace("/", "-")
    response["Content-Disposition"] = f'attachment; filename="{name}-ban-quet.pdf"'
    return response


@login_required
@require_POST
def document_scan(request, pk: int):
    """Attach the scanned copy signed by hand (printing stays first-class)."""
    document = _document(request, pk)
    documents.require_author(request.user, document)  # 403 before reading the upload
    upload = request.FILES.get("scan")
    if upload is None or upload.size > MAX_UPLOAD:
        messages.error(request, "Chọn tệp PDF bản quét (tối đa 20 MB).")
    else:
        _act(
            request,
            documents.document_scan_attach,
            "Đã đính kèm bản quét có chữ ký tay (bản trước vẫn được lưu).",
            document=document,
            content=upload.read(),
        )
    return redirect("documents:detail", pk=document.pk)


@login_required
def certificate(request):
    signer = request.user.role in DATA_ENTRY_ROLES
    if request.method == "POST" and not signer:
        raise PermissionDenied(SIGNERS_ONLY)
    images = {
        "signature": (documents.signature_image_store, "Đã lưu ảnh chữ ký."),
        "seal": (documents.seal_store, "Đã lưu ảnh con dấu của đơn vị."),
    }
    if request.method == "POST" and request.POST.get("image") in images:
        action, done = images[request.POST["image"]]
        upload = request.FILES.get("png")
        if upload is None or upload.size > 1_000_000:
            messages.error(request, "Chọn tệp ảnh PNG (tối đa 1 MB).")
        else:
            _act(request, action, done, content=upload.read())
        return redirect("documents:certificate")
    if request.method == "POST":
        upload = request.FILES.get("pkcs12")
        if upload is None or upload.size > 100_000:
            messages.error(request, "Chọn tệp chứng thư số .p12 (tối đa 100 KB).")
        else:
            _act(
                request,
                documents.certificate_store,
                "Đã lưu chứng thư số (mật khẩu không được lưu).",
                pkcs12=upload.read(),
                passphrase=request.POST.get("passphrase", ""),
            )
        return redirect("documents:certificate")
    return render(
        request,
        "documents/certificate.html",
        {"current": getattr(request.user, "certificate", None), "read_only": "" if signer else SIGNERS_ONLY},
    )


@login_required
def verify(request):
    result = None
    if request.method == "POST" and request.FILES.get("pdf"):
        upload = request.FILES["pdf"]
        result = (
            documents.verify(upload.read(MAX_UPLOAD + 1)) if upload.size <= MAX_UPLOAD else {"too_big": True}
        )
    return render(request, "documents/verify.html", {"result": result})
