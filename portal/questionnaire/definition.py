"""Questionnaire definitions: versioned data files, validated when loaded, immutable once published.

A definition lives in ``definitions/<id>-<version>.toml``. Its text is the bokmål source wording;
every text is a message id in the ``questionnaire`` translation domain (see ``extract.py``), so the
other languages come from ``translations/<locale>/LC_MESSAGES/questionnaire.po``.

Topic pages get the same standard questions (how much it concerns you, whether to talk about it, a
note) from the definition's ``[topic_questions]`` table, with ids ``<page>_concern``,
``<page>_talk`` and ``<page>_note``; their own follow-up questions come after. The agenda page
offers every topic; the sharing page lists every page with answers so the patient can keep it out of
what is passed on in writing.

A definition is for the patient (the default) or, with ``audience = "relative"``, for a relative
answering in their own name. A relative's questionnaire has only intro and questions pages: no
topics, agenda or sharing page (those are the patient's), and no safety question (nothing flags a
relative's answer as urgent).

Published definitions are listed with a SHA-256 of their file in ``definitions/published.toml``:
a published file that changes is refused at load. Change wording by publishing a new version.
"""

from __future__ import annotations

import hashlib
import re
import tomllib
from collections.abc import Iterator, Mapping
from dataclasses import dataclass, field
from functools import cache
from pathlib import Path
from typing import Any

DEFINITIONS_DIR = Path(__file__).resolve().parent / "definitions"
PUBLISHED_FILE = DEFINITIONS_DIR / "published.toml"

QUESTION_TYPES = (
    "single_choice",
    "multiple_choice",
    "scale",
    "yes_no",
    "short_text",
    "long_text",
    "date",
    "checkbox",
)
PAGE_KINDS = ("intro", "questions", "topic", "agenda", "sharing")
#: Who answers: the patient, or a relative in their own name.
AUDIENCES = ("patient", "relative")
#: The page kinds a relative's questionnaire may have.
RELATIVE_PAGE_KINDS = ("intro", "questions")

#: The fixed answer values of the standard "how much does this concern you" question. Scoring
#: depends on them; their labels come from the definition.
CONCERN_VALUES = (
    "not_at_all", "a_little", "quite_a_bit", "very_much", "not_relevant", "rather_not",
)
CONCERN_LEVEL = {"not_at_all": 0, "a_little": 1, "quite_a_bit": 2, "very_much": 3}
YES_NO_VALUES = ("yes", "no")

_PAGE_COMMON = {"id", "kind", "title", "intro", "body"}
#: The keys each kind of page may have: a misspelt key is an error, never silently ignored.
PAGE_KEYS = {
    "intro": _PAGE_COMMON,
    "questions": _PAGE_COMMON | {"questions"},
    "topic": _PAGE_COMMON | {"official_area", "ours", "follow_up"},
    "agenda": _PAGE_COMMON | {"label", "hint", "max_choices"},
    "sharing": _PAGE_COMMON | {"label", "hint"},
}
TOP_LEVEL_KEYS = {"id", "version", "title", "minutes", "touchpoints", "topic_questions", "pages",
                  "audience"}

_ID = re.compile(r"^[a-z][a-z0-9_]{0,62}$")


class DefinitionError(ValueError):
    """A definition file is malformed or a published one has changed."""


@dataclass(frozen=True)
class Option:
    value: str
    label: str


@dataclass(frozen=True)
class Condition:
    """Show a question only when ``question`` was answered with one of ``any_of``."""

    question: str
    any_of: tuple[str, ...]

    def is_met(self, answers: Mapping[str, Any]) -> bool:
        value = answers.get(self.question)
        if isinstance(value, list):
            return any(v in self.any_of for v in value)
        return value in self.any_of


