"""The citizen portal over HTTP, under gunicorn with production settings on PostgreSQL,
served and loaded exactly as L2 was (sync workers as production runs them, one per core;
16 keep-alive clients):

* ``portal.status_page`` — ``GET /basvurularim/<pk>/``, the logged-in citizen's own
  application page (timeline, diagram markers, messages, files, results): the status
  page a citizen reloads, with the session and CSRF cookies a browser sends back. The
  anonymous tracking page is a POST behind a per-address throttle, so it is not a page
  to load-test. Target ≥ 0.5 × L2, p95 < 50 ms (issue 5). Its notes add the ratio to
  the empty view measured just before and just after it (4 s each): on a shared VM whose
  capacity drifts during a run, that is the fairer comparison.
* ``portal.submit`` — ``POST /hizmetler/<code>/basvur/`` as the logged-in citizen
  (session cookie, CSRF token, a new idempotency key per request): the portal's apply
  form through ``case_submit`` and the redirect to the receipt. 4 clients, as the cases
  workload's writers. Reported against L2 (what a request costs) and, in the note, L1.
* The server runs as production does with Redis (``REDIS_URL``: the shared cache, and
  with it cached sessions, ADR 0035), under a key prefix of its own, removed afterwards.
* ``portal.worker_rss`` — the largest resident memory of a gunicorn worker, sampled
  every 0.2 s while the status page and the submissions were under load. Target
  < 250 MB (issue 5).
"""

from __future__ import annotations

import http.client
import json
import re
import threading
import time
import urllib.request
import uuid
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any
from urllib.parse import urlencode, urlsplit

from bench.harness import BENCH, BenchError, Context, Load, Result, forked, http_result, log, sh

SERVICE = "BNC-001"  # bench/workloads/cases.py's service (one user task, web channel)
SUBMITTERS = 4


def _citizen_case_and_session() -> tuple[Any, str, str]:
    """The bench citizen, one application of theirs with a step done (so the page has a
    timeline and diagram markers), and a logged-in session cookie for them."""
    from django.conf import settings
    from django.test import Client

    from bench.workloads.cases import _submit, _world
    from cinar.cases.actions import case_message_post
    from cinar.cases.models import Case

    admin, citizen = _world()
    _submit(citizen, "portal-http-status")
    case = Case.objects.filter(applicant=citizen).order_by("-pk").first()
    assert case is not None
    case_message_post(actor=admin, case=case, text="Ekibimiz yarın yerinde inceleyecek.")
    client = Client()
    client.force_login(citizen, backend="cinar.identity.backends.CinarModelBackend")
    name = settings.SESSION_COOKIE_NAME
    return case, name, client.cookies[name].value


def _get(url: str, headers: dict[str, str]) -> tuple[int, dict[str, str], str]:
    request = urllib.request.Request(url, headers=headers)  # noqa: S310 (local)
    try:
        with urllib.request.urlopen(request, timeout=20) as response:  # noqa: S310 (local)
            return response.status, dict(response.headers), response.read().decode()
    except urllib.error.HTTPError as exc:
        return exc.code, dict(exc.headers), exc.read().decode(errors="replace")


def _wrk_load(ctx: Context, url: str, headers: dict[str, str], seconds: float) -> Load:
    """As ``ctx.http_load`` (same tool, threads, connections and reporter) plus headers."""
    wrk = ctx.wrk() if ctx.loadgen_choice in ("auto", "wrk") else None
    if not wrk:
        return _py_load(url, headers=headers, seconds=seconds, clients=4 * ctx.cores * 2)
    cmd = [wrk, f"-t{ctx.cores}", f"-c{4 * ctx.cores * 2}", f"-d{seconds:.0f}s"]
    for key, value in headers.items():
        cmd += ["-H", f"{key}: {value}"]
    cmd += ["-s", str(BENCH / "wrk_report.lua"), url]
    data = json.loads(sh(cmd, timeout=seconds + 60).strip().splitlines()[-1])
    return Load(
        requests=data["requests"],
        seconds=data["duration_us"] / 1e6,
        errors=data["errors"],
        p50_ms=data["p50_us"] / 1000,
        p95_ms=data["p95_us"] / 1000,
        p99_ms=data["p99_us"] / 1000,
        tool="wrk",
    )


# --- a closed-loop client for POSTs (and GETs when wrk is missing) ----------------------


