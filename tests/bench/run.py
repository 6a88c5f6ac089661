"""Benchmarks of the patient portal: page weight, and throughput against a bare Flask page.

    .venv/bin/python tests/bench/run.py            # about 80 s
    .venv/bin/python tests/bench/run.py --duration 5s

Prints Markdown tables and writes ``tests/artifacts/bench/results.json`` (plus the servers' logs).
Exits 0 when every check passes, 1 when a budget or check fails, 2 when the benchmark could not
run (the portal did not start, sign-in failed, a page did not answer as expected, ...).

What happens (see tests/bench/README.md):

1. A fresh instance folder; ``portal demo --no-serve`` migrates SQLite and loads the demo
   personas (``PORTAL_BENCH_DATABASE_URL``, when set, is used as ``PORTAL_DATABASE_URL``).
2. gunicorn serves the portal and ``bare_app.py`` with the same settings (2 sync workers), with
   the rate limits switched off (``PORTAL_RATE_LIMIT_SIGN_IN`` and ``PORTAL_RATE_LIMIT_POSTS``
   empty) so that the load is not answered with 429.
3. Sign in through OpenID Connect with the built-in development provider, on a separate
   sign-in server (one worker, 8 threads; same instance, database and secret): the portal calls
   the provider's back channel over HTTP on its own host, and the provider keeps its codes and
   keys in process memory, so neither a 2-sync-worker server nor the one-worker echo server can
   complete a sign-in. The session cookies it hands out work on every server of the instance
   (the session record is in the database). Then find the open touchpoint and the staff patient,
   and check that every request that will be measured answers as expected (200 with the page's
   heading, 303 for the POST). The public contact pages are fetched by a client without any
   cookie: Bergen's page must show contact cards (call buttons, ``href="tel:``) of Bergen kommune
   and Helse Bergen HF, the search must list municipalities, and neither may set a cookie.
4. Page weight of step 5 (a topic page), step 3 (the 0–10 scale) and the public pages
   ``/contacts/4601-bergen`` and ``/contacts?q=ask`` (no session): the HTML and every resource it
   references, raw and gzip level 6; all resources must be same-origin.
5. SQL statements per request, from a one-worker gunicorn with ``PORTAL_ECHO_SQL=true``; for the
   staff patient page, the statements other than the access-log appends must be the same for
   every patient and every view (no N+1). The public municipality page is counted for Bergen and
   for Øygarden (one contact point fewer), to show the count does not grow with contact points.
6. wrk against the bare page, the portal's GET and POST, the staff patient page, the public
   municipality page (no cookie) and the bare page again, in that order, in one run; the ratios
   portal/bare are the figures that matter (load generator and servers share cores).
"""

from __future__ import annotations

import argparse
import contextlib
import gzip
import http.client
import json
import os
import platform
import re
import shutil
import signal
import socket
import subprocess
import sys
import tempfile
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import UTC, datetime
from html import unescape
from html.parser import HTMLParser
from http.cookies import SimpleCookie
from pathlib import Path
from typing import Any
from urllib.parse import urlencode, urljoin, urlsplit

ROOT = Path(__file__).resolve().parents[2]
BENCH = Path(__file__).resolve().parent
ARTIFACTS = ROOT / "tests" / "artifacts" / "bench"
WRK_SCRIPT = BENCH / "wrk.lua"

#: The demo persona with an open touchpoint (touchpoint 2).
PERSONA = "12035812324"
#: The demo cancer nurse at the hospital, and how her patient list names PERSONA.
STAFF_PERSONA = "15077910015"
STAFF_PATIENT_LINK = "Hansen, Ola"  # on the nurse's worklist (portal/demo)
#: What the development provider's form sends (ID-porten's level the citizen client asks for).
SIGN_IN_ACR = "idporten-loa-high"
#: Where a completed sign-in lands, per profile.
SIGNED_IN_HOME = {"citizen": "/patient/", "staff": "/staff/"}
#: A typical topic page and the 0–10 scale page.
STEP_TOPIC = 5
STEP_SCALE = 3
#: Page weight budget: HTML plus every resource, each gzip level 6 (30 kB, decimal: strict).
BUDGET_BYTES = 30_000
GZIP_LEVEL = 6
SESSION_COOKIE = "portal_session"
GUNICORN_WORKERS = 2
#: The server that signs the benchmark's clients in: one worker, so that the development
#: provider's in-memory codes and keys are the ones the token call reaches, and threads, so that
#: the portal's back-channel calls to its own host are answered while the callback waits.
SIGN_IN_SERVER_ARGS = ("--threads", "8")
#: Both rate limits off (an empty value switches a limit off): the load would otherwise be 429s.
NO_RATE_LIMITS = {"PORTAL_RATE_LIMIT_SIGN_IN": "", "PORTAL_RATE_LIMIT_POSTS": ""}
#: The public contact lookup, visited without a session: Bergen's page (the demo's contact points
#: of Bergen kommune and Helse Bergen HF, portal/demo/contacts.py) and a search listing several
#: municipalities ("ask": Asker, Askøy and Askvoll).
PUBLIC_MUNICIPALITY = "/contacts/4601-bergen"
PUBLIC_ORGANISATIONS = ("Bergen kommune", "Helse Bergen HF")
PUBLIC_SEARCH = "/contacts?q=ask"
PUBLIC_SEARCH_LISTS = "/contacts/4627-"  # Askøy, in the demo's Bergen area
#: A municipality Helse Bergen HF serves that has no contact point of its own (Øygarden): the
#: same page with fewer cards, for the SQL count (it must not grow with the contact points).
PUBLIC_FEWER_CARDS = "/contacts/4626"
#: What a visitor without a session is told about caching a public page (portal/security.py).
PUBLIC_CACHE_CONTROL = "private, max-age=300"


class BenchError(RuntimeError):
    """The benchmark cannot run or would measure the wrong thing."""


# --- HTTP ---------------------------------------------------------------------------------------

@dataclass
class Reply:
    status: int
    headers: http.client.HTTPMessage
    body: bytes

    @property
    def text(self) -> str:
        return self.body.decode("utf-8", errors="replace")


@dataclass
class Client:
    """A minimal cookie-keeping HTTP client (stdlib only; never follows redirects)."""

    host: str
    port: int
    cookies: dict[str, str] = field(default_factory=dict)

    @property
    def origin(self) -> str:
        return f"http://{self.host}:{self.port}"

    def request(self, method: str, path: str, form: dict[str, str] | None = None,
                timeout: float = 15) -> Reply:
        headers = {"Accept": "text/html,*/*", "Accept-Encoding": "identity"}
        if self.cookies:
            headers["Cookie"] = "; ".join(f"{k}={v}" for k, v in self.cookies.items())
        body = None
        if form is not None:
            body = urlencode(form).encode()
            headers["Content-Type"] = "application/x-www-form-urlencoded"
        conn = http.client.HTTPConnection(self.host, self.port, timeout=timeout)
        try:
            conn.request(method, path, body=body, headers=headers)
            resp = conn.getresponse()
            reply = Reply(resp.status, resp.headers, resp.read())
        finally:
            conn.close()
        for raw in reply.headers.get_all("Set-Cookie") or []:
            jar: SimpleCookie = SimpleCookie()
            jar.load(raw)
            for name, morsel in jar.items():
                if not morsel.value or morsel["max-age"] == "0":
                    self.cookies.pop(name, None)
                else:
                    self.cookies[name] = morsel.value
        return reply

    def get(self, path: str) -> Reply:
        return self.request("GET", path)

    def post(self, path: str, form: dict[str, str]) -> Reply:
        return self.request("POST", path, form)


