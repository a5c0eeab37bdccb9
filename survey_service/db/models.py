"""SQLAlchemy models of the whole domain.

Units form a tree with validity dates; instrument versions are immutable once used;
a survey fields one instrument version over units and a period; dossiers are the
sampling frame (contact details kept apart); a sample design has strata and sample
members with hashed tokens; invitations and fieldwork outcomes follow each member;
responses and their answers are stored one row per item so SQL can aggregate by unit,
stratum and item; weights are kept per weight set; users, scopes, API tokens and an
audit log complete the picture.
"""

from __future__ import annotations

import datetime as dt
import enum
from typing import Any

from sqlalchemy import (
    Boolean,
    CheckConstraint,
    Date,
    Enum,
    Float,
    ForeignKey,
    Index,
    Integer,
    SmallInteger,
    String,
    Text,
    UniqueConstraint,
)
from sqlalchemy.orm import Mapped, mapped_column, relationship

from survey_service.db.base import Base, BigId, JsonDoc, utcnow
from survey_service.db.enums import (
    ApplicantKind,
    Channel,
    FieldworkOutcome,
    InstrumentStatus,
    ResponseMode,
    Role,
    SurveyStatus,
    UnitKind,
)

__all__ = [
    "Answer",
    "ApiToken",
    "AuditEntry",
    "Base",
    "Dossier",
    "DossierContact",
    "FieldworkEvent",
    "Instrument",
    "InstrumentVersion",
    "Invitation",
    "Procedure",
    "PublishedPart",
    "PublishedResult",
    "ReceiptToken",
    "Response",
    "ResponseDraft",
    "ResponseWeight",
    "SampleDesign",
    "SampleMember",
    "ServiceField",
    "SimulationTruth",
    "StaffSession",
    "Stratum",
    "Survey",
    "SurveyUnit",
    "Unit",
    "User",
    "UserUnitScope",
    "WeightSet",
]


def _enum(kind: type[enum.StrEnum], name: str) -> Enum:
    return Enum(
        kind,
        name=name,
        native_enum=False,
        create_constraint=True,
        length=24,
        values_callable=lambda members: [m.value for m in members],
    )


class Unit(Base):
    """A unit of the administration: the city, a department, a commune or ward, a
    service-centre branch or a reception point. A reorganisation closes units
    (``valid_to``) and opens new ones, so history stays answerable."""

    __tablename__ = "units"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    code: Mapped[str] = mapped_column(String(32), unique=True)
    kind: Mapped[UnitKind] = mapped_column(_enum(UnitKind, "unit_kind"))
    name: Mapped[str] = mapped_column(String(200))
    name_en: Mapped[str | None] = mapped_column(String(200))
    parent_id: Mapped[int | None] = mapped_column(ForeignKey("units.id"), index=True)
    valid_from: Mapped[dt.date] = mapped_column(Date)
    valid_to: Mapped[dt.date | None] = mapped_column(Date)
    created_at: Mapped[dt.datetime] = mapped_column(default=utcnow)

    parent: Mapped[Unit | None] = relationship(remote_side=[id])

    __table_args__ = (
        CheckConstraint("valid_to IS NULL OR valid_to > valid_from", name="validity"),
    )


class ServiceField(Base):
    """A field of administrative procedures (lĩnh vực)."""

    __tablename__ = "service_fields"

    code: Mapped[str] = mapped_column(String(32), primary_key=True)
    name: Mapped[str] = mapped_column(String(200))
    name_en: Mapped[str | None] = mapped_column(String(200))


class Procedure(Base):
    """An administrative procedure (thủ tục hành chính) from the national catalogue.

    Dossiers carry procedure and field codes as the one-stop-shop system sends them;
    this table gives them names, it does not gatekeep the frame.
    """

    __tablename__ = "procedures"

    code: Mapped[str] = mapped_column(String(32), primary_key=True)
    name: Mapped[str] = mapped_column(String(300))
    field_code: Mapped[str] = mapped_column(ForeignKey("service_fields.code"), index=True)


