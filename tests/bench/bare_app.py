"""The baseline for the throughput benchmark: a bare Flask app that renders one small template.

No database, no session, no CSRF, no translations: just Flask routing and one Jinja render of a
page about the size of the portal's ``templates/layout.html``. ``run.py`` serves it with the same
gunicorn settings as the portal, so portal/bare is the cost of everything the portal adds.

    gunicorn -w 2 -b 127.0.0.1:8000 --pythonpath tests/bench 'bare_app:create_app()'
"""

from __future__ import annotations

from pathlib import Path

from flask import Flask, render_template

LANGUAGES = {"nb": "Norsk bokmål", "nn": "Norsk nynorsk", "en": "English"}


def create_app() -> Flask:
    app = Flask(__name__, template_folder=str(Path(__file__).resolve().parent / "templates"))
    app.jinja_env.trim_blocks = True
    app.jinja_env.lstrip_blocks = True

    @app.get("/")
    def page() -> str:
        return render_template(
            "bare.html",
            title="Familie og nettverk",
            languages=LANGUAGES,
            current="nb",
            token="bare-benchmark-token",
            options=[("not_at_all", "Ikke i det hele tatt"), ("a_little", "Litt"),
                     ("quite_a_bit", "En del"), ("very_much", "Veldig mye")],
        )

    return app


app = create_app()
