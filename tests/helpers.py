"""A test client that parses every HTML page and checks what every page must have."""

from __future__ import annotations

import contextvars
from collections import Counter
from typing import Any
from urllib.parse import urlsplit

import requests
from bs4 import BeautifulSoup
from flask import Flask
from flask.testing import FlaskClient
from requests.structures import CaseInsensitiveDict
from werkzeug.test import TestResponse

from portal.settings import SUPPORTED_LOCALES


def path_of(url: str) -> str:
    parts = urlsplit(url)
    return f"{parts.path}?{parts.query}" if parts.query else parts.path


class WSGIAdapter(requests.adapters.BaseAdapter):
    """Answers the portal's outgoing HTTP calls (OpenID discovery, token, JWKS) from a WSGI app
    in this process: the built-in development provider, without a server. Each call runs in a
    fresh context, so the inner request does not share the outer request's Flask globals."""

    def __init__(self, app: Flask) -> None:
        super().__init__()
        self.app = app

    def send(self, request: requests.PreparedRequest, *_args: Any,
             **_kwargs: Any) -> requests.Response:
        parts = urlsplit(request.url or "")
        client = self.app.test_client()
        inner = contextvars.Context().run(
            client.open, parts.path, query_string=parts.query, method=request.method,
            headers={k: v for k, v in request.headers.items() if k.lower() != "host"},
            data=request.body, base_url=f"{parts.scheme}://{parts.netloc}",
        )
        response = requests.Response()
        response.status_code = inner.status_code
        response.headers = CaseInsensitiveDict(dict(inner.headers))
        response._content = inner.get_data()
        response.url = request.url or ""
        response.request = request
        response.encoding = "utf-8"
        return response

    def close(self) -> None:
        pass


class Page:
    def __init__(self, response: TestResponse) -> None:
        self.response = response
        self.status = response.status_code
        self.soup = BeautifulSoup(response.get_data(as_text=True), "html.parser")

    def select(self, selector: str) -> list[Any]:
        return list(self.soup.select(selector))

    def one(self, selector: str) -> Any:
        found = self.soup.select(selector)
        assert len(found) == 1, f"expected one {selector!r}, found {len(found)}"
        return found[0]

    def text(self, selector: str = "main") -> str:
        return " ".join(self.one(selector).get_text(" ").split())

    @property
    def title(self) -> str:
        return self.soup.title.get_text().strip() if self.soup.title else ""

    def csrf_token(self) -> str:
        token = self.soup.select_one('input[name="csrf_token"]')
        assert token is not None, "no CSRF token on the page"
        return str(token["value"])

    def form_data(self, form_selector: str = "main form") -> dict[str, Any]:
        """What the browser would send for the form as it stands (checked boxes, values)."""
        form = self.soup.select(form_selector)[0]
        data: dict[str, Any] = {}
        for field in form.select("input, textarea"):
            name = field.get("name")
            if not name or field.get("type") == "submit":
                continue
            if field.get("type") in ("radio", "checkbox"):
                if field.has_attr("checked"):
                    data.setdefault(name, []).append(field.get("value", "on"))
            elif field.name == "textarea":
                data[name] = field.get_text()
            else:
                data[name] = field.get("value", "")
        return data


def check_page(response: TestResponse) -> Page:
    """What every HTML page must have: a title, a language, unique ids, nonced scripts."""
    page = Page(response)
    assert page.title, "page has no <title>"
    html = page.soup.find("html")
    assert html is not None
    assert html.get("lang") in SUPPORTED_LOCALES
    assert html.get("dir") == ("rtl" if html.get("lang") == "ar" else "ltr")
    ids = Counter(tag["id"] for tag in page.soup.select("[id]"))
    duplicates = [i for i, n in ids.items() if n > 1]
    assert not duplicates, f"duplicate ids: {duplicates}"
    csp = response.headers.get("Content-Security-Policy", "")
    for script in page.soup.select("script"):
        assert script.get("nonce")
        assert f"'nonce-{script['nonce']}'" in csp
    for style in page.soup.select("style"):
        assert style.get("nonce")
        assert f"'nonce-{style['nonce']}'" in csp
    if response.headers.get("Cache-Control") == "private, max-age=300":
        # Only the public contact lookup, to a visitor with no session, may be kept a while
        # (portal/security.py); to anyone signed in it is no-store like every other page.
        assert response.request.path.startswith("/contacts"), response.request.path
        assert "portal_session" not in response.request.cookies
    else:
        assert response.headers.get("Cache-Control") == "no-store"
    assert page.soup.select_one("main h1") is not None, "page has no main heading"
    return page


class PortalClient:
    """Wraps Flask's test client: ``get``/``post`` return checked, parsed pages."""

    def __init__(self, app: Flask) -> None:
        self.app = app
        self.raw: FlaskClient = app.test_client()
        # The built-in OpenID provider answers the portal's back-channel calls in-process.
        app.extensions.setdefault("portal.oidc_adapters", {"http://localhost/": WSGIAdapter(app)})

    def get(self, url: str, status: int = 200, **kwargs: Any) -> Page:
        response = self.raw.get(url, **kwargs)
        assert response.status_code == status, (url, response.status_code, response.location)
        return check_page(response)

    def post(
        self, url: str, data: dict[str, Any], status: int = 303, **kwargs: Any
    ) -> TestResponse:
        response = self.raw.post(url, data=data, **kwargs)
        assert response.status_code == status, (url, response.status_code,
                                                response.get_data(as_text=True)[:500])
        return response

    def post_page(self, url: str, data: dict[str, Any], status: int = 200) -> Page:
        response = self.raw.post(url, data=data)
        assert response.status_code == status, (url, response.status_code, response.location)
        return check_page(response)

    def sign_in(self, national_id: str, profile: str = "citizen",
                acr: str = "idporten-loa-high", next_url: str | None = None) -> TestResponse:
        """Sign in through the built-in OpenID provider, with the portal's real client code."""
        start = self.raw.get(f"/sign-in/{profile}/start",
                             query_string={"next": next_url} if next_url else None)
        assert start.status_code == 303, start.get_data(as_text=True)[:500]
        provider = path_of(start.location)
        page = self.get(provider)
        answer = self.raw.post(provider, data={"csrf_token": page.csrf_token(),
                                               "national_id": national_id, "acr": acr})
        assert answer.status_code == 302, answer.get_data(as_text=True)[:500]
        callback = self.raw.get(path_of(answer.location))
        assert callback.status_code in (200, 303, 400, 403), callback.status_code
        return callback

    def provider_page(self, profile: str = "citizen") -> str:
        """The built-in provider's sign-in page for a new flow (path and query)."""
        return path_of(self.raw.get(f"/sign-in/{profile}/start").location)

    def sign_in_staff(self, national_id: str) -> TestResponse:
        return self.sign_in(national_id, profile="staff")
