"""The shipped relative-1 definition: published, our own wording, short, for a relative; and the
patient's questionnaire is unaffected by it."""

from __future__ import annotations

import hashlib
import tomllib

from portal.questionnaire import definition as definition_module
from portal.questionnaire.definition import DEFINITIONS_DIR, latest, load_file, registry

RELATIVE_1 = DEFINITIONS_DIR / "relative-1.toml"


def test_published_with_its_checksum() -> None:
    relative = load_file(RELATIVE_1)
    published = tomllib.loads(definition_module.PUBLISHED_FILE.read_text())["sha256"]
    assert relative.checksum == hashlib.sha256(RELATIVE_1.read_bytes()).hexdigest()
    assert relative.checksum == published["relative-1"]


def test_for_a_relative_short_and_marked_as_our_wording() -> None:
    relative = load_file(RELATIVE_1)
    assert (relative.key, relative.audience) == ("relative-1", "relative")
    assert relative.touchpoints == (1, 2, 3)
    assert (relative.minutes_min, relative.minutes_max) == (5, 8)
    assert [p.kind for p in relative.pages].count("intro") == 1
    assert relative.pages[0].kind == "intro"
    assert {p.kind for p in relative.pages[1:]} == {"questions"}
    assert relative.safety_questions == ()
    assert "VÅR EGEN formulering" in RELATIVE_1.read_text(encoding="utf-8")


def test_the_questions_the_issue_asks_for() -> None:
    relative = load_file(RELATIVE_1)
    types = {q.id: q.type for _, q in relative.questions()}
    assert types["how_you_are"] == "long_text"
    assert types["strain"] == "scale"
    strain = relative.question("strain")
    assert strain is not None
    assert (strain.min, strain.max) == (0, 10)
    assert types["information_needs"] == "multiple_choice"
    assert types["children_under_18"] == "yes_no"
    own = relative.question("own_conversation")
    assert own is not None
    assert [o.value for o in own.options] == ["yes", "no", "not_sure"]
    for follow_up in ("children_ages", "children_know", "children_advice"):
        question = relative.question(follow_up)
        assert question is not None
        assert question.show_when is not None
        assert question.show_when.question == "children_under_18"


def test_its_page_ids_are_not_the_patients() -> None:
    """Staff pages look topic titles up by page id across every installed definition."""
    relative = load_file(RELATIVE_1)
    patient_pages = {p.id for (qid, _), d in registry().items() if qid != "relative"
                     for p in d.pages}
    assert not patient_pages & {p.id for p in relative.pages}


def test_the_patients_questionnaire_is_unaffected() -> None:
    needs = latest("needs")
    assert needs.audience == "patient"
    assert latest("relative").audience == "relative"
    assert [p.kind for p in needs.pages][-2:] == ["agenda", "sharing"]
