"""The summary of one touchpoint, built once from the database and shown as a web page, a PDF and
a FHIR export. Everything a reader may not see is left out here, so no output can leak it.

Who reads decides what is in it:

- the organisation holding the touchpoint (``responsible``) sees every answer;
- the municipality reading the hospital's touchpoint 1 after the hand-over sees what
  ``sharing.shareable`` lets through, no action linked to a topic the patient kept private,
  and is told *that* something was withheld, never what;
- earlier touchpoints count only as far as the reader may see them (their own organisation's
  in full, touchpoint 1 after the hand-over within the sharing choices);
- the patient's own copy (``own``) has everything of theirs;
- relatives' own answers (issue 5) are shown only to the responsible organisation, each in its own
  section with its author, and only the copy sent while the patient still lets that relative
  answer. The municipality reading touchpoint 1 after the hand-over does not get them: the
  patient's sharing choices cover the patient's answers only, and what a relative wrote for the
  hospital's conversation was written for the hospital. The patient's own copy does not have
  them either: they are the relative's words, not the patient's.

Children under 18 (helsepersonelloven § 10 a): the summary says so near the top when the patient
was registered with children under 18 or answered so in the answers this reader may see.

``build`` loads what it needs in a constant number of queries, however long the history.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import date, datetime
from itertools import pairwise
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import contains_eager, joinedload, selectinload

from portal.clinician.models import AgreedAction
from portal.contacts.models import Organisation
from portal.db import db_session
from portal.pathway import identity
from portal.pathway.models import Pathway, Patient, Touchpoint
from portal.questionnaire import definition as definitions
from portal.questionnaire.definition import CONCERN_LEVEL, Definition, Page, Question
from portal.questionnaire.models import Response, Submission
from portal.questionnaire.scoring import HIGH_CONCERN, Assessment, assess
from portal.questionnaire.sharing import KEEP_PRIVATE, shareable
from portal.relatives.models import RelativeLink, RelativeResponse

#: Concern answers shown compactly at the end of the topics rather than as a topic of their own.
SET_ASIDE = ("not_relevant", "rather_not")


@dataclass(frozen=True)
class TopicView:
    """One topic as the summary shows it."""

    page: Page
    #: The concern answer ("very_much", …, "not_relevant", "rather_not") or None if unanswered.
    concern: str | None
    concern_question: Question | None
    talk: bool
    note: str
    #: Follow-up questions whose condition is met, with their answers (answered ones only).
    follow_ups: tuple[tuple[Question, Any], ...]
    #: When the patient last changed an answer of this topic after first submitting it.
    changed_at: datetime | None

    @property
    def level(self) -> int | None:
        return CONCERN_LEVEL.get(self.concern or "")

    @property
    def high(self) -> bool:
        return self.concern in HIGH_CONCERN


@dataclass(frozen=True)
class StrainPoint:
    number: int
    strain: int | None
    current: bool


@dataclass(frozen=True)
class Changes:
    """Concerns (``quite a bit`` or ``very much``) compared with the previous touchpoint, by
    topic id. A topic missing from either questionnaire version is "not asked", never
    "resolved"; a topic the patient left unanswered this time is "no answer now"."""

    previous_number: int | None = None
    new: tuple[str, ...] = ()
    resolved: tuple[str, ...] = ()
    lasting: tuple[str, ...] = ()
    #: Concerns now on topics the previous version did not ask about.
    not_asked_then: tuple[str, ...] = ()
    #: Concerns then on topics this version does not ask about.
    not_asked_now: tuple[str, ...] = ()
    #: Concerns then on topics left unanswered (or "rather not") this time.
    no_answer_now: tuple[str, ...] = ()

    @property
    def any(self) -> bool:
        return bool(self.new or self.resolved or self.lasting or self.not_asked_then
                    or self.not_asked_now or self.no_answer_now)


@dataclass(frozen=True)
class ActionView:
    action: AgreedAction
    touchpoint_number: int


@dataclass(frozen=True)
class RelativeAnswers:
    """One relative's sent answers to their own questionnaire, in their name."""

    link_id: int
    name: str
    #: How the patient describes them ("datter"), in the patient's words; may be empty.
    relation: str
    national_id: str
    submitted_at: datetime
    #: The language they answered in (None for answers sent before it was recorded).
    answered_in: str | None
    #: The revision of the working copy that was sent (names this version of the answers).
    revision: int
    definition: Definition
    answers: dict[str, Any]
    #: Answered questions in the order shown: strain, a conversation of their own, children,
    #: then the rest in the questionnaire's order.
    items: tuple[tuple[Question, Any], ...]
    strain: int | None
    high_strain: bool
    wants_own_conversation: bool


