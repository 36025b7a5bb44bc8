"""Synthetic load for demos and benchmarks (``manage.py generate_load``).

Everything made here is marked: cases have ``idempotency_scope = SYNTHETIC`` and tracking
codes starting with ``Z``; process instances have business keys starting with ``SYN-``.
``load_delete`` removes exactly those rows. The data bypasses ``case_submit`` (no audit,
no notifications, no engine).

Two generators make the same kind of applications. On PostgreSQL the database draws them
itself (``_sql_generate``: ``random()`` seeded with ``setseed``, ``generate_series``,
temporary plan tables expanded by joins, four ``INSERT … SELECT``), so no row passes
through Python — ADR 0034. Elsewhere (SQLite) ``_plans`` decides every application in
Python (its service from the active catalogue, channel, times, the steps of its process
with their waiting and working times, who did them, the citizen's rating) and
``bulk_create`` writes them.

Realism: office-hour arrivals on weekdays over ``days`` days, channel shares per service,
completion times log-normal around 45 % of the legal duration (a late tail), open cases
stopped at their current step, about 40 % of closed cases rated (mostly 4–5), and in the
building-permit process (``yapi_ruhsati``) the structural review (``statik``) takes about
six times the time of any other step, so that it is the heat map's bottleneck.
"""

from __future__ import annotations

import contextlib
import datetime as dt
import logging
import random
import re
import time
import uuid
from collections.abc import Iterator
from dataclasses import dataclass, field
from typing import Any

from django.db import DatabaseError, connection, models, transaction
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

log = logging.getLogger(__name__)

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
# From this many cases on, a PostgreSQL load may rebuild the secondary indexes afterwards
# (below it the tables stay unlocked: a small load beside a live system).
BULK_INDEX_THRESHOLD = 10_000
EVENTS_PER_CASE = 10  # about what the plans make (the demo processes)
# Rebuild the indexes while the events already there are fewer than this many times the
# events the load adds: maintaining the secondary indexes (44 when measured) row by row
# costs about 2.3 times a rebuild per row, and a rebuild costs the rows already there too
# (ADR 0034, "Speed": 100k cases into 100k, 42 s row by row, 38 s with the rebuild).
REBUILD_RATIO = 1.5
# Session settings of a bulk index rebuild: the sorts in memory (1M cases: 11M events)
# and PostgreSQL's own parallel build (the leader and two workers per index).
REBUILD_SETTINGS = ("maintenance_work_mem = '1GB'", "max_parallel_maintenance_workers = 2")
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
        _sql_generate(targets, cases, seed, now, mornings, run)
    made = cases
    if cases >= BULK_INDEX_THRESHOLD:  # a large write either way: fresh statistics
        _analyze(ProcessEvent)
        _analyze(Case, WorkItem, ProcessInstance, vacuum=not connection.in_atomic_block)
    return made


def _analyze(*tables: type[models.Model], vacuum: bool = False) -> None:
    """Fresh planner statistics after a bulk write (autovacuum would take minutes to
    notice; until then the planner still sees the near-empty tables). ``vacuum`` also
    sets the visibility map, so the open-cases and open-items counts are answered from
    their partial indexes alone, and the step drill-down's process-version condition from
    the instances' version index (ADR 0039); it cannot run inside a transaction."""
    if connection.vendor != "postgresql":
        return
    with connection.cursor() as cursor:
        c = _Timed(cursor)
        for model in tables:
            table = connection.ops.quote_name(model._meta.db_table)
            c.execute(f"VACUUM ANALYZE {table}" if vacuum else f"ANALYZE {table}")


def _bulk(cases: int) -> bool:
    """Rebuild the indexes afterwards for a load that is not small beside what the tables
    hold already (a rebuild costs the whole table, the row-by-row upkeep only the load's
    rows, but about ``REBUILD_RATIO`` + 1 times as much per row)."""
    if cases < BULK_INDEX_THRESHOLD:
        return False
    with connection.cursor() as c:
        c.execute(
            "SELECT reltuples FROM pg_class WHERE oid = %s::regclass",
            [ProcessEvent._meta.db_table],
        )
        row = c.fetchone()
    existing = max(0.0, float(row[0])) if row else 0.0
    return existing < REBUILD_RATIO * cases * EVENTS_PER_CASE


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
    with connection.cursor() as cursor:
        timed = _Timed(cursor)
        for setting in REBUILD_SETTINGS:
            timed.execute(f"SET LOCAL {setting}")
        for _name, definition in saved:
            timed.execute(definition)


