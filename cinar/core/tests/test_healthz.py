"""/healthz: database, broker and worker, each reported; the probe answers 503 when the
database or the broker is down, always within its deadline, and never raises."""

from __future__ import annotations

import socket
import threading
import time
from collections.abc import Iterator
from datetime import timedelta
from urllib.parse import urlsplit

import pytest
from django.db import connection, connections
from django.utils import timezone

from cinar.core.models import Heartbeat
from cinar.core.views import BROKER_TIMEOUT

REDIS_URL = "redis://127.0.0.1:6379/0"
AMQP_URL = "amqp://guest:guest@127.0.0.1:5672//"
# The probe makes one attempt with BROKER_TIMEOUT; this is the deadline it must keep
# even against a broker that accepts connections and never answers.
PROBE_DEADLINE = 2 * BROKER_TIMEOUT + 1


def _listening(url: str) -> bool:
    parts = urlsplit(url)
    try:
        with socket.create_connection((parts.hostname, parts.port), timeout=1):
            return True
    except OSError:
        return False


def _unused_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


@pytest.fixture
def silent_server() -> Iterator[int]:
    """A TCP server that accepts connections and never says a word (a hung broker)."""
    server = socket.socket()
    server.bind(("127.0.0.1", 0))
    server.listen(8)
    accepted: list[socket.socket] = []

    def accept() -> None:
        while True:
            try:
                accepted.append(server.accept()[0])
            except OSError:
                return

    thread = threading.Thread(target=accept, daemon=True)
    thread.start()
    yield int(server.getsockname()[1])
    server.close()
    for sock in accepted:
        sock.close()


def _get(client):
    started = time.monotonic()
    response = client.get("/healthz")
    return response, response.json(), time.monotonic() - started


@pytest.mark.django_db
def test_healthz_reports_database_and_memory_broker_ok_to_anonymous(client):
    response, body, _ = _get(client)

    assert response.status_code == 200
    assert body["status"] == "ok"
    assert body["database"] == {"ok": True, "vendor": connection.vendor}
    assert body["broker"] == {"ok": True, "transport": "memory"}
    assert "no-cache" in response["Cache-Control"]


@pytest.mark.django_db
def test_healthz_reports_filesystem_broker_ok(client, settings, tmp_path):
    queue = tmp_path / "queue"
    queue.mkdir()
    settings.CELERY_BROKER_URL = "filesystem://localhost/"
    settings.CELERY_BROKER_TRANSPORT_OPTIONS = {
        "data_folder_in": str(queue),
        "data_folder_out": str(queue),
    }

    response, body, _ = _get(client)

    assert response.status_code == 200
    assert body["broker"] == {"ok": True, "transport": "filesystem"}


@pytest.mark.django_db
def test_healthz_reports_a_missing_filesystem_broker_folder(client, settings, tmp_path):
    settings.CELERY_BROKER_URL = "filesystem://localhost/"
    settings.CELERY_BROKER_TRANSPORT_OPTIONS = {
        "data_folder_in": str(tmp_path / "absent"),
        "data_folder_out": str(tmp_path / "absent"),
    }

    response, body, _ = _get(client)

    assert response.status_code == 503
    assert body["status"] == "error"
    assert body["broker"] == {
        "ok": False,
        "transport": "filesystem",
        "error": "FileNotFoundError",
    }


@pytest.mark.django_db
@pytest.mark.skipif(not _listening(REDIS_URL), reason=f"Redis is not reachable at {REDIS_URL}")
def test_healthz_reports_redis_broker_ok(client, settings):
    settings.CELERY_BROKER_URL = REDIS_URL
    settings.CELERY_BROKER_TRANSPORT_OPTIONS = {}

    response, body, _ = _get(client)

    assert response.status_code == 200
    assert body["broker"] == {"ok": True, "transport": "redis"}


