"""Benchmark: a 10-page report end to end vs WeasyPrint alone on the same HTML; signing.

    python bench/render_document.py

Creates (drops first) the database povertyprog_bench_documents on PostgreSQL, loads the unit tree,
the demo users and Bắc Kạn city's demo budgets (seed 004), and writes a phase report whose officer
text fills about ten A4 pages. Then, median of 5 runs after a warm-up:
  1. end to end: gather the figures (queries), compose, render the HTML, make the PDF;
  2. WeasyPrint alone: the same HTML string to PDF;
  3. signing an issued document (PAdES, visible stamp) with a test certificate.
Targets: (1) ≤ 1.2 × (2); signing ≤ 150 ms.
"""

import statistics
import subprocess
import sys
import time

from benchdb import ROOT, bench_env, recreate_database, setup_django

RUNS = 5
PARAGRAPH = (
    "Ủy ban nhân dân thành phố đã chỉ đạo các phòng, ban, đơn vị và Ủy ban nhân dân các xã, phường "
    "triển khai đồng bộ các dự án, tiểu dự án của Chương trình; rà soát, cập nhật danh sách hộ nghèo, "
    "hộ cận nghèo; lồng "
    "ghép các nguồn lực, ưu tiên hộ dân tộc thiểu số, hộ có người có công và hộ không có khả năng lao động. "
)


def main() -> None:
    url = recreate_database("povertyprog_bench_documents")
    subprocess.run(
        [sys.executable, str(ROOT / "manage.py"), "load_units"],
        env=bench_env(url),
        check=True,
        capture_output=True,
    )
    setup_django(url)
    from weasyprint import HTML

    from budgets.demo import demo_budgets_load
    from povertyprog.accounts.demo import demo_users_load
    from povertyprog.accounts.models import User
    from povertyprog.lib.printing import FONTS_DIR, BundledOnly
    from reports import documents
    from reports.composition import compose, new_document
    from reports.rendering import document_html, pdf_bytes
    from tests.support.certificates import make_pkcs12

    demo_users_load()
    demo_budgets_load()
    user = User.objects.get(username="tp.backan")
    text = "\n\n".join(PARAGRAPH * 3 for _ in range(9))
    narrative = {"direction": text, "assessment": text, "proposal": text}

    def draft():
        document = new_document(user.unit, "phase_report", 2024)
        document.narrative = narrative
        document.fields["signer_name"] = "Hoàng Thị Thu Hương"
        return document

    def end_to_end() -> bytes:
        return pdf_bytes(document_html(compose(draft()), reference="", day=None))

    html = document_html(compose(draft()), reference="", day=None)
    pages = len(
        HTML(string=html, base_url=FONTS_DIR.as_uri() + "/", url_fetcher=BundledOnly()).render().pages
    )
    # Alternate the two (this machine's speed drifts): medians of interleaved runs.
    full_runs, alone_runs = [], []
    end_to_end()
    for _ in range(RUNS + 2):
        started = time.perf_counter()
        end_to_end()
        full_runs.append((time.perf_counter() - started) * 1000)
        started = time.perf_counter()
        HTML(string=html, base_url=FONTS_DIR.as_uri() + "/", url_fetcher=BundledOnly()).write_pdf()
        alone_runs.append((time.perf_counter() - started) * 1000)
    full, alone = statistics.median(full_runs), statistics.median(alone_runs)

    documents.certificate_store(user=user, pkcs12=make_pkcs12(), passphrase="mat-khau-ky")
    signing = []
    for _ in range(RUNS + 1):
        document = draft()
        document._history_user = user
        document.save()
        issued = documents.document_issue(user=user, document=document, provisional_ok=True)
        started = time.perf_counter()
        documents.document_sign(user=user, document=issued, passphrase="mat-khau-ky")
        signing.append((time.perf_counter() - started) * 1000)
    sign = statistics.median(signing[1:])
    print(f"phase report of Thành phố Bắc Kạn: {pages} pages")
    print(f"{'what':<52}{'median ms':>10}")
    print(f"{'end to end (figures, compose, HTML, PDF)':<52}{full:>10.1f}")
    print(f"{'WeasyPrint alone on the same HTML':<52}{alone:>10.1f}")
    print(f"{'ratio (target ≤ 1.2)':<52}{full / alone:>10.2f}")
    print(f"{'signing an issued document (target ≤ 150 ms)':<52}{sign:>10.1f}")


if __name__ == "__main__":
    main()