@dataclass(frozen=True)
class Question:
    id: str
    type: str
    label: str
    hint: str | None = None
    options: tuple[Option, ...] = ()
    min: int | None = None
    max: int | None = None
    min_label: str | None = None
    max_label: str | None = None
    max_length: int | None = None
    max_choices: int | None = None
    show_when: Condition | None = None
    #: A "yes" means acute risk: the response is urgent and help is shown at once.
    safety: bool = False
    #: The question's role on a generated page: "concern", "talk", "note" or "" for others.
    role: str = ""

    def option_label(self, value: str) -> str | None:
        return next((o.label for o in self.options if o.value == value), None)


@dataclass(frozen=True)
class Page:
    id: str
    kind: str
    title: str
    intro: str | None = None
    body: tuple[str, ...] = ()
    questions: tuple[Question, ...] = ()
    #: The number of the topic area in Helsedirektoratet's official list; None for our additions.
    official_area: int | None = None
    #: A topic we added ourselves (not in the official list); shown as such to clinicians.
    ours: bool = False

    @property
    def is_topic(self) -> bool:
        return self.kind == "topic"

    def question(self, question_id: str) -> Question | None:
        return next((q for q in self.questions if q.id == question_id), None)


@dataclass(frozen=True)
class Definition:
    id: str
    version: int
    title: str
    minutes_min: int
    minutes_max: int
    touchpoints: tuple[int, ...]
    pages: tuple[Page, ...]
    #: "patient" or "relative" (``AUDIENCES``).
    audience: str = "patient"
    checksum: str = field(default="", compare=False)

    @property
    def key(self) -> str:
        return f"{self.id}-{self.version}"

    def page_number(self, page_id: str) -> int | None:
        """1-based step number of a page, or None."""
        for number, page in enumerate(self.pages, start=1):
            if page.id == page_id:
                return number
        return None

    def page(self, number: int) -> Page | None:
        return self.pages[number - 1] if 1 <= number <= len(self.pages) else None

    def questions(self) -> Iterator[tuple[Page, Question]]:
        for page in self.pages:
            for question in page.questions:
                yield page, question

    def question(self, question_id: str) -> Question | None:
        return next((q for _, q in self.questions() if q.id == question_id), None)

    @property
    def topics(self) -> tuple[Page, ...]:
        return tuple(p for p in self.pages if p.is_topic)

    @property
    def safety_questions(self) -> tuple[Question, ...]:
        return tuple(q for _, q in self.questions() if q.safety)


# --- loading -------------------------------------------------------------------------------


def _optional_text(data: Mapping[str, Any], key: str, where: str) -> str | None:
    value = data.get(key)
    if value is None:
        return None
    if not isinstance(value, str) or not value.strip():
        raise DefinitionError(f"{where}: '{key}' must be non-empty text.")
    return value.strip()


def _text(data: Mapping[str, Any], key: str, where: str) -> str:
    value = _optional_text(data, key, where)
    if value is None:
        raise DefinitionError(f"{where}: '{key}' is missing.")
    return value


def _options(raw: Any, where: str) -> tuple[Option, ...]:
    if not isinstance(raw, list) or not raw:
        raise DefinitionError(f"{where}: 'options' must be a non-empty list.")
    options = []
    for index, item in enumerate(raw):
        value = item.get("value") if isinstance(item, dict) else None
        if not isinstance(value, str) or not _ID.match(value):
            raise DefinitionError(f"{where}: option {index + 1} needs a lower-case 'value'.")
        label = _text(item, "label", f"{where} option {value}")
        options.append(Option(value, label))
    if len({o.value for o in options}) != len(options):
        raise DefinitionError(f"{where}: option values must be unique.")
    return tuple(options)


