"""PDF printing with WeasyPrint from the bundled fonts only (Liberation Serif 2: Times New Roman
metrics, every Vietnamese letter, SIL OFL), which WeasyPrint embeds: the output does not depend on
the host's fonts, and no URL in a printed page ever makes the server fetch anything. Used by the
official documents (reports.rendering) and by the review season's forms (households.season_print).
"""

from pathlib import Path

from django.conf import settings
from weasyprint import HTML
from weasyprint.urls import URLFetcher

FONTS_DIR = Path(settings.BASE_DIR) / "static" / "fonts"
FONT_FILES = {
    "regular": "LiberationSerif-Regular.ttf",
    "bold": "LiberationSerif-Bold.ttf",
    "italic": "LiberationSerif-Italic.ttf",
    "bold_italic": "LiberationSerif-BoldItalic.ttf",
}


def font_file_uri(name: str) -> str:
    return (FONTS_DIR / name).resolve().as_uri()


def font_urls(font_url=None) -> dict[str, str]:
    """{face: address} of the bundled fonts (`font_url(file name)`: e.g. static URLs for a preview)."""
    font_url = font_url or font_file_uri
    return {face: font_url(name) for face, name in FONT_FILES.items()}


class BundledOnly(URLFetcher):
    """WeasyPrint's fetcher, restricted to the bundled font files: nothing else is ever fetched."""

    def fetch(self, url, headers=None):
        if url.startswith("file://"):
            path = Path(url.removeprefix("file://").split("?")[0]).resolve()
            if path.parent == FONTS_DIR.resolve() and path.suffix == ".ttf":
                return super().fetch(url, headers)
        raise ValueError(f"not fetched: {url[:80]}")


def html_document(html: str):
    """The laid-out WeasyPrint document (pages, boxes) of `html`."""
    return HTML(string=html, base_url=FONTS_DIR.resolve().as_uri() + "/", url_fetcher=BundledOnly()).render()


def pdf_from_html(html: str) -> bytes:
    return html_document(html).write_pdf()
