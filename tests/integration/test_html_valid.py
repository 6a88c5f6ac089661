"""Every kind of page is valid HTML, judged by the Nu HTML Checker (vnu.jar, installed by
tests/run.sh with npm). One checker run for all pages keeps it to a couple of seconds."""

from __future__ import annotations

import json
import os
import shutil
import subprocess
from pathlib import Path

import pytest
from sqlalchemy import select

from portal.relatives.models import RelativeInvitation, RelativeLink
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
    # Right to left, and a step whose typed text came back through a language switch.
    switch = client.get(url).one('header nav.language button[lang="ar"]')["formaction"]
    client.post(switch, journey.fill_step(client, url, {"work_note": "Jeg er redd."}))
    keep("step-arabic-kept-draft", url)
    keep("review-arabic", journey.touchpoint_url(tp, "review"))
    client.raw.get("/language/nb")
    journey.answer(client, tp, "work", {})
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
    keep("accessibility-statement", "/accessibility")
    keep("help", "/help")
    _contact_pages(client, db, person, pages)
    _other_people(client.app, db, person, pages)
    _invitation_pages(client, db, person, pages)
    keep("home-with-what-we-agreed", "/patient/")
    return pages


def _contact_pages(client: PortalClient, db, person, pages: dict[str, str]) -> None:
    """The public contact lookup, seen by nobody signed in, with full contact cards, and the
    patient's own contact page with its GP form in error."""
    from datetime import time, timedelta

    from portal.contacts import lookup
    from portal.contacts.models import OpeningException, ServedMunicipality, monday_to_friday
    from portal.contacts.reference import SHIPPED_CSV, SHIPPED_VALID_FROM, load_municipalities
    from portal.contacts.reference import read_csv as read_municipalities

    load_municipalities(db, read_municipalities(SHIPPED_CSV), SHIPPED_VALID_FROM)
    municipality = person.pathways[0].municipality
    municipality.municipality_number = "4601"
    contact = municipality.contact_points[0]
    contact.sms, contact.email = "+4791234567", "kreft@example.org"
    contact.address, contact.note = "Rådhusgaten 10, 5014 Bergen", "Ring før 10.\nTakk."
    contact.opening_hours = monday_to_friday(time(8, 0), time(15, 30))
    contact.exceptions = [OpeningException(day=lookup.today() + timedelta(days=3))]
    db.add(ServedMunicipality(hospital=person.pathways[0].hospital, municipality_number="4601"))
    db.commit()
    anonymous = PortalClient(client.app)
    for name, url, status in (
            ("contacts-choose", "/contacts", 200), ("contacts-results", "/contacts?q=berg", 200),
            ("contacts-no-results", "/contacts?q=Atlantis", 200),
            ("contacts-search-error", "/contacts?q=" + "x" * 101, 200),
            ("contacts-municipality", "/contacts/4601-bergen", 200),
            ("contacts-nothing-registered", "/contacts/0301-oslo", 200),
            ("contacts-not-found", "/contacts/9999-nowhere", 404)):
        pages[name] = anonymous.get(url, status=status).response.get_data(as_text=True)
    page = client.get("/patient/contacts")
    pages["patient-contacts"] = page.response.get_data(as_text=True)
    pages["patient-contacts-errors"] = client.post_page("/patient/contacts", {
        "csrf_token": page.csrf_token(), "gp_name": "", "gp_phone": "12"}
    ).response.get_data(as_text=True)
    page = client.get("/patient/notices")
    pages["patient-notices"] = page.response.get_data(as_text=True)
    pages["patient-notices-errors"] = client.post_page("/patient/notices", {
        "csrf_token": page.csrf_token(), "channel": "sms", "mobile": "12", "email": "kari@"}
    ).response.get_data(as_text=True)


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
    keep(boss, "monitoring", "/staff/monitoring")
    keep(boss, "monitoring-quarter", "/staff/monitoring?period=quarter")
    keep(boss, "monitoring-export-errors", "/staff/monitoring/held.csv?from=&to=31.02.2026")
    _contact_admin_pages(app, db, pages)
    relative = factories.relative(db, of=person)
    family = PortalClient(app)
    family.sign_in(relative.national_id)
    keep(family, "relative-home", "/relative/")
    keep(family, "relative-notices", "/relative/notices")
    keep(family, "relative-patient", f"/relative/patients/{person.id}")
    _relative_questionnaire_pages(family, staff, person, pages)
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
    keep(hospital, "guardians", f"/staff/patients/{person.id}/guardians")
    post(hospital, "guardians-errors", f"/staff/patients/{person.id}/guardians",
         {"national_id": "12345678901", "relation": ""})
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


