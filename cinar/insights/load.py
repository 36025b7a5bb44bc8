"""Synthetic load for demos and benchmarks (``manage.py generate_load``).

Everything made here is marked: cases have ``idempotency_scope = SYNTHETIC`` and tracking
codes starting with ``Z``; process instances have business keys starting with ``SYN-``.
``load_delete`` removes exactly those rows. The data bypasses ``case_submit`` (no audit,
no notifications, no engine): it is written with ``bulk_create`` in large batches.
"""

from __future__ import annotations

import datetime as dt
import random
import re
import uuid
from dataclasses import dataclass
from typing import Any

from django.db import transaction
from django.utils import timezone

from cinar.cases.models import Case, CaseStatus
from cinar.catalog.models import Service
from cinar.organization.models import Membership
from cinar.workflow.models import (
    EventKind,
    InstanceStatus,
    ProcessEvent,
    ProcessInstance,
    ProcessVersion,
    WorkItem,
    WorkItemStatus,
)

SYNTHETIC = "insights.synthetic"
KEY_PREFIX = "SYN-"
CHANNEL_WEIGHTS = {
    "web": 35,
    "mobile": 20,
    "service_desk": 18,
    "call_center": 12,
    "in_person": 8,
    "social_media": 3,
    "kep": 2,
    "official_institution": 2,
}
# Citizens' ratings of closed applications: how many rate, and the scores 1…5.
RATED_SHARE = 0.4
RATING_WEIGHTS = (8, 7, 15, 30, 40)
TASK_RE = re.compile(r"<(?:\w+:)?userTask\b[^>]*\bid=\"([^\"]+)\"(?:[^>]*\bname=\"([^\"]*)\")?")


@dataclass
class Target:
    service: Service
    version: ProcessVersion | None
    tasks: list[tuple[str, str]]
    channels: list[str]
    weights: list[int]
    staff: list[int]


def _targets() -> list[Target]:
    versions = {
        v.definition.key: v
        for v in ProcessVersion.objects.filter(is_active=True).select_related("definition")
    }
    staff: dict[int, list[int]] = {}
    for unit_id, user_id in Membership.objects.active_on().values_list("unit_id", "user_id"):
        staff.setdefault(unit_id, []).append(user_id)
    out = []
    for s in Service.objects.filter(is_active=True).select_related("unit"):
        version = versions.get(s.process_key) if s.process_key else None
        tasks = [(m[0], m[1] or m[0]) for m in TASK_RE.findall(version.xml)] if version else []
        allowed = [c for c in (s.channels or []) if c in CHANNEL_WEIGHTS] or ["web"]
        weights = [CHANNEL_WEIGHTS[c] for c in allowed]
        out.append(Target(s, version, tasks, allowed, weights, sorted(staff.get(s.unit_id, []))))
    return out


def _working_moment(rng: random.Random, start: dt.datetime, days: int) -> dt.datetime:
    """A moment within office hours on a weekday in the ``days`` before ``start``."""
    while True:
        day = start - dt.timedelta(days=rng.randrange(days))
        if day.weekday() < 5:
            break
    local = timezone.localtime(day).replace(
        hour=8, minute=30, second=0, microsecond=0
    ) + dt.timedelta(minutes=rng.triangular(0, 540, 150))
    return local


def _add_working_days(t: dt.datetime, days: float) -> dt.datetime:
    whole = int(days)
    out = t
    while whole > 0:
        out += dt.timedelta(days=1)
        if out.weekday() < 5:
            whole -= 1
    return out + dt.timedelta(hours=(days - int(days)) * 9)


def load_generate(*, cases: int, seed: int = 0, days: int = 365, batch: int = 5000) -> int:
    """Create ``cases`` synthetic applications; returns how many were made."""
    rng = random.Random(seed)
    targets = _targets()
    if not targets:
        return 0
    now = timezone.now()
    made = 0
    run = uuid.uuid4().hex[:6].upper()
    while made < cases:
        n = min(batch, cases - made)
        with transaction.atomic():
            _batch(rng, targets, now, days, n, run, made)
        made += n
    return made


