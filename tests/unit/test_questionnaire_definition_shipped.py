"""The shipped needs-1 definition, and load_file's name and published-checksum checks."""

from __future__ import annotations

import hashlib
import tomllib
from pathlib import Path

import pytest

from portal.questionnaire import definition as definition_module
from portal.questionnaire.definition import (
    CONCERN_VALUES,
    DEFINITIONS_DIR,
    Definition,
    DefinitionError,
    load_file,
)

NEEDS_1 = DEFINITIONS_DIR / "needs-1.toml"
OUR_TOPICS = ("municipal_contact", "existential", "late_effects", "children")


@pytest.fixture(scope="module")
def needs() -> Definition:
    return load_file(NEEDS_1)


def test_identity(needs: Definition) -> None:
    assert (needs.id, needs.version, needs.key) == ("needs", 1, "needs-1")
    assert needs.touchpoints == (1, 2, 3)
    assert needs.minutes_min <= needs.minutes_max


def test_checksum_matches_the_published_list(needs: Definition) -> None:
    published = tomllib.loads(definition_module.PUBLISHED_FILE.read_text())["sha256"]
    assert needs.checksum == hashlib.sha256(NEEDS_1.read_bytes()).hexdigest()
    assert needs.checksum == published["needs-1"]


def test_page_count_and_ends(needs: Definition) -> None:
    assert len(needs.pages) == 22
    assert [p.kind for p in needs.pages].count("intro") == 1
    assert needs.pages[0].kind == "intro"
    assert [p.kind for p in needs.pages[-2:]] == ["agenda", "sharing"]


def test_official_topic_areas_are_1_to_13_exactly_once(needs: Definition) -> None:
    areas = [p.official_area for p in needs.topics if p.official_area is not None]
    assert sorted(areas) == list(range(1, 14))
    assert len(areas) == len(set(areas))


def test_our_additions_are_marked_ours(needs: Definition) -> None:
    for topic in needs.topics:
        assert (topic.official_area is None) == topic.ours, topic.id
    assert tuple(t.id for t in needs.topics if t.ours) == OUR_TOPICS
    assert not any(p.ours for p in needs.pages if not p.is_topic)


def test_exactly_one_safety_question_on_mental_health(needs: Definition) -> None:
    safety = [(page.id, q) for page, q in needs.questions() if q.safety]
    assert len(safety) == 1
    page_id, question = safety[0]
    assert page_id == "mental_health"
    assert question.type == "yes_no"
    assert tuple(o.value for o in question.options) == ("yes", "no")
    assert needs.safety_questions == (question,)


def test_topic_pages_start_with_the_standard_questions(needs: Definition) -> None:
    for topic in needs.topics:
        first = topic.questions[:3]
        assert [q.id for q in first] == [f"{topic.id}_concern", f"{topic.id}_talk",
                                         f"{topic.id}_note"]
        assert [(q.type, q.role) for q in first] == [
            ("single_choice", "concern"), ("checkbox", "talk"), ("long_text", "note"),
        ]
        assert tuple(o.value for o in first[0].options) == CONCERN_VALUES


def test_agenda_offers_every_topic_with_at_most_three_choices(needs: Definition) -> None:
    agenda_page = next(p for p in needs.pages if p.kind == "agenda")
    (question,) = agenda_page.questions
    assert question.id == "agenda"
    assert question.max_choices == 3
    assert [o.value for o in question.options] == [t.id for t in needs.topics]
    assert [o.label for o in question.options] == [t.title for t in needs.topics]


def test_sharing_covers_every_page_with_answers(needs: Definition) -> None:
    sharing_page = next(p for p in needs.pages if p.kind == "sharing")
    (question,) = sharing_page.questions
    assert question.id == "keep_private"
    answerable = [p.id for p in needs.pages if p.kind in ("questions", "topic")]
    assert [o.value for o in question.options] == answerable
    assert "strain" in answerable
    assert "mental_health" in answerable


def test_question_ids_are_unique(needs: Definition) -> None:
    ids = [q.id for _, q in needs.questions()]
    assert len(ids) == len(set(ids))


def test_every_condition_can_be_met_by_an_option(needs: Definition) -> None:
    conditional = [(page, q) for page, q in needs.questions() if q.show_when is not None]
    assert len(conditional) == 7
    for page, question in conditional:
        assert question.show_when is not None
        target = page.question(question.show_when.question)
        assert target is not None
        assert set(question.show_when.any_of) <= {o.value for o in target.options}


def test_page_lookup(needs: Definition) -> None:
    assert needs.page_number("intro") == 1
    assert needs.page_number("sharing") == 22
    assert needs.page_number("nope") is None
    assert needs.page(0) is None
    assert needs.page(23) is None
    page = needs.page(4)
    assert page is not None
    assert page.id == "family"


# --- load_file -------------------------------------------------------------------------------


@pytest.fixture
def no_published(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(definition_module, "PUBLISHED_FILE", tmp_path / "absent.toml")


def _publish(tmp_path: Path, monkeypatch: pytest.MonkeyPatch, checksum: str) -> None:
    published = tmp_path / "published.toml"
    published.write_text(f'[sha256]\n"needs-1" = "{checksum}"\n')
    monkeypatch.setattr(definition_module, "PUBLISHED_FILE", published)


@pytest.mark.usefixtures("no_published")
@pytest.mark.parametrize("name", ["needs-2.toml", "needs.toml", "other-1.toml", "needs_1.toml"])
def test_load_file_refuses_a_name_that_is_not_id_version(tmp_path: Path, name: str) -> None:
    path = tmp_path / name
    path.write_bytes(NEEDS_1.read_bytes())
    with pytest.raises(DefinitionError, match=r"must be named needs-1\.toml"):
        load_file(path)


@pytest.mark.usefixtures("no_published")
def test_load_file_accepts_an_unpublished_change(tmp_path: Path) -> None:
    path = tmp_path / "needs-1.toml"
    content = NEEDS_1.read_bytes() + b"\n# changed\n"
    path.write_bytes(content)
    assert load_file(path).checksum == hashlib.sha256(content).hexdigest()


def test_load_file_refuses_a_changed_published_file(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    original = NEEDS_1.read_bytes()
    _publish(tmp_path, monkeypatch, hashlib.sha256(original).hexdigest())
    path = tmp_path / "needs-1.toml"
    path.write_bytes(original + b"\n# changed\n")
    with pytest.raises(DefinitionError, match="has changed since it was published"):
        load_file(path)


def test_load_file_accepts_a_published_file_with_its_checksum(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    content = NEEDS_1.read_bytes() + b"\n# published like this\n"
    _publish(tmp_path, monkeypatch, hashlib.sha256(content).hexdigest())
    path = tmp_path / "needs-1.toml"
    path.write_bytes(content)
    assert load_file(path).checksum == hashlib.sha256(content).hexdigest()


@pytest.mark.usefixtures("no_published")
@pytest.mark.parametrize(
    "content",
    [b'id = "needs"\nversion = \n', b"\xff\xfe not utf-8", b"[[pages]\n"],
)
def test_load_file_refuses_what_is_not_toml(tmp_path: Path, content: bytes) -> None:
    path = tmp_path / "needs-1.toml"
    path.write_bytes(content)
    with pytest.raises(DefinitionError, match="not valid TOML"):
        load_file(path)