def _client(
    url: str,
    headers: dict[str, str],
    form: dict[str, str] | None,
    ok_status: int,
    seconds: float,
    start_at: float,
    out: Any,
) -> None:
    parts = urlsplit(url)
    conn: http.client.HTTPConnection | None = None
    latencies: list[float] = []
    errors = 0
    while time.time() < start_at:
        time.sleep(0.001)
    end = time.perf_counter() + seconds
    while time.perf_counter() < end:
        begin = time.perf_counter()
        try:
            if conn is None:
                conn = http.client.HTTPConnection(parts.hostname, parts.port or 80, timeout=30)
            if form is None:
                conn.request("GET", parts.path, headers=headers)
            else:
                body = urlencode({**form, "case-idempotency_key": str(uuid.uuid4())})
                conn.request("POST", parts.path, body=body, headers=headers)
            response = conn.getresponse()
            response.read()
            if response.status != ok_status:
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
    out.put((latencies, errors))


def _py_load(
    url: str,
    *,
    headers: dict[str, str],
    seconds: float,
    clients: int,
    form: dict[str, str] | None = None,
    ok_status: int = 200,
) -> Load:
    start_at = time.time() + 0.5
    args = [(url, headers, form, ok_status, seconds, start_at)] * clients
    latencies: list[float] = []
    errors = 0
    for lat, err in forked(_client, args, timeout=seconds + 120):
        latencies.extend(lat)
        errors += err
    latencies.sort()

    def pct(p: float) -> float:
        if not latencies:
            return 0.0
        return latencies[min(len(latencies) - 1, round(p / 100 * (len(latencies) - 1)))] * 1000

    return Load(
        requests=len(latencies) - errors,
        seconds=seconds,
        errors=errors,
        p50_ms=pct(50),
        p95_ms=pct(95),
        p99_ms=pct(99),
        tool="python closed loop",
    )


# --- worker memory ----------------------------------------------------------------------


def _gunicorn_pids(port: int) -> tuple[int | None, list[int]]:
    """(master, workers) of the gunicorn bound to ``port``, read from /proc."""
    found: dict[int, int] = {}
    for proc in Path("/proc").iterdir():
        if not proc.name.isdigit():
            continue
        try:
            cmdline = (proc / "cmdline").read_bytes().replace(b"\0", b" ").decode()
            if "gunicorn" not in cmdline or f"127.0.0.1:{port}" not in cmdline:
                continue
            stat = (proc / "stat").read_text()
        except OSError:
            continue
        found[int(proc.name)] = int(stat.rsplit(")", 1)[1].split()[1])  # ppid
    masters = [pid for pid, ppid in found.items() if ppid not in found]
    master = masters[0] if masters else None
    return master, [pid for pid, ppid in found.items() if ppid == master]


def _rss_mb(pid: int) -> float:
    try:
        for line in Path(f"/proc/{pid}/status").read_text().splitlines():
            if line.startswith("VmRSS:"):
                return int(line.split()[1]) / 1024
    except OSError:
        pass
    return 0.0


@contextmanager
def _rss_sampler(port: int) -> Iterator[dict[str, float]]:
    peak = {"max_mb": 0.0, "samples": 0.0}
    stop = threading.Event()

    def sample() -> None:
        while not stop.is_set():
            _master, workers = _gunicorn_pids(port)
            for pid in workers:
                peak["max_mb"] = max(peak["max_mb"], _rss_mb(pid))
            peak["samples"] += 1
            stop.wait(0.2)

    thread = threading.Thread(target=sample, daemon=True)
    thread.start()
    try:
        yield peak
    finally:
        stop.set()
        thread.join()


def _empty_view_rate(ctx: Context) -> float:
    """L2's request rate, measured now for 4 s (``limits/l2_empty_view``)."""
    from bench.limits import l2_empty_view

    return float(l2_empty_view.recheck(ctx)[0].value)


def run(ctx: Context) -> list[Result]:
    ctx.django()
    ctx.collectstatic()
    from django.db import connections

    case, cookie_name, session = _citizen_case_and_session()
    connections.close_all()  # forked clients must not share this connection
    prefix = f"bench-{ctx.run_id}"
    env = ctx.product_env(REDIS_URL=ctx.redis_url, CACHE_KEY_PREFIX=prefix)
    try:
        return _serve_and_load(ctx, env, case, cookie_name, session)
    finally:
        _redis_forget(ctx.redis_url, prefix)