# --- HTML ---------------------------------------------------------------------------------------

#: Tag/attribute pairs that make the browser download something.
RESOURCE_ATTRS = {
    ("script", "src"), ("img", "src"), ("img", "srcset"), ("source", "src"), ("source", "srcset"),
    ("video", "poster"), ("video", "src"), ("audio", "src"), ("iframe", "src"), ("embed", "src"),
    ("object", "data"), ("input", "src"), ("track", "src"),
}
#: <link rel=...> values whose href is downloaded with the page.
RESOURCE_RELS = {"stylesheet", "icon", "shortcut", "apple-touch-icon", "preload", "modulepreload",
                 "manifest", "mask-icon", "prefetch"}
URL_ATTRS = {"href", "src", "srcset", "action", "formaction", "poster", "data", "cite"}
CSS_URL = re.compile(r"""url\(\s*(['"]?)([^'")]+)\1\s*\)|@import\s+(['"])([^'"]+)\3""")


@dataclass
class Form:
    action: str
    method: str
    inputs: list[dict[str, str]] = field(default_factory=list)


class PageParser(HTMLParser):
    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.resources: list[tuple[str, str]] = []  # (kind, url as written)
        self.all_urls: list[tuple[str, str, str]] = []  # (tag, attribute, url)
        self.forms: list[Form] = []
        self.links: list[str] = []
        self.link_texts: list[tuple[str, str]] = []  # (href, text)
        self._in_a = False
        self.h1: list[str] = []
        self.inline_css: list[str] = []
        self._in_h1 = False
        self._in_style = False
        self._h1_id: str | None = None
        self.h1_ids: list[str | None] = []

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        a = {k: (v or "") for k, v in attrs}
        for name, value in a.items():
            if name in URL_ATTRS and value:
                for url in _srcset(value) if name == "srcset" else [value]:
                    self.all_urls.append((tag, name, url))
        if tag == "link" and a.get("href"):
            rels = set(a.get("rel", "").lower().split())
            if rels & RESOURCE_RELS:
                kind = "css" if "stylesheet" in rels else (a.get("as") or sorted(rels)[0])
                self.resources.append((kind, a["href"]))
        for (t, attr) in RESOURCE_ATTRS:
            if tag == t and a.get(attr):
                kind = {"script": "js", "img": "image", "source": "image"}.get(tag, tag)
                urls = _srcset(a[attr]) if attr == "srcset" else [a[attr]]
                self.resources.extend((kind, u) for u in urls)
        if "style" in a:
            self.inline_css.append(a["style"])
        if tag == "a" and a.get("href"):
            self.links.append(a["href"])
            self.link_texts.append((a["href"], ""))
            self._in_a = True
        if tag == "form":
            self.forms.append(Form(a.get("action", ""), a.get("method", "get").lower()))
        if tag in {"input", "textarea", "select", "button"} and self.forms:
            self.forms[-1].inputs.append({"tag": tag, **a})
        if tag == "h1":
            self._in_h1 = True
            self.h1.append("")
            self.h1_ids.append(a.get("id"))
        if tag == "style":
            self._in_style = True
            self.inline_css.append("")

    def handle_endtag(self, tag: str) -> None:
        if tag == "h1":
            self._in_h1 = False
        if tag == "a" and self._in_a:
            self._in_a = False
            href, text = self.link_texts[-1]
            self.link_texts[-1] = (href, " ".join(text.split()))
        if tag == "style":
            self._in_style = False

    def handle_data(self, data: str) -> None:
        if self._in_h1:
            self.h1[-1] += data
        if self._in_a:
            href, text = self.link_texts[-1]
            self.link_texts[-1] = (href, text + data)
        if self._in_style:
            self.inline_css[-1] += data

    def heading(self, element_id: str | None = None) -> str:
        for text, hid in zip(self.h1, self.h1_ids, strict=True):
            if element_id is None or hid == element_id:
                return " ".join(text.split())
        return ""


def _srcset(value: str) -> list[str]:
    return [part.strip().split()[0] for part in value.split(",") if part.strip()]


def parse(html: str) -> PageParser:
    parser = PageParser()
    parser.feed(html)
    parser.close()
    return parser


def css_references(css: str) -> list[str]:
    found = []
    for match in CSS_URL.finditer(css):
        url = (match.group(2) or match.group(4) or "").strip()
        if url and not url.startswith(("data:", "#")):
            found.append(url)
    return found


# --- processes ----------------------------------------------------------------------------------

def venv_bin(name: str) -> str:
    """A program from the environment running this script, else from the checkout's venv."""
    for folder in (Path(sys.executable).parent, ROOT / ".venv" / "bin"):
        candidate = folder / name
        if candidate.exists():
            return str(candidate)
    found = shutil.which(name)
    if not found:
        raise BenchError(f"{name} not found (run with the project's venv: .venv/bin/python).")
    return found


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        port: int = s.getsockname()[1]
        return port


@dataclass
class Server:
    name: str
    proc: subprocess.Popen[bytes]
    port: int
    log: Path

    def tail(self, lines: int = 40) -> str:
        try:
            return "\n".join(self.log.read_text(errors="replace").splitlines()[-lines:])
        except OSError:
            return ""

    def stop(self) -> None:
        if self.proc.poll() is not None:
            return
        self.proc.send_signal(signal.SIGTERM)  # gunicorn's graceful stop, workers included
        try:
            self.proc.wait(timeout=10)
        except subprocess.TimeoutExpired:
            # Started with its own session: its process group is gunicorn and its workers only.
            with contextlib.suppress(ProcessLookupError):
                os.killpg(self.proc.pid, signal.SIGKILL)
            self.proc.wait(timeout=5)


def portal_env(instance: Path, database_url: str = "") -> dict[str, str]:
    """The environment of every benchmark server: development mode with the built-in provider,
    a fresh instance folder, the rate limits off; ``database_url`` (else SQLite) as the database.
    """
    env = {k: v for k, v in os.environ.items()
           if k not in {"PORTAL_DATABASE_URL", "PORTAL_ECHO_SQL", "PORTAL_SECRET_KEY_FILE"}}
    env.update(PORTAL_INSTANCE_PATH=str(instance), PORTAL_ENV="development", PORTAL_DEV_IDP="true",
               PORTAL_SECURE_COOKIES="false", PYTHONUNBUFFERED="1", **NO_RATE_LIMITS)
    if database_url:
        env["PORTAL_DATABASE_URL"] = database_url
    return env