@dataclass
class Summary:
    patient: Patient
    touchpoint: Touchpoint
    pathway: Pathway
    municipality: Organisation
    responsible: bool
    age: int
    masked_identity: str
    #: The questionnaire version the response answers; None when nothing was sent.
    definition: Definition | None
    response: Response | None
    #: The latest submission; None when nothing was sent.
    submission: Submission | None
    #: The answers this reader may see (of the latest submission).
    answers: dict[str, Any]
    #: Something was kept back from this reader (answers or actions).
    withheld: bool
    assessment: Assessment | None = None
    #: Safety questions answered yes (visible to this reader), and when urgency was flagged.
    urgent_answers: tuple[Question, ...] = ()
    urgent_at: datetime | None = None
    what_matters: str = ""
    #: Topic titles by id for every topic named anywhere in the summary (both versions).
    topic_titles: dict[str, str] = field(default_factory=dict)
    agenda: tuple[str, ...] = ()
    talk_about: tuple[str, ...] = ()
    strain_history: tuple[StrainPoint, ...] = ()
    #: Answered topics, most concerning first.
    topics: tuple[TopicView, ...] = ()
    #: Topics answered "not relevant" or "rather not answer", and those left unanswered.
    set_aside: tuple[TopicView, ...] = ()
    unanswered: tuple[TopicView, ...] = ()
    changes: Changes = field(default_factory=Changes)
    actions: tuple[ActionView, ...] = ()
    #: When the patient changed each (visible) answer after first submitting, by question id.
    changed_after: dict[str, datetime] = field(default_factory=dict)
    #: The patient is changing their answers and has not sent the changes yet.
    unsent_changes: bool = False
    #: Children under 18 in the family (registered, or answered in what this reader may see),
    #: and their ages in the patient's words when given.
    children_under_18: bool = False
    children_ages: str = ""
    #: Relatives' own sent answers, for the responsible organisation only.
    relatives: tuple[RelativeAnswers, ...] = ()

    @property
    def sent(self) -> bool:
        return self.submission is not None

    def title(self, topic_id: str) -> str:
        return self.topic_titles.get(topic_id, topic_id)


# --- pure parts (unit-tested) --------------------------------------------------------------


def topic_views(definition: Definition, answers: Mapping[str, Any],
                changed_after: Mapping[str, datetime]) -> list[TopicView]:
    """Every topic of the definition as the reader may see it, in definition order."""
    views = []
    for page in definition.topics:
        concern_q = page.question(f"{page.id}_concern")
        follow_ups = tuple(
            (q, answers[q.id]) for q in page.questions
            if not q.role and q.id in answers and answers[q.id] not in (None, "", [])
            and (q.show_when is None or q.show_when.is_met(answers)))
        times = [changed_after[q.id] for q in page.questions if q.id in changed_after]
        concern = answers.get(f"{page.id}_concern")
        views.append(TopicView(
            page=page,
            concern=concern if isinstance(concern, str) and concern else None,
            concern_question=concern_q,
            talk=answers.get(f"{page.id}_talk") is True,
            note=str(answers.get(f"{page.id}_note") or ""),
            follow_ups=follow_ups,
            changed_at=max(times) if times else None,
        ))
    return views


def ordered_topics(views: Iterable[TopicView]
                   ) -> tuple[tuple[TopicView, ...], tuple[TopicView, ...], tuple[TopicView, ...]]:
    """(answered topics most concerning first, set aside, unanswered). Within a level, topics
    the patient wants to talk about come first, then definition order (the sort is stable)."""
    views = list(views)
    answered = [v for v in views if v.level is not None]
    answered.sort(key=lambda v: (-(v.level or 0), not v.talk))
    set_aside = [v for v in views if v.concern in SET_ASIDE]
    # A topic with only a note or a wish to talk is not "unanswered": it goes with the answered.
    loose = [v for v in views if v.concern is None and (v.talk or v.note or v.follow_ups)]
    unanswered = [v for v in views if v.concern is None and v not in loose]
    return tuple(answered + loose), tuple(set_aside), tuple(unanswered)