# --- PostgreSQL: generated in SQL ------------------------------------------------------------
#
# The same model as ``_plans``, drawn by PostgreSQL's own ``random()`` (seeded with
# ``setseed``) so that no row passes through Python: three small temporary tables describe
# the services (``syn_target``: unit, process version, legal duration, 100 channel slots in
# proportion to the channel weights, the unit's staff), their steps (``syn_step``) and the
# weekday mornings (``syn_morning``); ``syn_case`` draws every application from
# ``generate_series``, ``syn_item`` expands it into its steps (one join), and four
# ``INSERT … SELECT`` write the instances, cases, work items and events. See ADR 0034.

MAX_STEPS = 4096
_TEMP = ("syn_target", "syn_step", "syn_morning", "syn_case", "syn_item")


def _default_sql(f: models.Field[Any, Any]) -> str:
    """A column we do not fill, as an SQL expression: its Django default (the database has
    none of its own), the same for every row."""
    if isinstance(f, models.DateTimeField) and (f.auto_now or f.auto_now_add or f.has_default()):
        return "NULL" if f.null else "now()"
    value = f.get_default()
    if value is None:
        return "NULL"
    if isinstance(f, models.JSONField):
        return "'[]'::jsonb" if value == [] else "'{}'::jsonb"
    if isinstance(f, models.BooleanField):
        return "TRUE" if value else "FALSE"
    text = value.isoformat() if isinstance(value, dt.date) else str(value)
    return "CAST('{}' AS {})".format(text.replace("'", "''"), f.db_type(connection))


def _insert(model: type[models.Model], filled: dict[str, str], source: str) -> str:
    """``INSERT INTO <model> (<filled>, <the rest>) SELECT <expressions>, <defaults> <source>``."""
    q = connection.ops.quote_name
    rest = [f for f in model._meta.concrete_fields if f.column not in filled and not f.primary_key]
    columns = [*filled, *(str(f.column) for f in rest)]
    exprs = [*filled.values(), *(_default_sql(f) for f in rest)]
    return (
        f"INSERT INTO {q(model._meta.db_table)} ({', '.join(q(c) for c in columns)}) "
        f"SELECT {', '.join(exprs)} {source}"
    )


def _slots(values: list[Any], weights: list[int] | tuple[int, ...], n: int = 100) -> list[Any]:
    """``n`` slots filled in proportion to ``weights``: a uniform pick of a slot is a
    weighted pick of a value (to 1/n), and costs one array subscript in SQL."""
    total = sum(weights)
    out: list[Any] = []
    acc = 0.0
    for value, w in zip(values, weights, strict=True):
        acc += w * n / total
        out.extend([value] * (round(acc) - len(out)))
    return out[:n] + [values[-1]] * (n - len(out))


class _Timed:
    """A cursor that logs each statement's time (``DEBUG`` on ``cinar.insights.load``)."""

    def __init__(self, cursor: Any) -> None:
        self.cursor = cursor

    def execute(self, sql: str, params: Any = None) -> None:
        started = time.perf_counter()
        self.cursor.execute(sql, params)
        log.debug("%.2f s %s", time.perf_counter() - started, " ".join(sql.split())[:60])

    def executemany(self, sql: str, params: Any) -> None:
        self.cursor.executemany(sql, params)

    def fetchone(self) -> Any:
        return self.cursor.fetchone()


def _skip_fk_checks(cursor: Any) -> None:
    """Skip the foreign-key triggers for this transaction when the role may (superuser:
    ``session_replication_role = replica``). Every reference is valid by construction —
    the instances are made in the same statement, services, units, versions and staff are
    read from the database — and checking 10 million references costs more than writing
    the rows. Other roles load with the checks (slower, same rows)."""
    cursor.execute("SELECT rolsuper FROM pg_roles WHERE rolname = current_user")
    row = cursor.fetchone()
    if row and row[0]:
        cursor.execute("SET LOCAL session_replication_role = replica")


def _sequence(cursor: _Timed, model: type[models.Model]) -> str:
    cursor.execute("SELECT pg_get_serial_sequence(%s, 'id')", [model._meta.db_table])
    return str(cursor.fetchone()[0])