def start_gunicorn(name: str, app_spec: str, env: dict[str, str], cwd: Path, log_dir: Path,
                   workers: int = GUNICORN_WORKERS, extra: tuple[str, ...] = ()) -> Server:
    port = free_port()
    log = log_dir / f"{name}.log"
    with log.open("wb") as out:
        proc = subprocess.Popen(
            [venv_bin("gunicorn"), "-w", str(workers), "-b", f"127.0.0.1:{port}",
             "--no-control-socket", *extra, app_spec],
            env=env, cwd=cwd, stdout=out, stderr=subprocess.STDOUT, start_new_session=True,
        )
    return Server(name, proc, port, log)


def start_sign_in_server(env: dict[str, str], cwd: Path, log_dir: Path) -> Server:
    """A server of the same instance that can complete a sign-in (see SIGN_IN_SERVER_ARGS)."""
    return start_gunicorn("portal-sign-in", "portal:create_app()", env, cwd, log_dir, workers=1,
                          extra=SIGN_IN_SERVER_ARGS)


def wait_ready(server: Server, path: str, timeout: float = 20) -> None:
    deadline = time.monotonic() + timeout
    client = Client("127.0.0.1", server.port)
    while time.monotonic() < deadline:
        if server.proc.poll() is not None:
            raise BenchError(f"{server.name} exited with {server.proc.returncode}:\n"
                             f"{server.tail()}")
        try:
            if client.get(path).status == 200:
                return
        except OSError:
            pass
        time.sleep(0.1)
    raise BenchError(f"{server.name} did not answer 200 on {path} within {timeout:.0f} s:\n"
                     f"{server.tail()}")


# --- the portal's pages -------------------------------------------------------------------------

@dataclass
class StepPage:
    number: int
    path: str
    heading: str
    csrf_token: str
    fields: dict[str, list[str]]  # name -> values offered (radio/checkbox), [] for text


def expect(condition: bool, message: str) -> None:
    if not condition:
        raise BenchError(message)


def _path_and_query(url: str) -> str:
    parts = urlsplit(url)
    return parts.path + (f"?{parts.query}" if parts.query else "")


def sign_in(client: Client, national_id: str, profile: str = "citizen") -> None:
    """Sign in as a browser does: the portal sends us to the built-in OpenID provider, whose form
    takes the identity number; the provider sends us back to the portal's callback, which makes
    the back-channel calls (discovery, token, JWKS) and lands us on the profile's home page.
    The server must answer those calls while it handles the callback (see SIGN_IN_SERVER_ARGS).
    """
    start = f"/sign-in/{profile}/start"
    begun = client.get(start)
    expect(begun.status == 303,
           f"GET {start} answered {begun.status}, not 303 (is the built-in provider on, "
           f"PORTAL_DEV_IDP?):\n{' '.join(begun.text.split())[:500]}")
    location = begun.headers.get("Location", "")
    parts = urlsplit(location)
    provider_origin = f"{parts.scheme}://{parts.netloc}"
    expect(parts.path == "/dev-idp/authorize" and provider_origin == client.origin,
           f"GET {start} redirected to {location!r}, not to this server's /dev-idp/authorize.")
    provider = _path_and_query(location)
    page = client.get(provider)
    expect(page.status == 200, f"GET {provider} answered {page.status}, not 200.")
    tokens = [i.get("value", "") for f in parse(page.text).forms for i in f.inputs
              if i.get("name") == "csrf_token"]
    expect(bool(tokens and tokens[0]), f"No csrf_token on the provider's page {parts.path}.")
    answer = client.post(provider, {"csrf_token": tokens[0], "national_id": national_id,
                                    "acr": SIGN_IN_ACR})
    callback = answer.headers.get("Location", "")
    expect(answer.status == 302 and urlsplit(callback).path == f"/sign-in/{profile}/callback",
           f"POST {parts.path} answered {answer.status} to {callback!r}, not 302 to the "
           f"callback:\n{' '.join(answer.text.split())[:500]}")
    done = client.get(_path_and_query(callback))
    home = SIGNED_IN_HOME[profile]
    landed = urlsplit(done.headers.get("Location", "")).path
    expect(done.status == 303 and landed == home,
           f"The {profile} callback answered {done.status} to {landed!r}, not 303 to {home} "
           f"(server log: the back channel?):\n{' '.join(done.text.split())[:500]}")
    expect(SESSION_COOKIE in client.cookies, f"No {SESSION_COOKIE} cookie after signing in.")


def open_touchpoint(client: Client) -> int:
    home = client.get("/patient/")
    expect(home.status == 200, f"GET /patient/ answered {home.status} after signing in.")
    ids = [int(m.group(1)) for link in parse(home.text).links
           if (m := re.fullmatch(r"/patient/touchpoints/(\d+)/questionnaire", link))]
    expect(bool(ids), "No open questionnaire (/patient/touchpoints/<id>/questionnaire) on "
                      f"/patient/ for {PERSONA}.")
    return ids[0]


def step_path(touchpoint: int, number: int) -> str:
    return f"/patient/touchpoints/{touchpoint}/steps/{number}"


def load_step(client: Client, touchpoint: int, number: int) -> StepPage:
    path = step_path(touchpoint, number)
    reply = client.get(path)
    expect(reply.status == 200, f"GET {path} answered {reply.status}, not 200:\n"
                                f"{' '.join(reply.text.split())[:600]}")
    page = parse(reply.text)
    heading = page.heading("step-heading")
    expect(bool(heading), f"GET {path}: no <h1 id=\"step-heading\"> (got h1s {page.h1}).")
    forms = [f for f in page.forms if f.method == "post" and f.action.split("?")[0] == path]
    expect(len(forms) == 1, f"GET {path}: expected one step form posting to {path}.")
    form = forms[0]
    token = next((i.get("value", "") for i in form.inputs if i.get("name") == "csrf_token"), "")
    expect(bool(token), f"GET {path}: no csrf_token in the step form.")
    fields: dict[str, list[str]] = {}
    for i in form.inputs:
        name = i.get("name", "")
        if not name or name in {"csrf_token", "action"}:
            continue
        values = fields.setdefault(name, [])
        if i.get("type") in {"radio", "checkbox"} and "value" in i:
            values.append(i["value"])
    return StepPage(number, path, heading, token, fields)


def answers_for(step: StepPage) -> tuple[dict[str, str], dict[str, str]]:
    """Two different answers to the page's main question (``<page>_concern=a_little`` and
    ``=quite_a_bit`` on a topic page): the POST load alternates them, so every POST saves a change.
    """
    concern = [n for n in step.fields if n.endswith("_concern")]
    name = concern[0] if concern else next((n for n, v in step.fields.items() if len(v) > 1), "")
    expect(bool(name), f"{step.path}: no choice question to answer ({sorted(step.fields)}).")
    values = step.fields[name]
    first = "a_little" if "a_little" in values else values[0]
    second = "quite_a_bit" if "quite_a_bit" in values else next(v for v in values if v != first)
    return {name: first}, {name: second}


@dataclass
class StaffPage:
    patient_id: int
    path: str
    heading: str


def staff_patients(client: Client) -> dict[str, int]:
    """The signed-in staff member's patient list: link text ("Family, Given") -> patient id."""
    home = client.get(SIGNED_IN_HOME["staff"])
    expect(home.status == 200, f"GET /staff/ answered {home.status} after signing in.")
    found = {text: int(m.group(1)) for href, text in parse(home.text).link_texts
             if (m := re.fullmatch(r"/staff/patients/(\d+)", href))}
    expect(bool(found), f"No patients (/staff/patients/<id>) on /staff/ for {STAFF_PERSONA}.")
    return found