def changed_after_submitting(submissions: Sequence[Submission],
                             visible: Iterable[str]) -> dict[str, datetime]:
    """For each visible question, the time of the latest submission that changed its answer
    compared with the submission before it (added, changed or removed)."""
    visible = set(visible)
    changed: dict[str, datetime] = {}
    for before, after in pairwise(submissions):
        for question_id in set(before.answers) | set(after.answers):
            if question_id in visible and before.answers.get(question_id) != after.answers.get(
                    question_id):
                changed[question_id] = after.submitted_at
    return changed


def _concerns(definition: Definition, answers: Mapping[str, Any],
              hidden: set[str]) -> dict[str, str | None]:
    return {t.id: answers.get(f"{t.id}_concern") for t in definition.topics if t.id not in hidden}


def compare(previous: Definition, previous_answers: Mapping[str, Any],
            current: Definition, current_answers: Mapping[str, Any],
            hidden: Iterable[str] = (), previous_number: int | None = None) -> Changes:
    """New, resolved and lasting concerns by topic id, across questionnaire versions.

    ``hidden`` names topics kept from this reader in either response: they are left out
    entirely, so the comparison says nothing about them either."""
    hidden = set(hidden)
    before = _concerns(previous, previous_answers, hidden)
    now = _concerns(current, current_answers, hidden)
    order = [t.id for t in current.topics] + [t.id for t in previous.topics
                                              if t.id not in {c.id for c in current.topics}]
    new, resolved, lasting, not_then, not_now, no_answer = [], [], [], [], [], []
    for topic in order:
        if topic in hidden:
            continue
        was = before.get(topic) in HIGH_CONCERN
        is_ = now.get(topic) in HIGH_CONCERN
        if topic not in before:
            if is_:
                not_then.append(topic)
        elif topic not in now:
            if was:
                not_now.append(topic)
        elif was and is_:
            lasting.append(topic)
        elif is_:
            new.append(topic)
        elif was and CONCERN_LEVEL.get(now.get(topic) or "") is not None:
            resolved.append(topic)
        elif was:
            no_answer.append(topic)
    return Changes(previous_number, tuple(new), tuple(resolved), tuple(lasting),
                   tuple(not_then), tuple(not_now), tuple(no_answer))


def kept_private(answers: Mapping[str, Any]) -> set[str]:
    return set(answers.get(KEEP_PRIVATE) or ())


def children_notice(registered: bool | None, answers: Mapping[str, Any]) -> tuple[bool, str]:
    """Whether the patient has children under 18 (registered at enrolment, or answered "yes" in
    the answers the reader may see), and their ages as the patient wrote them."""
    answered = answers.get("children_under_18") == "yes"
    ages = str(answers.get("children_ages") or "").strip() if answered else ""
    return bool(registered) or answered, ages


#: The questions a relative's answers lead with, by id: their strain, whether they want a
#: conversation of their own, then the page about children.
_RELATIVE_LEADS = ("strain", "own_conversation", "children_under_18")


def relative_items(definition: Definition, answers: Mapping[str, Any]
                   ) -> tuple[tuple[Question, Any], ...]:
    """A relative's answered questions (a follow-up only while its condition is met): the pages
    holding the lead questions first, in that order, then the rest in definition order."""
    def rank(page: Page) -> int:
        ids = {q.id for q in page.questions}
        return next((i for i, lead in enumerate(_RELATIVE_LEADS) if lead in ids),
                    len(_RELATIVE_LEADS))

    return tuple(
        (q, answers[q.id]) for page in sorted(definition.pages, key=rank)
        for q in page.questions
        if answers.get(q.id) not in (None, "", []) and (q.show_when is None
                                                        or q.show_when.is_met(answers)))


# --- building from the database ------------------------------------------------------------


@dataclass(frozen=True)
class _Seen:
    """One touchpoint's latest submission as the reader may see it."""

    touchpoint: Touchpoint
    response: Response | None
    definition: Definition | None
    submission: Submission | None
    answers: dict[str, Any]
    withheld: bool
    #: Topic (page) ids kept from this reader.
    hidden: set[str]


