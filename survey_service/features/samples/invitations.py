"""Personalised invitation links: a CSV for SMS/e-mail gateways and printable letters.

Tokens are stored only as hashes, so a link can be shown once: every export issues a new
token to each member it lists (its earlier link stops working, a saved draft moves to the
new one). The CSV holds contact data — personal data — and nothing else about the
applicant; it is written readable by its owner only, and only after the database commit
succeeded.
"""

from __future__ import annotations

import csv
import datetime as dt
import os
from collections.abc import Sequence
from pathlib import Path

import msgspec
from sqlalchemy import Connection, Engine, bindparam, false, func, insert, or_, select, update
from tqdm import tqdm

from survey_service.db.base import utcnow
from survey_service.db.enums import FieldworkOutcome
from survey_service.db.models import (
    Dossier,
    DossierContact,
    FieldworkEvent,
    Invitation,
    Response,
    ResponseDraft,
    SampleMember,
    Unit,
)
from survey_service.features.samples.designs import find_design, find_survey
from survey_service.features.samples.letters import VIETNAM, Letter, render_letters
from survey_service.features.samples.outcomes import latest_event
from survey_service.features.samples.schemas import ExportOut
from survey_service.security import hash_token, new_token

__all__ = ["CSV_COLUMNS", "export_invitations", "link_expiry"]

CSV_COLUMNS = ("dossier_code", "phone", "email", "link", "expires_at")
# Members with these outcomes are not invited again.
_CLOSED = (
    FieldworkOutcome.RESPONDED.value,
    FieldworkOutcome.REFUSED.value,
    FieldworkOutcome.INELIGIBLE.value,
)


class Invitee(msgspec.Struct, frozen=True):
    """A fielded member to invite."""

    member_id: int
    dossier_code: str
    unit_name: str
    phone: str | None
    email: str | None
    old_hash: str | None
    invitations: int


def _invitees(conn: Connection, design_id: int, include_reserve: bool) -> list[Invitee]:
    """Members still to be answered: not opted out, not closed, no response."""
    event = latest_event()
    sent = (
        select(func.count())
        .where(Invitation.sample_member_id == SampleMember.id)
        .correlate(SampleMember)
        .scalar_subquery()
    )
    query = (
        select(
            SampleMember.id,
            Dossier.code,
            Unit.name,
            DossierContact.phone,
            DossierContact.email,
            SampleMember.token_hash,
            sent,
        )
        .join(Dossier, Dossier.id == SampleMember.dossier_id)
        .join(Unit, Unit.id == SampleMember.unit_id)
        .outerjoin(DossierContact, DossierContact.dossier_id == Dossier.id)
        .outerjoin(Response, Response.sample_member_id == SampleMember.id)
        .where(
            SampleMember.design_id == design_id,
            Response.id.is_(None),
            func.coalesce(DossierContact.opted_out, false()).is_(false()),
            func.coalesce(event, "invited").not_in(_CLOSED),
        )
        .order_by(SampleMember.id)
    )
    if not include_reserve:
        # A reserve member released by an earlier export stays in the fielded sample.
        released = SampleMember.token_hash.is_not(None)
        query = query.where(or_(SampleMember.is_reserve.is_(False), released))
    return [Invitee(*row) for row in conn.execute(query)]


def _issue(
    conn: Connection,
    invitees: Sequence[Invitee],
    expires_at: dt.datetime,
    channel: str | None,
    progress: bool,
) -> list[str]:
    """Give each invitee a new token; record the invitation; return the tokens."""
    tokens = [new_token() for _ in tqdm(invitees, desc="links", disable=not progress)]
    hashes = [hash_token(t) for t in tokens]
    if not invitees:
        return tokens
    conn.execute(
        update(SampleMember)
        .where(SampleMember.id == bindparam("b_id"))
        .values(token_hash=bindparam("b_hash"), token_expires_at=bindparam("b_expires")),
        [
            {"b_id": i.member_id, "b_hash": h, "b_expires": expires_at}
            for i, h in zip(invitees, hashes, strict=True)
        ],
    )
    moved = [
        {"b_old": i.old_hash, "b_new": h}
        for i, h in zip(invitees, hashes, strict=True)
        if i.old_hash is not None
    ]
    if moved:
        # A half-answered questionnaire follows its member to the new link.
        conn.execute(
            update(ResponseDraft)
            .where(ResponseDraft.token_hash == bindparam("b_old"))
            .values(token_hash=bindparam("b_new")),
            moved,
        )
    _record(conn, invitees, channel)
    return tokens


def _record(conn: Connection, invitees: Sequence[Invitee], channel: str | None) -> None:
    """One invitation per member (numbered reminders), and ``invited`` for first contacts."""
    now = utcnow()
    conn.execute(
        insert(Invitation),
        [
            {
                "sample_member_id": i.member_id,
                "channel": channel or ("sms" if i.phone else "email"),
                "sent_at": now,
                "reminder": i.invitations,
            }
            for i in invitees
        ],
    )
    ids = [i.member_id for i in invitees]
    reported = set(
        conn.scalars(
            select(FieldworkEvent.sample_member_id).where(FieldworkEvent.sample_member_id.in_(ids))
        )
    )
    first = [
        {"sample_member_id": m, "outcome": "invited", "recorded_at": now, "source": "export"}
        for m in ids
        if m not in reported
    ]
    if first:
        conn.execute(insert(FieldworkEvent), first)


