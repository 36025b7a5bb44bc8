"""Plain data the cases app takes from every channel (portal, desk, API, Open311)."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from decimal import Decimal
from typing import Any


@dataclass(frozen=True)
class ApplicantInput:
    """Who applies: a registered user, or (desk, call center, API) what the operator typed."""

    user: Any | None
    tckn: str = ""
    first_name: str = ""
    last_name: str = ""
    email: str = ""
    phone: str = ""
    vkn: str = ""
    company_name: str = ""
    notification_channel: str = ""


@dataclass(frozen=True)
class Location:
    latitude: Decimal | None
    longitude: Decimal | None
    address_text: str = ""
    uavt_code: str = ""


@dataclass(frozen=True)
class TimelineEntry:
    """One line of a case's timeline; ``kind`` is received, step_started, step_completed,
    message, document_requested, document_added, result, closed."""

    at: dt.datetime
    kind: str
    title: str
    detail: str = ""
    actor_name: str = ""  # empty in the citizen's view
    public: bool = True
