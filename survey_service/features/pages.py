"""The public home page: which units can be rated."""

from __future__ import annotations

from itertools import groupby

from litestar import get
from litestar.params import FromQuery
from litestar.response import Template

from survey_service.db.session import DbSession
from survey_service.features.units.service import list_units
from survey_service.i18n import choose_language

__all__ = ["home"]


@get("/", include_in_schema=False)
async def home(db_session: DbSession, lang: FromQuery[str | None] = None) -> Template:
    """List units by kind, each linking to its questionnaire."""
    units = await list_units(db_session)
    groups = [(kind, list(members)) for kind, members in groupby(units, key=lambda u: u.kind)]
    return Template(
        template_name="index.html", context={"groups": groups, "lang": choose_language(lang)}
    )