def _uuid_prefix() -> str:
    """The first 20 hex digits of a version-4 UUID, with their dashes: a run's task ids
    are this prefix and 12 digits of their own."""
    u = uuid.uuid4().hex
    return f"{u[:8]}-{u[8:12]}-4{u[13:16]}-{'89ab'[int(u[16], 16) % 4]}{u[17:20]}-"


# Every event of the drawn applications (``_sql_generate``), one row each.
_EVENTS_FROM = """FROM (
    SELECT c.inst, c.version_id, %(k_created)s AS kind,
           '' AS element, '' AS name, '' AS type, NULL::bigint AS actor,
           c.received AS at
    FROM syn_case c WHERE c.inst IS NOT NULL
    UNION ALL
    SELECT i.inst, i.version_id, %(k_ready)s, i.element,
           i.name, 'UserTask', NULL, i.created
    FROM syn_item i
    UNION ALL
    SELECT i.inst, i.version_id, %(k_done)s, i.element,
           i.name, 'UserTask', i.person, i.completed
    FROM syn_item i WHERE i.completed IS NOT NULL
    UNION ALL
    SELECT c.inst, c.version_id, %(k_completed)s, '', '', '',
           NULL, c.received + c.span
    FROM syn_case c WHERE c.inst IS NOT NULL AND c.received + c.span <= %(now)s
) AS e"""


