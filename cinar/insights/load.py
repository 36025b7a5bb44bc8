"""Synthetic load for demos and benchmarks (``manage.py generate_load``).

Everything made here is marked: cases have ``idempotency_scope = SYNTHETIC`` and tracking
codes starting with ``Z``; process instances have business keys starting with ``SYN-``.
``load_delete`` removes exactly those rows. The data bypasses ``case_submit`` (no audit,
no notifications, no engine).

One generator (``_plans``) decides every application: its service (from the active
catalogue), channel, times, the steps of its process with their waiting and working
times, who did them, the citizen's rating. Two writers put the plans into the database:
on PostgreSQL ``COPY … FROM STDIN`` (psycopg 3) straight into the cases, instances,
work items and events tables; elsewhere (SQLite) ``bulk_create``.

Realism: office-hour arrivals on weekdays over ``days`` days, channel shares per service,
completion times log-normal around 45 % of the legal duration (a late tail), open cases
stopped at their current step, about 40 % of closed cases rated (mostly 4–5), and in the
building-permit process (``yapi_ruhsati``) the structural review (``statik``) takes about
six times the time of any other step, so that it is the heat map's bottleneck.
"""

from __future__ import annotations

import contextlib
import datetime as dt
import random
import re
import time
import uuid
from collections.abc import Iterator
from dataclasses import dataclass, field
from typing import Any

from django.db import connection, models, transaction
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
# (process key, BPMN element) → relative duration of that step (others: 1).
SLOW_STEPS = {("yapi_ruhsati", "statik"): 6.0}
# Steps behind a gateway that most applications skip.
OPTIONAL_STEPS = {"eksik_bildir": 0.7}
# Calendar days per working day (weekends; holidays are ignored here).
CALENDAR = 7 / 5
DAY = 86400.0
# From this many cases on, a PostgreSQL load rebuilds the secondary indexes afterwards.
BULK_INDEX_THRESHOLD = 50_000
EVENTS_PER_CASE = 10  # about what the plans make (the demo processes)
TASK_RE = re.compile(r"<(?:\w+:)?userTask\b([^>]*)>")
ATTR_RE = re.compile(r'\b(id|name|cinar:durationDays)="([^"]*)"')


@dataclass
class Step:
    element: str
    name: str
    weight: float
    due_days: float


@dataclass
class Target:
    service: Service
    version: ProcessVersion | None
    steps: list[Step]
    channels: list[str]
    weights: list[int]
    staff: list[int]


@dataclass
class Item:
    element: str
    name: str
    created: float
    claimed: float | None
    completed: float | None
    due: float
    person: int | None


@dataclass
class Plan:
    target: Target
    channel: str
    received: float
    due: float
    closed: float | None
    rating: int | None
    items: list[Item] = field(default_factory=list)


def _steps(key: str, xml: str) -> list[Step]:
    out = []
    for attrs in TASK_RE.findall(xml):
        a = dict(ATTR_RE.findall(attrs))
        if "id" not in a:
            continue
        element = a["id"]
        weight = SLOW_STEPS.get((key, element), 1.0)
        due = float(a.get("cinar:durationDays") or 3)
        out.append(Step(element, a.get("name") or element, weight, due))
    return out


def _targets() -> list[Target]:
    versions = {
        v.definition.key: v
        for v in ProcessVersion.objects.filter(is_active=True).select_related("definition")
    }
    staff: dict[int, list[int]] = {}
    for unit_id, user_id in Membership.objects.active_on().values_list("unit_id", "user_id"):
        staff.setdefault(unit_id, []).append(user_id)
    out = []
    for s in Service.objects.filter(is_active=True).select_related("unit").order_by("pk"):
        version = versions.get(s.process_key) if s.process_key else None
        steps = _steps(s.process_key, version.xml) if version else []
        allowed = [c for c in (s.channels or []) if c in CHANNEL_WEIGHTS] or ["web"]
        weights = [CHANNEL_WEIGHTS[c] for c in allowed]
        out.append(
            Target(s, version, steps, allowed, weights, sorted(set(staff.get(s.unit_id, []))))
        )
    return out