def _contact_admin_pages(app, db, pages: dict[str, str]) -> None:
    """The administrator's contact points and served municipalities (portal/contacts/admin.py),
    with errors."""
    from portal.contacts.reference import SHIPPED_CSV, SHIPPED_VALID_FROM, load_municipalities
    from portal.contacts.reference import read_csv as read_municipalities

    load_municipalities(db, read_municipalities(SHIPPED_CSV), SHIPPED_VALID_FROM)
    hospital = factories.organisations(db)[0]
    admin = PortalClient(app)
    admin.sign_in_staff(factories.staff_member(db, hospital, clinician=False,
                                               administrator=True).national_id)
    new = "/staff/organisation/contacts/new"
    form = admin.get(new).form_data("main form[method=post]")
    pages["contact-new"] = admin.get(new).response.get_data(as_text=True)
    pages["contact-new-errors"] = admin.post_page(new, {
        **form, "phone": "12", "email": "kari@", "languages": [], "day0_1_opens": "15:00",
        "day0_1_closes": "08:00", "day1_1_opens": "08:00", "day1_1_closes": "12:00",
        "day1_2_opens": "11:00", "day1_2_closes": "15:00", "exception0_day": "24.12.2026",
        "exception1_day": "24.12.2026", "exception1_closed": "y"}).response.get_data(as_text=True)
    admin.post(new, {**form, "role": "kreftsykepleier", "name": "Kreftsykepleier",
                     "phone": "55 97 50 00", "day0_1_opens": "08:00", "day0_1_closes": "15:00",
                     "exception0_day": "24.12.2026", "exception0_opens": "08:00",
                     "exception0_closes": "12:00"})
    listed = admin.get("/staff/organisation/contacts")
    pages["contacts-admin"] = listed.response.get_data(as_text=True)
    edit = listed.select(".contact-admin__name")[0]["href"]
    admin.post(edit, {**admin.get(edit).form_data("main form[method=post]"), "sms": "55512001"})
    pages["contact-edit"] = admin.get(edit).response.get_data(as_text=True)
    pages["contact-history"] = admin.get(f"{edit}/history").response.get_data(as_text=True)
    pages["contact-archive"] = admin.get(f"{edit}/archive").response.get_data(as_text=True)
    served = "/staff/organisation/municipalities"
    token = admin.get(served).csrf_token()
    admin.post(served, {"csrf_token": token, "municipality": "4627"})
    pages["served-municipalities"] = admin.get(served).response.get_data(as_text=True)
    for name, typed in (("served-choose", "Herøy"), ("served-error", "9999")):
        pages[name] = admin.post_page(served, {"csrf_token": token, "municipality": typed}
                                      ).response.get_data(as_text=True)


def _relative_questionnaire_pages(family: PortalClient, municipal: PortalClient, person,
                                  pages: dict[str, str]) -> None:
    """The relative's own questionnaire in its states, the summary showing it beside the
    patient's answers (with the children notice), and the page for families with children."""
    from portal.questionnaire import definition as definitions
    from tests.integration.test_relative_questionnaire import RELATIVE_ANSWERS

    def keep(client: PortalClient, name: str, url: str) -> None:
        pages[name] = client.get(url).response.get_data(as_text=True)

    base = f"/relative/patients/{person.id}/questionnaire"
    keep(family, "relative-questionnaire", base)
    for number, page in enumerate(definitions.latest("relative").pages, start=1):
        url = f"{base}/steps/{number}"
        keep(family, f"relative-step-{number}-{page.id}", url)
        data = {**family.get(url).form_data(), **RELATIVE_ANSWERS.get(page.id, {}),
                "action": "next"}
        family.post(url, data)
    url = f"{base}/steps/3"
    errors = family.post_page(url, {**family.get(url).form_data(), "strain": "11"})
    pages["relative-step-with-errors"] = errors.response.get_data(as_text=True)
    keep(family, "relative-review", f"{base}/review")
    review = family.get(f"{base}/review")
    family.post(review.one("main form.submit-form")["action"],
                review.form_data("main form.submit-form"))
    keep(family, "relative-review-sent", f"{base}/review")
    keep(family, "relative-questionnaire-sent", base)
    tp2 = journey.touchpoint_id(person, 2)
    keep(municipal, "summary-with-relative", f"/staff/touchpoints/{tp2}/summary")
    visitor = PortalClient(family.app)
    keep(visitor, "families-with-children", "/families-with-children")