def _question(raw: Mapping[str, Any], where: str, role: str = "") -> Question:
    qid = raw.get("id")
    if not isinstance(qid, str) or not _ID.match(qid):
        raise DefinitionError(f"{where}: every question needs an 'id' of lower-case letters.")
    where = f"{where} question {qid}"
    qtype = raw.get("type")
    if qtype not in QUESTION_TYPES:
        raise DefinitionError(f"{where}: unknown type {qtype!r}.")
    unknown = set(raw) - {
        "id", "type", "label", "hint", "options", "min", "max", "min_label", "max_label",
        "max_length", "max_choices", "show_when", "safety",
    }
    if unknown:
        raise DefinitionError(f"{where}: unknown keys {sorted(unknown)}.")
    label = _text(raw, "label", where)
    options: tuple[Option, ...] = ()
    if qtype in ("single_choice", "multiple_choice"):
        options = _options(raw.get("options"), where)
    elif qtype == "yes_no":
        options = _options(raw.get("options"), where) if "options" in raw else ()
        if options and tuple(o.value for o in options) != YES_NO_VALUES:
            raise DefinitionError(f"{where}: yes/no options must be 'yes' then 'no'.")
    if qtype == "yes_no" and not options:
        raise DefinitionError(f"{where}: a yes/no question lists its two labels as options.")
    low, high = raw.get("min"), raw.get("max")
    if qtype == "scale" and not (isinstance(low, int) and isinstance(high, int) and low < high):
        raise DefinitionError(f"{where}: a scale needs whole numbers min < max.")
    safety = bool(raw.get("safety", False))
    if safety and qtype != "yes_no":
        raise DefinitionError(f"{where}: only a yes/no question can be a safety question.")
    show_when = None
    if "show_when" in raw:
        cond = raw["show_when"]
        any_of = cond.get("any_of") if isinstance(cond, dict) else None
        if not (isinstance(any_of, list) and any_of and isinstance(cond.get("question"), str)):
            raise DefinitionError(f"{where}: show_when needs 'question' and a list 'any_of'.")
        show_when = Condition(cond["question"], tuple(any_of))
    max_length = raw.get("max_length")
    if max_length is None and qtype in ("short_text", "long_text"):
        max_length = 200 if qtype == "short_text" else 2000
    return Question(
        id=qid,
        type=qtype,
        label=label,
        hint=_optional_text(raw, "hint", where),
        options=options,
        min=low,
        max=high,
        min_label=_optional_text(raw, "min_label", where),
        max_label=_optional_text(raw, "max_label", where),
        max_length=max_length,
        max_choices=raw.get("max_choices"),
        show_when=show_when,
        safety=safety,
        role=role,
    )


def _topic_questions(template: Mapping[str, Any], page_id: str) -> tuple[Question, ...]:
    where = "[topic_questions]"
    concern_labels = template.get("concern_options")
    if not isinstance(concern_labels, dict) or set(concern_labels) != set(CONCERN_VALUES):
        raise DefinitionError(
            f"{where}: 'concern_options' must give a label for each of {list(CONCERN_VALUES)}."
        )
    concern = Question(
        id=f"{page_id}_concern",
        type="single_choice",
        label=_text(template, "concern_label", where),
        hint=_optional_text(template, "concern_hint", where),
        options=tuple(Option(v, concern_labels[v]) for v in CONCERN_VALUES),
        role="concern",
    )
    talk = Question(
        id=f"{page_id}_talk",
        type="checkbox",
        label=_text(template, "talk_label", where),
        role="talk",
    )
    note = Question(
        id=f"{page_id}_note",
        type="long_text",
        label=_text(template, "note_label", where),
        hint=_optional_text(template, "note_hint", where),
        max_length=2000,
        role="note",
    )
    return concern, talk, note


