"""The Celery application. Tasks live in each app's tasks.py and are discovered.

Broker and scheduler come from settings (``CELERY_*``, see config/settings/base.py and
docs/decisions/0005-worker-and-broker.md): the file-system broker for the quickstart,
Redis or RabbitMQ in production.
"""

from __future__ import annotations

import os
from typing import Any

from celery import Celery
from celery.signals import task_postrun, task_prerun, worker_ready

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.settings.local")

app = Celery("cinar")
app.config_from_object("django.conf:settings", namespace="CELERY")
app.autodiscover_tasks()


@task_prerun.connect
@task_postrun.connect
def _close_old_connections(task: Any = None, **_kwargs: Any) -> None:
    """Around each task, what Django does around each request: close database
    connections past CONN_MAX_AGE or left unusable by an error, keep the others
    (CELERY_DB_REUSE_MAX stops Celery closing them all; ADR 0038). Not for eager tasks,
    which run inside the caller's transaction."""
    if task is not None and getattr(task.request, "is_eager", False):
        return
    from django.db import close_old_connections

    close_old_connections()


@worker_ready.connect
def _announce_worker(sender: Any = None, **_kwargs: Any) -> None:
    """Beat first fires the heartbeat one interval after it starts; send one at once so
    /healthz shows a fresh worker within seconds of a (re)start, not a minute later."""
    app.send_task("cinar.core.tasks.heartbeat")