def _definition_of(response: Response) -> Definition:
    found = definitions.get(response.questionnaire_id, response.questionnaire_version)
    if found is None:  # every stored version stays installed; a missing one is a deploy error
        raise LookupError(f"{response.questionnaire_id}-{response.questionnaire_version}")
    return found


def _seen(touchpoint: Touchpoint, response: Response | None, full: bool) -> _Seen:
    submission = response.submissions[-1] if response is not None and response.submissions \
        else None
    if response is None or submission is None:
        return _Seen(touchpoint, response, None if response is None else _definition_of(response),
                     None, {}, False, set())
    definition = _definition_of(response)
    answers, withheld = shareable(definition, submission.answers, same_organisation=full)
    hidden = set() if full else kept_private(submission.answers)
    return _Seen(touchpoint, response, definition, submission, answers, withheld, hidden)


def _may_see(earlier: Touchpoint, reader_organisation_id: int, pathway: Pathway,
             own: bool) -> bool | None:
    """True: in full; False: within the sharing choices; None: not at all."""
    if own or earlier.organisation_id == reader_organisation_id:
        return True
    if (earlier.number == 1 and pathway.handed_over_at is not None
            and pathway.municipality_id == reader_organisation_id):
        return False
    return None


def build(touchpoint: Touchpoint, responsible: bool, today: date, *, own: bool = False,
          strain_threshold: int = 4) -> Summary:
    """The summary of ``touchpoint`` for a staff reader (``responsible`` as given by
    ``access.load_staff_touchpoint``) or, with ``own``, for the patient themselves.

    Queries: the pathway's touchpoints, their responses and submissions, the actions agreed
    (four, whatever the history)."""
    session = db_session()
    pathway = touchpoint.pathway
    patient = pathway.patient
    full = responsible or own
    # Only the municipality reads a touchpoint it does not hold (touchpoint 1, handed over).
    reader = touchpoint.organisation_id if responsible else pathway.municipality_id
    touchpoints = list(session.scalars(
        select(Touchpoint).where(Touchpoint.pathway_id == pathway.id,
                                 Touchpoint.number <= touchpoint.number)
        .options(joinedload(Touchpoint.organisation)).order_by(Touchpoint.number)))
    visible = {t.id: (full if t.id == touchpoint.id else _may_see(t, reader, pathway, own))
               for t in touchpoints}
    readable = [t for t in touchpoints if visible[t.id] is not None]
    responses = {r.touchpoint_id: r for r in session.scalars(
        select(Response).where(Response.touchpoint_id.in_([t.id for t in readable]))
        .options(selectinload(Response.submissions)))}
    seen = {t.id: _seen(t, responses.get(t.id), bool(visible[t.id])) for t in readable}
    current = seen[touchpoint.id]
    municipality = session.get(Organisation, pathway.municipality_id)
    if municipality is None:  # a foreign key: cannot happen
        raise LookupError(pathway.municipality_id)

    actions, actions_withheld = _actions(session, seen)
    children, ages = children_notice(patient.children_under_18, current.answers)
    summary = Summary(
        patient=patient, touchpoint=touchpoint, pathway=pathway, municipality=municipality,
        responsible=responsible, age=identity.age_on(patient.national_id, today),
        masked_identity=identity.masked(patient.national_id),
        definition=current.definition, response=current.response,
        submission=current.submission, answers=current.answers,
        withheld=current.withheld or actions_withheld, actions=actions,
        unsent_changes=current.response is not None and current.response.has_unsent_changes,
        strain_history=tuple(
            StrainPoint(s.touchpoint.number, _strain(s.answers), s.touchpoint.id == touchpoint.id)
            for s in seen.values() if s.submission is not None or s.touchpoint.id == touchpoint.id),
        children_under_18=children, children_ages=ages,
        relatives=(_relatives(session, touchpoint, strain_threshold)
                   if responsible and not own else ()),
    )
    for s in seen.values():
        if s.definition is not None:
            summary.topic_titles.update({t.id: t.title for t in s.definition.topics})
    if current.definition is None or current.submission is None:
        return summary
    _fill_answers(summary, current, strain_threshold)
    previous = next((s for s in reversed(seen.values())
                     if s.touchpoint.number < touchpoint.number and s.submission is not None),
                    None)
    if previous is not None and previous.definition is not None:
        summary.changes = compare(previous.definition, previous.answers, current.definition,
                                  current.answers, hidden=previous.hidden | current.hidden,
                                  previous_number=previous.touchpoint.number)
    return summary


