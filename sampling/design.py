"""The sample design spec: msgspec Structs decoded from TOML or JSON.

A design says who is in the population, who is excluded, how strata are formed, how large the
sample is and how it is allocated and selected. It holds no data: the frame arrives as arrays
(see :mod:`sampling.frame`) and the randomness as a seeded ``numpy.random.Generator``.

Example (TOML)::

    name = "Hà Nội 2025 Q3, communes"
    strata = ["unit", "channel"]

    [population]
    period_start = 2025-07-01
    period_end = 2025-09-30
    channels = ["in_person", "online"]

    [exclusions]
    surveyed_within_days = 180
    one_per_person = "latest"

    [assumptions]
    response_rate = 0.6
    deff = 1.2

    [size]
    rule = "margin"
    margin = 0.07
    per = "unit"

    [allocation]
    method = "proportional"
    minimum = 10

    [selection]
    method = "systematic"
    sort_by = ["field", "procedure", "result_date"]
    reserve_fraction = 0.2
"""

from __future__ import annotations

import datetime
from typing import Annotated, Literal

import msgspec
from msgspec import Meta, Struct

# msgspec resolves the annotations at run time, so these imports stay out of TYPE_CHECKING.
from sampling.allocation import AllocationMethod
from sampling.errors import DesignError

__all__ = [
    "Allocation",
    "Assumptions",
    "Exclusions",
    "FixedSize",
    "MarginSize",
    "PopulationFilter",
    "SampleDesign",
    "Selection",
    "SizeRule",
    "TotalSize",
    "YamaneSize",
    "decode_design",
    "encode_design",
]

Channel = Literal["in_person", "online", "postal"]
ApplicantKind = Literal["citizen", "organisation"]
StratumVariable = Literal["unit", "channel", "field"]
SortVariable = Literal["unit", "channel", "field", "procedure", "received_date", "result_date"]
Share = Annotated[float, Meta(gt=0.0, lt=1.0)]
Code = Annotated[str, Meta(min_length=1, max_length=64)]


class _Spec(Struct, kw_only=True, forbid_unknown_fields=True, frozen=True):
    """Common configuration of every spec Struct."""


class PopulationFilter(_Spec, frozen=True):
    """Which completed dossiers form the target population (``None`` means no restriction).

    Attributes
    ----------
    period_start, period_end
        Inclusive range of result dates (ngày trả kết quả).
    units, channels, fields, applicant_kinds
        Allowed codes.
    """

    period_start: datetime.date | None = None
    period_end: datetime.date | None = None
    units: list[Code] | None = None
    channels: list[Channel] | None = None
    fields: list[Code] | None = None
    applicant_kinds: list[ApplicantKind] | None = None

    def __post_init__(self) -> None:
        """Reject an empty period."""
        start, end = self.period_start, self.period_end
        if start is not None and end is not None and start > end:
            raise ValueError(f"period_start {start} is after period_end {end}")


class Exclusions(_Spec, frozen=True):
    """Dossiers removed from the population before selection.

    Attributes
    ----------
    no_contact
        Drop dossiers without a phone number or e-mail address.
    opted_out
        Drop applicants who asked not to be surveyed.
    surveyed_within_days
        Drop applicants surveyed less than this many days before the reference date.
    one_per_person
        Keep one dossier per applicant: the ``"latest"`` or ``"earliest"`` by result date (ties
        broken by frame position) or a ``"random"`` one drawn from the seeded generator;
        ``None`` keeps every dossier.
    """

    no_contact: bool = True
    opted_out: bool = True
    surveyed_within_days: Annotated[int, Meta(ge=1)] | None = None
    one_per_person: Literal["latest", "earliest", "random"] | None = "latest"


class Assumptions(_Spec, frozen=True):
    """What the statistician expects; used by size rules and by the preview's margins.

    Attributes
    ----------
    confidence
        Confidence level of the margins of error.
    proportion
        Anticipated satisfied share P.
    deff
        Anticipated design effect (weighting, clustering) of the unit estimates.
    response_rate
        Anticipated response rate (AAPOR RR), in (0, 1].
    """

    confidence: Share = 0.95
    proportion: Share = 0.5
    deff: Annotated[float, Meta(gt=0.0)] = 1.0
    response_rate: Annotated[float, Meta(gt=0.0, le=1.0)] = 1.0


class MarginSize(_Spec, frozen=True, tag="margin", tag_field="rule"):
    """Sample size from a target margin of error (see :func:`sampling.margin_sample_size`).

    Attributes
    ----------
    margin
        Target half-width of the interval of a proportion (0.05 = ±5 points).
    per
        Level at which the margin is wanted: the whole population (then the total is
        allocated), each unit, or each stratum (then each domain's size is shared among its
        strata).
    """

    margin: Share
    per: Literal["population", "unit", "stratum"] = "unit"


class YamaneSize(_Spec, frozen=True, tag="yamane", tag_field="rule"):
    """Sample size n = N / (1 + N e²) of Vietnamese practice (Yamane / Slovin).

    Attributes
    ----------
    error
        Precision e.
    per
        Level at which the rule is applied, as in :class:`MarginSize`.
    """

    error: Share = 0.05
    per: Literal["population", "unit", "stratum"] = "population"


