"""Invitation links over several exports: drafts follow their member, released reserves stay."""

from __future__ import annotations

from pathlib import Path

from sqlalchemy import insert, select

from survey_service.db.models import Invitation, ResponseDraft
from survey_service.security import hash_token
from tests.samples.city import SURVEY, drawn, execute, export, members, query, run, seed_frame


def _token(link: str) -> str:
    return link.rsplit("/", 1)[1]


def test_reexports_move_drafts_and_keep_released_reserves(
    fx_database_url: str, tmp_path: Path
) -> None:
    url = fx_database_url
    seed_frame(url, tmp_path, n=400)
    drawn(url)
    first = export(url, tmp_path / "first.csv", "--include-reserve")
    reserve = {r[1] for r in members(url) if r[5]}
    assert reserve <= {r["dossier_code"] for r in first}
    half_done = first[0]
    draft = {"answers": {"overall": ["4"]}, "page": 0, "language": "vi"}
    execute(
        url, insert(ResponseDraft).values(token_hash=hash_token(_token(half_done["link"])), **draft)
    )

    # A reminder without --include-reserve still reaches the reserve released before.
    second = export(url, tmp_path / "second.csv")
    assert {r["dossier_code"] for r in second} == {r["dossier_code"] for r in first}
    new_link = next(r["link"] for r in second if r["dossier_code"] == half_done["dossier_code"])
    assert query(url, select(ResponseDraft.token_hash)) == [(hash_token(_token(new_link)),)]
    reminders = query(url, select(Invitation.reminder).order_by(Invitation.id))
    assert sorted({r for (r,) in reminders}) == [0, 1]

    letters = run(url, "invitations", "letters", SURVEY, "--out", str(tmp_path / "l.html"))
    assert letters.exit_code == 0, letters.output
    assert f"{len(first):,} links issued ({len(first):,} replace earlier ones)" in letters.output
    channels = query(url, select(Invitation.channel).where(Invitation.reminder == 2))
    assert {c for (c,) in channels} == {"letter"}
