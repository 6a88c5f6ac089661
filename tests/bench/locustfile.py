"""Locust users for ``journey.py``: patients who sign in, fill in the questionnaire and send it,
and the bare Flask page for comparison. Run by ``journey.py``, not by hand (it prepares the
patients and writes the plan this file reads from ``PORTAL_BENCH_PLAN``).

Runs in its own virtual environment (``tests/.tools/locust``): locust brings gevent, which the
portal's own environment does not need. So this file imports nothing from the portal; what the
patient answers on each page comes from the plan, which ``journey.py`` builds from the
questionnaire definition and the answers the integration tests use.

Every request is checked (status and where it leads): a wrong answer counts as a failure in
locust's statistics, and the run fails with any failure.
"""

from __future__ import annotations

import itertools
import json
import os
import re
import threading
from html.parser import HTMLParser
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

from locust import HttpUser, between, constant, task

PLAN: dict[str, Any] = (json.loads(Path(os.environ["PORTAL_BENCH_PLAN"]).read_text())
                        if "PORTAL_BENCH_PLAN" in os.environ else {"patients": [], "steps": []})

#: Each simulated user takes the next patient: no two users answer for the same person.
_next_patient = itertools.count()
_lock = threading.Lock()


class Form(HTMLParser):
    """What a browser would send from one form of a page as it stands (the first POST form whose
    action matches ``action``): hidden fields, checked boxes and radios, text fields and text
    areas with their current values."""

    def __init__(self, text: str, action: str = ".*") -> None:
        super().__init__()
        self.values: dict[str, list[str]] = {}
        self.action = ""
        self._pattern = re.compile(action)
        self._inside = False
        self._textarea: str | None = None
        self.feed(text)

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        found = {k: v or "" for k, v in attrs}
        if (tag == "form" and not self.action and found.get("method", "").lower() == "post"
                and self._pattern.fullmatch(urlsplit(found.get("action", "")).path)):
            self.action = found.get("action", "")
            self._inside = True
        name = found.get("name")
        if not name or not self._inside:
            return
        if tag == "textarea":
            self._textarea = name
            self.values.setdefault(name, [""])
        elif tag == "input":
            kind = found.get("type", "text")
            if kind in ("checkbox", "radio"):
                if "checked" in found:
                    self.values.setdefault(name, []).append(found.get("value", "on"))
            elif kind not in ("submit", "button"):
                self.values.setdefault(name, []).append(found.get("value", ""))

    def handle_data(self, data: str) -> None:
        if self._textarea:
            self.values[self._textarea] = [self.values[self._textarea][0] + data]

    def handle_endtag(self, tag: str) -> None:
        if tag == "textarea":
            self._textarea = None
        elif tag == "form":
            self._inside = False


def _filled(page: str, form_action: str, values: dict[str, Any],
            action: str | None) -> list[tuple[str, str]]:
    form = Form(page, form_action).values
    for name, value in values.items():
        form[name] = [str(v) for v in value] if isinstance(value, list) else [str(value)]
    if action:
        form["action"] = [action]
    return [(name, value) for name, values_ in form.items() for value in values_]


class _Patient(HttpUser):
    """What every simulated patient does. It has no task: locust runs a parent class's tasks in
    its subclasses too, so each kind of patient below has its own."""

    abstract = True

    def on_start(self) -> None:
        with _lock:
            index = next(_next_patient)
        patients = PLAN["patients"]
        if index >= len(patients):
            raise RuntimeError(f"The plan has {len(patients)} patients; user {index + 1} has "
                               "none of its own.")
        self.national_id, self.touchpoint = patients[index]

    def _expect(self, method: str, path: str, name: str, status: int,
                leads_to: str | None = None, **kwargs: Any) -> Any:
        with self.client.request(method, path, name=name, allow_redirects=False,
                                 catch_response=True, **kwargs) as reply:
            location = urlsplit(reply.headers.get("Location", "")).path
            if reply.status_code != status:
                reply.failure(f"{reply.status_code}, not {status}")
            elif leads_to is not None and not re.fullmatch(leads_to, location):
                reply.failure(f"went to {location!r}, not {leads_to!r}")
            else:
                reply.success()
            return reply

    def _pause(self) -> None:
        self.wait()

    def sign_in(self) -> None:
        self.client.cookies.clear()
        begun = self._expect("GET", "/sign-in/citizen/start", "1 sign-in: start", 303,
                             "/dev-idp/authorize")
        provider = begun.headers.get("Location", "")
        provider_path = urlsplit(provider)._replace(scheme="", netloc="").geturl()
        page = self._expect("GET", provider_path, "2 sign-in: provider's page", 200)
        form = Form(page.text).values
        sent = self._expect("POST", provider_path, "3 sign-in: provider's form", 302,
                            "/sign-in/citizen/callback",
                            data={"csrf_token": form.get("csrf_token", [""])[0],
                                  "national_id": self.national_id, "acr": "idporten-loa-high"})
        callback = urlsplit(sent.headers.get("Location", ""))
        self._expect("GET", f"{callback.path}?{callback.query}", "4 sign-in: callback", 303,
                     "/patient/")
        self._expect("GET", "/patient/", "5 home", 200)

    def answer_and_send(self) -> None:
        base = f"/patient/touchpoints/{self.touchpoint}"
        steps = PLAN["steps"]
        for number, values in enumerate(steps, start=1):
            path = f"{base}/steps/{number}"
            shown = self._expect("GET", path, "6 questionnaire page (GET)", 200)
            self._pause()
            after = rf"{base}/(steps/\d+|review)"
            self._expect("POST", path, "7 questionnaire page (POST, saves)", 303, after,
                         data=_filled(shown.text, re.escape(path), values, "next"))
            self._pause()
        review = self._expect("GET", f"{base}/review", "8 review", 200)
        self._pause()
        submit = rf"{re.escape(base)}/submit"
        self._expect("POST", f"{base}/submit", "9 send", 303,
                     data=_filled(review.text, submit, {}, None))
        self.review = review.text


class Patient(_Patient):
    """One patient, again and again: sign in, open the home page, answer every page of the
    questionnaire, open the review, send it, sign out. Sending again after changing answers is
    allowed until the conversation is held, so each round is a real submission.

    Between requests a patient waits 1–3 seconds: far quicker than anyone reads a page, but a
    person rather than a loop, so the latencies are those of a busy day rather than of a queue.
    """

    wait_time = between(1, 3)

    @task
    def journey(self) -> None:
        self.sign_in()
        self.answer_and_send()
        out = Form(self.review, "/sign-out").values
        self._expect("POST", "/sign-out", "10 sign out", 303,
                     data={"csrf_token": out.get("csrf_token", [""])[0]})


#: One sign-in at a time at full speed: the rest of the run is what counts.
_signing_in = threading.Lock()


class PatientAtFullSpeed(_Patient):
    """For the throughput ratio: patients signed in once (one at a time), then answering and
    sending with no pause at all, like the bare page's users."""

    wait_time = constant(0)

    def on_start(self) -> None:
        super().on_start()
        with _signing_in:
            self.sign_in()

    def _pause(self) -> None:
        pass

    @task
    def journey(self) -> None:
        self.answer_and_send()


class Bare(HttpUser):
    """The bare Flask page (``bare_app.py``) under the same load and server settings."""

    wait_time = constant(0)

    @task
    def page(self) -> None:
        with self.client.get("/", name="bare page", catch_response=True) as reply:
            if reply.status_code != 200:
                reply.failure(f"{reply.status_code}, not 200")
