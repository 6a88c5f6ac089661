"""A plain-language page for families with children, public so that anyone can read and share it.

Linked from the patient's questionnaire page about children, the relative's page about children
and the relative's home page. It names the duty health personnel have toward children who are
relatives (helsepersonelloven § 10 a). No third-party requests: plain text and our own styles.
"""

from __future__ import annotations

from flask import render_template

from portal import access
from portal.public.views import bp


@bp.get("/families-with-children")
@access.public
def families_with_children() -> str:
    return render_template("public/families_with_children.html")