def _weekday_mornings(now: dt.datetime, days: int) -> list[float]:
    """08:30 local time on each weekday of the ``days`` days before ``now`` (epoch s)."""
    today = timezone.localtime(now).replace(hour=8, minute=30, second=0, microsecond=0)
    out = []
    for back in range(days):
        day = today - dt.timedelta(days=back)
        if day.weekday() < 5:
            out.append(day.timestamp())
    return out or [today.timestamp()]


def _plans(
    rng: random.Random, targets: list[Target], now: float, mornings: list[float], n: int
) -> Iterator[Plan]:
    for _ in range(n):
        t = rng.choice(targets)
        received = rng.choice(mornings) + rng.triangular(0, 540, 150) * 60
        if received >= now:
            received = now - rng.uniform(60, 3600)
        legal = t.service.completion_days or 30
        due = received + legal * CALENDAR * DAY
        # Most applications finish within the legal duration; a tail runs late.
        span = rng.lognormvariate(0, 0.6) * legal * 0.45 * CALENDAR * DAY
        rating = None
        channel = rng.choices(t.channels, t.weights)[0]
        if not t.steps:
            closed = received + span if received + span <= now else None
            if closed is not None and rng.random() < RATED_SHARE:
                rating = rng.choices((1, 2, 3, 4, 5), RATING_WEIGHTS)[0]
            yield Plan(t, channel, received, due, closed, rating)
            continue
        steps = [s for s in t.steps if rng.random() >= OPTIONAL_STEPS.get(s.element, 0)]
        shares = [s.weight * rng.lognormvariate(0, 0.4) for s in steps]
        total = sum(shares) or 1.0
        plan = Plan(t, channel, received, due, None, None)
        moment = received
        person = rng.choice(t.staff) if t.staff else None
        for s, share in zip(steps, shares, strict=True):
            length = span * share / total
            created = moment
            claimed = created + length * rng.uniform(0.2, 0.8)
            completed = created + length
            item_due = created + s.due_days * CALENDAR * DAY
            if completed > now:
                # The current step: open (claimed when its claim moment has passed).
                plan.items.append(
                    Item(
                        s.element,
                        s.name,
                        created,
                        claimed if claimed < now else None,
                        None,
                        item_due,
                        person,
                    )
                )
                break
            plan.items.append(
                Item(s.element, s.name, created, claimed, completed, item_due, person)
            )
            moment = completed
            if t.staff and rng.random() < 0.5:
                person = rng.choice(t.staff)
        else:
            plan.closed = moment
            if rng.random() < RATED_SHARE:
                plan.rating = rng.choices((1, 2, 3, 4, 5), RATING_WEIGHTS)[0]
        yield plan


def load_generate(*, cases: int, seed: int = 0, days: int = 365, batch: int = 20000) -> int:
    """Create ``cases`` synthetic applications; returns how many were made."""
    rng = random.Random(seed)
    targets = _targets()
    if not targets:
        return 0
    now = timezone.now().timestamp()
    mornings = _weekday_mornings(timezone.now(), days)
    run = uuid.uuid4().hex[:6].upper()
    if connection.vendor != "postgresql":
        made = 0
        while made < cases:
            n = min(batch, cases - made)
            with transaction.atomic():
                _orm_batch(list(_plans(rng, targets, now, mornings, n)), run, made)
            made += n
        return made
    bulk = _indexes_rebuilt_after() if _bulk(cases) else _nothing()
    with transaction.atomic(), bulk:
        made = 0
        while made < cases:
            n = min(batch, cases - made)
            _copy_batch(list(_plans(rng, targets, now, mornings, n)), run, made)
            made += n
    if cases >= BULK_INDEX_THRESHOLD:  # a large write either way: fresh statistics
        _analyze(ProcessInstance, ProcessEvent)
        _analyze(Case, WorkItem, vacuum=not connection.in_atomic_block)
    return made


