"""Every kind of page is valid HTML, judged by the Nu HTML Checker (vnu.jar, installed by
tests/run.sh with npm). One checker run for all pages keeps it to a couple of seconds."""

from __future__ import annotations

import json
import os
import shutil
import subprocess
from pathlib import Path

import pytest

from tests import factories
from tests.helpers import PortalClient
from tests.integration import journey

ROOT = Path(__file__).resolve().parents[2]
VNU = Path(os.environ.get("PORTAL_VNU_JAR",
                          ROOT / "tests/.tools/node_modules/vnu-jar/build/dist/vnu.jar"))


def _pages(client: PortalClient, db) -> dict[str, str]:
    """The HTML of every kind of page and state a patient can reach."""
    pages: dict[str, str] = {}

    def keep(name: str, url: str, status: int = 200) -> None:
        pages[name] = client.get(url, status=status).response.get_data(as_text=True)

    keep("start", "/")
    keep("sign-in", "/sign-in")
    keep("dev-provider", client.provider_page())
    keep("dev-provider-staff", client.provider_page("staff"))
    keep("not-found", "/no-such-page", status=404)
    person, tp = journey.signed_in_patient(client, db)
    keep("home-before", "/patient/")
    for number, page in enumerate(journey.needs().pages, start=1):
        keep(f"step-{number}-{page.id}", journey.step_url(tp, number))
        journey.answer(client, tp, number, journey.ANSWERS.get(page.id, {}))
    url = journey.step_url(tp, "work")
    errors = client.post_page(url, journey.fill_step(client, url, {"work_note": "x" * 2001}))
    pages["step-with-errors"] = errors.response.get_data(as_text=True)
    keep("review", journey.touchpoint_url(tp, "review"))
    journey.submit(client, tp)
    keep("receipt", journey.touchpoint_url(tp, "receipt"))
    keep("home-after", "/patient/")
    upcoming = journey.touchpoint_id(person, 3)
    keep("not-open", journey.touchpoint_url(upcoming, "questionnaire"))
    other = factories.patient(db, diagnosed_days_ago=5)
    keep("other-patient", journey.touchpoint_url(journey.touchpoint_id(other, 1), "review"),
         status=404)
    keep("access-log", "/patient/access-log")
    keep("contacts", "/contacts")
    _other_people(client.app, db, person, pages)
    keep("home-with-what-we-agreed", "/patient/")
    return pages


def _other_people(app, db, person, pages: dict[str, str]) -> None:
    """Staff, relatives, and the sign-in's own pages (failures, sign-out)."""
    def keep(client: PortalClient, name: str, url: str, status: int = 200) -> None:
        pages[name] = client.get(url, status=status).response.get_data(as_text=True)

    def keep_response(name: str, response) -> None:
        pages[name] = response.get_data(as_text=True)

    nurse = factories.staff_member(db, person.pathways[0].municipality)
    admin = factories.staff_member(db, person.pathways[0].municipality, clinician=False,
                                   administrator=True)
    staff = PortalClient(app)
    staff.sign_in_staff(nurse.national_id)
    keep(staff, "staff-home", "/staff/")
    keep(staff, "staff-patient", f"/staff/patients/{person.id}")
    _clinician_pages(app, db, person, staff, pages)
    boss = PortalClient(app)
    boss.sign_in_staff(admin.national_id)
    keep(boss, "worklist-administrator", "/staff/")
    keep(boss, "admin-staff-list", "/admin/access-log")
    keep(boss, "admin-staff", f"/admin/access-log/staff/{nurse.id}")
    keep(boss, "admin-staff-bad-dates", f"/admin/access-log/staff/{nurse.id}?start=31.02.2026")
    relative = factories.relative(db, of=person)
    family = PortalClient(app)
    family.sign_in(relative.national_id)
    keep(family, "relative-home", "/relative/")
    keep(family, "relative-patient", f"/relative/patients/{person.id}")
    token = family.get("/relative/").csrf_token()
    family.post("/sign-out", {"csrf_token": token})
    keep(family, "signed-out-onward", "/signed-out")
    stranger = PortalClient(app)
    keep_response("no-pathway", stranger.sign_in(factories.national_id("010190")))
    keep_response("acr-too-low", stranger.sign_in(person.national_id,
                                                  acr="idporten-loa-substantial"))
    keep_response("no-staff-access", _no_staff_access(app, db))