def parse(data: Mapping[str, Any], source: str = "definition") -> Definition:
    unknown = set(data) - TOP_LEVEL_KEYS
    if unknown:
        raise DefinitionError(f"{source}: unknown keys {sorted(unknown)}.")
    did, version = data.get("id"), data.get("version")
    if not isinstance(did, str) or not _ID.match(did) or not isinstance(version, int):
        raise DefinitionError(f"{source}: 'id' (text) and 'version' (number) are required.")
    title = _text(data, "title", source)
    audience = data.get("audience", "patient")
    if audience not in AUDIENCES:
        raise DefinitionError(f"{source}: 'audience' must be one of {list(AUDIENCES)}.")
    minutes = data.get("minutes")
    if not (isinstance(minutes, list) and len(minutes) == 2 and minutes[0] <= minutes[1]):
        raise DefinitionError(f"{source}: 'minutes' must be [least, most].")
    touchpoints = tuple(data.get("touchpoints", ()))
    if not touchpoints or not set(touchpoints) <= {1, 2, 3}:
        raise DefinitionError(f"{source}: 'touchpoints' must list some of 1, 2, 3.")
    template = data.get("topic_questions", {})
    raw_pages = data.get("pages")
    if not isinstance(raw_pages, list) or not raw_pages:
        raise DefinitionError(f"{source}: 'pages' is missing.")
    pages: list[Page] = []
    for raw in raw_pages:
        pid, kind = raw.get("id"), raw.get("kind")
        if not isinstance(pid, str) or not _ID.match(pid):
            raise DefinitionError(f"{source}: every page needs an 'id' of lower-case letters.")
        where = f"{source} page {pid}"
        if kind not in PAGE_KINDS:
            raise DefinitionError(f"{where}: unknown kind {kind!r}.")
        if audience == "relative" and kind not in RELATIVE_PAGE_KINDS:
            raise DefinitionError(
                f"{where}: a relative's questionnaire has only {list(RELATIVE_PAGE_KINDS)} pages.")
        unknown = set(raw) - PAGE_KEYS[kind]
        if unknown:
            raise DefinitionError(f"{where}: unknown keys {sorted(unknown)}.")
        page_title = _text(raw, "title", where)
        questions: list[Question] = []
        if kind == "topic":
            questions.extend(_topic_questions(template, pid))
            questions.extend(_question(q, where) for q in raw.get("follow_up", []))
        elif kind == "questions":
            questions.extend(_question(q, where) for q in raw.get("questions", []))
            if not questions:
                raise DefinitionError(f"{where}: a questions page needs questions.")
        body = raw.get("body", [])
        if not isinstance(body, list) or not all(isinstance(b, str) and b.strip() for b in body):
            raise DefinitionError(f"{where}: 'body' must be a list of paragraphs.")
        official_area = raw.get("official_area")
        ours = bool(raw.get("ours", False))
        if kind == "topic" and (official_area is None) != ours:
            raise DefinitionError(
                f"{where}: a topic is either in the official list (official_area = N) "
                "or marked as ours (ours = true)."
            )
        pages.append(
            Page(
                id=pid,
                kind=kind,
                title=page_title,
                intro=_optional_text(raw, "intro", where),
                body=tuple(b.strip() for b in body),
                questions=tuple(questions),
                official_area=official_area,
                ours=ours,
            )
        )
    definition = Definition(
        id=did,
        version=version,
        title=title,
        minutes_min=minutes[0],
        minutes_max=minutes[1],
        touchpoints=touchpoints,
        pages=(_with_generated_pages(tuple(pages), data, source) if audience == "patient"
               else _relative_pages(tuple(pages), source)),
        audience=audience,
    )
    _check_references(definition, source)
    return definition


def _with_generated_pages(
    pages: tuple[Page, ...], data: Mapping[str, Any], source: str
) -> tuple[Page, ...]:
    """Fill the agenda and sharing pages' questions from the topics and answered pages."""
    topics = [p for p in pages if p.is_topic]
    answerable = [p for p in pages if p.kind in ("questions", "topic")]
    kinds = [p.kind for p in pages]
    if kinds.count("agenda") != 1 or kinds.count("sharing") != 1 or kinds.count("intro") != 1:
        raise DefinitionError(f"{source}: exactly one intro, one agenda and one sharing page.")
    raw_by_id = {raw["id"]: raw for raw in data["pages"]}
    result = []
    for page in pages:
        raw = raw_by_id[page.id]
        where = f"{source} page {page.id}"
        if page.kind == "agenda":
            question = Question(
                id="agenda",
                type="multiple_choice",
                label=_text(raw, "label", where),
                hint=_optional_text(raw, "hint", where),
                options=tuple(Option(t.id, t.title) for t in topics),
                max_choices=int(raw.get("max_choices", 3)),
                role="agenda",
            )
            page = Page(**{**page.__dict__, "questions": (question,)})
        elif page.kind == "sharing":
            question = Question(
                id="keep_private",
                type="multiple_choice",
                label=_text(raw, "label", where),
                hint=_optional_text(raw, "hint", where),
                options=tuple(Option(p.id, p.title) for p in answerable),
                role="sharing",
            )
            page = Page(**{**page.__dict__, "questions": (question,)})
        result.append(page)
    return tuple(result)