class Instrument(Base):
    """A questionnaire family (its versions hold the content)."""

    __tablename__ = "instruments"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    slug: Mapped[str] = mapped_column(String(64), unique=True)
    title: Mapped[str] = mapped_column(String(300))
    title_en: Mapped[str | None] = mapped_column(String(300))
    intended_use: Mapped[str] = mapped_column(String(64))
    created_at: Mapped[dt.datetime] = mapped_column(default=utcnow)

    versions: Mapped[list[InstrumentVersion]] = relationship(
        back_populates="instrument", order_by="InstrumentVersion.version"
    )


class InstrumentVersion(Base):
    """One immutable version of an instrument, identified by its content hash."""

    __tablename__ = "instrument_versions"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    instrument_id: Mapped[int] = mapped_column(ForeignKey("instruments.id"))
    version: Mapped[int] = mapped_column(Integer)
    content_hash: Mapped[str] = mapped_column(String(64), unique=True)
    definition: Mapped[dict[str, Any]] = mapped_column(JsonDoc)
    source: Mapped[str] = mapped_column(Text)
    status: Mapped[InstrumentStatus] = mapped_column(
        _enum(InstrumentStatus, "instrument_status"), default=InstrumentStatus.DRAFT
    )
    published_at: Mapped[dt.datetime | None]
    created_at: Mapped[dt.datetime] = mapped_column(default=utcnow)

    instrument: Mapped[Instrument] = relationship(back_populates="versions")

    __table_args__ = (UniqueConstraint("instrument_id", "version"),)


class Survey(Base):
    """An instrument version fielded over units and a period, with its modes."""

    __tablename__ = "surveys"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    code: Mapped[str] = mapped_column(String(64), unique=True)
    title: Mapped[str] = mapped_column(String(300))
    instrument_version_id: Mapped[int] = mapped_column(
        ForeignKey("instrument_versions.id"), index=True
    )
    period_start: Mapped[dt.date] = mapped_column(Date)
    period_end: Mapped[dt.date] = mapped_column(Date)
    modes: Mapped[list[str]] = mapped_column(JsonDoc)
    status: Mapped[SurveyStatus] = mapped_column(
        _enum(SurveyStatus, "survey_status"), default=SurveyStatus.PLANNED
    )
    created_at: Mapped[dt.datetime] = mapped_column(default=utcnow)

    instrument_version: Mapped[InstrumentVersion] = relationship()

    __table_args__ = (CheckConstraint("period_end >= period_start", name="period"),)


class SurveyUnit(Base):
    """A unit a survey covers."""

    __tablename__ = "survey_units"

    survey_id: Mapped[int] = mapped_column(ForeignKey("surveys.id"), primary_key=True)
    unit_id: Mapped[int] = mapped_column(ForeignKey("units.id"), primary_key=True)


class Dossier(Base):
    """A completed dossier: one row of the sampling frame."""

    __tablename__ = "dossiers"

    id: Mapped[int] = mapped_column(BigId, primary_key=True)
    code: Mapped[str] = mapped_column(String(64), unique=True)
    unit_id: Mapped[int] = mapped_column(ForeignKey("units.id"))
    procedure_code: Mapped[str] = mapped_column(String(32))
    field_code: Mapped[str] = mapped_column(String(32))
    channel: Mapped[Channel] = mapped_column(_enum(Channel, "channel"))
    applicant_kind: Mapped[ApplicantKind] = mapped_column(_enum(ApplicantKind, "applicant_kind"))
    # Keyed hash (HMAC) of the applicant's identifier: enough to count a person once,
    # useless for finding out who they are.
    applicant_key: Mapped[str | None] = mapped_column(String(64), index=True)
    received_on: Mapped[dt.date] = mapped_column(Date)
    result_on: Mapped[dt.date] = mapped_column(Date)
    on_time: Mapped[bool] = mapped_column(Boolean)
    imported_at: Mapped[dt.datetime] = mapped_column(default=utcnow)

    __table_args__ = (
        Index("ix_dossiers_unit_id_result_on", "unit_id", "result_on"),
        CheckConstraint("result_on >= received_on", name="dates"),
    )