def _relatives(session: Any, touchpoint: Touchpoint,
               strain_threshold: int) -> tuple[RelativeAnswers, ...]:
    """The sent answers of every relative the patient still lets answer (an accepted link, not
    withdrawn, with the permission on), in one query. A draft never sent is never shown."""
    rows = session.scalars(
        select(RelativeResponse).join(RelativeResponse.link)
        .where(RelativeResponse.touchpoint_id == touchpoint.id,
               RelativeResponse.submitted_at.is_not(None),
               RelativeLink.accepted_at.is_not(None), RelativeLink.withdrawn_at.is_(None),
               RelativeLink.may_answer_own.is_(True),
               # A guardian's rights follow the child's age (relatives/minors.py), and never
               # include a questionnaire of their own.
               RelativeLink.guardian.is_(False))
        .options(contains_eager(RelativeResponse.link).joinedload(RelativeLink.relative))
        .order_by(RelativeResponse.submitted_at, RelativeResponse.id))
    shown = []
    for row in rows:
        definition = definitions.get(row.questionnaire_id, row.questionnaire_version)
        if definition is None:  # every stored version stays installed; a deploy error
            raise LookupError(f"{row.questionnaire_id}-{row.questionnaire_version}")
        answers = dict(row.submitted_answers or {})
        strain = _strain(answers)
        relative = row.link.relative
        shown.append(RelativeAnswers(
            link_id=row.link_id, name=relative.full_name, relation=row.link.relation,
            national_id=relative.national_id,
            submitted_at=row.submitted_at or row.updated_at,  # not None: the query says so
            answered_in=row.submitted_locale,
            revision=row.submitted_revision or 0, definition=definition, answers=answers,
            items=relative_items(definition, answers), strain=strain,
            high_strain=strain is not None and strain >= strain_threshold,
            wants_own_conversation=answers.get("own_conversation") == "yes"))
    return tuple(shown)


def _strain(answers: Mapping[str, Any]) -> int | None:
    value = answers.get("strain")
    return value if isinstance(value, int) and not isinstance(value, bool) else None


def _fill_answers(summary: Summary, current: _Seen, strain_threshold: int) -> None:
    definition, answers, response = current.definition, current.answers, current.response
    if definition is None or response is None:  # the caller checked: something was sent
        return
    assessment = assess(definition, answers, strain_threshold)
    summary.assessment = assessment
    summary.urgent_answers = tuple(q for q in definition.safety_questions
                                   if answers.get(q.id) == "yes")
    visible_safety = any(q.id in answers for q in definition.safety_questions)
    # The flag stays once set, even if the answer was changed later; a reader who may not see
    # the safety answer is not told about it either.
    summary.urgent_at = response.urgent_at if visible_safety else None
    summary.what_matters = str(answers.get("what_matters") or "")
    summary.agenda = assessment.agenda
    summary.talk_about = assessment.talk_about
    submissions = response.submissions
    summary.changed_after = changed_after_submitting(
        submissions, (k for k in answers if k != KEEP_PRIVATE))
    # A topic kept from this reader is not named at all, not even as "not answered".
    summary.topics, summary.set_aside, summary.unanswered = ordered_topics(
        v for v in topic_views(definition, answers, summary.changed_after)
        if v.page.id not in current.hidden)


def _actions(session: Any, seen: Mapping[int, _Seen]) -> tuple[tuple[ActionView, ...], bool]:
    """Actions agreed at the touchpoints the reader may see, up to this one; an action linked
    to a topic kept from the reader is left out (and counts as withheld)."""
    rows = session.scalars(
        select(AgreedAction).where(AgreedAction.touchpoint_id.in_(list(seen)))
        .order_by(AgreedAction.created_at, AgreedAction.id))
    shown, withheld = [], False
    for action in rows:
        s = seen[action.touchpoint_id]
        if s.hidden & set(action.needs or ()):
            withheld = True
            continue
        shown.append(ActionView(action, s.touchpoint.number))
    shown.sort(key=lambda a: a.touchpoint_number)
    return tuple(shown), withheld