def _sql_generate(
    targets: list[Target], cases: int, seed: int, now: float, mornings: list[float], run: str
) -> None:
    if any(len(t.steps) >= MAX_STEPS for t in targets):  # the task ids' room per instance
        raise ValueError(f"a process with {MAX_STEPS} user tasks or more")
    with connection.cursor() as cursor:
        c = _Timed(cursor)
        _skip_fk_checks(c)
        c.execute("SET LOCAL work_mem = '256MB'")
        # A synthetic load need not wait for its commit record to reach the disk (a crash
        # loses the load, never consistency), and compiling these one-off statements with
        # JIT costs more than it saves (the 1M statements exceed every JIT threshold).
        c.execute("SET LOCAL synchronous_commit = off")
        c.execute("SET LOCAL jit = off")
        with contextlib.suppress(DatabaseError), transaction.atomic():
            # Temporary tables in memory; refused once this session has used any.
            c.execute("SET LOCAL temp_buffers = '1GB'")
        for name in _TEMP:
            c.execute(f"DROP TABLE IF EXISTS {name}")
        c.execute(
            "CREATE TEMP TABLE syn_target (i int PRIMARY KEY, service_id bigint, unit_id bigint,"
            " version_id bigint, legal float8, slots text[], staff bigint[]) ON COMMIT DROP"
        )
        c.execute(
            "CREATE TEMP TABLE syn_step (ti int, ord int, element text, name text,"
            " weight float8, due float8, skip float8, staff bigint[]) ON COMMIT DROP"
        )
        c.execute("CREATE TEMP TABLE syn_morning (i int PRIMARY KEY, at float8) ON COMMIT DROP")
        c.executemany(
            "INSERT INTO syn_target VALUES (%s, %s, %s, %s, %s, %s, %s)",
            [
                (
                    i,
                    t.service.pk,
                    t.service.unit_id,
                    t.version.pk if t.version else None,
                    float(t.service.completion_days or 30),
                    _slots(t.channels, t.weights),
                    t.staff,
                )
                for i, t in enumerate(targets)
            ],
        )
        c.executemany(
            "INSERT INTO syn_step VALUES (%s, %s, %s, %s, %s, %s, %s, %s)",
            [
                (
                    i,
                    k,
                    s.element,
                    s.name[:255],
                    s.weight,
                    s.due_days,
                    OPTIONAL_STEPS.get(s.element, 0.0),
                    t.staff,
                )
                for i, t in enumerate(targets)
                for k, s in enumerate(t.steps)
                if t.version is not None
            ],
        )
        c.execute(
            "INSERT INTO syn_morning SELECT k - 1, at FROM unnest(%s::float8[])"
            " WITH ORDINALITY AS u(at, k)",
            [mornings],
        )
        c.execute("ANALYZE syn_target")
        c.execute("ANALYZE syn_step")
        c.execute("SELECT setseed(%s)", [(seed % 1_000_003) / 1_000_003])
        p = {
            "n": cases,
            "nt": len(targets),
            "nm": len(mornings),
            "now": now,
            "scale": 0.45 * CALENDAR * DAY,
            "legal": CALENDAR * DAY,
            "rated": RATED_SHARE,
            "ratings": _slots([1, 2, 3, 4, 5], RATING_WEIGHTS),
            "run": f"{KEY_PREFIX}{run}-",
            "uuid": _uuid_prefix(),
            "steps": MAX_STEPS,
            # The id sequences, named once (found per row, they cost two thirds of
            # ``syn_case``).
            "instances": _sequence(c, ProcessInstance),
            "cases": _sequence(c, Case),
            "k_created": EventKind.CREATED.value,
            "k_ready": EventKind.TASK_READY.value,
            "k_done": EventKind.TASK_COMPLETED.value,
            "k_completed": EventKind.COMPLETED.value,
            "recent": now - 2 * DAY,
        }
        # Every application: service, arrival (a weekday morning plus a triangular
        # 0–540 min, mode 150), completion span (log-normal around 45 % of the legal
        # duration), channel and rating draws, and its instance and case ids.
        c.execute(
            """
            CREATE TEMP TABLE syn_case ON COMMIT DROP AS
            WITH r AS MATERIALIZED (
                SELECT g, floor(random() * %(nt)s)::int AS ti, floor(random() * %(nm)s)::int AS mi,
                       random() AS tri, random() AS u1, random() AS u2, random() AS ch,
                       random() AS rr, random() AS rv, random() AS early
                FROM generate_series(0, %(n)s - 1) AS g
            ), a AS (
                SELECT r.*, t.service_id, t.unit_id, t.version_id, t.legal,
                       t.slots[1 + floor(r.ch * 100)::int] AS channel,
                       m.at + 60 * CASE WHEN r.tri < 150.0 / 540
                           THEN sqrt(r.tri * 150 * 540)
                           ELSE 540 - sqrt((1 - r.tri) * 390 * 540) END AS arrival,
                       exp(0.6 * sqrt(-2 * ln(1 - r.u1)) * cos(2 * pi() * r.u2))
                           * t.legal * %(scale)s AS span
                FROM r JOIN syn_target t ON t.i = r.ti JOIN syn_morning m ON m.i = r.mi
            )
            SELECT g, ti, service_id, unit_id, version_id, channel, span,
                   CASE WHEN arrival >= %(now)s THEN %(now)s - 60 - early * 3540
                        ELSE arrival END AS received,
                   legal * %(legal)s AS legal_s, rr, rv,
                   CASE WHEN version_id IS NOT NULL
                        THEN nextval(%(instances)s::regclass) END AS inst,
                   nextval(%(cases)s::regclass) AS id
            FROM a
            """,
            p,
        )
        # Every step of every application with a process: its share of the span
        # (weight × log-normal noise), cumulated in step order; steps not yet begun are
        # dropped, the one running at ``now`` stays open.
        c.execute(
            """
            CREATE TEMP TABLE syn_item ON COMMIT DROP AS
            WITH x AS MATERIALIZED (
                SELECT c.inst, c.version_id, c.unit_id, c.received, c.span, s.ord, s.element,
                       s.name, s.due, s.skip, random() AS r_skip, random() AS r_claim,
                       s.staff[1 + floor(random() * cardinality(s.staff))::int] AS person,
                       s.weight * exp(0.4 * sqrt(-2 * ln(1 - random()))
                           * cos(2 * pi() * random())) AS share
                FROM syn_case c JOIN syn_step s ON s.ti = c.ti
                WHERE c.inst IS NOT NULL
            ), y AS (
                SELECT x.*, sum(share) OVER (PARTITION BY inst ORDER BY ord) AS cum,
                       sum(share) OVER (PARTITION BY inst) AS total
                FROM x WHERE r_skip >= skip
            ), z AS (
                SELECT y.*, received + span * (cum - share) / total AS created,
                       received + span * cum / total AS ends
                FROM y
            )
            SELECT inst, ord, version_id, unit_id, element, name, person, created,
                   CASE WHEN ends <= %(now)s THEN ends END AS completed,
                   CASE WHEN created + (ends - created) * (0.2 + 0.6 * r_claim) < %(now)s
                        THEN created + (ends - created) * (0.2 + 0.6 * r_claim) END AS claimed,
                   created + due * %(legal)s AS due
            FROM z WHERE created <= %(now)s
            """,
            p,
        )
        closed = "c.received + c.span <= %(now)s"
        c.execute(
            _insert(
                ProcessInstance,
                {
                    "id": "c.inst",
                    "version_id": "c.version_id",
                    "status": f"CASE WHEN {closed} THEN '{InstanceStatus.COMPLETED.value}'"
                    f" ELSE '{InstanceStatus.RUNNING.value}' END",
                    "business_key": "%(run)s || c.g",
                    "started_at": "to_timestamp(c.received)",
                    "ended_at": f"CASE WHEN {closed} THEN to_timestamp(c.received + c.span) END",
                    "responsible_unit_id": "c.unit_id",
                    "due_at": "to_timestamp(c.received + c.legal_s)",
                },
                "FROM syn_case c WHERE c.inst IS NOT NULL",
            ),
            p,
        )
        rated = f"{closed} AND c.rr < %(rated)s"
        c.execute(
            _insert(
                Case,
                {
                    "id": "c.id",
                    "tracking_code": "'Z' || lpad(c.id::text, 10, '0')",
                    "service_id": "c.service_id",
                    "channel": "c.channel",
                    "status": f"CASE WHEN {closed} THEN '{CaseStatus.CLOSED.value}'"
                    f" ELSE '{CaseStatus.IN_PROGRESS.value}' END",
                    "responsible_unit_id": "c.unit_id",
                    "process_instance_id": "c.inst",
                    "received_at": "to_timestamp(c.received)",
                    "due_at": "to_timestamp(c.received + c.legal_s)",
                    "closed_at": f"CASE WHEN {closed} THEN to_timestamp(c.received + c.span) END",
                    "idempotency_scope": f"'{SYNTHETIC}'",
                    "idempotency_key": "%(run)s || c.g",
                    "applicant_first_name": "'Sentetik'",
                    "applicant_last_name": "'Başvuru'",
                    "rating": f"CASE WHEN {rated}"
                    " THEN (%(ratings)s::smallint[])[1 + floor(c.rv * 100)::int] END",
                    "rated_at": f"CASE WHEN {rated}"
                    " THEN to_timestamp(c.received + c.span + 7200) END",
                },
                "FROM syn_case c",
            ),
            p,
        )
        c.execute(
            _insert(
                WorkItem,
                {
                    "instance_id": "i.inst",
                    # Unique per run, instance and step; gen_random_uuid() cost a
                    # quarter of this statement.
                    "task_id": "(%(uuid)s || lpad(to_hex(i.inst * %(steps)s + i.ord), 12, '0'))"
                    "::uuid",
                    "element_id": "i.element",
                    "title": "i.name",
                    "status": "CASE WHEN i.completed IS NOT NULL THEN 'completed'"
                    " WHEN i.claimed IS NOT NULL THEN 'claimed' ELSE 'ready' END",
                    "unit_id": "i.unit_id",
                    "assignee_id": "i.person",
                    "completed_by_id": "CASE WHEN i.completed IS NOT NULL THEN i.person END",
                    "created_at": "to_timestamp(i.created)",
                    "claimed_at": "to_timestamp(i.claimed)",
                    "completed_at": "to_timestamp(i.completed)",
                    "due_at": "to_timestamp(i.due)",
                },
                "FROM syn_item i",
            ),
            p,
        )
        # The events: created and (closed) completed per instance, task_ready and
        # (done) task_completed per step. The older ones in any order; the last two days
        # after them in time order, as a live system writes them: the rollup worker
        # re-reads the last events behind its cursor, and a tail of random old days would
        # make every run after a load recompute the whole year.
        for part in ("WHERE e.at < %(recent)s", "WHERE e.at >= %(recent)s ORDER BY e.at"):
            c.execute(
                _insert(
                    ProcessEvent,
                    {
                        "instance_id": "e.inst",
                        "version_id": "e.version_id",
                        "kind": "e.kind",
                        "element_id": "e.element",
                        "element_name": "e.name",
                        "element_type": "e.type",
                        "actor_id": "e.actor",
                        "at": "to_timestamp(e.at)",
                    },
                    f"{_EVENTS_FROM} {part}",
                ),
                p,
            )
        for name in ("syn_item", "syn_case"):
            c.execute(f"DROP TABLE {name}")


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