class DossierContact(Base):
    """Contact details of a dossier's applicant: personal data, kept apart and purgeable."""

    __tablename__ = "dossier_contacts"

    dossier_id: Mapped[int] = mapped_column(
        BigId, ForeignKey("dossiers.id", ondelete="CASCADE"), primary_key=True
    )
    phone: Mapped[str | None] = mapped_column(String(32))
    email: Mapped[str | None] = mapped_column(String(254))
    opted_out: Mapped[bool] = mapped_column(Boolean, default=False)
    purged_at: Mapped[dt.datetime | None]


class SampleDesign(Base):
    """A stored, versioned sample design and, once drawn, its seed and library version."""

    __tablename__ = "sample_designs"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    survey_id: Mapped[int] = mapped_column(ForeignKey("surveys.id"), index=True)
    name: Mapped[str] = mapped_column(String(200))
    version: Mapped[int] = mapped_column(Integer, default=1)
    spec: Mapped[dict[str, Any]] = mapped_column(JsonDoc)
    seed: Mapped[int | None] = mapped_column(BigId)
    library_version: Mapped[str | None] = mapped_column(String(32))
    created_at: Mapped[dt.datetime] = mapped_column(default=utcnow)
    drawn_at: Mapped[dt.datetime | None]

    __table_args__ = (UniqueConstraint("survey_id", "name", "version"),)


class Stratum(Base):
    """A stratum of a sample design, with its population and sample sizes."""

    __tablename__ = "strata"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    design_id: Mapped[int] = mapped_column(ForeignKey("sample_designs.id", ondelete="CASCADE"))
    key: Mapped[str] = mapped_column(String(200))
    unit_id: Mapped[int | None] = mapped_column(ForeignKey("units.id"), index=True)
    channel: Mapped[Channel | None] = mapped_column(_enum(Channel, "channel"))
    field_code: Mapped[str | None] = mapped_column(String(32))
    population_size: Mapped[int] = mapped_column(Integer)
    sample_size: Mapped[int] = mapped_column(Integer)

    __table_args__ = (
        UniqueConstraint("design_id", "key"),
        CheckConstraint("sample_size >= 0 AND sample_size <= population_size", name="sizes"),
    )


class SampleMember(Base):
    """A sampled dossier with its inclusion probability, base weight and hashed token."""

    __tablename__ = "sample_members"

    id: Mapped[int] = mapped_column(BigId, primary_key=True)
    design_id: Mapped[int] = mapped_column(ForeignKey("sample_designs.id", ondelete="CASCADE"))
    stratum_id: Mapped[int] = mapped_column(ForeignKey("strata.id"), index=True)
    dossier_id: Mapped[int] = mapped_column(BigId, ForeignKey("dossiers.id"), index=True)
    unit_id: Mapped[int] = mapped_column(ForeignKey("units.id"), index=True)
    inclusion_probability: Mapped[float] = mapped_column(Float)
    base_weight: Mapped[float] = mapped_column(Float)
    is_reserve: Mapped[bool] = mapped_column(Boolean, default=False)
    # SHA-256 of the token: the token itself is only ever in the invitation.
    token_hash: Mapped[str | None] = mapped_column(String(64), unique=True)
    token_expires_at: Mapped[dt.datetime | None]

    __table_args__ = (
        UniqueConstraint("design_id", "dossier_id"),
        CheckConstraint(
            "inclusion_probability > 0 AND inclusion_probability <= 1", name="probability"
        ),
    )