def load_staff_page(client: Client, patient_id: int) -> StaffPage:
    path = f"/staff/patients/{patient_id}"
    reply = client.get(path)
    expect(reply.status == 200, f"GET {path} answered {reply.status}, not 200:\n"
                                f"{' '.join(reply.text.split())[:600]}")
    heading = parse(reply.text).heading()
    expect(bool(heading), f"GET {path}: no <h1>.")
    return StaffPage(patient_id, path, heading)


@dataclass
class PublicPage:
    path: str
    heading: str
    cache_control: str
    cards: dict[str, int]  # organisation -> contact cards (call buttons) on a municipality page
    results: int  # municipalities listed by a search page


#: A contact card's call button (templates/components/contacts.html); the emergency numbers shown
#: beside closed contact points are plain links, not call buttons.
CALL_BUTTON = re.compile(r'<a class="button button--call" href="tel:')
ORGANISATION_SECTION = re.compile(r'<section class="organisation\b.*?</section>', re.S)
SECTION_HEADING = re.compile(r"<h2[^>]*>(.*?)</h2>", re.S)
TAG = re.compile(r"<[^>]+>")
MUNICIPALITY_LINK = re.compile(r"/contacts/\d{4}-[^/?#]+")


def contact_cards(html: str) -> dict[str, int]:
    """Call buttons per organisation section of a public municipality page."""
    found: dict[str, int] = {}
    for section in ORGANISATION_SECTION.findall(html):
        heading = SECTION_HEADING.search(section)
        name = " ".join(unescape(TAG.sub("", heading.group(1))).split()) if heading else "?"
        found[name] = len(CALL_BUTTON.findall(section))
    return found


def load_public(client: Client, path: str, municipality: bool) -> PublicPage:
    """A public contact page as a visitor without a session gets it: 200, a heading, no cookie
    set, and either contact cards of every PUBLIC_ORGANISATIONS (a municipality page) or links to
    municipalities (a search). Fails the bench otherwise: an empty page would be fast and fake."""
    expect(not client.cookies, f"GET {path}: the client should have no cookies ({client.cookies}).")
    reply = client.get(path)
    expect(reply.status == 200, f"GET {path} (no session) answered {reply.status}, not 200:\n"
                                f"{' '.join(reply.text.split())[:600]}")
    expect(not client.cookies, f"GET {path} (no session) set cookies {sorted(client.cookies)}.")
    page = parse(reply.text)
    heading = page.heading()
    expect(bool(heading), f"GET {path}: no <h1>.")
    cards = contact_cards(reply.text) if municipality else {}
    listed = {m.group(0) for link in page.links if (m := MUNICIPALITY_LINK.fullmatch(link))}
    if municipality:
        expect(all(cards.get(name, 0) > 0 for name in PUBLIC_ORGANISATIONS),
               f"GET {path} lists no contact points (href=\"tel:\" call buttons) for some of "
               f"{PUBLIC_ORGANISATIONS}: {cards}. Did `portal demo` load the Bergen area "
               "(portal/demo/contacts.py)?")
    else:
        expect(any(link.startswith(PUBLIC_SEARCH_LISTS) for link in listed),
               f"GET {path} does not list {PUBLIC_SEARCH_LISTS}… (found {sorted(listed)}).")
    return PublicPage(path, heading, reply.headers.get("Cache-Control", ""), cards,
                      0 if municipality else len(listed))


def canonical_path(client: Client, path: str) -> str:
    """Where a municipality number alone (``/contacts/4626``) sends a visitor (301)."""
    reply = client.get(path)
    location = reply.headers.get("Location", "")
    expect(reply.status == 301 and bool(location),
           f"GET {path} answered {reply.status} to {location!r}, not 301 to its page.")
    return _path_and_query(urljoin(client.origin + path, location))


# --- 1. page weight -----------------------------------------------------------------------------

def gz(data: bytes) -> int:
    return len(gzip.compress(data, compresslevel=GZIP_LEVEL, mtime=0))


def same_origin(url: str, origin: str) -> bool:
    parts = urlsplit(url)
    if parts.scheme == "data":
        return True
    if not parts.scheme and not parts.netloc:
        return True  # relative
    return f"{parts.scheme}://{parts.netloc}" == origin


def page_weight(client: Client, path: str) -> dict[str, Any]:
    origin = client.origin
    reply = client.get(path)
    expect(reply.status == 200, f"Page weight: GET {path} answered {reply.status}.")
    page = parse(reply.text)
    rows: list[dict[str, Any]] = [{
        "url": path, "kind": "html", "status": reply.status,
        "content_type": reply.headers.get("Content-Type", ""),
        "raw_bytes": len(reply.body), "gzip_bytes": gz(reply.body),
        "cache_control": reply.headers.get("Cache-Control", ""),
    }]
    third_party: list[str] = []
    missing: list[str] = []
    queue = [(kind, urljoin(origin + path, ref), ref) for kind, ref in page.resources]
    queue += [("css-url", urljoin(origin + path, ref), ref)
              for css in page.inline_css for ref in css_references(css)]
    seen: set[str] = set()
    while queue:
        kind, url, written = queue.pop(0)
        if url in seen or url.startswith("data:"):
            continue
        seen.add(url)
        if not same_origin(written, origin) or not same_origin(url, origin):
            third_party.append(written)
            continue
        parts = urlsplit(url)
        target = parts.path + (f"?{parts.query}" if parts.query else "")
        res = client.get(target)
        if res.status != 200:
            missing.append(f"{target} ({res.status})")
        ctype = res.headers.get("Content-Type", "")
        if "css" in ctype or kind == "css":
            kind = "css"
            queue += [("font" if re.search(r"\.(woff2?|ttf|otf|eot)(\?|$)", ref) else "css-url",
                       urljoin(url, ref), ref) for ref in css_references(res.text)]
        rows.append({
            "url": target, "kind": kind, "status": res.status, "content_type": ctype,
            "raw_bytes": len(res.body), "gzip_bytes": gz(res.body),
            "cache_control": res.headers.get("Cache-Control", ""),
        })
    external_links = sorted({u for _t, _a, u in page.all_urls if not same_origin(u, origin)
                             and not u.startswith(("mailto:", "tel:", "sms:"))})
    total_raw = sum(r["raw_bytes"] for r in rows)
    total_gz = sum(r["gzip_bytes"] for r in rows)
    return {
        "path": path, "heading": page.heading("step-heading"), "resources": rows,
        "total_raw_bytes": total_raw, "total_gzip_bytes": total_gz,
        "budget_gzip_bytes": BUDGET_BYTES, "within_budget": total_gz <= BUDGET_BYTES,
        "third_party_resources": third_party, "missing_resources": missing,
        "external_links": external_links,
        "inline_style_blocks": sum(1 for c in page.inline_css if c.strip()),
    }


