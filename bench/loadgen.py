"""A small closed-loop HTTP load generator, used when wrk is not installed.

Several processes (the GIL would serialise threads), each with one keep-alive
http.client connection that it reopens when the server closes it, each sending the next
request as soon as the previous answer arrived. Reports requests/s and p50/p95/p99
latency. Slower than wrk per request it sends: compare its numbers only with numbers
it produced itself (the harness does, since L2 is measured with the same generator).

    python bench/loadgen.py http://127.0.0.1:8000/healthz --seconds 5 --processes 4
"""

from __future__ import annotations

import argparse
import http.client
import json
import multiprocessing as mp
import time
from typing import Any
from urllib.parse import urlsplit


def _worker(url: str, seconds: float, start_at: float, out: Any) -> None:
    parts = urlsplit(url)
    path = parts.path or "/"
    if parts.query:
        path += "?" + parts.query
    conn: http.client.HTTPConnection | None = None
    latencies: list[float] = []
    errors = 0
    while time.time() < start_at:
        time.sleep(0.001)
    end = time.perf_counter() + seconds
    while True:
        begin = time.perf_counter()
        if begin >= end:
            break
        try:
            if conn is None:
                conn = http.client.HTTPConnection(parts.hostname, parts.port or 80, timeout=10)
            conn.request("GET", path, headers={"Connection": "keep-alive"})
            response = conn.getresponse()
            response.read()
            if response.status >= 400:
                errors += 1
            if response.getheader("Connection", "").lower() == "close":
                conn.close()
                conn = None
        except (OSError, http.client.HTTPException):
            errors += 1
            if conn is not None:
                conn.close()
            conn = None
            continue
        latencies.append(time.perf_counter() - begin)
    if conn is not None:
        conn.close()
    out.put((latencies, errors))


def _percentile(ordered: list[float], pct: float) -> float:
    if not ordered:
        return 0.0
    index = min(len(ordered) - 1, round(pct / 100 * (len(ordered) - 1)))
    return ordered[index]


def generate(url: str, *, seconds: float, processes: int) -> dict[str, Any]:
    """Run the load; return requests, seconds, errors, p50_ms, p95_ms, p99_ms."""
    ctx = mp.get_context("fork")
    out = ctx.Queue()
    start_at = time.time() + 0.5  # every process starts together
    procs = [
        ctx.Process(target=_worker, args=(url, seconds, start_at, out)) for _ in range(processes)
    ]
    for proc in procs:
        proc.start()
    latencies: list[float] = []
    errors = 0
    for _ in procs:
        lat, err = out.get(timeout=seconds + 60)
        latencies.extend(lat)
        errors += err
    for proc in procs:
        proc.join()
    latencies.sort()
    return {
        "requests": len(latencies),
        "seconds": seconds,
        "errors": errors,
        "p50_ms": _percentile(latencies, 50) * 1000,
        "p95_ms": _percentile(latencies, 95) * 1000,
        "p99_ms": _percentile(latencies, 99) * 1000,
    }


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("url")
    parser.add_argument("--seconds", type=float, default=5)
    parser.add_argument("--processes", type=int, default=4)
    args = parser.parse_args()
    stats = generate(args.url, seconds=args.seconds, processes=args.processes)
    stats["requests_per_second"] = stats["requests"] / stats["seconds"]
    print(json.dumps(stats, indent=2))


if __name__ == "__main__":
    main()