class Invitation(Base):
    """One contact attempt with a sample member (SMS, e-mail, letter, receipt QR)."""

    __tablename__ = "invitations"

    id: Mapped[int] = mapped_column(BigId, primary_key=True)
    sample_member_id: Mapped[int] = mapped_column(
        BigId, ForeignKey("sample_members.id", ondelete="CASCADE"), index=True
    )
    channel: Mapped[str] = mapped_column(String(16))
    sent_at: Mapped[dt.datetime] = mapped_column(default=utcnow)
    reminder: Mapped[int] = mapped_column(SmallInteger, default=0)


class FieldworkEvent(Base):
    """A fieldwork outcome recorded for a sample member; the latest one counts."""

    __tablename__ = "fieldwork_events"

    id: Mapped[int] = mapped_column(BigId, primary_key=True)
    sample_member_id: Mapped[int] = mapped_column(
        BigId, ForeignKey("sample_members.id", ondelete="CASCADE"), index=True
    )
    outcome: Mapped[FieldworkOutcome] = mapped_column(_enum(FieldworkOutcome, "outcome"))
    recorded_at: Mapped[dt.datetime] = mapped_column(default=utcnow)
    source: Mapped[str] = mapped_column(String(32))
    note: Mapped[str | None] = mapped_column(Text)


class ReceiptToken(Base):
    """A token printed as a QR code on a completed dossier's result receipt.

    One per dossier: asking again replaces the token (only its hash is kept, so an
    earlier token can never be shown again).
    """

    __tablename__ = "receipt_tokens"

    id: Mapped[int] = mapped_column(BigId, primary_key=True)
    dossier_id: Mapped[int] = mapped_column(BigId, ForeignKey("dossiers.id"), unique=True)
    survey_id: Mapped[int] = mapped_column(ForeignKey("surveys.id"))
    unit_id: Mapped[int] = mapped_column(ForeignKey("units.id"))
    token_hash: Mapped[str] = mapped_column(String(64), unique=True)
    expires_at: Mapped[dt.datetime]
    created_at: Mapped[dt.datetime] = mapped_column(default=utcnow)


class ResponseDraft(Base):
    """Answers saved part-way through a token link, so the respondent can resume."""

    __tablename__ = "response_drafts"

    token_hash: Mapped[str] = mapped_column(String(64), primary_key=True)
    answers: Mapped[dict[str, Any]] = mapped_column(JsonDoc)
    page: Mapped[int] = mapped_column(SmallInteger, default=0)
    language: Mapped[str] = mapped_column(String(8))
    started_at: Mapped[dt.datetime] = mapped_column(default=utcnow)
    updated_at: Mapped[dt.datetime] = mapped_column(default=utcnow)


class Response(Base):
    """A questionnaire response: which version and language, how it came in, its flags.

    ``sample_member_id`` and ``receipt_token_id`` are unique, so a token answers at most
    once whatever the number of concurrent submits; ``submission_key`` makes a repeated
    submit idempotent.
    """

    __tablename__ = "responses"

    id: Mapped[int] = mapped_column(BigId, primary_key=True)
    survey_id: Mapped[int] = mapped_column(ForeignKey("surveys.id"))
    instrument_version_id: Mapped[int] = mapped_column(ForeignKey("instrument_versions.id"))
    content_hash: Mapped[str] = mapped_column(String(64))
    unit_id: Mapped[int] = mapped_column(ForeignKey("units.id"))
    reception_point_id: Mapped[int | None] = mapped_column(ForeignKey("units.id"))
    sample_member_id: Mapped[int | None] = mapped_column(
        BigId, ForeignKey("sample_members.id"), unique=True
    )
    receipt_token_id: Mapped[int | None] = mapped_column(
        BigId, ForeignKey("receipt_tokens.id"), unique=True
    )
    mode: Mapped[ResponseMode] = mapped_column(_enum(ResponseMode, "response_mode"))
    probability_sample: Mapped[bool] = mapped_column(Boolean)
    language: Mapped[str] = mapped_column(String(8))
    finished: Mapped[bool] = mapped_column(Boolean, default=True)
    started_at: Mapped[dt.datetime | None]
    submitted_at: Mapped[dt.datetime] = mapped_column(default=utcnow)
    submission_key: Mapped[str | None] = mapped_column(String(64), unique=True)
    client_hash: Mapped[str | None] = mapped_column(String(64))
    device_hash: Mapped[str | None] = mapped_column(String(64))
    flags: Mapped[list[str]] = mapped_column(JsonDoc, default=list)

    answers: Mapped[list[Answer]] = relationship(
        back_populates="response", cascade="all, delete-orphan"
    )

    __table_args__ = (
        Index("ix_responses_survey_id_unit_id", "survey_id", "unit_id"),
        Index("ix_responses_client_hash_submitted_at", "client_hash", "submitted_at"),
        # The open-link form's one-answer-per-device check (migration 0005).
        Index("ix_responses_device_hash_submitted_at", "device_hash", "submitted_at"),
    )


