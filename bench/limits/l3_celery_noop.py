"""L3: no-op tasks completed per second by a real Celery worker on Redis.

N no-op tasks are published to a fresh queue first; then a worker starts (prefork, one
process per core, the production settings: late acknowledgement, prefetch 1) and
drains it. The rate is counted from the moment the queue starts shrinking to the
moment it is empty, so start-up time is left out. Publishing rate is reported too.
"""

from __future__ import annotations

import subprocess
import time

import redis
from celery import Celery

from bench.harness import ROOT, VENV_BIN, BenchError, Context, Result, log


def run(ctx: Context) -> list[Result]:
    ctx.product_database()  # the worker announces itself with a heartbeat row
    queue = f"bench-noop-{ctx.run_id}"
    count = 1000 if ctx.quick else 4000
    client = redis.Redis.from_url(ctx.redis_url)
    try:
        client.ping()
    except redis.RedisError as exc:
        raise BenchError(f"Redis is not reachable at {ctx.redis_url}: {exc}") from exc

    sender = Celery("bench-sender", broker=ctx.redis_url, set_as_current=False)
    sender.conf.update(task_default_queue=queue, broker_connection_retry_on_startup=True)
    log(f"publishing {count} no-op tasks")
    started = time.perf_counter()
    with sender.producer_or_acquire() as producer:
        for _ in range(count):
            sender.send_task("cinar.core.tasks.noop", producer=producer)
    publish_seconds = time.perf_counter() - started
    sender.close()
    if client.llen(queue) != count:
        raise BenchError(f"expected {count} messages in {queue}, found {client.llen(queue)}")

    env = ctx.product_env(CELERY_TASK_DEFAULT_QUEUE=queue)
    cmd = [
        str(VENV_BIN / "celery"),
        "-A",
        "config",
        "worker",
        "--pool=prefork",
        f"--concurrency={ctx.cores}",
        "--loglevel=WARNING",
        "--without-mingle",
        "--without-gossip",
        "--without-heartbeat",
        f"--hostname={queue}@%h",
    ]
    log_path = ctx.tmp / "celery-noop.log"
    with log_path.open("w") as out:
        worker = subprocess.Popen(cmd, cwd=ROOT, env=env, stdout=out, stderr=subprocess.STDOUT)
    try:
        log(f"draining with a worker of {ctx.cores} processes")
        t0 = n0 = None
        deadline = time.monotonic() + 120
        while True:
            now = time.perf_counter()
            left = client.llen(queue)
            if t0 is None and left < count:
                t0, n0 = now, left
            if left == 0:
                t1 = now
                break
            if worker.poll() is not None or time.monotonic() > deadline:
                raise BenchError(f"the worker did not drain the queue:\n{log_path.read_text()}")
            time.sleep(0.002)
    finally:
        worker.terminate()
        try:
            worker.wait(timeout=30)
        except subprocess.TimeoutExpired:
            worker.kill()
            worker.wait()
        # The queue and its exchange are ours alone (named after this run): remove them.
        client.delete(queue, f"_kombu.binding.{queue}", f"_kombu.binding_permanent.{queue}")
    assert t0 is not None and n0 is not None
    rate = n0 / (t1 - t0) if t1 > t0 else float("inf")
    return [
        Result(
            key="L3",
            name=f"Celery no-op tasks on Redis, {ctx.cores} prefork processes",
            value=rate,
            unit="tasks/s",
            notes=f"{n0} tasks drained; published at {count / publish_seconds:,.0f}/s",
            extra={"published_per_s": count / publish_seconds, "drained": n0, "seconds": t1 - t0},
        )
    ]
