"""Settings read from the environment, with safe local defaults.

Locally nothing needs configuring: the database is an SQLite file in the working
directory and a secret is generated once and kept beside it. In production
(``SURVEY_ENV=production``) the service refuses to start unless both the secret and
the database URL are given explicitly, and says which one is missing.
"""

from __future__ import annotations

import os
import secrets
from collections.abc import Mapping
from pathlib import Path
from typing import Literal

import msgspec

from survey_service.errors import ConfigurationError

__all__ = ["Settings", "load_settings"]

Environment = Literal["development", "production", "test"]

SECRET_FILE_NAME = ".survey-secret"  # noqa: S105 - a file name, not a secret
DEFAULT_DB_FILE_NAME = "survey.db"


class Settings(msgspec.Struct, frozen=True, kw_only=True):
    """Everything the app, CLI and migrations need to know about their surroundings."""

    database_url: str
    secret_key: str
    environment: Environment = "development"
    host: str = "127.0.0.1"
    port: int = 8000
    public_base_url: str = "http://127.0.0.1:8000"
    max_body_bytes: int = 64 * 1024
    debug: bool = False
    # Open links (QR posters): accepted answers per client address per window; a
    # one-stop shop's guest Wi-Fi puts many citizens behind one address, so it is generous.
    open_link_limit: int = 30
    open_link_window_seconds: int = 600
    # Flag (never drop) this many open-link answers from one address within the window.
    burst_threshold: int = 5
    # Flag answers given faster than this many seconds per question answered.
    speeding_seconds_per_answer: float = 1.0
    # One open-link answer per device and unit within this many hours.
    device_window_hours: int = 24
    receipt_token_days: int = 30
    # Staff logins: this many failed passwords in a row lock the account for a while.
    login_max_failures: int = 5
    login_lockout_minutes: int = 15
    # Failed logins from one client address (any usernames) within the lockout window
    # after which that address is refused for a while: stops password spraying across
    # accounts. Generous, as a whole office may share one address.
    login_address_max_failures: int = 50
    # A staff session lasts this long from login (a new login starts a new one).
    session_hours: int = 12
    # ... and ends sooner when it makes no request for this many minutes.
    session_idle_minutes: int = 60

    @property
    def secure_cookies(self) -> bool:
        """Whether staff cookies carry ``Secure`` (served over HTTPS, or in production)."""
        return self.environment == "production" or self.public_base_url.startswith("https:")

    @property
    def is_sqlite(self) -> bool:
        """Whether the database is the embedded SQLite file."""
        return self.database_url.startswith("sqlite")


def _local_secret(workdir: Path) -> str:
    """Return the secret kept in ``workdir``, creating it on first use."""
    path = workdir / SECRET_FILE_NAME
    try:
        return path.read_text(encoding="utf-8").strip()
    except FileNotFoundError:
        pass
    secret = secrets.token_urlsafe(48)
    # O_EXCL so two processes starting at once cannot both write different secrets.
    try:
        fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    except FileExistsError:
        return path.read_text(encoding="utf-8").strip()
    with os.fdopen(fd, "w", encoding="utf-8") as handle:
        handle.write(secret + "\n")
    return secret


_WHOLE_NUMBERS = {
    "SURVEY_OPEN_LINK_LIMIT": "open_link_limit",
    "SURVEY_LOGIN_MAX_FAILURES": "login_max_failures",
    "SURVEY_LOGIN_LOCKOUT_MINUTES": "login_lockout_minutes",
    "SURVEY_LOGIN_ADDRESS_MAX_FAILURES": "login_address_max_failures",
    "SURVEY_SESSION_HOURS": "session_hours",
    "SURVEY_SESSION_IDLE_MINUTES": "session_idle_minutes",
}


def _whole_numbers(env: Mapping[str, str]) -> dict[str, int]:
    """The optional whole-number settings that are set, checked to be above 0."""
    found = {}
    for variable, field in _WHOLE_NUMBERS.items():
        value = env.get(variable, "").strip()
        if not value:
            continue
        if not (value.isascii() and value.isdigit() and int(value) > 0):
            raise ConfigurationError(f"{variable} must be a whole number above 0")
        found[field] = int(value)
    return found


def load_settings(
    environ: Mapping[str, str] | None = None, workdir: Path | None = None
) -> Settings:
    """Build :class:`Settings` from environment variables.

    Variables: ``SURVEY_ENV`` (development, production or test), ``SURVEY_DATABASE_URL``,
    ``SURVEY_SECRET_KEY``, ``SURVEY_HOST``, ``SURVEY_PORT``, ``SURVEY_PUBLIC_URL``,
    ``SURVEY_DEBUG``, ``SURVEY_OPEN_LINK_LIMIT`` (open-link answers per client address
    per window; raise it for load tests from one address), ``SURVEY_LOGIN_MAX_FAILURES``
    and ``SURVEY_LOGIN_LOCKOUT_MINUTES`` (failed staff logins in a row that lock an
    account, and for how long), ``SURVEY_LOGIN_ADDRESS_MAX_FAILURES`` (failed logins
    from one address in that time that refuse the address), ``SURVEY_SESSION_HOURS`` (how
    long a staff login lasts), ``SURVEY_SESSION_IDLE_MINUTES`` (how long a staff session may
    go without a request).
    """
    env = os.environ if environ is None else environ
    cwd = Path.cwd() if workdir is None else workdir
    environment = env.get("SURVEY_ENV", "development").strip().lower() or "development"
    if environment not in ("development", "production", "test"):
        raise ConfigurationError(
            f"SURVEY_ENV must be development, production or test, not {environment!r}"
        )
    database_url = env.get("SURVEY_DATABASE_URL", "").strip()
    secret_key = env.get("SURVEY_SECRET_KEY", "").strip()
    if environment == "production":
        missing = [
            name
            for name, value in (
                ("SURVEY_SECRET_KEY", secret_key),
                ("SURVEY_DATABASE_URL", database_url),
            )
            if not value
        ]
        if missing:
            raise ConfigurationError(
                "production mode needs explicit settings; missing: " + ", ".join(missing)
            )
        if len(secret_key) < 32:
            raise ConfigurationError("SURVEY_SECRET_KEY must be at least 32 characters long")
    if not database_url:
        database_url = f"sqlite:///{(cwd / DEFAULT_DB_FILE_NAME).resolve()}"
    if not secret_key:
        secret_key = _local_secret(cwd)
    host = env.get("SURVEY_HOST", "127.0.0.1")
    try:
        port = int(env.get("SURVEY_PORT", "8000"))
    except ValueError as exc:
        raise ConfigurationError("SURVEY_PORT must be a whole number") from exc
    optional = _whole_numbers(env)
    return Settings(
        database_url=database_url,
        secret_key=secret_key,
        environment=environment,  # type: ignore[arg-type]
        host=host,
        port=port,
        public_base_url=env.get("SURVEY_PUBLIC_URL", f"http://{host}:{port}").rstrip("/"),
        debug=env.get("SURVEY_DEBUG", "") in ("1", "true", "yes"),
        **optional,
    )
