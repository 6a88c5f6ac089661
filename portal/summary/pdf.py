"""The summary as a PDF: WeasyPrint, PDF/UA-1 (tagged, with the document language), A4.

Rendering takes a few hundred milliseconds, so each PDF is kept in ``RenderedPdf`` under a
SHA-256 of its HTML with the generation time left out: the same content is served from the cache
at once, and any change in what it shows (an answer, an action, the language, the reader's
sharing view, the stylesheet's fingerprint) gives a new key.

WeasyPrint fetches the stylesheet through ``PortalFetcher``, which reads the portal's own static
files from disk and refuses everything else (``file:``, other hosts, data it did not expect): a
patient's text can never make the server read a local file or call out.
"""

from __future__ import annotations

import hashlib
import mimetypes
import re
import secrets
from collections.abc import Callable
from pathlib import Path
from urllib.parse import unquote, urlsplit

from markupsafe import Markup
from sqlalchemy import select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from portal.summary.models import RenderedPdf

#: Stands in for the generation time in the HTML; left out of the cache key and replaced by the
#: time before rendering. Random per process, so no text of a patient's can contain it.
GENERATED_MARK = f"GENERATED{secrets.token_hex(16)}"
PDF_VARIANT = "pdf/ua-1"


class RefusedURL(ValueError):
    """The PDF asked for something other than the portal's own static files."""


def make_fetcher(static_folder: str, static_url_path: str, host: str) -> Callable[[str], object]:
    """A WeasyPrint URL fetcher that serves ``http(s)://<host><static_url_path>/<file>`` from
    ``static_folder`` and refuses every other URL (``file:``, other hosts, other paths)."""
    # Imported here: WeasyPrint takes about a second to import, and only PDFs need it.
    from weasyprint.urls import URLFetcher, URLFetcherResponse

    folder = Path(static_folder).resolve()
    prefix = static_url_path.rstrip("/") + "/"

    class PortalFetcher(URLFetcher):  # type: ignore[misc]  # WeasyPrint has no type hints
        def fetch(self, url: str, headers: object = None) -> URLFetcherResponse:
            parts = urlsplit(url)
            if parts.scheme not in ("http", "https") or parts.netloc != host:
                raise RefusedURL(f"Refused to fetch {parts.scheme}: {url[:200]}")
            path = unquote(parts.path)
            if not path.startswith(prefix):
                raise RefusedURL(f"Refused to fetch outside the static files: {url[:200]}")
            target = (folder / path[len(prefix):]).resolve()
            if not target.is_relative_to(folder) or not target.is_file():
                raise RefusedURL(f"No such static file: {url[:200]}")
            mime = mimetypes.guess_type(target.name)[0] or "application/octet-stream"
            return URLFetcherResponse(url, target.read_bytes(),
                                      headers={"Content-Type": mime})

    return PortalFetcher(allowed_protocols=("http", "https"))


def css_string(text: str) -> Markup:
    """``text`` as a quoted CSS string, safe inside a <style> element (no quote, backslash,
    ``<`` or line break survives unescaped)."""
    escaped = re.sub(r'["\\<>&\n\r\f]', lambda m: f"\\{ord(m.group()):x} ", str(text))
    # Markup is safe here: every special character is escaped above (ruff S704, bandit B704).
    return Markup(f'"{escaped}"')  # noqa: S704  # nosec B704


def css_counter_sentence(sentence: str, **counters: str) -> Markup:
    """A translated sentence with ``%(name)s`` placeholders as a CSS ``content`` value, each
    placeholder named in ``counters`` becoming ``counter(<value>)``."""
    parts = re.split(r"%\((\w+)\)s", sentence)
    values = []
    for index, part in enumerate(parts):
        if index % 2:
            values.append(f"counter({counters[part]})")
        elif part:
            values.append(str(css_string(part)))
    # Markup is safe here: the strings went through css_string, the counter names are ours.
    return Markup(" ".join(values))  # noqa: S704  # nosec B704


def warm_up() -> None:
    """Import WeasyPrint now rather than on the first PDF request (about a second: fonts and
    CSS machinery). For a server process after it starts; tests and commands skip it."""
    import weasyprint  # noqa: F401


def cache_key(html: str) -> str:
    """SHA-256 of the HTML with the generation time left out: the same on every instance."""
    return hashlib.sha256(html.replace(GENERATED_MARK, "").encode("utf-8")).hexdigest()


def render(html: str, base_url: str, fetcher: Callable[[str], object]) -> bytes:
    from weasyprint import HTML

    pdf: bytes = HTML(string=html, base_url=base_url, url_fetcher=fetcher).write_pdf(
        pdf_variant=PDF_VARIANT)
    return pdf


def cached(session: Session, touchpoint_id: int, html: str,
           make: Callable[[], bytes]) -> bytes:
    """The PDF for this HTML from the cache, or made by ``make`` and stored. Two first requests
    racing store one row: the loser's insert fails inside a savepoint and its PDF (the same
    content) is served all the same."""
    key = cache_key(html)
    found = session.scalar(select(RenderedPdf.pdf).where(RenderedPdf.key == key))
    if found is not None:
        return bytes(found)
    pdf = make()
    try:
        with session.begin_nested():
            session.add(RenderedPdf(key=key, touchpoint_id=touchpoint_id, pdf=pdf))
    except IntegrityError:
        pass  # stored by a concurrent request a moment ago: same key, same content
    return pdf
