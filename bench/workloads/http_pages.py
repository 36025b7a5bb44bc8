"""Product pages under gunicorn with production settings on PostgreSQL (and Redis as the
broker /healthz checks), with the same server options and load generator as L2.

* /healthz: a database round trip, a broker connection, a heartbeat read.
* / (portal home, anonymous): the full middleware stack and template rendering.
"""

from __future__ import annotations

from bench.harness import Context, Result, expect_200, http_result, log

PAGES = [
    ("http.healthz", "/healthz", "GET /healthz"),
    ("http.portal_home", "/", "GET / (portal home, anonymous)"),
]


def run(ctx: Context) -> list[Result]:
    ctx.product_database()
    ctx.collectstatic()
    results = []
    with ctx.gunicorn("config.wsgi", ctx.product_env(), check_path="/healthz") as base:
        for key, path, name in PAGES:
            log(f"{name} under gunicorn ({ctx.cores} workers)")
            expect_200(base + path)
            ctx.http_load(base + path, seconds=1)  # warm-up
            load = ctx.http_load(base + path)
            results.append(http_result(key, name, load, limit="L2", notes=load.tool))
    return results