class TotalSize(_Spec, frozen=True, tag="total", tag_field="rule"):
    """A fixed total sample size, allocated to strata.

    Attributes
    ----------
    n
        Total sample size.
    """

    n: Annotated[int, Meta(ge=1)]


class FixedSize(_Spec, frozen=True, tag="fixed", tag_field="rule"):
    """The same fixed sample size in every unit or every stratum (e.g. 90 per commune).

    Attributes
    ----------
    n
        Size per domain.
    per
        Domain level.
    """

    n: Annotated[int, Meta(ge=1)]
    per: Literal["unit", "stratum"] = "unit"


SizeRule = MarginSize | YamaneSize | TotalSize | FixedSize


class Allocation(_Spec, frozen=True):
    """How a total is shared among strata (see :func:`sampling.allocate`).

    Attributes
    ----------
    method
        ``"equal"`` per unit, ``"proportional"``, ``"neyman"`` or ``"power"``.
    power
        Exponent q of power allocation.
    minimum, maximum
        Bounds on each stratum's sample size (capped at the stratum size).
    """

    method: AllocationMethod = "proportional"
    power: Annotated[float, Meta(ge=0.0, le=1.0)] = 0.5
    minimum: Annotated[int, Meta(ge=0)] = 0
    maximum: Annotated[int, Meta(ge=1)] | None = None

    def __post_init__(self) -> None:
        """Reject crossed bounds."""
        if self.maximum is not None and self.maximum < self.minimum:
            raise ValueError(f"maximum {self.maximum} is below minimum {self.minimum}")


class Selection(_Spec, frozen=True):
    """How members are drawn inside each stratum (see :func:`sampling.draw_sample`).

    Attributes
    ----------
    method
        ``"systematic"`` with a random start over ``sort_by`` (implicit stratification),
        ``"srs"`` (simple random without replacement) or ``"pps"`` (systematic probability
        proportional to ``size_measure``).
    sort_by
        Frame variables ordering the list for systematic and PPS selection.
    size_measure
        Name of the frame's size column for PPS.
    reserve_fraction
        Reserve sample as a share of each stratum's main sample (rounded up).
    """

    method: Literal["systematic", "srs", "pps"] = "systematic"
    sort_by: list[SortVariable] = msgspec.field(
        default_factory=lambda: ["field", "procedure", "result_date"]
    )
    size_measure: Code | None = None
    reserve_fraction: Annotated[float, Meta(ge=0.0, le=5.0)] = 0.0

    def __post_init__(self) -> None:
        """PPS needs a size measure."""
        if self.method == "pps" and self.size_measure is None:
            raise ValueError("PPS selection needs a size_measure")


class SampleDesign(_Spec, frozen=True):
    """A complete, versionable sample design.

    Attributes
    ----------
    name
        Human-readable name.
    strata
        Frame variables whose combinations form the strata (at least ``"unit"`` when unit
        estimates are wanted).
    population, exclusions, assumptions, size, allocation, selection
        The parts described by their Structs.
    """

    name: Annotated[str, Meta(min_length=1, max_length=200)]
    size: SizeRule
    strata: list[StratumVariable] = msgspec.field(default_factory=lambda: ["unit", "channel"])
    population: PopulationFilter = msgspec.field(default_factory=PopulationFilter)
    exclusions: Exclusions = msgspec.field(default_factory=Exclusions)
    assumptions: Assumptions = msgspec.field(default_factory=Assumptions)
    allocation: Allocation = msgspec.field(default_factory=Allocation)
    selection: Selection = msgspec.field(default_factory=Selection)

    def __post_init__(self) -> None:
        """Check what the parts cannot check alone."""
        if len(set(self.strata)) != len(self.strata):
            raise ValueError(f"strata repeat a variable: {self.strata}")
        if "unit" not in self.strata and getattr(self.size, "per", None) == "unit":
            raise ValueError("a size per unit needs 'unit' among the strata")


def decode_design(text: str | bytes, *, syntax: Literal["toml", "json"]) -> SampleDesign:
    """Decode and validate a sample design.

    Parameters
    ----------
    text
        The TOML or JSON document.
    syntax
        Its syntax.

    Returns
    -------
    SampleDesign
        The validated design.

    Raises
    ------
    DesignError
        Naming the offending path (``$.size.margin``) and what was expected.
    """
    try:
        if syntax == "toml":
            return msgspec.toml.decode(text, type=SampleDesign)
        return msgspec.json.decode(text, type=SampleDesign)
    except msgspec.DecodeError as exc:
        # ValidationError is a DecodeError; both carry the path in their message.
        raise DesignError(f"invalid sample design: {exc}") from exc


def encode_design(design: SampleDesign) -> bytes:
    """Encode a design as canonical JSON (sorted keys) for storage and hashing.

    Parameters
    ----------
    design
        The design.

    Returns
    -------
    bytes
        UTF-8 JSON.
    """
    return msgspec.json.encode(design, order="sorted")