def _analyze(*tables: type[models.Model], vacuum: bool = False) -> None:
    """Fresh planner statistics after a bulk write (autovacuum would take minutes to
    notice; until then the planner still sees the near-empty tables). ``vacuum`` also
    sets the visibility map, so the open-cases and open-items counts are answered from
    their partial indexes alone (it cannot run inside a transaction)."""
    if connection.vendor != "postgresql":
        return
    with connection.cursor() as c:
        for model in tables:
            table = connection.ops.quote_name(model._meta.db_table)
            c.execute(f"VACUUM ANALYZE {table}" if vacuum else f"ANALYZE {table}")


def _bulk(cases: int) -> bool:
    """Rebuild the indexes afterwards only for a load at least as large as what the
    tables hold already (a rebuild costs the whole table, the load only its rows)."""
    if cases < BULK_INDEX_THRESHOLD:
        return False
    with connection.cursor() as c:
        c.execute(
            "SELECT reltuples FROM pg_class WHERE oid = %s::regclass",
            [ProcessEvent._meta.db_table],
        )
        row = c.fetchone()
    existing = max(0.0, float(row[0])) if row else 0.0
    return cases * EVENTS_PER_CASE >= existing


@contextlib.contextmanager
def _nothing() -> Iterator[None]:
    yield


@contextlib.contextmanager
def _indexes_rebuilt_after() -> Iterator[None]:
    """A large load into PostgreSQL: drop the secondary (non-unique, non-constraint)
    indexes of the four tables, load, then create them again from their saved definitions
    — one sorted build per index instead of millions of single-row updates. Everything
    is one transaction: a failure rolls back to the original indexes. The tables are
    locked meanwhile (a bulk load is for an empty or quiet database)."""
    tables = [m._meta.db_table for m in (ProcessInstance, Case, WorkItem, ProcessEvent)]
    with connection.cursor() as c:
        c.execute(
            "SELECT i.indexrelid::regclass::text, pg_get_indexdef(i.indexrelid) FROM pg_index i "
            "WHERE i.indrelid = ANY(%s::regclass[]) AND NOT i.indisprimary AND NOT i.indisunique "
            "AND NOT EXISTS (SELECT 1 FROM pg_constraint k WHERE k.conindid = i.indexrelid)",
            [tables],
        )
        saved = c.fetchall()
        for name, _definition in saved:
            c.execute(f"DROP INDEX {name}")
    yield
    with connection.cursor() as c:
        c.execute("SET LOCAL maintenance_work_mem = '256MB'")
        for _name, definition in saved:
            c.execute(definition)


# --- PostgreSQL: COPY ------------------------------------------------------------------------


class _Stamp:
    """Epoch seconds → PostgreSQL timestamptz text, cached per minute (fast enough for
    tens of millions of values)."""

    def __init__(self) -> None:
        self.minutes: dict[int, str] = {}

    def __call__(self, value: float | None) -> str:
        if value is None:
            return "\\N"
        s = int(value)
        m, sec = divmod(s, 60)
        prefix = self.minutes.get(m)
        if prefix is None:
            prefix = time.strftime("%Y-%m-%d %H:%M", time.gmtime(m * 60))
            self.minutes[m] = prefix
        return f"{prefix}:{sec:02d}+00"


def _default_text(f: models.Field[Any, Any], now: str) -> str:
    if isinstance(f, models.DateTimeField) and (f.auto_now or f.auto_now_add or f.has_default()):
        return now if not f.null else "\\N"
    value = f.get_default()
    if value is None:
        return "\\N"
    if isinstance(f, models.JSONField):
        return "{}" if value == {} else "[]" if value == [] else "{}"
    if isinstance(f, models.BooleanField):
        return "t" if value else "f"
    if isinstance(value, dt.date):
        return value.isoformat()
    return str(value).replace("\\", "\\\\").replace("\t", " ").replace("\n", " ")


