"""What every benchmark module shares: the Result it reports, and the Context it is given
(machine facts, the limits measured earlier in the same run, scratch PostgreSQL
databases, the product's environment, a gunicorn server, an HTTP load generator).

A workload is a module ``bench/workloads/<name>.py`` with ``run(ctx) -> list[Result]``;
see bench/README.md.
"""

from __future__ import annotations

import json
import multiprocessing as mp
import os
import re
import shutil
import socket
import subprocess
import sys
import tempfile
import time
import urllib.error
import urllib.request
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent
BENCH = ROOT / "bench"
VENV_BIN = Path(sys.executable).parent


@dataclass
class Result:
    """One measured number. ``limit`` names the limit it is compared with (``"L1"``,
    ``"L2"``…); the harness fills ``ratio`` = value / that limit's value."""

    key: str
    name: str
    value: float
    unit: str
    limit: str | None = None
    ratio: float | None = None
    p50_ms: float | None = None
    p95_ms: float | None = None
    p99_ms: float | None = None
    notes: str = ""
    extra: dict[str, Any] = field(default_factory=dict)

    def as_dict(self) -> dict[str, Any]:
        return asdict(self)


@dataclass
class Load:
    """What a load generator saw over one run."""

    requests: int
    seconds: float
    errors: int
    p50_ms: float
    p95_ms: float
    p99_ms: float
    tool: str

    @property
    def rate(self) -> float:
        return self.requests / self.seconds if self.seconds else 0.0


class BenchError(RuntimeError):
    """A benchmark could not run (a service is missing, a server did not start)."""


def log(message: str) -> None:
    print(f"  · {message}", file=sys.stderr, flush=True)


# Appended to every database a run creates (two runs at once: BENCH_DB_SUFFIX=_a, _b…).
DB_SUFFIX = os.environ.get("BENCH_DB_SUFFIX", "")


def forked(
    target: Callable[..., None], args: list[tuple[Any, ...]], *, timeout: float
) -> list[Any]:
    """Run ``target(*a, out)`` in one forked process per ``a`` in ``args`` and return what
    each put on ``out`` (one value per process; close database connections first, the
    children must not share them)."""
    context = mp.get_context("fork")
    out = context.Queue()
    procs = [context.Process(target=target, args=(*a, out)) for a in args]
    for proc in procs:
        proc.start()
    results = [out.get(timeout=timeout) for _ in procs]
    for proc in procs:
        proc.join()
    return results


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def sh(
    cmd: list[str], *, timeout: float = 300, env: dict[str, str] | None = None, cwd: Path = ROOT
) -> str:
    """Run a command, return its stdout; fail loudly with its output."""
    proc = subprocess.run(
        cmd, cwd=cwd, env=env, capture_output=True, text=True, timeout=timeout, check=False
    )
    if proc.returncode != 0:
        raise BenchError(
            f"{' '.join(cmd[:3])}… failed ({proc.returncode}):\n"
            f"{proc.stdout[-2000:]}{proc.stderr[-2000:]}"
        )
    return proc.stdout