@pytest.mark.django_db
@pytest.mark.skipif(not _listening(AMQP_URL), reason=f"RabbitMQ is not reachable at {AMQP_URL}")
def test_healthz_reports_rabbitmq_broker_ok(client, settings):
    settings.CELERY_BROKER_URL = AMQP_URL
    settings.CELERY_BROKER_TRANSPORT_OPTIONS = {}

    response, body, _ = _get(client)

    assert response.status_code == 200
    assert body["broker"] == {"ok": True, "transport": "amqp"}


@pytest.mark.django_db
@pytest.mark.parametrize("scheme", ["redis", "amqp"])
def test_healthz_answers_503_at_once_when_nothing_listens_on_the_broker_port(
    client, settings, scheme
):
    settings.CELERY_BROKER_URL = f"{scheme}://127.0.0.1:{_unused_port()}/"
    settings.CELERY_BROKER_TRANSPORT_OPTIONS = {}

    response, body, elapsed = _get(client)

    assert response.status_code == 503
    assert body["status"] == "error"
    assert body["database"]["ok"] is True
    assert body["broker"]["ok"] is False
    assert body["broker"]["transport"] == scheme
    assert body["broker"]["error"]
    assert elapsed < PROBE_DEADLINE  # one attempt, no retry sleeping


@pytest.mark.django_db
@pytest.mark.parametrize("scheme", ["redis", "amqp"])
def test_healthz_keeps_its_deadline_against_a_broker_that_never_answers(
    client, settings, silent_server, scheme
):
    settings.CELERY_BROKER_URL = f"{scheme}://127.0.0.1:{silent_server}/"
    settings.CELERY_BROKER_TRANSPORT_OPTIONS = {}

    response, body, elapsed = _get(client)

    assert response.status_code == 503
    assert body["broker"]["ok"] is False
    assert elapsed < PROBE_DEADLINE


@pytest.mark.django_db
def test_healthz_answers_503_when_the_database_is_down(client, monkeypatch):
    from django.db import OperationalError

    def refuse(*args, **kwargs):
        raise OperationalError("connection refused")

    # On the instance: after a test without database access, Django's guard leaves the
    # original method behind as an instance attribute, which would shadow a class patch.
    monkeypatch.setattr(connections["default"], "cursor", refuse)

    response, body, _ = _get(client)

    assert response.status_code == 503
    assert body["status"] == "error"
    assert body["database"] == {
        "ok": False,
        "vendor": connection.vendor,
        "error": "OperationalError",
    }
    assert body["worker"] == {"ok": False, "last_seen": None}


@pytest.mark.django_db
def test_healthz_reports_a_fresh_worker_heartbeat(client):
    seen = timezone.now() - timedelta(seconds=30)
    Heartbeat.objects.create(name="worker", seen_at=seen)

    response, body, _ = _get(client)

    assert response.status_code == 200
    assert body["worker"] == {"ok": True, "last_seen": seen.isoformat()}


@pytest.mark.django_db
def test_healthz_reports_a_stale_worker_without_failing_the_probe(client):
    seen = timezone.now() - timedelta(minutes=10)
    Heartbeat.objects.create(name="worker", seen_at=seen)

    response, body, _ = _get(client)

    # The web node stays in service while workers restart; monitoring alerts on the field.
    assert response.status_code == 200
    assert body["worker"] == {"ok": False, "last_seen": seen.isoformat()}


@pytest.mark.django_db
def test_healthz_reports_a_worker_never_seen(client):
    response, body, _ = _get(client)

    assert response.status_code == 200
    assert body["worker"] == {"ok": False, "last_seen": None}


@pytest.mark.django_db
def test_heartbeat_task_records_the_worker_as_seen():
    from cinar.core.tasks import heartbeat

    before = timezone.now()
    heartbeat.delay()  # eager in tests: runs here, as the worker would

    beat = Heartbeat.objects.get(name="worker")
    assert beat.seen_at >= before
