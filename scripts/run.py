"""`make run`: the web server and the background worker (with its scheduler) together.

Stops both when either exits or on Ctrl-C, so nothing is left running behind.
"""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
VENV_BIN = Path(sys.executable).parent


def main() -> int:
    port = os.environ.get("PORT", "8000")
    var = ROOT / "var"
    for folder in ("broker/queue", "broker/processed", "mail"):
        (var / folder).mkdir(parents=True, exist_ok=True)
    env = dict(os.environ)
    env.setdefault("DJANGO_SETTINGS_MODULE", "config.settings.local")
    worker = subprocess.Popen(
        [
            str(VENV_BIN / "celery"), "-A", "config", "worker", "--beat",
            "--pool=threads", "--concurrency=4", "--loglevel=WARNING",
            "--schedule", str(var / "celerybeat-schedule"),
        ],
        cwd=ROOT,
        env=env,
    )
    web = subprocess.Popen(
        [sys.executable, "manage.py", "runserver", f"127.0.0.1:{port}", "--noreload"],
        cwd=ROOT,
        env=env,
    )
    print(f"Çınar is starting at http://127.0.0.1:{port}/ (worker pid {worker.pid}); Ctrl-C stops.",
          flush=True)

    def stop(*_args: object) -> None:
        for proc in (web, worker):
            if proc.poll() is None:
                proc.send_signal(signal.SIGTERM)

    signal.signal(signal.SIGTERM, stop)
    signal.signal(signal.SIGINT, stop)
    try:
        while web.poll() is None and worker.poll() is None:
            time.sleep(0.5)
    finally:
        stop()
        for proc in (web, worker):
            try:
                proc.wait(timeout=15)
            except subprocess.TimeoutExpired:
                proc.kill()
    return web.returncode or 0


if __name__ == "__main__":
    sys.exit(main())
