"""Documents as HTML (browser preview) and PDF (WeasyPrint) in the Decree 30/2020 layout.

The PDF may load only the fonts bundled under static/fonts (Liberation Serif 2: Times New Roman
metrics, every Vietnamese letter, SIL OFL), which WeasyPrint embeds: the output does not depend
on the host's fonts, and no URL in a document ever makes the server fetch anything.
"""

from datetime import date
from pathlib import Path

from django.conf import settings
from django.template.loader import render_to_string
from weasyprint import HTML
from weasyprint.urls import URLFetcher

from reports.composition import date_line

FONTS_DIR = Path(settings.BASE_DIR) / "static" / "fonts"


class BundledOnly(URLFetcher):
    """WeasyPrint's fetcher, restricted to the bundled font files: nothing else is ever fetched."""

    def fetch(self, url, headers=None):
        if url.startswith("file://"):
            path = Path(url.removeprefix("file://").split("?")[0]).resolve()
            if path.parent == FONTS_DIR.resolve() and path.suffix == ".ttf":
                return super().fetch(url, headers)
        raise ValueError(f"not fetched: {url[:80]}")


def document_html(
    data: dict, *, reference: str, day: date | None, fonts_url: str | None = None, preview: bool = False
) -> str:
    return render_to_string(
        "documents/document.html",
        {
            "d": data,
            "f": data["fields"],
            "reference": reference,
            "date_line": date_line(data["fields"]["place"], day),
            "fonts": fonts_url or FONTS_DIR.resolve().as_uri(),
            "preview": preview,
        },
    )


def pdf_bytes(html: str) -> bytes:
    return HTML(
        string=html, base_url=FONTS_DIR.resolve().as_uri() + "/", url_fetcher=BundledOnly()
    ).write_pdf()