def _clinician_pages(app, db, person, municipal: PortalClient, pages: dict[str, str]) -> None:
    """The clinician's pages in their states: the municipality holds touchpoint 2, which the
    patient has sent; the hospital holds touchpoint 1 (held) and hands it over."""
    def keep(client: PortalClient, name: str, url: str, status: int = 200) -> None:
        pages[name] = client.get(url, status=status).response.get_data(as_text=True)

    def post(client: PortalClient, name: str, url: str, values: dict[str, object]) -> None:
        data = {**client.get(url).form_data("main form[method=post]"), **values}
        pages[name] = client.post_page(url, data).response.get_data(as_text=True)

    tp2 = journey.touchpoint_id(person, 2)
    tp1 = journey.touchpoint_id(person, 1)
    keep(municipal, "worklist-search", "/staff/?q=Pasient&touchpoint=2&state=submitted")
    keep(municipal, "worklist-search-error", "/staff/?q=12345678901")
    keep(municipal, "summary", f"/staff/touchpoints/{tp2}/summary")
    keep(municipal, "summary-identity", f"/staff/touchpoints/{tp2}/summary?show=identity")
    keep(municipal, "appointment", f"/staff/touchpoints/{tp2}/appointment")
    post(municipal, "appointment-errors", f"/staff/touchpoints/{tp2}/appointment",
         {"day": "31.02.2026", "at": "25:00"})
    keep(municipal, "decline", f"/staff/touchpoints/{tp2}/decline")
    keep(municipal, "conversation", f"/staff/touchpoints/{tp2}/conversation")
    post(municipal, "conversation-errors", f"/staff/touchpoints/{tp2}/conversation",
         {"held_on": "2999-01-01"})
    keep(municipal, "new-action", f"/staff/touchpoints/{tp2}/actions/new")
    post(municipal, "new-action-errors", f"/staff/touchpoints/{tp2}/actions/new",
         {"what": "", "contact": "+47 12"})
    hospital = PortalClient(app)
    hospital.sign_in_staff(factories.staff_member(db, person.pathways[0].hospital).national_id)
    keep(hospital, "worklist-hospital", "/staff/")
    keep(hospital, "enrol", "/staff/patients/new")
    post(hospital, "enrol-errors", "/staff/patients/new",
         {"national_id": "12345678901", "diagnosis_date": "i går", "email": "kari@"})
    keep(hospital, "hand-over", f"/staff/pathways/{person.pathways[0].id}/hand-over")
    url = f"/staff/touchpoints/{tp1}/actions/new"
    form = hospital.get(url).form_data("main form[method=post]")
    created = hospital.post(url, {**form, "what": "Samtale med sosionom", "responsible": "NAV",
                                  "needs": ["work"], "contact": "55 55 55 55"})
    action = created.location.split("#")[0] if created.location else ""
    pages["after-new-action"] = hospital.get(action).response.get_data(as_text=True)
    keep(municipal, "summary-handed-over-before", f"/staff/touchpoints/{tp1}/summary", 404)
    keep(hospital, "summary-hospital", f"/staff/touchpoints/{tp1}/summary")
    hand_over = f"/staff/pathways/{person.pathways[0].id}/hand-over"
    hospital.post(hand_over, {"csrf_token": hospital.get(hand_over).csrf_token()})
    keep(hospital, "hand-over-done", hand_over)
    keep(municipal, "summary-handed-over", f"/staff/touchpoints/{tp1}/summary")
    keep(municipal, "staff-patient-handed-over", f"/staff/patients/{person.id}")


def _no_staff_access(app, db):
    """HelseID knows them (a staff record elsewhere), this organisation does not: 403."""
    member = factories.staff_member(db, factories.organisations(db)[0])
    member.active = False
    db.commit()
    return PortalClient(app).sign_in_staff(member.national_id)


@pytest.mark.skipif(not VNU.exists(), reason=f"the Nu HTML Checker is not installed at {VNU} "
                    "(bash tests/run.sh installs it with npm)")
@pytest.mark.skipif(shutil.which("java") is None, reason="Java is needed for the Nu HTML Checker")
def test_every_page_is_valid_html(client: PortalClient, db, tmp_path: Path) -> None:
    files = []
    for name, html in _pages(client, db).items():
        path = tmp_path / f"{name}.html"
        path.write_text(html, encoding="utf-8")
        files.append(str(path))
    assert len(files) >= 30
    result = subprocess.run(["java", "-jar", str(VNU), "--format", "json", "--stdout", *files],
                            capture_output=True, text=True, timeout=120, check=False)
    messages = json.loads(result.stdout)["messages"]
    problems = [f"{Path(m.get('url', '')).name}:{m.get('lastLine')}: {m['message']}"
                for m in messages if m["type"] == "error"
                or m.get("subType") == "warning"]
    assert not problems, "\n".join(problems)
