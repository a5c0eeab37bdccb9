"""Closed vocabularies stored as short strings with CHECK constraints."""

from __future__ import annotations

import enum

__all__ = [
    "ApplicantKind",
    "Channel",
    "FieldworkOutcome",
    "InstrumentStatus",
    "ResponseMode",
    "Role",
    "SurveyStatus",
    "UnitKind",
]


class UnitKind(enum.StrEnum):
    """What a unit of the administration is."""

    CITY = "city"
    DEPARTMENT = "department"
    WARD = "ward"
    COMMUNE = "commune"
    BRANCH = "branch"
    RECEPTION_POINT = "reception_point"


class Channel(enum.StrEnum):
    """How a dossier was filed."""

    IN_PERSON = "in_person"
    ONLINE = "online"
    POSTAL = "postal"


class ApplicantKind(enum.StrEnum):
    """Who filed a dossier."""

    CITIZEN = "citizen"
    ORGANISATION = "organisation"


class InstrumentStatus(enum.StrEnum):
    """Life of an instrument version: drafts may change, published ones never do."""

    DRAFT = "draft"
    PUBLISHED = "published"
    RETIRED = "retired"


class SurveyStatus(enum.StrEnum):
    """Life of a survey."""

    PLANNED = "planned"
    FIELDING = "fielding"
    CLOSED = "closed"


class ResponseMode(enum.StrEnum):
    """The way a respondent reached the questionnaire."""

    INVITATION = "invitation"
    RECEIPT = "receipt"
    OPEN_LINK = "open_link"


class FieldworkOutcome(enum.StrEnum):
    """Fieldwork disposition of a sample member (mapped to AAPOR codes in sampling)."""

    INVITED = "invited"
    RESPONDED = "responded"
    PARTIAL = "partial"
    REFUSED = "refused"
    NON_CONTACT = "non_contact"
    INELIGIBLE = "ineligible"


class Role(enum.StrEnum):
    """What a staff user may do."""

    ADMINISTRATOR = "administrator"
    STATISTICIAN = "statistician"
    REVIEWER = "reviewer"
    VIEWER = "viewer"