def _batch(
    rng: random.Random,
    targets: list[Target],
    now: dt.datetime,
    days: int,
    n: int,
    run: str,
    offset: int,
) -> None:
    plans: list[dict[str, Any]] = []
    instances: list[ProcessInstance] = []
    for i in range(n):
        t = rng.choice(targets)
        received = _working_moment(rng, now, days)
        legal = t.service.completion_days or 30
        due = _add_working_days(received, legal)
        # Most cases finish within the legal duration; a tail runs late.
        span = rng.lognormvariate(0, 0.6) * legal * 0.45
        closed_at = _add_working_days(received, span)
        closed = closed_at < now and rng.random() < 0.97
        plan: dict[str, Any] = {
            "t": t,
            "received": received,
            "due": due,
            "closed_at": closed_at if closed else None,
            "channel": rng.choices(t.channels, t.weights)[0],
            "key": f"{KEY_PREFIX}{run}-{offset + i}",
        }
        plans.append(plan)
        if t.version is not None:
            instances.append(
                ProcessInstance(
                    version=t.version,
                    status=InstanceStatus.COMPLETED if closed else InstanceStatus.RUNNING,
                    business_key=plan["key"],
                    started_at=received,
                    ended_at=plan["closed_at"],
                    responsible_unit_id=t.service.unit_id,
                    due_at=due,
                )
            )
            plan["instance"] = instances[-1]
    ProcessInstance.objects.bulk_create(instances, batch_size=5000)
    case_rows = []
    items: list[WorkItem] = []
    events: list[ProcessEvent] = []
    for i, p in enumerate(plans):
        t = p["t"]
        inst = p.get("instance")
        rating = None
        if p["closed_at"] is not None and rng.random() < RATED_SHARE:
            rating = rng.choices((1, 2, 3, 4, 5), RATING_WEIGHTS)[0]
        case_rows.append(
            Case(
                tracking_code=f"Z{run[:3]}{offset + i:07d}",
                service_id=t.service.pk,
                channel=p["channel"],
                status=CaseStatus.CLOSED if p["closed_at"] else CaseStatus.IN_PROGRESS,
                responsible_unit_id=t.service.unit_id,
                process_instance=inst,
                received_at=p["received"],
                due_at=p["due"],
                closed_at=p["closed_at"],
                idempotency_scope=SYNTHETIC,
                idempotency_key=p["key"],
                applicant_first_name="Sentetik",
                applicant_last_name="Başvuru",
                rating=rating,
                rated_at=p["closed_at"] + dt.timedelta(hours=2) if rating else None,
            )
        )
        if inst is None:
            continue
        events.append(
            ProcessEvent(instance=inst, version=t.version, kind=EventKind.CREATED, at=p["received"])
        )
        end = p["closed_at"] or rng_end(rng, p["received"], now)
        steps = t.tasks or []
        moment = p["received"]
        slice_ = (end - p["received"]) / max(1, len(steps))
        for j, (element, name) in enumerate(steps):
            created = moment
            wait = slice_ * rng.uniform(0.2, 0.9)
            claimed = created + wait
            completed = created + slice_
            finished = p["closed_at"] is not None or j < len(steps) - 1
            person = rng.choice(t.staff) if t.staff else None
            items.append(
                WorkItem(
                    instance=inst,
                    task_id=uuid.UUID(int=rng.getrandbits(128)),
                    element_id=element,
                    title=name,
                    status=WorkItemStatus.COMPLETED if finished else WorkItemStatus.READY,
                    unit_id=t.service.unit_id,
                    assignee_id=person,
                    completed_by_id=person if finished else None,
                    created_at=created,
                    claimed_at=claimed if finished else None,
                    completed_at=completed if finished else None,
                    due_at=created + dt.timedelta(days=3),
                )
            )
            events.append(
                ProcessEvent(
                    instance=inst,
                    version=t.version,
                    kind=EventKind.TASK_READY,
                    element_id=element,
                    element_name=name,
                    element_type="UserTask",
                    at=created,
                )
            )
            if not finished:
                break
            events.append(
                ProcessEvent(
                    instance=inst,
                    version=t.version,
                    kind=EventKind.TASK_COMPLETED,
                    element_id=element,
                    element_name=name,
                    element_type="UserTask",
                    at=completed,
                )
            )
            moment = completed
        if p["closed_at"]:
            events.append(
                ProcessEvent(
                    instance=inst, version=t.version, kind=EventKind.COMPLETED, at=p["closed_at"]
                )
            )
    Case.objects.bulk_create(case_rows, batch_size=5000)
    WorkItem.objects.bulk_create(items, batch_size=5000)
    ProcessEvent.objects.bulk_create(events, batch_size=5000)


def rng_end(rng: random.Random, start: dt.datetime, now: dt.datetime) -> dt.datetime:
    return start + (now - start) * rng.uniform(0.3, 0.9)


def load_delete() -> int:
    """Remove every synthetic row (and nothing else); returns the cases deleted."""
    with transaction.atomic():
        instances = ProcessInstance.objects.filter(business_key__startswith=KEY_PREFIX)
        count, _ = Case.objects.filter(idempotency_scope=SYNTHETIC).delete()
        ProcessEvent.objects.filter(instance__in=instances).delete()
        WorkItem.objects.filter(instance__in=instances).delete()
        instances.delete()
    return count
