"""Issue 5's "done when", end to end through the real pages: a relative with no account finds
their municipality's contact point, sees whether it is open and can call it; a patient invites a
relative, who signs in, accepts, answers their own questionnaire, and the nurse then sees it in
the summary beside the patient's answers, with its author."""

from __future__ import annotations

from urllib.parse import parse_qs, urlsplit

from portal import demo
from tests import factories
from tests.helpers import PortalClient, path_of
from tests.integration.journey import open_patient
from tests.integration.test_relative_invitations import invited
from tests.integration.test_relative_questionnaire import RELATIVE_ANSWERS, step
from tests.integration.test_summary import staff_client, summary_url


def test_a_relative_without_an_account_finds_and_can_call_the_contact_point(app, db):
    demo.load(db)
    db.commit()
    visitor = PortalClient(app)
    search = visitor.raw.get("/contacts", query_string={"q": "askoy"})  # no ø, any case
    assert search.status_code == 303
    page = visitor.get(path_of(search.location))
    assert page.soup.select_one("link[rel=canonical]")["href"].endswith(path_of(search.location))
    assert page.soup.select_one("meta[name=description]")["content"]
    cards = page.select("article.contact")
    assert cards, "no contact point on Askøy's page"
    # The municipality's coordinator, and the hospital trust serving Askøy under its name.
    assert any("Askøy" in card.get_text() for card in cards)
    assert "Helse Bergen HF" in [h.get_text(strip=True) for h in page.select("main h2")]
    for card in cards:
        assert card.select_one(".contact__status").get_text(strip=True)  # open or closed, said
        assert card.select_one("a[href^='tel:+47']")
    assert page.select("a[href^='/contacts/cards/']")  # a vCard for the phone's contacts


def test_an_invited_relative_answers_and_the_nurse_sees_it_beside_the_patients(app, db):
    person, tp2 = open_patient(db)
    patient = PortalClient(app)
    patient.sign_in(person.national_id)
    token, _page = invited(patient, name="Per Nordmann", relation="sønn")

    relative = PortalClient(app)
    landing = relative.get(f"/invitations/{token}")
    onward = landing.one("main a.button--primary")["href"]
    number = factories.national_id("010190")
    relative.sign_in(number, next_url=parse_qs(urlsplit(onward).query)["next"][0])
    accept_page = relative.get(path_of(relative.raw.get("/invitations/continue").location))
    relative.post("/relative/invitations/accept", {**accept_page.form_data("main form"),
                                                   "action": "accept"})
    home = relative.get("/relative/")
    own = home.one("a[data-permission='may_answer_own']")["href"]
    assert home.select("a[data-permission='may_see_answers']") == []  # off by default
    relative.get(own)
    for page_id, values in RELATIVE_ANSWERS.items():
        url = step(person.id, page_id)
        form = relative.get(url).form_data()
        relative.post(url, {**form, **values, "action": "next"})
    review = relative.get(f"{own}/review")
    relative.post(review.one("main form.submit-form")["action"],
                  review.form_data("main form.submit-form"))

    nurse, _member = staff_client(app, db, person.pathways[0].municipality)
    summary = nurse.get(summary_url(tp2))
    sections = summary.select("section.summary-relative")
    assert len(sections) == 1
    heading = sections[0].select_one("h2")
    assert "Per Nordmann" in heading.get_text()
    assert "sønn" in heading.get_text()
