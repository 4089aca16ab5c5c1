"""HTML → PDF with WeasyPrint, with whole TrueType fonts that carry every Vietnamese letter.

The fonts are Noto Serif and Noto Sans from Debian's ``fonts-noto-core`` (the directory is the
setting ``TINHSO_PDF_FONT_DIR``), referenced by ``file://`` URLs resolved when the first PDF is
made. Whole TTF files, never the unicode-range subsets that web-font services split fonts into:
with a subset the stacked diacritics of Vietnamese (ệ, ở, ữ…) fall back to another font or to
boxes. WeasyPrint still embeds only the glyphs a document uses.

The renderer fetches nothing but ``data:`` URIs (the QR codes) and the font files: a value typed
by an applicant can never make the server read a file or call another host.
"""

from __future__ import annotations

import atexit
import threading
from pathlib import Path

from django.conf import settings
from django.core.exceptions import ImproperlyConfigured
from django.template.loader import render_to_string

#: family, weight, style → file name in TINHSO_PDF_FONT_DIR.
FONT_FILES = {
    ("TS Serif", "normal", "normal"): "NotoSerif-Regular.ttf",
    ("TS Serif", "bold", "normal"): "NotoSerif-Bold.ttf",
    ("TS Serif", "normal", "italic"): "NotoSerif-Italic.ttf",
    ("TS Serif", "bold", "italic"): "NotoSerif-BoldItalic.ttf",
    ("TS Sans", "normal", "normal"): "NotoSans-Regular.ttf",
    ("TS Sans", "bold", "normal"): "NotoSans-Bold.ttf",
}


class FontMissing(ImproperlyConfigured):
    """The fonts of the official forms are not installed where the settings say."""


def font_dir() -> Path:
    return Path(settings.TINHSO_PDF_FONT_DIR)


def font_css() -> str:
    """@font-face rules for the bundled families; FontMissing names what to install."""
    directory = font_dir()
    missing = [name for name in FONT_FILES.values() if not (directory / name).is_file()]
    if missing:
        raise FontMissing(
            f"Thiếu phông chữ để in biểu mẫu: {', '.join(missing)} trong {directory}. Cài gói Debian "
            "fonts-noto-core (apt-get install fonts-noto-core) hoặc đặt TINHSO_PDF_FONT_DIR tới thư mục có "
            "các tệp này. / Missing the fonts of the official forms: install Debian's fonts-noto-core or "
            "set TINHSO_PDF_FONT_DIR."
        )
    rules = []
    for (family, weight, style), name in FONT_FILES.items():
        rules.append(f"@font-face {{ font-family: '{family}'; font-weight: {weight}; font-style: {style}; "
                     f"src: url('{(directory / name).resolve().as_uri()}') format('truetype'); }}")
    return "\n".join(rules)


def _local_only_fetcher(allowed_dir: Path):
    """A WeasyPrint URL fetcher for data: URIs and the font files; nothing else."""
    from weasyprint.urls import URLFetcher

    prefix = allowed_dir.resolve().as_uri().rstrip("/") + "/"

    class LocalOnly(URLFetcher):
        def fetch(self, url, headers=None):
            if url.startswith("file:") and not url.startswith(prefix):
                raise ValueError(f"fetching {url} is not allowed while making a PDF")
            return super().fetch(url, headers)

    return LocalOnly(allowed_protocols={"data", "file"})


class _Renderer:
    """One per thread: WeasyPrint's font configuration is not shared between threads, and
    building it (reading the @font-face rules) costs a third of a small page's time.
    WeasyPrint is imported here, not with the module: it takes over a second to import."""

    def __init__(self, directory: Path):
        from weasyprint import CSS
        from weasyprint.text.fonts import FontConfiguration

        self.directory = directory
        rules = font_css()
        self.fetcher = _local_only_fetcher(directory)
        self.fonts = FontConfiguration()
        self.css = CSS(string=rules, font_config=self.fonts, url_fetcher=self.fetcher)
        self.images: dict = {}

    def render(self, html: str) -> bytes:
        from weasyprint import HTML

        document = HTML(string=html, url_fetcher=self.fetcher, base_url=self.directory.as_uri() + "/")
        if len(self.images) > 64:  # the QR codes differ per dossier: keep the cache small
            self.images.clear()
        return document.write_pdf(stylesheets=[self.css], font_config=self.fonts, cache=self.images)


_local = threading.local()


@atexit.register
def _release() -> None:
    # WeasyPrint's FontConfiguration cleans up in __del__, which fails once the interpreter has
    # torn its modules down: drop this thread's renderer while they still exist.
    _local.__dict__.clear()


def _renderer() -> _Renderer:
    directory = font_dir()
    renderer = getattr(_local, "renderer", None)
    if renderer is None or renderer.directory != directory:
        renderer = _local.renderer = _Renderer(directory)
    return renderer


def html_to_pdf(html: str) -> bytes:
    """A PDF of `html` with the forms' fonts."""
    return _renderer().render(html)


def render_pdf(template: str, context: dict) -> bytes:
    """A PDF of the Django template `template` (under templates/documents/)."""
    return html_to_pdf(render_to_string(template, context))
