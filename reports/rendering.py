"""Documents as HTML (browser preview) and PDF (WeasyPrint) in the Decree 30/2020 layout.

The PDF may load only the fonts bundled under static/fonts (Liberation Serif 2: Times New Roman
metrics, every Vietnamese letter, SIL OFL), which WeasyPrint embeds: the output does not depend
on the host's fonts, and no URL in a document ever makes the server fetch anything.
"""

from datetime import date

from django.template.loader import render_to_string

from povertyprog.lib.printing import font_urls, html_document
from reports.composition import date_line, issued_words, signature_lines


def document_html(
    data: dict, *, reference: str, day: date | None, font_url=None, preview: bool = False
) -> str:
    """The document's HTML. `font_url(file name)` gives each font's address: the bundled files
    for the PDF, the static files' (hashed, in production) URLs for the browser's preview."""
    return render_to_string(
        "documents/document.html",
        {
            "d": data,
            "f": data["fields"],
            "reference": reference,
            "date_line": date_line(data["fields"]["place"], day),
            "issued_words": issued_words(day),
            "signature_lines": signature_lines(data["fields"]),
            "fonts": font_urls(font_url),
            "preview": preview,
        },
    )


def pdf_bytes(html: str) -> bytes:
    return render_pdf(html)[0]


PX_TO_PT = 0.75  # CSS pixels (1/96 in) to PDF points (1/72 in)


def render_pdf(html: str) -> tuple[bytes, dict]:
    """The PDF, and where its signature space is: {"page": index, "box": [x1, y1, x2, y2]} in PDF
    points from the bottom left (the signer's image goes there), or {} when there is none."""
    document = html_document(html)
    place = {}
    for index, page in enumerate(document.pages):
        for box in page._page_box.descendants():
            element = getattr(box, "element", None)
            if element is not None and element.get("class") == "space":
                height = page.height * PX_TO_PT
                x, y = box.position_x * PX_TO_PT, box.position_y * PX_TO_PT
                bottom = height - y - box.height * PX_TO_PT
                place = {
                    "page": index,
                    "box": [round(x), round(bottom), round(x + box.width * PX_TO_PT), round(height - y)],
                }
    return document.write_pdf(), place
