"""Security headers, written down where they are set.

- CSP with a per-request nonce: no inline script or style without it, nothing from other hosts.
- ``Cache-Control: no-store`` on every page (they may hold health data); static files are
  fingerprinted and cached for a year. The one exception: a public page whose view calls
  ``cache_publicly()`` (the contact lookup) may be kept for five minutes by the visitor's own
  browser (``private``: a shared cache would hand one response's CSP nonce to everyone), and only
  when the request came with no session cookie at all and the response sets none (nobody signed
  in, no form token, no message waiting); it varies by language.
- Cookies: HttpOnly, SameSite=Lax, Secure in production (``create_app``).
- ``Strict-Transport-Security`` in production mode only: development runs on plain HTTP on
  localhost, where a remembered HSTS entry would break every other local project.
- ``form-action 'self'``: forms send to the portal only. Chromium also applies form-action to
  every redirect that follows a form's POST, so no POST may answer with a redirect to another
  origin (sign-out must reach the provider's end-session page from a page of ours, by GET).
"""

from __future__ import annotations

import hashlib
import secrets
from functools import cache
from pathlib import Path

from flask import Flask, Response, g, request, session, url_for

from portal.settings import current as current_settings

CSP = (
    "default-src 'none'; "
    "script-src 'self' 'nonce-{nonce}'; "
    "style-src 'self' 'nonce-{nonce}'; "
    "img-src 'self' data:; "
    "font-src 'self'; "
    "connect-src 'self'; "
    "form-action 'self'; "
    "frame-ancestors 'none'; "
    "base-uri 'none'"
)

HSTS = "max-age=31536000; includeSubDomains"
#: Pages anyone may see, kept a little while by their own browser ("open now" is at most this
#: stale).
PUBLIC_CACHE = "private, max-age=300"


def csp_nonce() -> str:
    if "csp_nonce" not in g:
        g.csp_nonce = secrets.token_urlsafe(16)
    nonce: str = g.csp_nonce
    return nonce


def set_headers(response: Response) -> Response:
    headers = response.headers
    if current_settings().is_production:
        # Sent whatever the scheme the WSGI server saw: TLS ends at the reverse proxy, and
        # browsers ignore the header on plain HTTP anyway (RFC 6797, 8.1).
        headers["Strict-Transport-Security"] = HSTS
    headers["Content-Security-Policy"] = CSP.format(nonce=csp_nonce())
    headers["X-Content-Type-Options"] = "nosniff"
    headers["Referrer-Policy"] = "no-referrer"
    headers["X-Frame-Options"] = "DENY"
    headers["Permissions-Policy"] = "camera=(), microphone=(), geolocation=(), interest-cohort=()"
    headers["Cross-Origin-Opener-Policy"] = "same-origin"
    if request.endpoint == "static":
        if request.args.get("v"):
            headers["Cache-Control"] = "public, max-age=31536000, immutable"
    elif _publicly_cacheable(response):
        headers["Cache-Control"] = PUBLIC_CACHE
        response.vary.update(("Accept-Language", "Cookie"))
    else:
        headers["Cache-Control"] = "no-store"
    return response


def cache_publicly() -> None:
    """Called by a public view whose page is the same for every visitor in a language."""
    g.cache_publicly = True


def _publicly_cacheable(response: Response) -> bool:
    from flask import current_app

    return (g.get("cache_publicly", False) and response.status_code == 200
            and g.get("principal") is None and not session.modified
            and current_app.config["SESSION_COOKIE_NAME"] not in request.cookies)


@cache
def _fingerprint(static_folder: str, filename: str) -> str:
    path = Path(static_folder) / filename
    return hashlib.sha256(path.read_bytes()).hexdigest()[:12] if path.is_file() else "0"


def static_url(filename: str) -> str:
    """A static file's URL with its content hash, so it can be cached for a year."""
    from flask import current_app

    folder = current_app.static_folder or ""
    return url_for("static", filename=filename, v=_fingerprint(folder, filename))


def init_app(app: Flask) -> None:
    app.after_request(set_headers)
    app.jinja_env.globals.update(csp_nonce=csp_nonce, static_url=static_url)
