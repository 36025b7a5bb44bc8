"""The background worker, end to end: a real `celery -A config worker` process, a real
broker, a task sent from this (the "web") process, its effect in the worker's database.

Each test gives the worker its own folder (CINAR_VAR_DIR: an SQLite file migrated once
for the module, and for the quickstart the file-system broker's folders) and its own
queue, so runs never meet each other or a developer's worker on a shared broker.
Redis and RabbitMQ tests are skipped, with the reason, when nothing listens there.
"""

from __future__ import annotations

import os
import shutil
import socket
import sqlite3
import subprocess
import sys
import time
import uuid
from datetime import datetime
from pathlib import Path
from urllib.parse import urlsplit

import pytest
from celery import Celery
from kombu import Connection, Exchange, Queue

ROOT = Path(__file__).resolve().parents[3]
CELERY = str(Path(sys.executable).with_name("celery"))
REDIS_URL = os.environ.get("CINAR_TEST_REDIS_URL", "redis://127.0.0.1:6379/0")
RABBITMQ_URL = os.environ.get("CINAR_TEST_AMQP_URL", "amqp://guest:guest@127.0.0.1:5672//")
DEADLINE = 60.0  # seconds for the worker to start and run the task (generous: a loaded CI box)


def _listening(url: str) -> bool:
    parts = urlsplit(url)
    default_port = {"redis": 6379, "amqp": 5672}[parts.scheme]
    try:
        with socket.create_connection((parts.hostname, parts.port or default_port), timeout=1):
            return True
    except OSError:
        return False


needs_redis = pytest.mark.skipif(
    not _listening(REDIS_URL),
    reason=f"Redis is not reachable at {REDIS_URL} (start it, or set CINAR_TEST_REDIS_URL)",
)
needs_rabbitmq = pytest.mark.skipif(
    not _listening(RABBITMQ_URL),
    reason=f"RabbitMQ is not reachable at {RABBITMQ_URL} (start it, or set CINAR_TEST_AMQP_URL)",
)


def _base_env(var_dir: Path) -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if not k.startswith(("CELERY_", "DATABASE_"))}
    env.update(
        DJANGO_SETTINGS_MODULE="config.settings.local",
        CINAR_VAR_DIR=str(var_dir),
        PYTHONUNBUFFERED="1",
    )
    return env


