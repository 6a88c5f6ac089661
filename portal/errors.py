"""Error pages: kind words, a way on, never a stack trace."""

from __future__ import annotations

from flask import Flask, render_template
from flask_babel import lazy_gettext as _l
from flask_wtf.csrf import CSRFError
from werkzeug.exceptions import HTTPException, InternalServerError

MESSAGES = {
    400: (_l("We could not handle what was sent"),
          _l("The page could not handle what was sent. Go back and try again.")),
    403: (_l("You do not have access to this page"),
          _l("If you think you should have access, contact the people who follow you up.")),
    404: (_l("Page not found"),
          _l("The address may be mistyped, or the page may no longer exist.")),
    405: (_l("Page not found"),
          _l("The address may be mistyped, or the page may no longer exist.")),
    410: (_l("This questionnaire has been replaced"),
          _l("The questionnaire you started is no longer in use. Your earlier answers are kept. "
             "Contact the people who follow you up if you want to answer again.")),
    413: (_l("What you sent was too large"),
          _l("Go back and shorten what you wrote.")),
    500: (_l("Sorry, something went wrong on our side"),
          _l("Your saved answers are kept. Try again in a little while.")),
}


def render_error(
    code: int, title: str | None = None, message: str | None = None
) -> tuple[str, int]:
    default_title, default_message = MESSAGES.get(code, MESSAGES[500])
    return (
        render_template(
            "errors/error.html",
            code=code,
            title=title or default_title,
            message=message or default_message,
        ),
        code,
    )


def init_app(app: Flask) -> None:
    @app.errorhandler(CSRFError)
    def _csrf(_error: CSRFError) -> tuple[str, int]:
        return render_error(
            400,
            str(_l("This page has expired")),
            str(_l("For your safety, a form can only be sent from a page that is still open in "
                   "this session. Go back, reload the page and send it again.")),
        )

    @app.errorhandler(HTTPException)
    def _http(error: HTTPException) -> tuple[str, int, dict[str, str]]:
        body, code = render_error(error.code or 500)
        # A 405 must name the methods the address accepts (RFC 9110, 15.5.6).
        allowed = getattr(error, "valid_methods", None)
        return body, code, {"Allow": ", ".join(allowed)} if allowed else {}

    @app.errorhandler(Exception)
    def _unexpected(error: Exception) -> tuple[str, int]:
        app.logger.exception("Unexpected error", exc_info=error)
        return render_error(InternalServerError.code)
