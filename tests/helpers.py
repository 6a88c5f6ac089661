"""A test client that parses every HTML page and checks what every page must have."""

from __future__ import annotations

from collections import Counter
from typing import Any

from bs4 import BeautifulSoup
from flask import Flask
from flask.testing import FlaskClient
from werkzeug.test import TestResponse


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
    assert html.get("lang") in ("nb", "nn", "en")
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
    assert response.headers.get("Cache-Control") == "no-store"
    assert page.soup.select_one("main h1") is not None, "page has no main heading"
    return page


class PortalClient:
    """Wraps Flask's test client: ``get``/``post`` return checked, parsed pages."""

    def __init__(self, app: Flask) -> None:
        self.app = app
        self.raw: FlaskClient = app.test_client()

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

    def sign_in(self, national_id: str) -> None:
        page = self.get("/dev/sign-in")
        self.post("/dev/sign-in", {"csrf_token": page.csrf_token(), "national_id": national_id})
