"""What may be passed on in writing to another service (portal/questionnaire/sharing.py)."""

from __future__ import annotations

from portal.questionnaire import definition as definitions
from portal.questionnaire.sharing import shareable

NEEDS = definitions.latest("needs")
ANSWERS = {
    "what_matters": "Barna mine.",
    "family_concern": "quite_a_bit",
    "family_note": "Vanskelig å snakke med barna.",
    "sexual_health_concern": "very_much",
    "sexual_health_note": "Privat.",
    "agenda": ["family", "sexual_health"],
    "keep_private": ["sexual_health"],
}


def test_the_organisation_holding_the_conversation_sees_everything():
    visible, withheld = shareable(NEEDS, ANSWERS, same_organisation=True)
    assert visible == ANSWERS
    assert withheld is False


def test_another_service_does_not_see_what_was_kept_for_the_conversation():
    visible, withheld = shareable(NEEDS, ANSWERS, same_organisation=False)
    assert withheld is True
    assert "sexual_health_concern" not in visible
    assert "sexual_health_note" not in visible
    assert visible["family_note"] == ANSWERS["family_note"]
    assert visible["agenda"] == ["family"]  # the private topic is not named either
    assert "keep_private" not in visible  # nor which topics were kept


def test_nothing_is_withheld_when_the_patient_kept_nothing_back():
    answers = {k: v for k, v in ANSWERS.items() if k != "keep_private"}
    visible, withheld = shareable(NEEDS, answers, same_organisation=False)
    assert withheld is False
    assert visible == answers
