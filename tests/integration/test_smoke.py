from tests import factories


def test_patient_completes_first_step(client, db):
    person = factories.patient(db, diagnosed_days_ago=100, held=(1,))
    client.sign_in(person.national_id)
    home = client.get("/patient/")
    start = home.one(".focus a.button")["href"]
    step1 = client.get(client.raw.get(start).location)
    assert step1.one("h1#step-heading")
