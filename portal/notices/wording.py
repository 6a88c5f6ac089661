"""What the notices say, in the recipient's language.

No health information: no illness, no appointment time or place, no answers, no name and no
identity number. Only that there is something in the portal, and a link to it. One text per
kind; each is a whole sentence with the link as a placeholder, so every language can word it
its own way. E-mail gets a plain-text body; a text message the same sentence, kept short (two
segments in English, see tests/unit/test_notices_wording.py).
"""

from __future__ import annotations

from dataclasses import dataclass

from flask_babel import force_locale, gettext

from portal.notices.models import NoticeKind


def _(text: str, **values: object) -> str:
    """``gettext``, typed (Flask-Babel ships no type hints); extracted as ``_`` like the rest."""
    return str(gettext(text, **values))


@dataclass(frozen=True)
class Text:
    subject: str
    body: str
    sms: str


def _subject(kind: str) -> str:
    subjects = {
        NoticeKind.QUESTIONNAIRE_OPEN: _("There is something new for you in the patient "
                                         "portal"),
        NoticeKind.REMINDER: _("A reminder from the patient portal"),
        NoticeKind.APPOINTMENT: _("An appointment has been booked or changed in the patient "
                                  "portal"),
        NoticeKind.INVITATION: _("You are invited to the patient portal"),
        NoticeKind.URGENT_TO_TEAM: _("A questionnaire marked urgent has arrived in the patient "
                                     "portal"),
    }
    return subjects[NoticeKind(kind)]


def _main(kind: str, link: str) -> str:
    if kind == NoticeKind.QUESTIONNAIRE_OPEN:
        return _("There is something new for you in the patient portal. Sign in to see it: "
                 "%(link)s", link=link)
    if kind == NoticeKind.REMINDER:
        return _("There is something in the patient portal that you have not finished yet. "
                 "Sign in to see it: %(link)s", link=link)
    if kind == NoticeKind.APPOINTMENT:
        # Not "for you": a parent gets it for their child too.
        return _("An appointment has been booked or changed in the patient portal. Sign in to "
                 "see it: %(link)s", link=link)
    if kind == NoticeKind.INVITATION:
        return _("You have been invited as a relative in the patient portal. Open the link and "
                 "sign in with ID-porten to see who invited you and to accept. The link can be "
                 "used once, for a limited time: %(link)s", link=link)
    return _("A questionnaire marked urgent has arrived in the patient portal. Sign in and "
             "open the worklist: %(link)s", link=link)


def _why(kind: str, preferences: str | None) -> str:
    if kind == NoticeKind.INVITATION:
        return _("You get this message because someone gave the patient portal your address "
                 "for this invitation. If you were not expecting it, you can ignore it.")
    if kind == NoticeKind.URGENT_TO_TEAM:
        return _("You get this message because this address is given for your contact point "
                 "in the patient portal.")
    return _("You get this message because notices are on for you in the patient portal. To "
             "stop them or to change how you get them, go to %(link)s", link=preferences)


def render(kind: str, locale: str, link: str, preferences: str | None = None) -> Text:
    """The notice in ``locale``; ``link`` and ``preferences`` are full addresses. Needs an app
    context (the catalogs)."""
    with force_locale(locale):
        main = _main(kind, link)
        body = "\n\n".join([main, _why(kind, preferences),
                            _("This message was sent automatically. Replies are not read.")])
        sms = main
        if preferences is not None and kind not in (NoticeKind.INVITATION,
                                                    NoticeKind.URGENT_TO_TEAM):
            stop = _("You can stop these messages under Notices in the portal.")
            sms = f"{main} {stop}"
        return Text(subject=_subject(kind), body=body + "\n", sms=sms)