class _Table:
    """A COPY target: the columns we fill per row, then every other column's default."""

    def __init__(self, model: type[models.Model], columns: list[str], now: str) -> None:
        self.table = model._meta.db_table
        rest = [
            f for f in model._meta.concrete_fields if f.column not in columns and not f.primary_key
        ]
        self.columns = columns + [str(f.column) for f in rest]
        self.tail = "".join("\t" + _default_text(f, now) for f in rest) + "\n"

    def copy(self, cursor: Any, rows: list[str]) -> None:
        cols = ", ".join(connection.ops.quote_name(c) for c in self.columns)
        with cursor.copy(f"COPY {connection.ops.quote_name(self.table)} ({cols}) FROM STDIN") as cp:
            for i in range(0, len(rows), 5000):
                cp.write("".join(rows[i : i + 5000]))


def _text(value: str) -> str:
    return value.replace("\\", "\\\\").replace("\t", " ").replace("\n", " ")


def _skip_fk_checks(cursor: Any) -> None:
    """Skip the foreign-key triggers for this transaction when the role may (superuser:
    ``session_replication_role = replica``). Every reference is valid by construction —
    the instances are made in the same batch, services, units, versions and staff are read
    from the database — and checking 10 million deferred references at commit costs more
    than writing the rows. Other roles load with the checks (slower, same rows)."""
    cursor.execute("SELECT rolsuper FROM pg_roles WHERE rolname = current_user")
    row = cursor.fetchone()
    if row and row[0]:
        cursor.execute("SET LOCAL session_replication_role = replica")


def _nextvals(cursor: Any, model: type[models.Model], n: int) -> list[int]:
    table = model._meta.db_table
    cursor.execute(
        "SELECT nextval(pg_get_serial_sequence(%s, 'id')) FROM generate_series(1, %s)", [table, n]
    )
    return [r[0] for r in cursor.fetchall()]


