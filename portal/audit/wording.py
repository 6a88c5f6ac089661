"""How an entry reads: one whole sentence per action for the patient, a short label for the
administrator. Translated at request time, with named placeholders only."""

from __future__ import annotations

from collections.abc import Callable

from flask_babel import gettext as _

from portal.audit.models import AccessAction, AccessEvent, ActorKind

A = AccessAction
#: The context of an ``EXPORTED`` entry written by the monitoring's registration export
#: (``portal/monitoring/views.py``): the patient's national identity number and the dates of a
#: held conversation, not their answers. Its own sentence and label, until the access log has an
#: action of its own for it (that needs a migration of the action's check constraint).
REGISTRATION_EXPORT = "registration export"
Sentence = Callable[..., str]

#: (who, action, whether a conversation number is known) → the patient's sentence.
#: The placeholders: name, title, organisation (staff), relation (relatives), number.
SENTENCES: dict[tuple[ActorKind, AccessAction, bool], Sentence] = {
    (ActorKind.STAFF, A.OPENED_PATIENT, False): lambda **p: _(
        "%(name)s, %(title)s at %(organisation)s, opened your page.", **p),
    (ActorKind.STAFF, A.READ_ANSWERS, True): lambda **p: _(
        "%(name)s, %(title)s at %(organisation)s, read your answers for conversation "
        "%(number)s.", **p),
    (ActorKind.STAFF, A.READ_ANSWERS, False): lambda **p: _(
        "%(name)s, %(title)s at %(organisation)s, read your answers.", **p),
    (ActorKind.STAFF, A.READ_SUMMARY, True): lambda **p: _(
        "%(name)s, %(title)s at %(organisation)s, read the summary of your answers for "
        "conversation %(number)s.", **p),
    (ActorKind.STAFF, A.READ_SUMMARY, False): lambda **p: _(
        "%(name)s, %(title)s at %(organisation)s, read the summary of your answers.", **p),
    (ActorKind.STAFF, A.DOWNLOADED_PDF, True): lambda **p: _(
        "%(name)s, %(title)s at %(organisation)s, downloaded your answers for conversation "
        "%(number)s as a PDF file.", **p),
    (ActorKind.STAFF, A.DOWNLOADED_PDF, False): lambda **p: _(
        "%(name)s, %(title)s at %(organisation)s, downloaded your answers as a PDF file.", **p),
    (ActorKind.STAFF, A.EXPORTED, True): lambda **p: _(
        "%(name)s, %(title)s at %(organisation)s, copied your answers for conversation "
        "%(number)s into your medical record.", **p),
    (ActorKind.STAFF, A.EXPORTED, False): lambda **p: _(
        "%(name)s, %(title)s at %(organisation)s, copied your answers into your medical "
        "record.", **p),
    (ActorKind.STAFF, A.SHOWED_IDENTITY_NUMBER, False): lambda **p: _(
        "%(name)s, %(title)s at %(organisation)s, displayed your whole national identity "
        "number.", **p),
    (ActorKind.STAFF, A.CHANGED, True): lambda **p: _(
        "%(name)s, %(title)s at %(organisation)s, changed the information about conversation "
        "%(number)s.", **p),
    (ActorKind.STAFF, A.CHANGED, False): lambda **p: _(
        "%(name)s, %(title)s at %(organisation)s, changed information about your pathway.", **p),
    (ActorKind.STAFF, A.READ_CONTACTS, False): lambda **p: _(
        "%(name)s, %(title)s at %(organisation)s, looked at whom to contact about you.", **p),
    (ActorKind.STAFF, A.READ_ACCESS_LOG, False): lambda **p: _(
        "%(name)s, %(title)s at %(organisation)s, read this list of who has looked at your "
        "information.", **p),
    (ActorKind.RELATIVE, A.OPENED_PATIENT, False): lambda **p: _(
        "%(name)s, whom you have let in, opened your page.", **p),
    (ActorKind.RELATIVE, A.READ_ANSWERS, True): lambda **p: _(
        "%(name)s, whom you have let in, read the answers you shared for conversation "
        "%(number)s.", **p),
    (ActorKind.RELATIVE, A.READ_ANSWERS, False): lambda **p: _(
        "%(name)s, whom you have let in, read the answers you shared.", **p),
    (ActorKind.RELATIVE, A.READ_CONTACTS, False): lambda **p: _(
        "%(name)s, whom you have let in, looked at whom to contact about you.", **p),
    (ActorKind.RELATIVE, A.READ_APPOINTMENTS, False): lambda **p: _(
        "%(name)s, whom you have let in, looked at your booked conversations.", **p),
}


def describe(event: AccessEvent) -> str:
    """The patient's sentence for an entry. Actions without a sentence of their own (a new
    action, or one a relative cannot normally do) still say who looked."""
    kind = ActorKind(event.actor_kind)
    has_number = event.touchpoint_number is not None
    action = AccessAction(event.action)
    if action == A.EXPORTED and event.context == REGISTRATION_EXPORT and has_number:
        return str(_("%(name)s, %(title)s at %(organisation)s, exported your national identity "
                     "number and the date of conversation %(number)s, so that the conversation "
                     "is registered as held.", name=event.actor_name, title=_title(event),
                     organisation=event.actor_org_name or "", number=event.touchpoint_number))
    sentence = SENTENCES.get((kind, action, has_number)) or SENTENCES.get((kind, action, False))
    if sentence is None:
        if kind == ActorKind.STAFF:
            return str(_("%(name)s, %(title)s at %(organisation)s, looked at your information.",
                         name=event.actor_name, title=_title(event),
                         organisation=event.actor_org_name or ""))
        return str(_("%(name)s, whom you have let in, looked at your information.",
                     name=event.actor_name))
    return str(sentence(name=event.actor_name, title=_title(event),
                        organisation=event.actor_org_name or "",
                        number=event.touchpoint_number))


def _title(event: AccessEvent) -> str:
    return event.actor_title or str(_("health worker"))


def action_label(action: str, context: str = "") -> str:
    """The administrator's short label for an action."""
    if action == A.EXPORTED and context == REGISTRATION_EXPORT:
        return str(_("Exported for registration"))
    labels: dict[str, Callable[[], str]] = {
        A.OPENED_PATIENT: lambda: _("Opened the patient's page"),
        A.READ_ANSWERS: lambda: _("Read the answers"),
        A.READ_SUMMARY: lambda: _("Read the summary"),
        A.DOWNLOADED_PDF: lambda: _("Downloaded a PDF file"),
        A.EXPORTED: lambda: _("Copied into the medical record"),
        A.SHOWED_IDENTITY_NUMBER: lambda: _("Displayed the whole national identity number"),
        A.CHANGED: lambda: _("Changed information"),
        A.READ_CONTACTS: lambda: _("Looked at whom to contact"),
        A.READ_APPOINTMENTS: lambda: _("Looked at the appointments"),
        A.READ_ACCESS_LOG: lambda: _("Read the patient's access log"),
    }
    label = labels.get(action)
    return str(label()) if label is not None else action