class Answer(Base):
    """One answer: a scale code or choice (``value``) or free text.

    ``satisfied`` is fixed at submit from the immutable version's scale (null for
    not-applicable and unscored answers), so a satisfied share is a plain SQL sum.
    A multiple-choice question stores one row per chosen option.
    """

    __tablename__ = "answers"

    id: Mapped[int] = mapped_column(BigId, primary_key=True)
    response_id: Mapped[int] = mapped_column(BigId, ForeignKey("responses.id", ondelete="CASCADE"))
    item_code: Mapped[str] = mapped_column(String(64))
    value: Mapped[int | None] = mapped_column(SmallInteger)
    text: Mapped[str | None] = mapped_column(Text)
    satisfied: Mapped[bool | None] = mapped_column(Boolean)

    response: Mapped[Response] = relationship(back_populates="answers")

    __table_args__ = (
        UniqueConstraint("response_id", "item_code", "value"),
        Index("ix_answers_item_code_response_id", "item_code", "response_id"),
    )


class WeightSet(Base):
    """One computation of final weights (method, parameters, diagnostics)."""

    __tablename__ = "weight_sets"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    survey_id: Mapped[int] = mapped_column(ForeignKey("surveys.id"), index=True)
    design_id: Mapped[int | None] = mapped_column(ForeignKey("sample_designs.id"))
    method: Mapped[str] = mapped_column(String(64))
    parameters: Mapped[dict[str, Any]] = mapped_column(JsonDoc)
    diagnostics: Mapped[dict[str, Any]] = mapped_column(JsonDoc)
    created_at: Mapped[dt.datetime] = mapped_column(default=utcnow)


class ResponseWeight(Base):
    """A response's final weight within a weight set."""

    __tablename__ = "response_weights"

    weight_set_id: Mapped[int] = mapped_column(
        ForeignKey("weight_sets.id", ondelete="CASCADE"), primary_key=True
    )
    response_id: Mapped[int] = mapped_column(
        BigId, ForeignKey("responses.id", ondelete="CASCADE"), primary_key=True
    )
    weight: Mapped[float] = mapped_column(Float)

    __table_args__ = (CheckConstraint("weight >= 0", name="nonnegative"),)


class SimulationTruth(Base):
    """The true satisfied share per unit and item of a simulated (demo) survey."""

    __tablename__ = "simulation_truths"

    survey_id: Mapped[int] = mapped_column(
        ForeignKey("surveys.id", ondelete="CASCADE"), primary_key=True
    )
    unit_id: Mapped[int] = mapped_column(ForeignKey("units.id"), primary_key=True)
    item_code: Mapped[str] = mapped_column(String(64), primary_key=True)
    share_satisfied: Mapped[float] = mapped_column(Float)


class User(Base):
    """A staff account."""

    __tablename__ = "users"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    username: Mapped[str] = mapped_column(String(64), unique=True)
    display_name: Mapped[str] = mapped_column(String(200))
    password_hash: Mapped[str] = mapped_column(String(255))
    role: Mapped[Role] = mapped_column(_enum(Role, "role"))
    is_active: Mapped[bool] = mapped_column(Boolean, default=True)
    failed_logins: Mapped[int] = mapped_column(Integer, default=0)
    locked_until: Mapped[dt.datetime | None]
    created_at: Mapped[dt.datetime] = mapped_column(default=utcnow)
    last_login_at: Mapped[dt.datetime | None]