def _copy_batch(plans: list[Plan], run: str, offset: int) -> None:
    stamp = _Stamp()
    now = stamp(time.time())
    n_inst = sum(1 for p in plans if p.target.version is not None)
    inst_t = _Table(
        ProcessInstance,
        [
            "id",
            "version_id",
            "status",
            "business_key",
            "started_at",
            "ended_at",
            "responsible_unit_id",
            "due_at",
        ],
        now,
    )
    case_t = _Table(
        Case,
        [
            "id",
            "tracking_code",
            "service_id",
            "channel",
            "status",
            "responsible_unit_id",
            "process_instance_id",
            "received_at",
            "due_at",
            "closed_at",
            "idempotency_scope",
            "idempotency_key",
            "applicant_first_name",
            "applicant_last_name",
            "rating",
            "rated_at",
        ],
        now,
    )
    item_t = _Table(
        WorkItem,
        [
            "instance_id",
            "task_id",
            "element_id",
            "title",
            "status",
            "unit_id",
            "assignee_id",
            "completed_by_id",
            "created_at",
            "claimed_at",
            "completed_at",
            "due_at",
        ],
        now,
    )
    event_t = _Table(
        ProcessEvent,
        [
            "instance_id",
            "version_id",
            "kind",
            "element_id",
            "element_name",
            "element_type",
            "actor_id",
            "at",
        ],
        now,
    )
    with connection.cursor() as c:
        raw = c.cursor
        _skip_fk_checks(raw)
        ids = iter(_nextvals(raw, ProcessInstance, n_inst)) if n_inst else iter(())
        case_ids = _nextvals(raw, Case, len(plans))
        instances: list[str] = []
        cases: list[str] = []
        items: list[str] = []
        events: list[str] = []
        names: dict[str, str] = {}
        rng = random.Random(offset)
        done_s, running_s = InstanceStatus.COMPLETED, InstanceStatus.RUNNING
        closed_s, open_s = CaseStatus.CLOSED.value, CaseStatus.IN_PROGRESS.value
        N = "\\N"
        for i, p in enumerate(plans):
            t = p.target
            key = f"{KEY_PREFIX}{run}-{offset + i}"
            unit = t.service.unit_id
            closed = p.closed is not None
            inst = N
            if t.version is not None:
                inst = str(next(ids))
                version = t.version.pk
                instances.append(
                    f"{inst}\t{version}\t{(done_s if closed else running_s).value}"
                    f"\t{key}\t{stamp(p.received)}\t{stamp(p.closed)}\t{unit}\t{stamp(p.due)}"
                    + inst_t.tail
                )
                events.append(
                    f"{inst}\t{version}\tcreated\t\t\t\t{N}\t{stamp(p.received)}" + event_t.tail
                )
                for it in p.items:
                    name = names.get(it.name)
                    if name is None:
                        name = names[it.name] = _text(it.name[:255])
                    done = it.completed is not None
                    person = N if it.person is None else str(it.person)
                    items.append(
                        f"{inst}\t{rng.getrandbits(128):032x}\t{it.element}\t{name}"
                        f"\t{'completed' if done else 'claimed' if it.claimed else 'ready'}\t{unit}"
                        f"\t{person}\t{person if done else N}\t{stamp(it.created)}"
                        f"\t{stamp(it.claimed)}\t{stamp(it.completed)}\t{stamp(it.due)}"
                        + item_t.tail
                    )
                    events.append(
                        f"{inst}\t{version}\ttask_ready\t{it.element}\t{name}\tUserTask\t{N}"
                        f"\t{stamp(it.created)}" + event_t.tail
                    )
                    if done:
                        events.append(
                            f"{inst}\t{version}\ttask_completed\t{it.element}\t{name}\tUserTask"
                            f"\t{person}\t{stamp(it.completed)}" + event_t.tail
                        )
                if closed:
                    events.append(
                        f"{inst}\t{version}\tcompleted\t\t\t\t{N}\t{stamp(p.closed)}" + event_t.tail
                    )
            rating = N if p.rating is None else str(p.rating)
            rated = N if p.rating is None else stamp((p.closed or 0) + 7200)
            cases.append(
                f"{case_ids[i]}\tZ{case_ids[i]:010d}\t{t.service.pk}\t{p.channel}"
                f"\t{closed_s if closed else open_s}\t{unit}\t{inst}"
                f"\t{stamp(p.received)}\t{stamp(p.due)}\t{stamp(p.closed)}\t{SYNTHETIC}\t{key}"
                f"\tSentetik\tBaşvuru\t{rating}\t{rated}" + case_t.tail
            )
        inst_t.copy(raw, instances)
        case_t.copy(raw, cases)
        item_t.copy(raw, items)
        event_t.copy(raw, events)


# --- other databases: bulk_create -------------------------------------------------------------


def _when(value: float | None) -> dt.datetime | None:
    return None if value is None else _at(value)


def _at(value: float) -> dt.datetime:
    return dt.datetime.fromtimestamp(value, tz=dt.UTC)


def _base36(n: int) -> str:
    digits = "0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZ"
    out = ""
    while True:
        n, r = divmod(n, 36)
        out = digits[r] + out
        if not n:
            return out