def _invitation_pages(client: PortalClient, db, person, pages: dict[str, str]) -> None:
    """A relative's invitation from both sides: the patient's relatives, the invite form (and
    its errors), the link shown once and after; the public landing page in its states, the
    accept page, the patient who cannot accept; the relative's answers page."""
    from datetime import UTC, datetime, timedelta

    def keep(who: PortalClient, name: str, url: str, status: int = 200) -> None:
        pages[name] = who.get(url, status=status).response.get_data(as_text=True)

    keep(client, "patient-relatives", "/patient/relatives")
    keep(client, "invite-relative", "/patient/relatives/invite")
    form = client.get("/patient/relatives/invite").form_data("main form[method=post]")
    pages["invite-relative-errors"] = client.post_page("/patient/relatives/invite", {
        **form, "name": "", "mobile": "12", "email": "kari@"}).response.get_data(as_text=True)
    made = client.post("/patient/relatives/invite", {
        **form, "name": "Per Nordmann", "relation": "bror", "mobile": "91234567",
        "email": "per@example.no"})
    sent = client.get(made.location)
    pages["invitation-link"] = sent.response.get_data(as_text=True)
    token = sent.one("#invitation-link")["value"].rsplit("/", 1)[1]
    keep(client, "invitation-link-gone", made.location)
    keep(client, "patient-relatives-pending", "/patient/relatives")
    link = db.scalar(select(RelativeLink.id).where(RelativeLink.patient_id == person.id))
    db.commit()  # end the read: the test writes again below, after more requests
    keep(client, "patient-relative", f"/patient/relatives/{link}")
    anonymous = PortalClient(client.app)
    keep(anonymous, "invitation-unknown", "/invitations/no-such-link", 404)
    keep(anonymous, "invitation-valid", f"/invitations/{token}")
    invitee = PortalClient(client.app)
    invitee.get(f"/invitations/{token}")
    invitee.sign_in(factories.national_id("010190"), next_url="/invitations/continue")
    keep(invitee, "invitation-accept", "/relative/invitations/accept")
    page = invitee.get("/relative/invitations/accept")
    pages["invitation-accept-errors"] = invitee.post_page("/relative/invitations/accept", {
        **page.form_data(), "given_name": "", "action": "accept"}).response.get_data(as_text=True)
    invitee.post("/relative/invitations/accept", {**page.form_data(), "action": "accept"})
    keep(anonymous, "invitation-used", f"/invitations/{token}", 410)
    other = factories.patient(db, diagnosed_days_ago=30)
    made = client.post("/patient/relatives/invite", {**form, "name": "Ola", "relation": "venn",
                                                     "email": "ola@example.no"})
    token = client.get(made.location).one("#invitation-link")["value"].rsplit("/", 1)[1]
    as_patient = PortalClient(client.app)
    as_patient.get(f"/invitations/{token}")
    as_patient.sign_in(other.national_id, next_url="/invitations/continue")
    keep(as_patient, "invitation-as-patient", "/invitations/continue")
    db.commit()
    invitation = db.scalar(select(RelativeInvitation).where(RelativeInvitation.name == "Ola"))
    invitation.expires_at = datetime.now(UTC) - timedelta(days=1)
    db.commit()
    keep(anonymous, "invitation-expired", f"/invitations/{token}", 410)
    keep(client, "patient-relatives-ended", "/patient/relatives")
    sharing = factories.relative(db, of=person, answers=True)
    family = PortalClient(client.app)
    family.sign_in(sharing.national_id)
    keep(family, "relative-answers", f"/relative/patients/{person.id}/answers")
    keep(family, "relative-not-allowed", f"/relative/patients/{other.id}", 404)


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