class Context:
    """Handed to every limit and workload module."""

    def __init__(self, *, quick: bool, loadgen: str, pg_url: str, redis_url: str) -> None:
        self.quick = quick
        self.loadgen_choice = loadgen
        self.cores = os.cpu_count() or 1
        self.limits: dict[str, Result] = {}
        self.tmp = Path(tempfile.mkdtemp(prefix="cinar-bench-"))
        self.pg = _parse_pg(pg_url)
        self.redis_url = redis_url
        self.run_id = f"{os.getpid()}-{int(time.time())}"
        self._product_db_ready = False
        self._django_ready = False
        self._static_ready = False
        self._wrk: str | None = None

    # --- timing ----------------------------------------------------------------------
    def seconds(self, full: float) -> float:
        """How long a measurement runs: ``full`` normally, a third of it with --quick."""
        return max(1.0, full / 3) if self.quick else full

    # --- PostgreSQL --------------------------------------------------------------------
    def pg_env(self) -> dict[str, str]:
        env = dict(os.environ)
        env.update(PGHOST=self.pg["host"], PGPORT=self.pg["port"], PGUSER=self.pg["user"])
        if self.pg["password"]:
            env["PGPASSWORD"] = self.pg["password"]
        return env

    def psql(self, sql: str, *, db: str = "postgres") -> str:
        return sh(
            ["psql", "-X", "-q", "-tA", "-v", "ON_ERROR_STOP=1", "-d", db, "-c", sql],
            env=self.pg_env(),
            timeout=120,
        )

    def pg_url(self, db: str) -> str:
        auth = self.pg["user"] + (f":{self.pg['password']}" if self.pg["password"] else "")
        return f"postgres://{auth}@{self.pg['host']}:{self.pg['port']}/{db}"

    @contextmanager
    def scratch_database(self, name: str) -> Iterator[str]:
        """A fresh database dropped afterwards, whatever happens (name it with
        ``DB_SUFFIX``, so that two runs on one server do not drop each other's)."""
        self.psql(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
        self.psql(f'CREATE DATABASE "{name}"')
        try:
            yield name
        finally:
            self.psql(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')

    # --- the product -----------------------------------------------------------------------
    PRODUCT_DB = "cinar_bench" + DB_SUFFIX

    def product_env(self, **extra: str) -> dict[str, str]:
        """The environment of a production deployment pointed at the bench database."""
        env = {
            k: v
            for k, v in os.environ.items()
            if not k.startswith(("DJANGO_", "CELERY_", "DATABASE_"))
        }
        env.update(
            DJANGO_SETTINGS_MODULE="config.settings.production",
            SECRET_KEY="bench-" + "x" * 50,
            ALLOWED_HOSTS="127.0.0.1,localhost",
            SECURE_SSL_REDIRECT="0",  # no TLS proxy in front of the bench server
            DATABASE_URL=self.pg_url(self.PRODUCT_DB),
            CELERY_BROKER_URL=self.redis_url,
            CELERY_TASK_DEFAULT_QUEUE=f"bench-{self.run_id}",
            CINAR_VAR_DIR=str(self.tmp / "var"),
            STATIC_ROOT=str(self.tmp / "static"),
            MEDIA_ROOT=str(self.tmp / "media"),
            LOG_LEVEL="WARNING",
            PYTHONPATH=str(ROOT),
        )
        env.update(extra)
        return env

    def product_database(self) -> str:
        """Create and migrate the bench database once per run (dropped at the end)."""
        if not self._product_db_ready:
            self.psql(f'DROP DATABASE IF EXISTS "{self.PRODUCT_DB}" WITH (FORCE)')
            self.psql(f'CREATE DATABASE "{self.PRODUCT_DB}"')
            log("migrating the bench database")
            sh(
                [sys.executable, "manage.py", "migrate", "--no-input", "-v0"],
                env=self.product_env(),
                timeout=600,
            )
            self._product_db_ready = True
        return self.PRODUCT_DB

    def collectstatic(self) -> None:
        if not self._static_ready:
            log("collecting static files (production storage needs its manifest)")
            sh(
                [sys.executable, "manage.py", "collectstatic", "--no-input", "-v0"],
                env=self.product_env(),
                timeout=600,
            )
            self._static_ready = True

    def django(self) -> None:
        """Set Django up in this process, on the bench database, with production settings."""
        if self._django_ready:
            return
        self.product_database()
        os.environ.update(self.product_env())
        if str(ROOT) not in sys.path:
            sys.path.insert(0, str(ROOT))
        import django

        django.setup()
        self._django_ready = True

    # --- HTTP --------------------------------------------------------------------------
    @property
    def web_workers(self) -> int:
        """The web server's processes, as the production unit file sets them for a
        server that also runs PostgreSQL: one per core (docs/operations.md §5, where
        2 × cores + 1 measured worse). ``BENCH_WEB_WORKERS`` overrides it, to compare."""
        return int(os.environ.get("BENCH_WEB_WORKERS") or self.cores)

    @contextmanager
    def gunicorn(self, app: str, env: dict[str, str], *, check_path: str = "/") -> Iterator[str]:
        """gunicorn as production runs it (docs/operations.md §5: synchronous workers,
        ``web_workers`` of them), on a free port."""
        port = free_port()
        log_path = self.tmp / f"gunicorn-{port}.log"
        cmd = [
            str(VENV_BIN / "gunicorn"),
            app,
            "--bind",
            f"127.0.0.1:{port}",
            "--workers",
            str(self.web_workers),
            "--log-level",
            "warning",
        ]
        with log_path.open("w") as out:
            proc = subprocess.Popen(cmd, cwd=ROOT, env=env, stdout=out, stderr=subprocess.STDOUT)
        base = f"http://127.0.0.1:{port}"
        try:
            _wait_http(base + check_path, proc, log_path)
            yield base
        finally:
            proc.terminate()
            try:
                proc.wait(timeout=15)
            except subprocess.TimeoutExpired:
                proc.kill()
                proc.wait()

    def wrk(self) -> str | None:
        """wrk if present; installs the Debian package when running as root."""
        if self._wrk is None:
            found = shutil.which("wrk")
            if not found and os.geteuid() == 0 and shutil.which("apt-get"):
                log("installing wrk (Debian package)")
                subprocess.run(
                    ["apt-get", "install", "-y", "-q", "wrk"],
                    capture_output=True,
                    check=False,
                    timeout=300,
                )
                found = shutil.which("wrk")
            self._wrk = found or ""
        return self._wrk or None

    def http_load(self, url: str, *, seconds: float | None = None) -> Load:
        """Closed-loop keep-alive load: wrk if available, else bench/loadgen.py."""
        duration = seconds if seconds is not None else self.seconds(8)
        connections = 4 * self.cores * 2
        wrk = self.wrk() if self.loadgen_choice in ("auto", "wrk") else None
        if self.loadgen_choice == "wrk" and not wrk:
            raise BenchError("wrk was asked for but is not installed")
        if wrk:
            out = sh(
                [
                    wrk,
                    f"-t{self.cores}",
                    f"-c{connections}",
                    f"-d{duration:.0f}s",
                    "-s",
                    str(BENCH / "wrk_report.lua"),
                    url,
                ],
                timeout=duration + 60,
            )
            data = json.loads(out.strip().splitlines()[-1])
            return Load(
                requests=data["requests"],
                seconds=data["duration_us"] / 1e6,
                errors=data["errors"],
                p50_ms=data["p50_us"] / 1000,
                p95_ms=data["p95_us"] / 1000,
                p99_ms=data["p99_us"] / 1000,
                tool="wrk",
            )
        from bench.loadgen import generate

        stats = generate(url, seconds=duration, processes=2 * self.cores)
        return Load(tool="bench/loadgen.py", **stats)

    def close(self) -> None:
        if self._product_db_ready:
            if self._django_ready:
                from django.db import connections

                connections.close_all()
            self.psql(f'DROP DATABASE IF EXISTS "{self.PRODUCT_DB}" WITH (FORCE)')
        self._redis_forget()
        shutil.rmtree(self.tmp, ignore_errors=True)

    def _redis_forget(self) -> None:
        """Delete the run's keys from Redis (every key naming the run): the product's
        default Celery queue (the notifications that the cases workload's submissions
        queue and no worker drains), the workloads' own queues and what was published to
        them after they were emptied, their kombu bindings, and cache keys under the
        run's prefix."""
        import redis

        try:
            client = redis.Redis.from_url(self.redis_url)
            keys = list(client.scan_iter(match=f"*{self.run_id}*", count=1000))
            if keys:
                client.delete(*keys)
        except redis.RedisError as exc:  # the results stand; say what was left behind
            log(f"could not delete the run's Redis keys: {exc}")


def http_result(key: str, name: str, load: Load, *, limit: str | None, notes: str = "") -> Result:
    if load.errors:
        notes = (notes + "; " if notes else "") + f"{load.errors} errors or non-2xx responses"
    return Result(
        key=key,
        name=name,
        value=load.rate,
        unit="req/s",
        limit=limit,
        p50_ms=load.p50_ms,
        p95_ms=load.p95_ms,
        p99_ms=load.p99_ms,
        notes=notes,
        extra={"requests": load.requests, "seconds": round(load.seconds, 2), "tool": load.tool},
    )


def expect_200(url: str) -> None:
    """A page must answer 200 before it is measured: a load of errors measures nothing."""
    try:
        with urllib.request.urlopen(url, timeout=10) as response:  # noqa: S310 (local)
            status = response.status
    except urllib.error.HTTPError as exc:
        status = exc.code
    if status != 200:
        raise BenchError(f"{url} answered {status}; the benchmark needs 200")


def _wait_http(url: str, proc: subprocess.Popen[bytes], log_path: Path) -> None:
    deadline = time.monotonic() + 30
    while time.monotonic() < deadline:
        if proc.poll() is not None:
            raise BenchError(f"gunicorn exited:\n{log_path.read_text()[-3000:]}")
        try:
            with urllib.request.urlopen(url, timeout=5) as response:  # noqa: S310 (local)
                if response.status == 200:
                    return
        except urllib.error.HTTPError as exc:
            raise BenchError(
                f"{url} answered {exc.code}; the benchmark needs 200. Server log:\n"
                f"{log_path.read_text()[-3000:]}"
            ) from exc
        except OSError:
            time.sleep(0.2)
    raise BenchError(f"{url} did not answer within 30 s:\n{log_path.read_text()[-3000:]}")


def _parse_pg(url: str) -> dict[str, str]:
    match = re.match(
        r"postgres(?:ql)?://(?P<user>[^:@/]+)(?::(?P<password>[^@]*))?@"
        r"(?P<host>[^:/]+)(?::(?P<port>\d+))?",
        url,
    )
    if not match:
        raise BenchError(f"cannot read a PostgreSQL address from {url!r}")
    return {
        "user": match["user"],
        "password": match["password"] or "",
        "host": match["host"],
        "port": match["port"] or "5432",
    }
