"""`make run`: the web server and the background worker (with its scheduler) together.

Stops both when either exits or on Ctrl-C, so nothing is left running behind. The
worker uses whatever broker the settings name: by default the file-system broker under
var/broker (created here), so the quickstart needs no server but Python; set
CELERY_BROKER_URL=redis://… to try it against Redis. See
docs/decisions/0005-worker-and-broker.md.
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


def worker_command(var: Path) -> list[str]:
    """One process: worker and beat. Fine for one machine; production runs beat alone
    (docs/operations.md), since two beats would send every periodic task twice."""
    return [
        str(VENV_BIN / "celery"), "-A", "config", "worker", "--beat",
        "--pool=threads", "--concurrency=4", "--loglevel=WARNING",
        "--without-mingle", "--without-gossip",
        # Used only by Celery's default scheduler; the database scheduler ignores it.
        "--schedule", str(var / "celerybeat-schedule"),
    ]  # fmt: skip


def main() -> int:
    port = os.environ.get("PORT", "8000")
    var = Path(os.environ.get("CINAR_VAR_DIR", str(ROOT / "var")))
    for folder in ("broker/queue", "broker/processed", "broker/control", "mail"):
        (var / folder).mkdir(parents=True, exist_ok=True)
    env = dict(os.environ)
    env.setdefault("DJANGO_SETTINGS_MODULE", "config.settings.local")
    worker = subprocess.Popen(worker_command(var), cwd=ROOT, env=env)
    web = subprocess.Popen(
        [sys.executable, "manage.py", "runserver", f"127.0.0.1:{port}", "--noreload"],
        cwd=ROOT,
        env=env,
    )
    # The servers' start-up banners would bury the logins seed_demo printed: show them
    # again once both are up, with the address, as the last thing before request logs.
    time.sleep(3)
    subprocess.run([sys.executable, "manage.py", "seed_demo"], cwd=ROOT, env=env, check=False)
    print(
        f"\nÇınar is running at http://127.0.0.1:{port}/ (staff: /staff/, health: /healthz; "
        f"web pid {web.pid}, worker pid {worker.pid}). Ctrl-C stops both.",
        flush=True,
    )

    requested: list[int] = []

    def stop(*_args: object) -> None:
        for proc in (web, worker):
            if proc.poll() is None:
                proc.send_signal(signal.SIGTERM)

    def on_signal(signum: int, _frame: object) -> None:
        requested.append(signum)
        stop()

    signal.signal(signal.SIGTERM, on_signal)
    signal.signal(signal.SIGINT, on_signal)
    try:
        while web.poll() is None and worker.poll() is None:
            time.sleep(0.5)
    finally:
        if not requested:
            died = "worker" if worker.poll() is not None else "web server"
            print(f"The {died} stopped on its own; stopping the other.", file=sys.stderr,
                  flush=True)  # fmt: skip
            stop()
        for proc in (web, worker):
            try:
                proc.wait(timeout=15)
            except subprocess.TimeoutExpired:
                proc.kill()
                proc.wait()
    if requested:
        return 0
    # A process that stopped on its own is a failure even if it exited with 0.
    return web.returncode or worker.returncode or 1


if __name__ == "__main__":
    sys.exit(main())