def _relative_pages(pages: tuple[Page, ...], source: str) -> tuple[Page, ...]:
    """A relative's questionnaire: one intro page, and no safety question (a relative's answer
    never makes the patient's response urgent, and nothing else would act on it)."""
    if [p.kind for p in pages].count("intro") != 1:
        raise DefinitionError(f"{source}: exactly one intro page.")
    for page in pages:
        for question in page.questions:
            if question.safety:
                raise DefinitionError(
                    f"{source} question {question.id}: a relative's questionnaire has no "
                    "safety questions.")
    return pages


def _check_references(definition: Definition, source: str) -> None:
    seen: dict[str, Question] = {}
    for page, question in definition.questions():
        if question.id in seen:
            raise DefinitionError(f"{source}: question id {question.id!r} is used twice.")
        if question.show_when is not None:
            target = page.question(question.show_when.question)
            if target is None or target.id not in seen:
                raise DefinitionError(
                    f"{source} question {question.id}: show_when must name an earlier question "
                    "on the same page."
                )
            if not target.options:
                raise DefinitionError(
                    f"{source} question {question.id}: show_when must name a question with "
                    "options (single or multiple choice, yes/no)."
                )
            valid = {o.value for o in target.options}
            if not set(question.show_when.any_of) <= valid:
                raise DefinitionError(
                    f"{source} question {question.id}: show_when values must be options of "
                    f"{target.id}."
                )
        seen[question.id] = question
    page_ids = [p.id for p in definition.pages]
    if len(set(page_ids)) != len(page_ids):
        raise DefinitionError(f"{source}: page ids must be unique.")


def _published_checksums() -> dict[str, str]:
    if not PUBLISHED_FILE.exists():
        return {}
    with PUBLISHED_FILE.open("rb") as handle:
        data = tomllib.load(handle)
    return {str(k): str(v) for k, v in data.get("sha256", {}).items()}


def load_file(path: Path) -> Definition:
    content = path.read_bytes()
    checksum = hashlib.sha256(content).hexdigest()
    try:
        data = tomllib.loads(content.decode("utf-8"))
    except (tomllib.TOMLDecodeError, UnicodeDecodeError) as exc:
        raise DefinitionError(f"{path.name}: not valid TOML ({exc}).") from None
    definition = parse(data, path.name)
    if path.stem != definition.key:
        raise DefinitionError(f"{path.name}: the file must be named {definition.key}.toml.")
    published = _published_checksums().get(definition.key)
    if published is not None and published != checksum:
        raise DefinitionError(
            f"{path.name} has changed since it was published. Published questionnaires are "
            "immutable: responses point at their exact wording. Publish a new version instead."
        )
    return Definition(**{**definition.__dict__, "checksum": checksum})


@cache
def registry() -> dict[tuple[str, int], Definition]:
    """Every definition on disk, loaded and validated once per process."""
    definitions = {}
    for path in sorted(DEFINITIONS_DIR.glob("*-*.toml")):
        definition = load_file(path)
        definitions[(definition.id, definition.version)] = definition
    return definitions


def get(questionnaire_id: str, version: int) -> Definition | None:
    return registry().get((questionnaire_id, version))


def latest(questionnaire_id: str) -> Definition:
    versions = [d for (qid, _), d in registry().items() if qid == questionnaire_id]
    if not versions:
        raise DefinitionError(f"No definition of {questionnaire_id!r} is installed.")
    return max(versions, key=lambda d: d.version)