def _orm_batch(plans: list[Plan], run: str, offset: int) -> None:
    rng = random.Random(offset)
    instances: list[ProcessInstance | None] = []
    for i, p in enumerate(plans):
        if p.target.version is None:
            instances.append(None)
            continue
        instances.append(
            ProcessInstance(
                version=p.target.version,
                status=InstanceStatus.COMPLETED if p.closed else InstanceStatus.RUNNING,
                business_key=f"{KEY_PREFIX}{run}-{offset + i}",
                started_at=_at(p.received),
                ended_at=_when(p.closed),
                responsible_unit_id=p.target.service.unit_id,
                due_at=_at(p.due),
            )
        )
    ProcessInstance.objects.bulk_create([x for x in instances if x is not None], batch_size=2000)
    case_rows: list[Case] = []
    items: list[WorkItem] = []
    events: list[ProcessEvent] = []
    for i, (p, inst) in enumerate(zip(plans, instances, strict=True)):
        t = p.target
        case_rows.append(
            Case(
                tracking_code=f"Z{run}{_base36(offset + i):0>4}",
                service_id=t.service.pk,
                channel=p.channel,
                status=CaseStatus.CLOSED if p.closed else CaseStatus.IN_PROGRESS,
                responsible_unit_id=t.service.unit_id,
                process_instance=inst,
                received_at=_at(p.received),
                due_at=_at(p.due),
                closed_at=_when(p.closed),
                idempotency_scope=SYNTHETIC,
                idempotency_key=f"{KEY_PREFIX}{run}-{offset + i}",
                applicant_first_name="Sentetik",
                applicant_last_name="Başvuru",
                rating=p.rating,
                rated_at=_when((p.closed or 0) + 7200) if p.rating else None,
            )
        )
        if inst is None:
            continue
        version = t.version
        events.append(
            ProcessEvent(instance=inst, version=version, kind=EventKind.CREATED, at=_at(p.received))
        )
        for it in p.items:
            done = it.completed is not None
            items.append(
                WorkItem(
                    instance=inst,
                    task_id=uuid.UUID(int=rng.getrandbits(128)),
                    element_id=it.element,
                    title=it.name[:255],
                    status=WorkItemStatus.COMPLETED
                    if done
                    else WorkItemStatus.CLAIMED
                    if it.claimed
                    else WorkItemStatus.READY,
                    unit_id=t.service.unit_id,
                    assignee_id=it.person,
                    completed_by_id=it.person if done else None,
                    created_at=_at(it.created),
                    claimed_at=_when(it.claimed),
                    completed_at=_when(it.completed),
                    due_at=_when(it.due),
                )
            )
            common = {
                "instance": inst,
                "version": version,
                "element_id": it.element,
                "element_name": it.name[:255],
                "element_type": "UserTask",
            }
            events.append(ProcessEvent(kind=EventKind.TASK_READY, at=_at(it.created), **common))
            if it.completed is not None:
                events.append(
                    ProcessEvent(
                        kind=EventKind.TASK_COMPLETED,
                        at=_at(it.completed),
                        actor_id=it.person,
                        **common,
                    )
                )
        if p.closed:
            events.append(
                ProcessEvent(
                    instance=inst, version=version, kind=EventKind.COMPLETED, at=_at(p.closed)
                )
            )
    Case.objects.bulk_create(case_rows, batch_size=2000)
    WorkItem.objects.bulk_create(items, batch_size=2000)
    ProcessEvent.objects.bulk_create(events, batch_size=2000)


def load_delete() -> int:
    """Remove every synthetic row (and nothing else); returns the cases deleted."""
    if connection.vendor == "postgresql":
        return _sql_delete()
    with transaction.atomic():
        instances = ProcessInstance.objects.filter(business_key__startswith=KEY_PREFIX)
        count, _ = Case.objects.filter(idempotency_scope=SYNTHETIC).delete()
        ProcessEvent.objects.filter(instance__in=instances).delete()
        WorkItem.objects.filter(instance__in=instances).delete()
        instances.delete()
    return count


def _sql_delete() -> int:
    """The same as ``load_delete`` in four set-based statements (millions of rows)."""
    inst = f"SELECT id FROM {ProcessInstance._meta.db_table} WHERE business_key LIKE %s"  # noqa: S608
    like = KEY_PREFIX + "%"
    with transaction.atomic(), connection.cursor() as c:
        c.execute(
            f"DELETE FROM {Case._meta.db_table} WHERE idempotency_scope = %s",  # noqa: S608
            [SYNTHETIC],
        )
        count = c.rowcount
        for model in (ProcessEvent, WorkItem):
            c.execute(
                f"DELETE FROM {model._meta.db_table} WHERE instance_id IN ({inst})",  # noqa: S608
                [like],
            )
        c.execute(
            f"DELETE FROM {ProcessInstance._meta.db_table} WHERE business_key LIKE %s",  # noqa: S608
            [like],
        )
    return count
