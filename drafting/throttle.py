"""Login throttling: one client address guessing is held back, an account tried from many
addresses is slowed down, and an unknown e-mail is treated exactly like a known one.

Both counts live in the limiter's storage (Redis when configured, so every server process
shares them) and are taken with an atomic hit before the password is checked, so parallel
guesses cannot all slip through. The per-address limit is a Flask-Limiter decorator shared by
the form and the API; the per-account limit is counted here, after the address has passed, so
a client already held back cannot spend the account's allowance and lock its owner out.
"""

from __future__ import annotations

import math
import time
from collections.abc import Callable

from flask import current_app
from flask.wrappers import Response
from flask_limiter import RequestLimit
from flask_limiter.util import get_remote_address
from limits import RateLimitItem, parse_many

from drafting.extensions import limiter

ADDRESS_SCOPE = "login-address"
ACCOUNT_SCOPE = "login-account"
PREFIX = "drafting"  # the key prefix of the limiter in drafting/extensions.py
MESSAGE = "too many login attempts; try again later"


class LoginThrottled(Exception):
    """Too many recent attempts; the client may try again after `retry_after` seconds."""

    def __init__(self, retry_after: int) -> None:
        super().__init__(MESSAGE)
        self.retry_after = retry_after


def per_address(on_breach: Callable[[RequestLimit], Response]) -> Callable:
    """The per-address limit for a login route (POST only); `on_breach` builds the answer."""
    return limiter.shared_limit(
        lambda: current_app.config["LOGIN_LIMIT_PER_ADDRESS"],
        scope=ADDRESS_SCOPE,
        key_func=get_remote_address,
        methods=["POST"],
        on_breach=on_breach,
    )


def seconds_until(reset_time: float) -> int:
    """Whole seconds until a window lets one more attempt through (at least 1)."""
    return max(1, math.ceil(reset_time - time.time()))


def retry_after(limit: RequestLimit) -> int:
    """Retry-After for a breached per-address limit."""
    return seconds_until(limit.window.reset_time)


def account_key(email: object) -> str:
    """The e-mail as tried, normalised; whether an account has it plays no part."""
    return email.strip().lower() if isinstance(email, str) else ""


def _account_limits() -> list[RateLimitItem]:
    return parse_many(current_app.config["LOGIN_LIMIT_PER_ACCOUNT"])


def _active() -> bool:
    return limiter.enabled and limiter.initialized


def count_account_attempt(email: object) -> None:
    """Count one attempt at this e-mail; LoginThrottled when its allowance is spent."""
    key = account_key(email)
    if not key or not _active():
        return
    strategy = limiter.limiter
    for item in _account_limits():
        if not strategy.hit(item, PREFIX, ACCOUNT_SCOPE, key):
            reset = strategy.get_window_stats(item, PREFIX, ACCOUNT_SCOPE, key).reset_time
            raise LoginThrottled(seconds_until(reset))


def forget_account_attempts(email: object) -> None:
    """A successful login starts the account's count afresh."""
    key = account_key(email)
    if not key or not _active():
        return
    for item in _account_limits():
        limiter.limiter.clear(item, PREFIX, ACCOUNT_SCOPE, key)
