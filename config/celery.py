"""The Celery application. Tasks live in each app's tasks.py and are discovered.

Broker and scheduler come from settings (``CELERY_*``, see config/settings/base.py and
docs/decisions/0005-worker-and-broker.md): the file-system broker for the quickstart,
Redis or RabbitMQ in production.
"""

from __future__ import annotations

import os
from typing import Any

from celery import Celery
from celery.signals import worker_ready

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.settings.local")

app = Celery("cinar")
app.config_from_object("django.conf:settings", namespace="CELERY")
app.autodiscover_tasks()


@worker_ready.connect
def _announce_worker(sender: Any = None, **_kwargs: Any) -> None:
    """Beat first fires the heartbeat one interval after it starts; send one at once so
    /healthz shows a fresh worker within seconds of a (re)start, not a minute later."""
    app.send_task("cinar.core.tasks.heartbeat")
