"""``survey-service users``: staff accounts and their API tokens."""

from __future__ import annotations

import sys
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import TypeVar

import click
from sqlalchemy import Connection

from survey_service.db.enums import Role

__all__ = ["users_group"]

T = TypeVar("T")
ROLES = [role.value for role in Role]


@contextmanager
def _transaction() -> Iterator[Connection]:
    from survey_service.cli import database_settings
    from survey_service.db.engine import make_sync_engine

    engine = make_sync_engine(database_settings().database_url)
    try:
        with engine.begin() as conn:
            yield conn
    finally:
        engine.dispose()


def _run(work: Callable[[Connection], T]) -> T:
    """Run ``work`` in one transaction; service errors become one-line CLI errors."""
    from survey_service.errors import ServiceError

    try:
        with _transaction() as conn:
            return work(conn)
    except ServiceError as exc:
        raise click.ClickException(str(exc)) from exc


def _read_password(password_file: Path | None) -> str:
    """The new password: from a file (``-`` is stdin), piped stdin, or a hidden prompt."""
    if password_file is not None:
        text = (
            sys.stdin.readline()
            if str(password_file) == "-"
            else password_file.read_text(encoding="utf-8").partition("\n")[0]
        )
        return text.rstrip("\r\n")
    if not sys.stdin.isatty():
        return sys.stdin.readline().rstrip("\r\n")
    password: str = click.prompt(
        "Password", hide_input=True, confirmation_prompt=True, prompt_suffix=": "
    )
    return password


@click.group("users")
def users_group() -> None:
    """Staff accounts: administrators, statisticians, department reviewers, viewers."""


@users_group.command("create")
@click.argument("username")
@click.option("--role", type=click.Choice(ROLES), required=True, help="What the user may do.")
@click.option(
    "--unit",
    "units",
    multiple=True,
    metavar="CODE",
    help="A unit (with everything below it) a reviewer may see; repeat for several.",
)
@click.option("--name", "display_name", help="Name shown on pages [default: USERNAME].")
@click.option(
    "--password-file",
    type=click.Path(dir_okay=False, allow_dash=True, path_type=Path),
    help="Read the password from the first line of this file ('-' for stdin) "
    "[default: prompt, or stdin when it is not a terminal].",
)
def create_command(
    username: str,
    role: str,
    units: tuple[str, ...],
    display_name: str | None,
    password_file: Path | None,
) -> None:
    """Create the staff account USERNAME (the password is never echoed or stored as is)."""
    from survey_service.features.accounts.users import create_user

    password = _read_password(password_file)
    _run(
        lambda conn: create_user(
            conn, username, Role(role), password, display_name=display_name, unit_codes=units
        )
    )
    scope = f" for {', '.join(units)}" if units else ""
    click.echo(f"Created {role} {username}{scope}.")


@users_group.command("list")
def list_command() -> None:
    """List staff accounts with their role, units and state."""
    from survey_service.features.accounts.users import list_users

    for user in _run(list_users):
        state = "active" if user.active else "disabled"
        if user.locked_until is not None:
            state += f", locked until {user.locked_until:%Y-%m-%d %H:%M} UTC"
        units = ", ".join(user.units) or "all units"
        last = f"{user.last_login_at:%Y-%m-%d %H:%M}" if user.last_login_at else "never"
        click.echo(
            f"{user.username}\t{user.role}\t{units}\t{state}\tlast login {last}\t"
            f"{user.display_name}"
        )


@users_group.command("disable")
@click.argument("username")
def disable_command(username: str) -> None:
    """Disable USERNAME: its sessions end and its API tokens stop working at once."""
    from survey_service.features.accounts.users import disable_user

    _run(lambda conn: disable_user(conn, username))
    click.echo(f"Disabled {username}.")


@users_group.group("tokens")
def tokens_group() -> None:
    """API tokens: for machine clients, or for a user's scripts."""


@tokens_group.command("create")
@click.argument("name")
@click.option(
    "--user",
    help="The token acts as this staff account [default: a machine account api:NAME].",
)
@click.option(
    "--role",
    type=click.Choice(ROLES),
    default=Role.STATISTICIAN.value,
    show_default=True,
    help="Role of a new machine account.",
)
def tokens_create_command(name: str, user: str | None, role: str) -> None:
    """Create an API token NAME; it is printed once and stored only as a hash."""
    from survey_service.auth import create_api_token

    click.echo(_run(lambda conn: create_api_token(conn, name, role=Role(role), user=user)))


@tokens_group.command("revoke")
@click.argument("name")
def tokens_revoke_command(name: str) -> None:
    """Revoke every live API token named NAME."""
    from survey_service.auth import revoke_api_tokens

    count = _run(lambda conn: revoke_api_tokens(conn, name))
    click.echo(f"Revoked {count} token(s) named {name}.")