class UserUnitScope(Base):
    """A unit subtree a reviewer may see."""

    __tablename__ = "user_unit_scopes"

    user_id: Mapped[int] = mapped_column(
        ForeignKey("users.id", ondelete="CASCADE"), primary_key=True
    )
    unit_id: Mapped[int] = mapped_column(ForeignKey("units.id"), primary_key=True)


class StaffSession(Base):
    """A logged-in browser: the cookie holds a random id, the table only its hash.

    Kept in the database so that every server process knows every session.
    """

    __tablename__ = "staff_sessions"

    id_hash: Mapped[str] = mapped_column(String(64), primary_key=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"), index=True)
    language: Mapped[str] = mapped_column(String(8), default="vi")
    created_at: Mapped[dt.datetime] = mapped_column(default=utcnow)
    expires_at: Mapped[dt.datetime] = mapped_column(index=True)
    # When the session last made a request, to the minute (updated at most once a
    # minute): a session idle for longer than ``session_idle_minutes`` has ended.
    last_seen_at: Mapped[dt.datetime] = mapped_column(default=utcnow)


class ApiToken(Base):
    """A token for a machine client acting as a user (stored hashed)."""

    __tablename__ = "api_tokens"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"), index=True)
    name: Mapped[str] = mapped_column(String(100))
    token_hash: Mapped[str] = mapped_column(String(64), unique=True)
    created_at: Mapped[dt.datetime] = mapped_column(default=utcnow)
    last_used_at: Mapped[dt.datetime | None]
    revoked_at: Mapped[dt.datetime | None]


class AuditEntry(Base):
    """One staff action, kept for accountability."""

    __tablename__ = "audit_log"

    id: Mapped[int] = mapped_column(BigId, primary_key=True)
    at: Mapped[dt.datetime] = mapped_column(default=utcnow, index=True)
    user_id: Mapped[int | None] = mapped_column(ForeignKey("users.id", ondelete="SET NULL"))
    action: Mapped[str] = mapped_column(String(64))
    object_type: Mapped[str | None] = mapped_column(String(64))
    object_id: Mapped[str | None] = mapped_column(String(64))
    detail: Mapped[dict[str, Any]] = mapped_column(JsonDoc, default=dict)
    client_address: Mapped[str | None] = mapped_column(String(64))


class PublishedResult(Base):
    """A period's results frozen for the dashboards: who published them, when, how.

    ``options`` says how the figures were computed (interval level, variance method,
    weights used); ``summary`` lists what the snapshot holds (units, league tables).
    The figures themselves are :class:`PublishedPart` rows.
    """

    __tablename__ = "published_results"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    survey_id: Mapped[int] = mapped_column(ForeignKey("surveys.id"), index=True)
    published_at: Mapped[dt.datetime] = mapped_column(default=utcnow)
    published_by: Mapped[int | None] = mapped_column(ForeignKey("users.id", ondelete="SET NULL"))
    options: Mapped[dict[str, Any]] = mapped_column(JsonDoc)
    summary: Mapped[dict[str, Any]] = mapped_column(JsonDoc)


class PublishedPart(Base):
    """One document of a published snapshot: a unit's scorecard or one league table.

    ``document`` is JSON text (msgspec), read back straight into the page's Structs.
    """

    __tablename__ = "published_parts"

    result_id: Mapped[int] = mapped_column(
        ForeignKey("published_results.id", ondelete="CASCADE"), primary_key=True
    )
    part: Mapped[str] = mapped_column(String(16), primary_key=True)
    key: Mapped[str] = mapped_column(String(128), primary_key=True)
    document: Mapped[str] = mapped_column(Text)
