"""Tunable delivery settings, each with a default (override in Django settings)."""

from __future__ import annotations

from django.conf import settings


def max_attempts() -> int:
    """Attempts before a message goes to the dead letters (status "failed")."""
    return int(getattr(settings, "CINAR_NOTIFICATION_MAX_ATTEMPTS", 8))


def retry_base_seconds() -> float:
    """First retry delay; doubles with each attempt (with jitter), up to the cap."""
    return float(getattr(settings, "CINAR_NOTIFICATION_RETRY_BASE_SECONDS", 30))


def retry_cap_seconds() -> float:
    return float(getattr(settings, "CINAR_NOTIFICATION_RETRY_CAP_SECONDS", 3600))


def lease_seconds() -> float:
    """How long a worker owns a message it is sending; after that another may take it."""
    return float(getattr(settings, "CINAR_NOTIFICATION_LEASE_SECONDS", 120))


def drain_batch_size() -> int:
    return int(getattr(settings, "CINAR_NOTIFICATION_DRAIN_BATCH", 20))


def drain_time_budget() -> float:
    """A drain run stops claiming new batches after this many seconds (it runs every 30 s)."""
    return float(getattr(settings, "CINAR_NOTIFICATION_DRAIN_SECONDS", 25))