def link_expiry(days: int, now: dt.datetime | None = None) -> dt.datetime:
    """Return the end (23:59:59 Vietnam time) of the day ``days`` days from now, in UTC.

    A whole day is what a letter can promise ("valid until the end of 30/11/2025").
    """
    today = (now or utcnow()).astimezone(VIETNAM).date()
    last = dt.datetime.combine(today + dt.timedelta(days=days), dt.time(23, 59, 59), VIETNAM)
    return last.astimezone(dt.UTC)


def _private_temp(path: Path) -> Path:
    """A new file beside ``path``, readable by its owner only (it holds personal data)."""
    temp = path.with_name(f".{path.name}.{os.getpid()}.part")
    fd = os.open(temp, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
    os.close(fd)
    return temp


def _write_csv(
    path: Path, invitees: Sequence[Invitee], links: Sequence[str], expires_at: dt.datetime
) -> None:
    with path.open("w", encoding="utf-8", newline="") as handle:
        writer = csv.writer(handle)
        writer.writerow(CSV_COLUMNS)
        stamp = expires_at.astimezone(VIETNAM).isoformat(timespec="seconds")
        for invitee, link in zip(invitees, links, strict=True):
            writer.writerow((invitee.dossier_code, invitee.phone, invitee.email, link, stamp))


def _write_letters(
    path: Path,
    invitees: Sequence[Invitee],
    links: Sequence[str],
    expires_at: dt.datetime,
    progress: bool,
) -> None:
    letters = [
        Letter(dossier_code=i.dossier_code, unit_name=i.unit_name, link=link)
        for i, link in zip(invitees, links, strict=True)
    ]
    # A QR code per letter is the slow part.
    shown = tqdm(letters, desc="letters", unit=" letters", disable=not progress)
    path.write_text(render_letters(shown, expires_at), encoding="utf-8")


class _Request(msgspec.Struct, frozen=True, kw_only=True):
    survey_code: str
    csv_path: Path | None
    letters_path: Path | None
    base_url: str
    expires_at: dt.datetime
    include_reserve: bool
    design_name: str | None
    progress: bool


def _export(conn: Connection, req: _Request, temps: dict[Path, Path]) -> ExportOut:
    survey = find_survey(conn, req.survey_code)
    design = find_design(conn, survey, req.design_name, drawn=True)
    invitees = _invitees(conn, design.id, req.include_reserve)
    listed = invitees
    if req.letters_path is None:
        listed = [i for i in invitees if i.phone or i.email]
    channel = "letter" if req.csv_path is None else None
    tokens = _issue(conn, listed, req.expires_at, channel, req.progress)
    links = [f"{req.base_url.rstrip('/')}/t/{t}" for t in tokens]
    if req.csv_path is not None:
        temps[req.csv_path] = _private_temp(req.csv_path)
        pairs = [(i, k) for i, k in zip(listed, links, strict=True) if i.phone or i.email]
        _write_csv(
            temps[req.csv_path], [p[0] for p in pairs], [p[1] for p in pairs], req.expires_at
        )
    if req.letters_path is not None:
        temps[req.letters_path] = _private_temp(req.letters_path)
        _write_letters(temps[req.letters_path], listed, links, req.expires_at, req.progress)
    return ExportOut(
        survey_code=survey.code,
        design=design.name,
        version=design.version,
        issued=len(listed),
        replaced=sum(1 for i in listed if i.old_hash is not None),
        without_contact=sum(1 for i in invitees if not (i.phone or i.email)),
        expires_at=req.expires_at,
    )


def export_invitations(
    engine: Engine,
    survey_code: str,
    outputs: tuple[Path | None, Path | None],
    *,
    base_url: str,
    expires_days: int = 30,
    include_reserve: bool = False,
    design_name: str | None = None,
    progress: bool = False,
) -> ExportOut:
    """Issue links to the members still to answer; write the CSV and/or the letters.

    ``outputs`` is (CSV path, letters path). The CSV lists only members with a phone number
    or e-mail address; letters go to every member listed (the unit addresses them from its
    own records by dossier code). Opted-out, answered, refused and ineligible members are
    left out. The files appear only once the new tokens are committed.
    """
    request = _Request(
        survey_code=survey_code,
        csv_path=outputs[0],
        letters_path=outputs[1],
        base_url=base_url,
        expires_at=link_expiry(expires_days),
        include_reserve=include_reserve,
        design_name=design_name,
        progress=progress,
    )
    temps: dict[Path, Path] = {}
    try:
        with engine.begin() as conn:
            result = _export(conn, request, temps)
    except BaseException:
        for temp in temps.values():
            temp.unlink(missing_ok=True)
        raise
    for final, temp in temps.items():
        os.replace(temp, final)
    return result