def weight_failures(w: dict[str, Any]) -> list[str]:
    """The budget and same-origin checks of one page_weight() result."""
    failures = []
    if not w["within_budget"]:
        failures.append(f"{w['label']}: {w['total_gzip_bytes']:,} bytes gzip-6 > budget "
                        f"{BUDGET_BYTES:,}")
    if w["third_party_resources"]:
        failures.append(f"{w['label']}: third-party resources {w['third_party_resources']}")
    if w["missing_resources"]:
        failures.append(f"{w['label']}: missing resources {w['missing_resources']}")
    return failures


# --- 2. SQL statements per request --------------------------------------------------------------

#: The access log's table: staff page views append to it (three statements per entry on SQLite:
#: the write lock, the newest entry, the INSERT).
ACCESS_LOG = re.compile(r"\baccess_event\b")
ENGINE_LINE = re.compile(r"^\d{4}-\d\d-\d\d [\d:,]+ INFO sqlalchemy\.engine\.Engine (.*)$")
VERBS = ("SELECT", "INSERT", "UPDATE", "DELETE")


def sql_statements(lines: list[str]) -> list[str]:
    """The statements SQLAlchemy echoed (a statement continues over the lines that follow)."""
    statements: list[str] = []
    current: str | None = None
    for line in lines:
        m = ENGINE_LINE.match(line)
        if m:
            if current is not None:
                statements.append(current)
            text = m.group(1)
            current = text if text.startswith(VERBS) else None
        elif current is not None and not line.startswith("["):
            current += " " + line.strip()
        else:
            if current is not None:
                statements.append(current)
            current = None
    if current is not None:
        statements.append(current)
    return [" ".join(s.split()) for s in statements]


def describe(statement: str) -> str:
    """A short, parameter-free name for a statement: ``SELECT organisation WHERE ...``."""
    verb = statement.split()[0]
    if verb == "SELECT":
        table = re.search(r"\bFROM (\w+(?: JOIN \w+)?)", statement)
        where = re.search(r"\bWHERE (.*?)(?: ORDER BY| LIMIT| FOR UPDATE|$)", statement)
        return (f"SELECT {table.group(1) if table else '?'}"
                + (f" WHERE {where.group(1)}" if where else ""))
    return statement[:80]


def count_sql(server: Server, client: Client, method: str, path: str,
              form: dict[str, str] | None, want: int, label: str = "") -> dict[str, Any]:
    before = server.log.stat().st_size
    reply = client.request(method, path, form)
    expect(reply.status == want, f"SQL count: {method} {path} answered {reply.status}, not {want}.")
    time.sleep(0.2)  # the worker logs before it answers; be generous anyway
    with server.log.open("rb") as f:
        f.seek(before)
        lines = f.read().decode(errors="replace").splitlines()
    statements = sql_statements(lines)
    by_kind = {verb: 0 for verb in VERBS}
    names: dict[str, int] = {}
    access_log = entries = 0
    for statement in statements:
        by_kind[statement.split()[0]] += 1
        name = describe(statement)
        names[name] = names.get(name, 0) + 1
        if ACCESS_LOG.search(statement):
            access_log += 1
            entries += statement.startswith("INSERT")
    return {
        "request": f"{method} {path}" + (f" ({label})" if label else ""), "status": reply.status,
        "select": by_kind["SELECT"], "insert": by_kind["INSERT"], "update": by_kind["UPDATE"],
        "delete": by_kind["DELETE"], "statements": len(statements),
        "access_log_statements": access_log, "access_log_entries": entries,
        "by_statement": names,
        # The same statement more than once in one request: a lazy load per row (N+1) or an
        # object loaded again because nothing kept it in the session.
        "repeated": {k: n for k, n in names.items() if n > 1},
    }


def public_sql(echo: Server, portal: Server, path: str) -> dict[str, Any]:
    """The statements of a public municipality page for a visitor without a session (a fresh
    client each time), labelled with how many contact cards the page shows."""
    cards = sum(contact_cards(Client("127.0.0.1", portal.port).get(path).text).values())
    return count_sql(echo, Client("127.0.0.1", echo.port), "GET", path, None, 200,
                     f"public, no session: {cards} contact points")


def check_staff_sql(counts: list[dict[str, Any]], first_view: int) -> dict[str, Any]:
    """The staff patient page must not load per row (N+1). ``counts``: one view of each patient
    on the list, then ``counts[first_view]``'s page again (last). Checks:

    - no statement but the access-log append's runs more than once in a request (a lazy load per
      touchpoint, response or submission would repeat its SELECT);
    - each access-log entry costs the same statements (lock, newest entry, INSERT);
    - the measured page sends exactly the same statements when viewed again, although the access
      log has grown meanwhile.

    Between patients the statements besides the access log may differ by the eager loads that
    SQLAlchemy skips when there is nothing to load (no responses: no submission query)."""
    failures: list[str] = []
    besides = {c["request"]: c["statements"] - c["access_log_statements"] for c in counts}
    per_entry = {c["request"]: (c["access_log_statements"] / c["access_log_entries"]
                                if c["access_log_entries"] else None) for c in counts}
    for c in counts:
        repeated = {k: n for k, n in c["repeated"].items() if not ACCESS_LOG.search(k)}
        if repeated:
            failures.append(f"{c['request']}: statements repeated within the request {repeated} "
                            "(loaded per row: N+1)")
    if len(set(per_entry.values())) != 1 or None in per_entry.values():
        failures.append(f"staff patient page: statements per access-log entry differ or no entry "
                        f"was written ({per_entry})")
    first, again = counts[first_view], counts[-1]
    if first["by_statement"] != again["by_statement"]:
        failures.append(f"{again['request']}: other statements than the first view "
                        f"({first['statements']} → {again['statements']})")
    return {
        "statements_per_view": {c["request"]: c["statements"] for c in counts},
        "statements_besides_access_log": besides,
        "statements_per_access_log_entry": sorted({v for v in per_entry.values() if v}),
        "access_log_entries": {c["request"]: c["access_log_entries"] for c in counts},
        "failures": failures,
    }


# --- 3. throughput ------------------------------------------------------------------------------

@dataclass
class Target:
    name: str
    url: str
    method: str = "GET"
    body: str = ""
    body_alt: str = ""
    expect_class: str = "2"


def run_wrk(target: Target, cookie: str | None, duration: str, threads: int, connections: int
            ) -> dict[str, Any]:
    """Load ``target`` with wrk; ``cookie`` is the session cookie, or None for no session."""
    wrk = shutil.which("wrk")
    if not wrk:
        raise BenchError("wrk not found (apt-get install -y wrk).")
    env = {**os.environ, "BENCH_METHOD": target.method, "BENCH_BODY": target.body,
           "BENCH_BODY_ALT": target.body_alt, "BENCH_EXPECT": target.expect_class}
    header = ["-H", f"Cookie: {SESSION_COOKIE}={cookie}"] if cookie is not None else []
    cmd = [wrk, f"-t{threads}", f"-c{connections}", f"-d{duration}", "--latency",
           "-s", str(WRK_SCRIPT), *header, target.url]
    done = subprocess.run(cmd, env=env, capture_output=True, text=True, timeout=300, check=False)
    line = next((ln for ln in done.stdout.splitlines() if ln.startswith("BENCH_JSON ")), None)
    if done.returncode != 0 or line is None:
        raise BenchError(f"wrk failed ({done.returncode}) on {target.name}:\n{done.stdout}\n"
                         f"{done.stderr}")
    result: dict[str, Any] = json.loads(line.removeprefix("BENCH_JSON "))
    seconds = result["duration_us"] / 1e6
    result.update(
        name=target.name, url=target.url, method=target.method,
        expected_status_class=f"{target.expect_class}xx",
        requests_per_second=result["requests"] / seconds if seconds else 0.0,
        p50_ms=result["latency_us"]["p50"] / 1000, p99_ms=result["latency_us"]["p99"] / 1000,
        errors=result["unexpected_status"] + sum(result["socket_errors"].values()),
        command=" ".join([*cmd[:-1 - len(header)],
                          *(["-H", f"'Cookie: {SESSION_COOKIE}=…'"] if header else []),
                          target.url]),
        wrk_output=done.stdout,
    )
    return result