@pytest.fixture(scope="module")
def migrated_sqlite(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """One migrated SQLite file for the module; each test works on a copy."""
    var_dir = tmp_path_factory.mktemp("worker-template")
    subprocess.run(
        [sys.executable, "manage.py", "migrate", "--no-input", "-v0"],
        cwd=ROOT,
        env=_base_env(var_dir),
        check=True,
        timeout=120,
    )
    return var_dir / "cinar.sqlite3"


@pytest.fixture
def var_dir(tmp_path: Path, migrated_sqlite: Path) -> Path:
    shutil.copy(migrated_sqlite, tmp_path / "cinar.sqlite3")
    for folder in ("broker/queue", "broker/processed", "broker/control", "mail"):
        (tmp_path / folder).mkdir(parents=True)
    return tmp_path


def _heartbeat(var_dir: Path) -> datetime | None:
    with sqlite3.connect(var_dir / "cinar.sqlite3", timeout=5) as db:
        row = db.execute("SELECT seen_at FROM core_heartbeat WHERE name = 'worker'").fetchone()
    return datetime.fromisoformat(row[0]) if row else None


def _wait_for(predicate, worker: subprocess.Popen[bytes], what: str) -> None:
    end = time.monotonic() + DEADLINE
    while time.monotonic() < end:
        if predicate():
            return
        if worker.poll() is not None:
            break
        time.sleep(0.1)
    worker.terminate()
    output = worker.communicate(timeout=10)[0].decode(errors="replace")
    pytest.fail(f"{what} did not happen within {DEADLINE} s. Worker output:\n{output[-3000:]}")


def _run_end_to_end(
    *, var_dir: Path, broker_url: str, transport_options: dict[str, object], beat: bool
) -> None:
    queue = f"cinar-test-{uuid.uuid4().hex[:12]}"
    env = _base_env(var_dir)
    env.update(CELERY_BROKER_URL=broker_url, CELERY_TASK_DEFAULT_QUEUE=queue)
    command = [
        CELERY, "-A", "config", "worker", "--pool=threads", "--concurrency=2",
        "--loglevel=WARNING", "--without-mingle", "--without-gossip",
        f"--hostname={queue}@%h",
    ]  # fmt: skip
    if beat:  # exactly what `make run` (scripts/run.py) starts
        command += ["--beat", "--schedule", str(var_dir / "celerybeat-schedule")]
    worker = subprocess.Popen(
        command, cwd=ROOT, env=env, stdout=subprocess.PIPE, stderr=subprocess.STDOUT
    )
    sender = Celery("test-sender", broker=broker_url, set_as_current=False)
    sender.conf.update(
        broker_transport_options=transport_options,
        task_default_queue=queue,
        broker_connection_retry_on_startup=True,
    )
    try:
        # The worker announces itself on start (config/celery.py): proof it is consuming.
        _wait_for(lambda: _heartbeat(var_dir) is not None, worker, "The start-up heartbeat")
        first = _heartbeat(var_dir)
        time.sleep(0.01)  # the next heartbeat must carry a strictly later time

        sender.send_task("cinar.core.tasks.heartbeat")

        _wait_for(lambda: _heartbeat(var_dir) > first, worker, "The sent task")
        assert worker.poll() is None, "the worker died"
    finally:
        sender.close()
        worker.terminate()
        try:
            worker.wait(timeout=10)
        except subprocess.TimeoutExpired:
            worker.kill()
            worker.wait()
        _delete_queue(broker_url, queue, transport_options)


def _delete_queue(broker_url: str, queue: str, transport_options: dict[str, object]) -> None:
    """Leave a shared broker as it was found."""
    if broker_url.startswith("filesystem"):
        return
    with Connection(broker_url, transport_options=transport_options, connect_timeout=2) as conn:
        bound = Queue(queue, Exchange(queue), routing_key=queue).bind(conn.default_channel)
        bound.declare()  # a fresh channel knows no bindings; declaring lets delete find them
        bound.delete()
        bound.exchange.delete()


def test_quickstart_worker_with_beat_on_the_file_system_broker(var_dir: Path) -> None:
    _run_end_to_end(
        var_dir=var_dir,
        broker_url="filesystem://localhost/",
        transport_options={
            "data_folder_in": str(var_dir / "broker" / "queue"),
            "data_folder_out": str(var_dir / "broker" / "queue"),
            "processed_folder": str(var_dir / "broker" / "processed"),
            "control_folder": str(var_dir / "broker" / "control"),
        },
        beat=True,
    )
    with sqlite3.connect(var_dir / "cinar.sqlite3") as db:
        scheduled = db.execute(
            "SELECT task FROM django_celery_beat_periodictask WHERE name = 'worker-heartbeat'"
        ).fetchone()
    # Beat (DatabaseScheduler) installed the heartbeat schedule from settings.
    assert scheduled == ("cinar.core.tasks.heartbeat",)
    # Exchange bindings stay inside var/broker (kombu's default is ./control).
    assert (var_dir / "broker" / "control" / "celery.pidbox.exchange").exists()


@needs_redis
def test_worker_runs_a_task_end_to_end_on_redis(var_dir: Path) -> None:
    _run_end_to_end(var_dir=var_dir, broker_url=REDIS_URL, transport_options={}, beat=False)


@needs_rabbitmq
def test_worker_runs_a_task_end_to_end_on_rabbitmq(var_dir: Path) -> None:
    _run_end_to_end(var_dir=var_dir, broker_url=RABBITMQ_URL, transport_options={}, beat=False)
