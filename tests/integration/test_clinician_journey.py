"""Issue 4's "done when", on the demo personas a newcomer clicks through: the hospital nurse
sees the worklist, opens a sent questionnaire's summary and PDF, records the conversation and
what was agreed, and hands over; the municipality's coordinator then sees touchpoint 1; the
patient sees what was agreed and who looked at their information; the FHIR export validates."""

from __future__ import annotations

import json

from fhir.resources.R4B.questionnaireresponse import QuestionnaireResponse
from sqlalchemy import select

from portal import demo
from portal.pathway.models import Patient
from tests.helpers import Page, PortalClient

NURSE, COORDINATOR, OLA = "15077910015", "02029010075", "03047145790"


def _rows(page: Page, table_id: str) -> list[str]:
    return [row.get_text(" ", strip=True) for row in page.select(f"#{table_id} tbody tr")]


def test_from_the_worklist_to_the_hand_over_and_back_to_the_patient(app, db):
    demo.load(db)
    db.commit()
    ola = db.scalar(select(Patient).where(Patient.national_id == OLA))
    tp1, tp2 = (t.id for t in ola.current_pathway.touchpoints[:2])
    pathway_id = ola.current_pathway.id

    nurse = PortalClient(app)
    nurse.sign_in_staff(NURSE)
    worklist = nurse.get("/staff/")
    coming = " ".join(row.get_text(" ", strip=True)
                      for row in worklist.select("section[aria-labelledby=coming-title] tr"))
    unread = " ".join(row.get_text(" ", strip=True)
                      for row in worklist.select("section[aria-labelledby=unread-title] tr"))
    assert "Ola Hansen" in coming or "Hansen, Ola" in coming
    assert "Hansen" in unread
    patient_link = next(a["href"] for a in
                        worklist.select("section[aria-labelledby=unread-title] a")
                        if "Hansen" in a.get_text())
    patient_page = nurse.get(patient_link)
    summary_link = next(a["href"] for a in patient_page.select("main a")
                        if a["href"].endswith(f"/touchpoints/{tp1}/summary"))

    summary = nurse.get(summary_link)
    order = [section["id"] for section in summary.select("main section.summary-section")]
    assert order.index("summary-what-matters") < order.index("summary-agenda") \
        < order.index("summary-topics")
    assert summary.one("#summary-what-matters").get_text(strip=True)
    pdf = nurse.raw.get(f"/staff/touchpoints/{tp1}/summary.pdf")
    assert pdf.status_code == 200
    assert pdf.mimetype == "application/pdf"
    assert pdf.get_data().startswith(b"%PDF-")
    unread_after = nurse.get("/staff/").select("section[aria-labelledby=unread-title] tr")
    assert not any("Hansen" in row.get_text() for row in unread_after)

    url = f"/staff/touchpoints/{tp1}/conversation"
    nurse.post(url, {**nurse.get(url).form_data("main form[method=post]"),
                     "relative_present": "yes"})
    url = f"/staff/touchpoints/{tp1}/actions/new"
    nurse.post(url, {**nurse.get(url).form_data("main form[method=post]"),
                     "what": "Time hos sosionom om økonomi og jobb", "needs": ["work"],
                     "responsible": "Sosionomtjenesten, Haukeland", "contact": "55 97 50 00"})
    url = f"/staff/pathways/{pathway_id}/hand-over"
    nurse.post(url, {"csrf_token": nurse.get(url).csrf_token()})
    export = nurse.raw.get(f"/staff/touchpoints/{tp1}/fhir")
    QuestionnaireResponse.model_validate(json.loads(export.get_data()))

    coordinator = PortalClient(app)
    coordinator.sign_in_staff(COORDINATOR)
    handed_over = coordinator.get(f"/staff/touchpoints/{tp1}/summary")
    assert "Time hos sosionom om økonomi og jobb" in handed_over.one("#summary-actions").get_text()
    coordinator.get(f"/staff/touchpoints/{tp2}/summary")

    patient = PortalClient(app)
    patient.sign_in(OLA)
    home = patient.get("/patient/")
    agreed = home.one("section.agreed").get_text(" ", strip=True)
    assert "Time hos sosionom om økonomi og jobb" in agreed
    assert "55 97 50 00" in agreed
    log = patient.get("/patient/access-log").text()
    assert "Hilde Vik" in log
    assert "Anne Lie" in log