def _redis_forget(url: str, prefix: str) -> None:
    """Delete the run's cache keys (Django's Redis cache writes ``<prefix>:<version>:…``)."""
    import redis

    client = redis.Redis.from_url(url)
    keys = list(client.scan_iter(match=f"{prefix}:*", count=1000))
    if keys:
        client.delete(*keys)


def _serve_and_load(
    ctx: Context, env: dict[str, str], case: Any, cookie_name: str, session: str
) -> list[Result]:
    cookie = {"Cookie": f"{cookie_name}={session}"}
    results: list[Result] = []
    with ctx.gunicorn("config.wsgi", env, check_path="/healthz") as base:
        port = int(urlsplit(base).port or 80)
        status_url = f"{base}/basvurularim/{case.pk}/"
        status, headers, html = _get(status_url, cookie)
        if status != 200 or case.tracking_code_display not in html:
            raise BenchError(f"{status_url} answered {status} without the case for its owner")
        # A reload sends back the CSRF cookie the first answer set, as a browser does.
        csrf_cookie = re.search(r"csrftoken=([^;]+)", headers.get("Set-Cookie", ""))
        if csrf_cookie is None:
            raise BenchError(f"{status_url} set no CSRF cookie")
        cookie = {"Cookie": f"{cookie_name}={session}; csrftoken={csrf_cookie.group(1)}"}
        with _rss_sampler(port) as rss:
            log("portal: status page (own application), warm-up")
            _wrk_load(ctx, status_url, cookie, seconds=1)
            seconds = ctx.seconds(8)
            # L2 again just before and after: on a machine whose capacity drifts (a
            # shared VM), the ratio to the empty view measured beside it is the fairer one.
            beside = [_empty_view_rate(ctx)]
            log(f"portal: status page, {seconds:.0f} s")
            load = _wrk_load(ctx, status_url, cookie, seconds=seconds)
            beside.append(_empty_view_rate(ctx))
            adjacent = load.rate / (sum(beside) / 2) if all(beside) else float("nan")
            results.append(
                http_result(
                    "portal.status_page",
                    "GET /basvurularim/<pk>/ (the citizen's application page, logged in)",
                    load,
                    limit="L2",
                    notes=f"{load.tool}; target ≥ 0.5× L2 and p95 < 50 ms; "
                    f"{adjacent:.3f}× the empty view measured just before and after "
                    f"({beside[0]:,.0f} and {beside[1]:,.0f} req/s)",
                )
            )

            apply_url = f"{base}/hizmetler/{SERVICE}/basvur/"
            status, headers, html = _get(apply_url, cookie)
            token = re.search(r'name="csrfmiddlewaretoken" value="([^"]+)"', html)
            csrf = re.search(r"csrftoken=([^;]+)", headers.get("Set-Cookie", ""))
            if status != 200 or not token or not csrf:
                raise BenchError(f"{apply_url} answered {status} without a CSRF token")
            post_headers = {
                "Cookie": f"{cookie_name}={session}; csrftoken={csrf.group(1)}",
                "Content-Type": "application/x-www-form-urlencoded",
                "Referer": apply_url,
            }
            form = {"csrfmiddlewaretoken": token.group(1), "case-description": "bench"}
            _py_load(
                apply_url, headers=post_headers, seconds=1, clients=1, form=form, ok_status=302
            )
            seconds = ctx.seconds(6)
            log(f"portal: apply POST, {SUBMITTERS} clients, {seconds:.0f} s")
            submit = _py_load(
                apply_url,
                headers=post_headers,
                seconds=seconds,
                clients=SUBMITTERS,
                form=form,
                ok_status=302,
            )
        l1 = ctx.limits.get("L1")
        l1_note = f"; {submit.rate / l1.value:.3f}× L1" if l1 else ""
        result = http_result(
            "portal.submit",
            f"POST /hizmetler/<code>/basvur/ (apply, logged in), {SUBMITTERS} clients",
            submit,
            limit="L2",
            notes=f"{submit.tool}; each a case_submit + redirect{l1_note}",
        )
        result.unit = "cases/s"
        results.append(result)
        results.append(
            Result(
                key="portal.worker_rss",
                name="gunicorn worker resident memory, peak under the loads above",
                value=round(rss["max_mb"], 1),
                unit="MB",
                notes=f"target < 250 MB; {int(rss['samples'])} samples of /proc VmRSS",
            )
        )
    return results
