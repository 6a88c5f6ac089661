"""Rate limits per client address (Flask-Limiter), written down where they are set.

- **Sign-in** (``rate_limit_sign_in``): starting a sign-in, the provider's answer (the callback)
  and sending the development provider's form; also opening a relative's invitation link. Each
  endpoint counts on its own, so one sign-in costs one attempt of each.
- **Changes** (``rate_limit_posts``): every request that can change something (POST and the other
  unsafe methods), one counter per client across the whole portal.
- Reading pages and static files is never limited.

Counters live in Redis when ``redis_url`` is set, under a stable key prefix, so every instance
shares them; otherwise in memory, per process (per gunicorn worker). If Redis cannot be reached,
the limits carry on in memory and the log says so: rate limiting must never take the site down.

A limit that is hit answers 429 with our own page and ``Retry-After``. Nothing typed is at risk
beyond the one page sent: the questionnaire saves every step on the server as the patient moves on.
"""

from __future__ import annotations

import time

from flask import Flask, request
from flask_babel import gettext as _
from flask_limiter import ApplicationLimit, Limit, Limiter, RateLimitExceeded
from flask_limiter.util import get_remote_address
from limits import parse_many

from portal import errors
from portal.settings import Settings, SettingsError

#: Prefix of every counter's key. Stable, so that instances (and restarts) share counters.
KEY_PREFIX = "portal"

#: The sign-in endpoints, and the methods that count as an attempt on each.
SIGN_IN_ATTEMPTS: dict[str, frozenset[str]] = {
    "auth.start": frozenset({"GET", "HEAD"}),
    "auth.callback": frozenset({"GET", "HEAD"}),
    # The development provider's page is shown by GET; sending its form is the attempt.
    "dev_idp.authorize": frozenset({"POST"}),
    # A relative's invitation link: its token is the only key, so guesses are counted too.
    "invitation.landing": frozenset({"GET", "HEAD"}),
}

#: Requests that change nothing.
SAFE_METHODS = frozenset({"GET", "HEAD", "OPTIONS"})

#: Server-to-server calls from the portal's own OpenID client: no browser sends them, and
#: counting them would spend the address of the portal itself.
BACK_CHANNEL = frozenset({"dev_idp.token"})

#: A Redis that answers slowly must not hold a request for long: give up and count in memory.
REDIS_TIMEOUT_SECONDS = 1


def _not_a_sign_in_attempt() -> bool:
    return request.method not in SIGN_IN_ATTEMPTS.get(request.endpoint or "", frozenset())


def _not_a_change() -> bool:
    return request.method in SAFE_METHODS or request.endpoint in BACK_CHANNEL


def _check(name: str, value: str) -> None:
    """Refuse a malformed limit at start-up rather than on the first request (empty: no limit)."""
    try:
        if value:
            parse_many(value)
    except ValueError:
        raise SettingsError(
            f"{name} must be limits such as '20 per minute; 100 per hour', not {value!r}."
        ) from None


def init_app(app: Flask, settings: Settings) -> Limiter:
    _check("PORTAL_RATE_LIMIT_SIGN_IN", settings.rate_limit_sign_in)
    _check("PORTAL_RATE_LIMIT_POSTS", settings.rate_limit_posts)
    limiter = Limiter(
        # The client's address: with PORTAL_TRUSTED_PROXIES above 0, ProxyFix (create_app) has
        # set ``remote_addr`` from the X-Forwarded-For entry the nearest trusted proxy added,
        # so clients behind one reverse proxy count separately and a forged entry further left
        # is ignored. With 0 it is the connecting peer's address: behind a proxy whose headers
        # are not trusted, everyone shares the proxy's counter.
        get_remote_address,
        storage_uri=settings.redis_url or "memory://",
        storage_options=(
            {"socket_connect_timeout": REDIS_TIMEOUT_SECONDS,
             "socket_timeout": REDIS_TIMEOUT_SECONDS} if settings.redis_url else {}
        ),
        key_prefix=KEY_PREFIX,
        strategy="fixed-window",
        # Default limits apply to every endpoint (none is decorated); this one exempts all
        # requests but sign-in attempts, and counts per endpoint.
        default_limits=[Limit(settings.rate_limit_sign_in, exempt_when=_not_a_sign_in_attempt)],
        # Application limits are shared by all endpoints: one counter of changes per client.
        application_limits=[ApplicationLimit(limit_provider=settings.rate_limit_posts,
                                             scope="changes", exempt_when=_not_a_change)],
        in_memory_fallback_enabled=True,
        swallow_errors=True,
        # No X-RateLimit-* headers on every response; a refusal says Retry-After (below).
        headers_enabled=False,
    )
    limiter.init_app(app)
    app.extensions["portal.limiter"] = limiter

    @app.errorhandler(RateLimitExceeded)
    def _too_many(error: RateLimitExceeded) -> tuple[str, int, dict[str, str]]:
        body, code = errors.render_error(
            429, _("Too many attempts"),
            _("Wait a minute and try again. Your saved answers are kept."))
        return body, code, {"Retry-After": str(_retry_after(limiter, error))}

    return limiter


def _retry_after(limiter: Limiter, error: RateLimitExceeded) -> int:
    """Seconds until the breached limit's window ends (at most the window's length)."""
    window = int(error.limit.limit.get_expiry())
    breached = limiter.current_limit
    try:
        seconds = breached.reset_at - int(time.time()) if breached else window
    except Exception:  # the storage went away since the check: the window is an upper bound
        seconds = window
    return max(1, min(seconds, window))