# --- report -------------------------------------------------------------------------------------

def kb(n: int) -> str:
    return f"{n / 1000:.1f}"


def markdown(results: dict[str, Any]) -> str:
    out: list[str] = []
    weights = results.get("page_weight", [])
    if weights:
        out.append(f"### Page weight (gzip level {GZIP_LEVEL}; budget {kb(BUDGET_BYTES)} kB "
                   "compressed per page, HTML + every resource)\n")
        out.append("| Page | Resource | Kind | Raw (bytes) | gzip-6 (bytes) |")
        out.append("|---|---|---|--:|--:|")
        for w in weights:
            label = w["label"]
            for r in w["resources"]:
                out.append(f"| {label} | `{r['url']}` | {r['kind']} | {r['raw_bytes']:,} | "
                           f"{r['gzip_bytes']:,} |")
            verdict = "within budget" if w["within_budget"] else "**OVER BUDGET**"
            out.append(f"| {label} | **total** | | **{w['total_raw_bytes']:,}** | "
                       f"**{w['total_gzip_bytes']:,}** ({kb(w['total_gzip_bytes'])} kB, "
                       f"{verdict}) |")
        out.append("")
        for w in weights:
            tp = w["third_party_resources"]
            out.append(f"- {w['label']}: third-party resources: "
                       f"{', '.join(tp) if tp else 'none (all same-origin)'}"
                       f"; HTML Cache-Control: {w['resources'][0]['cache_control'] or 'none'}"
                       + (f"; missing: {', '.join(w['missing_resources'])}"
                          if w["missing_resources"] else "")
                       + (f"; external links (not resources): {', '.join(w['external_links'])}"
                          if w["external_links"] else ""))
        out.append("")
    sql = results.get("sql_per_request", [])
    if sql:
        out.append("### SQL statements per request (one request each, PORTAL_ECHO_SQL=true)\n")
        out.append("| Request | SELECT | INSERT | UPDATE | DELETE | Same statement repeated |")
        out.append("|---|--:|--:|--:|--:|---|")
        for s in sql:
            rep = "; ".join(f"`{k}` ×{n}" for k, n in s["repeated"].items()) or "none"
            out.append(f"| `{s['request']}` | {s['select']} | {s['insert']} | {s['update']} | "
                       f"{s['delete']} | {rep} |")
        out.append("")
        check = results.get("staff_sql_check")
        if check:
            verdict = "FAILED" if check["failures"] else "passed"
            per_entry = ", ".join(f"{v:g}" for v in check["statements_per_access_log_entry"])
            views = "; ".join(
                f"{k.split('staff: ')[-1].rstrip(')')}: {n} = "
                f"{check['statements_besides_access_log'][k]} + {per_entry} × "
                f"{check['access_log_entries'][k]}"
                for k, n in check["statements_per_view"].items())
            out.append(f"Staff patient page, N+1 check {verdict}: no statement repeated but the "
                       f"access log's, {per_entry} statements per access-log entry, the same "
                       f"statements when viewed again. Statements per view (= page + {per_entry} "
                       f"× access-log entries written): {views}.")
            out.append("")
    load = results.get("load", {})
    if load.get("targets"):
        cfg = load["config"]
        out.append(f"### Throughput (gunicorn -w {GUNICORN_WORKERS} sync; wrk -t{cfg['threads']} "
                   f"-c{cfg['connections']} -d{cfg['duration']} --latency; {cfg['cpus']} CPUs "
                   "shared by wrk and the servers)\n")
        out.append("| Target | req/s | p50 (ms) | p99 (ms) | Requests | Errors |")
        out.append("|---|--:|--:|--:|--:|--:|")
        for t in load["targets"]:
            out.append(f"| {t['name']} | {t['requests_per_second']:.0f} | {t['p50_ms']:.1f} | "
                       f"{t['p99_ms']:.1f} | {t['requests']:,} | {t['errors']} |")
        out.append("")
        r = load["ratios"]
        out.append("| Ratio (same run; bare = mean of before and after) | req/s | p50 latency |")
        out.append("|---|--:|--:|")
        out.append(f"| portal GET / bare | {r['portal_get_over_bare_rps']:.2f} | "
                   f"{r['portal_get_over_bare_p50']:.1f}× |")
        out.append(f"| portal POST / bare | {r['portal_post_over_bare_rps']:.2f} | "
                   f"{r['portal_post_over_bare_p50']:.1f}× |")
        out.append(f"| staff patient page / bare | {r['staff_get_over_bare_rps']:.2f} | "
                   f"{r['staff_get_over_bare_p50']:.1f}× |")
        out.append(f"| public municipality page (no session) / bare | "
                   f"{r['public_get_over_bare_rps']:.2f} | {r['public_get_over_bare_p50']:.1f}× |")
        out.append("")
        drift = r["bare_after_over_bare_before_rps"]
        out.append(f"Bare after/before: {drift:.2f} (far from 1.00 means the machine was busy with "
                   "something else: rerun). Load average before/after: "
                   + " / ".join(", ".join(f"{x:.1f}" for x in results.get(k, ()))
                                for k in ("load_average_before", "load_average_after")))
        out.append("")
    if results.get("failures"):
        out.append("### Failed checks\n")
        out.extend(f"- {f}" for f in results["failures"])
        out.append("")
    return "\n".join(out)


# --- main ---------------------------------------------------------------------------------------

