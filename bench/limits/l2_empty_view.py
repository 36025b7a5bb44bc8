"""L2: requests/s of an empty Django view under gunicorn, with the same server options
and load generator as the product pages measured later.

The view lives in bench/emptyapp (no apps, no middleware, no database), never in the
product. Every page of Çınar does strictly more work than this, so its ratio to L2 is
at most 1 and says what share of the framework-plus-server ceiling it keeps.
"""

from __future__ import annotations

import os

from bench.harness import ROOT, Context, Result, http_result, log


def run(ctx: Context) -> list[Result]:
    return _measure(ctx, seconds=None)


def recheck(ctx: Context) -> list[Result]:
    """The same, shorter, at the end of the run: did the machine change meanwhile?"""
    return _measure(ctx, seconds=4)


def _measure(ctx: Context, *, seconds: float | None) -> list[Result]:
    env = {k: v for k, v in os.environ.items() if not k.startswith("DJANGO_")}
    env.update(DJANGO_SETTINGS_MODULE="bench.emptyapp.settings", PYTHONPATH=str(ROOT))
    with ctx.gunicorn("bench.emptyapp.wsgi", env) as base:
        log(f"empty view under gunicorn ({ctx.web_workers} workers)")
        ctx.http_load(base + "/", seconds=1)  # warm-up: imports, first connections
        load = ctx.http_load(base + "/", seconds=seconds)
    return [
        http_result(
            "L2",
            f"empty Django view, gunicorn {ctx.web_workers} sync workers",
            load,
            limit=None,
            notes=f"{load.tool}, {8 * ctx.cores} connections",
        )
    ]