def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--duration", default="10s", help="wrk -d per target (default 10s)")
    parser.add_argument("--threads", type=int, default=2, help="wrk -t (default 2)")
    parser.add_argument("--connections", type=int, default=16, help="wrk -c (default 16)")
    parser.add_argument("--no-load", action="store_true", help="page weight and SQL only")
    parser.add_argument("--output", type=Path, default=ARTIFACTS / "results.json")
    args = parser.parse_args(argv)

    started = time.monotonic()
    args.output.parent.mkdir(parents=True, exist_ok=True)
    log_dir = args.output.parent / "logs"
    log_dir.mkdir(exist_ok=True)
    tmp = Path(tempfile.mkdtemp(prefix="portal-bench-"))
    bench_db = os.environ.get("PORTAL_BENCH_DATABASE_URL", "").strip()
    env = portal_env(tmp, bench_db)
    results: dict[str, Any] = {
        "started_at": datetime.now(UTC).isoformat(timespec="seconds"),
        "machine": {"cpus": os.cpu_count(), "python": platform.python_version(),
                    "platform": platform.platform()},
        "database": "PORTAL_BENCH_DATABASE_URL" if bench_db else "sqlite (default)",
        "failures": [],
    }
    servers: list[Server] = []
    code = 0
    try:
        # 1. Database and demo personas. --reset keeps a reused external database repeatable.
        demo = subprocess.run([venv_bin("portal"), "demo", "--no-serve",
                               *(["--reset"] if bench_db else [])],
                              env=env, cwd=tmp, capture_output=True, text=True, check=False,
                              timeout=120)
        if demo.returncode != 0:
            raise BenchError(f"portal demo --no-serve failed:\n{demo.stdout}\n{demo.stderr}")

        # 2. The servers, started together; the sign-in and echo servers are stopped before the
        #    load. All four serve the same instance: same database, same secret key.
        portal = start_gunicorn("portal", "portal:create_app()", env, tmp, log_dir)
        servers.append(portal)
        bare = start_gunicorn("bare", "bare_app:create_app()", env, tmp, log_dir,
                              extra=("--pythonpath", str(BENCH)))
        servers.append(bare)
        echo = start_gunicorn("portal-echo-sql", "portal:create_app()",
                              {**env, "PORTAL_ECHO_SQL": "true"}, tmp, log_dir, workers=1)
        servers.append(echo)
        signer = start_sign_in_server(env, tmp, log_dir)
        servers.append(signer)
        for server, ready in ((portal, "/sign-in"), (bare, "/"), (echo, "/sign-in"),
                              (signer, "/sign-in")):
            wait_ready(server, ready)

        # 3. Sign in (on the sign-in server), then carry the cookies to the measured server and
        #    check every request that will be measured there.
        def signed_in(national_id: str, profile: str) -> Client:
            browser = Client("127.0.0.1", signer.port)
            sign_in(browser, national_id, profile)
            return Client("127.0.0.1", portal.port, dict(browser.cookies))

        client = signed_in(PERSONA, "citizen")
        staff_client = signed_in(STAFF_PERSONA, "staff")
        signer.stop()
        servers.remove(signer)
        touchpoint = open_touchpoint(client)
        topic = load_step(client, touchpoint, STEP_TOPIC)
        scale = load_step(client, touchpoint, STEP_SCALE)
        expect(any(v == [str(n) for n in range(11)] for v in scale.fields.values()),
               f"Step {STEP_SCALE} has no 0–10 scale ({scale.fields}).")
        answer, answer_alt = answers_for(topic)
        post_form = {"csrf_token": topic.csrf_token, "action": "next", **answer}
        post_alt = {**post_form, **answer_alt}
        next_path = step_path(touchpoint, STEP_TOPIC + 1)

        def check_post(form: dict[str, str]) -> Reply:
            posted = client.post(topic.path, form)
            expect(posted.status == 303, f"POST {topic.path} answered {posted.status}, not 303:"
                                         f"\n{' '.join(posted.text.split())[:600]}")
            expect(urlsplit(posted.headers.get("Location", "")).path == next_path,
                   f"POST {topic.path} redirected to {posted.headers.get('Location')}, "
                   f"not {next_path}.")
            return posted

        posted = check_post(post_alt)
        check_post(post_form)
        again = load_step(client, touchpoint, STEP_TOPIC)  # the saved answer shows, still signed in
        expect(again.heading == topic.heading, "Step 5 changed its heading after the POST.")

        def check_bare() -> None:
            page = Client("127.0.0.1", bare.port).get("/")
            expect(page.status == 200 and parse(page.text).heading("step-heading") != "",
                   f"The bare app answered {page.status} without its heading.")

        check_bare()
        staff_list = staff_patients(staff_client)
        expect(STAFF_PATIENT_LINK in staff_list,
               f"{STAFF_PATIENT_LINK!r} is not on the nurse's patient list ({sorted(staff_list)}).")
        staff_page = load_staff_page(staff_client, staff_list[STAFF_PATIENT_LINK])

        def check_staff() -> None:
            page = load_staff_page(staff_client, staff_page.patient_id)
            expect(page.heading == staff_page.heading,
                   f"{staff_page.path} shows {page.heading!r}, not {staff_page.heading!r}.")

        check_staff()

        def anonymous() -> Client:
            """A visitor from a search engine: no cookie at all."""
            return Client("127.0.0.1", portal.port)

        def check_public() -> None:
            page = load_public(anonymous(), PUBLIC_MUNICIPALITY, municipality=True)
            expect(page.heading == public.heading and page.cards == public.cards,
                   f"{PUBLIC_MUNICIPALITY} shows {page.heading!r} with cards {page.cards}, not "
                   f"{public.heading!r} with {public.cards}.")

        public = load_public(anonymous(), PUBLIC_MUNICIPALITY, municipality=True)
        search_page = load_public(anonymous(), PUBLIC_SEARCH, municipality=False)
        # The portal sends this only to a visitor without a session (security.cache_publicly):
        # anything else means the page was not served as it is to an anonymous visitor.
        for checked in (public, search_page):
            expect(checked.cache_control == PUBLIC_CACHE_CONTROL,
                   f"GET {checked.path} (no session) sent Cache-Control "
                   f"{checked.cache_control!r}, not {PUBLIC_CACHE_CONTROL!r}.")
        results["checked"] = {
            "persona": PERSONA, "touchpoint": touchpoint,
            "get": {"path": topic.path, "status": 200, "heading": topic.heading},
            "scale": {"path": scale.path, "status": 200, "heading": scale.heading},
            "post": {"path": topic.path, "status": posted.status, "answers": [answer, answer_alt],
                     "location": posted.headers.get("Location")},
            "after_post": {"status": 200, "heading": again.heading},
            "bare": {"status": 200},
            "staff": {"persona": STAFF_PERSONA, "path": staff_page.path, "status": 200,
                      "heading": staff_page.heading, "patients": staff_list},
            "public": {"path": public.path, "status": 200, "heading": public.heading,
                       "contact_cards": public.cards, "cache_control": public.cache_control,
                       "cookies_sent": 0, "cookies_set": 0},
            "public_search": {"path": search_page.path, "status": 200,
                              "heading": search_page.heading,
                              "municipalities_listed": search_page.results,
                              "cache_control": search_page.cache_control},
        }

        # 4. Page weight: two steps, signed in; the public pages with a client without cookies.
        weights = []
        for step in (topic, scale):
            w = page_weight(client, step.path)
            w["step"] = step.number
            w["label"] = f"step {step.number} ({w['heading']})"
            weights.append(w)
        for shown in (public, search_page):
            w = page_weight(anonymous(), shown.path)
            w["label"] = f"public `{shown.path}` (no session)"
            weights.append(w)
        for w in weights:
            results["failures"] += weight_failures(w)
        results["page_weight"] = weights

        # 5. SQL statements per request (same database and secret: the same cookie works).
        echo_client = Client("127.0.0.1", echo.port, dict(client.cookies))
        count_sql(echo, echo_client, "GET", topic.path, None, 200)  # warm up: first connection
        results["sql_per_request"] = [
            count_sql(echo, echo_client, "GET", "/patient/", None, 200),
            count_sql(echo, echo_client, "GET", topic.path, None, 200),
            count_sql(echo, echo_client, "GET", scale.path, None, 200),
            count_sql(echo, echo_client, "POST", topic.path, post_alt, 303, "answer changed"),
            count_sql(echo, echo_client, "POST", topic.path, post_alt, 303, "same answer again"),
        ]
        # The staff patient page for every patient on the nurse's list (they differ in how many
        # touchpoints and submitted answers they have), then the measured one again (its access
        # log has grown meanwhile).
        echo_staff = Client("127.0.0.1", echo.port, dict(staff_client.cookies))
        count_sql(echo, echo_staff, "GET", staff_page.path, None, 200)  # warm up
        names = sorted(staff_list)
        staff_sql = [count_sql(echo, echo_staff, "GET", f"/staff/patients/{staff_list[name]}",
                               None, 200, f"staff: {name}") for name in names]
        staff_sql.append(count_sql(echo, echo_staff, "GET", staff_page.path, None, 200,
                                   f"staff: {STAFF_PATIENT_LINK}, viewed again"))
        results["sql_per_request"] += staff_sql
        results["staff_sql_check"] = check_staff_sql(staff_sql,
                                                     names.index(STAFF_PATIENT_LINK))
        results["failures"] += results["staff_sql_check"]["failures"]
        # The public page without a session, and a municipality with fewer contact points (none
        # of its own): the statements must not grow with the contact points.
        fewer = canonical_path(anonymous(), PUBLIC_FEWER_CARDS)
        for path in (PUBLIC_MUNICIPALITY, fewer):
            count_sql(echo, Client("127.0.0.1", echo.port), "GET", path, None, 200)  # warm up
        results["sql_per_request"] += [public_sql(echo, portal, path)
                                       for path in (PUBLIC_MUNICIPALITY, fewer)]
        echo.stop()
        servers.remove(echo)

        # 6. Load, all targets in this one run. Each is checked again just before it is measured,
        #    with the newest cookie (the portal refreshes its idle timestamp once a minute).
        if not args.no_load:
            origin = f"http://127.0.0.1:{portal.port}"

            def check_get() -> None:
                page = load_step(client, touchpoint, STEP_TOPIC)
                expect(page.heading == topic.heading, "Step 5 shows another heading.")

            def check_posts() -> None:
                check_post(post_alt)
                check_post(post_form)

            # The bare page is measured before and after the portal, and the ratios use the mean
            # of the two: drift from whatever else the machine does then shows as a difference
            # between the two bare rows instead of silently skewing the ratio.
            bare_target = Target("bare Flask GET (one template)", f"http://127.0.0.1:{bare.port}/")
            targets: list[tuple[str, Target, Callable[[], None], Client | None]] = [
                ("bare_before", bare_target, check_bare, client),
                ("portal_get", Target(f"portal GET step {STEP_TOPIC}", origin + topic.path),
                 check_get, client),
                ("portal_post", Target(f"portal POST step {STEP_TOPIC} (303, answer alternates)",
                                       origin + topic.path, "POST", urlencode(post_form),
                                       urlencode(post_alt), "3"), check_posts, client),
                ("staff_get", Target("staff GET patient page (writes the access log)",
                                     origin + staff_page.path), check_staff, staff_client),
                ("public_get", Target("public GET municipality page (no session)",
                                      origin + PUBLIC_MUNICIPALITY), check_public, None),
                ("bare_after", bare_target, check_bare, client),
            ]
            results["load_average_before"] = os.getloadavg()
            measured = []
            by_role: dict[str, dict[str, Any]] = {}
            for role, target, check, signed_in_as in targets:
                check()
                # No cookie at all for the public page (wrk keeps none: every request is anonymous).
                cookie = signed_in_as.cookies[SESSION_COOKIE] if signed_in_as else None
                run_wrk(target, cookie, "1s", args.threads, args.connections)  # warm-up
                result = run_wrk(target, cookie, args.duration, args.threads, args.connections)
                result["role"] = role
                if role.startswith("bare"):
                    result["name"] += f" ({role.removeprefix('bare_')})"
                measured.append(result)
                by_role[role] = result
            results["load_average_after"] = os.getloadavg()
            bare_rps = (by_role["bare_before"]["requests_per_second"]
                        + by_role["bare_after"]["requests_per_second"]) / 2
            bare_p50 = (by_role["bare_before"]["p50_ms"] + by_role["bare_after"]["p50_ms"]) / 2
            get_r, post_r = by_role["portal_get"], by_role["portal_post"]
            staff_r, public_r = by_role["staff_get"], by_role["public_get"]
            results["load"] = {
                "config": {"threads": args.threads, "connections": args.connections,
                           "duration": args.duration, "gunicorn_workers": GUNICORN_WORKERS,
                           "sign_in_server": f"gunicorn -w 1 {' '.join(SIGN_IN_SERVER_ARGS)} "
                                             "(signs the clients in; stopped before the load)",
                           "cpus": os.cpu_count()},
                "targets": measured,
                "bare_mean": {"requests_per_second": bare_rps, "p50_ms": bare_p50},
                "ratios": {
                    "portal_get_over_bare_rps": get_r["requests_per_second"] / bare_rps,
                    "portal_post_over_bare_rps": post_r["requests_per_second"] / bare_rps,
                    "portal_get_over_bare_p50": get_r["p50_ms"] / bare_p50,
                    "portal_post_over_bare_p50": post_r["p50_ms"] / bare_p50,
                    "staff_get_over_bare_rps": staff_r["requests_per_second"] / bare_rps,
                    "staff_get_over_bare_p50": staff_r["p50_ms"] / bare_p50,
                    "public_get_over_bare_rps": public_r["requests_per_second"] / bare_rps,
                    "public_get_over_bare_p50": public_r["p50_ms"] / bare_p50,
                    "bare_after_over_bare_before_rps":
                        by_role["bare_after"]["requests_per_second"]
                        / by_role["bare_before"]["requests_per_second"],
                },
            }
            for t in measured:
                if t["errors"]:
                    results["failures"].append(
                        f"{t['name']}: {t['unexpected_status']} responses outside "
                        f"{t['expected_status_class']} (statuses {t['statuses']}), socket "
                        f"errors {t['socket_errors']}")
            time.sleep(1)  # let gunicorn finish requests wrk left queued
            check_get()  # still signed in, still the right page after the load
            check_staff()
            check_public()
        code = 1 if results["failures"] else 0
    except BenchError as exc:
        results["error"] = str(exc)
        code = 2
    finally:
        for server in servers:
            server.stop()
        shutil.rmtree(tmp, ignore_errors=True)
        results["seconds"] = round(time.monotonic() - started, 1)
        args.output.write_text(json.dumps(results, indent=2, ensure_ascii=False) + "\n")

    print(markdown(results))
    if "error" in results:
        print(f"BENCHMARK COULD NOT RUN: {results['error']}", file=sys.stderr)
    shown = args.output.relative_to(ROOT) if args.output.is_relative_to(ROOT) else args.output
    print(f"Results: {shown} ({results['seconds']} s; server logs in {log_dir})")
    return code


if __name__ == "__main__":
    sys.exit(main())
