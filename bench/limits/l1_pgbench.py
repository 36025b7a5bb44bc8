"""L1: what this PostgreSQL does, measured by pgbench in a scratch database.

* ``L1``: the default TPC-B-like script (5 statements, one commit) with 2 clients per
  core, for 10 s, on a scale-10 database (1 million accounts).
* ``L1.commit``: one single-row INSERT per transaction from one client: the rate at
  which one connection can make durable commits (every commit waits for the WAL flush).
  Anything that must commit rows one by one, in order (official numbering, the audit
  chain), is bounded by it.
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from contextlib import contextmanager

from bench.harness import DB_SUFFIX, Context, Result, log, sh

DB = "cinar_bench_pgbench" + DB_SUFFIX


def _tps(output: str) -> tuple[float, float | None]:
    tps = re.search(r"tps = ([\d.]+) \(without initial connection time\)", output)
    latency = re.search(r"latency average = ([\d.]+) ms", output)
    if not tps:
        raise RuntimeError(f"cannot read pgbench output:\n{output}")
    return float(tps[1]), float(latency[1]) if latency else None


@contextmanager
def pgbench_database(ctx: Context) -> Iterator[None]:
    """The scale-10 pgbench database (1 million accounts), dropped afterwards."""
    with ctx.scratch_database(DB):
        log("pgbench -i -s 10")
        sh(["pgbench", "-i", "-s", "10", "-q", DB], env=ctx.pg_env(), timeout=600)
        yield


def clients(ctx: Context) -> int:
    """pgbench's clients: two per core."""
    return 2 * ctx.cores


def tpcb(ctx: Context, seconds: int) -> tuple[float, float | None]:
    """pgbench's TPC-B-like script, :func:`clients` of them, for ``seconds``, inside
    :func:`pgbench_database`: transactions per second and mean latency (ms)."""
    n = clients(ctx)
    log(f"pgbench TPC-B-like, {n} clients, {seconds} s")
    out = sh(
        ["pgbench", "-c", str(n), "-j", str(ctx.cores), "-T", str(seconds), DB],
        env=ctx.pg_env(),
        timeout=seconds + 120,
    )
    return _tps(out)


def run(ctx: Context) -> list[Result]:
    results: list[Result] = []
    version = ctx.psql("SHOW server_version").strip()
    with pgbench_database(ctx):
        seconds = round(ctx.seconds(10))
        tps, latency = tpcb(ctx, seconds)
        results.append(
            Result(
                key="L1",
                name=f"pgbench TPC-B-like, {clients(ctx)} clients",
                value=tps,
                unit="tx/s",
                notes=f"PostgreSQL {version}, scale 10, {seconds} s",
                extra={"latency_avg_ms": latency, "clients": clients(ctx), "postgres": version},
            )
        )

        results.append(_single_commit(ctx, seconds=round(ctx.seconds(5))))
    return results


def _single_commit(ctx: Context, *, seconds: int) -> Result:
    ctx.psql("CREATE TABLE IF NOT EXISTS bench_commit (id bigserial PRIMARY KEY, v integer)", db=DB)
    script = ctx.tmp / "single_insert.sql"
    script.write_text("INSERT INTO bench_commit (v) VALUES (1);\n")
    log(f"pgbench single-row INSERT per commit, 1 client, {seconds} s")
    out = sh(
        ["pgbench", "-n", "-c", "1", "-j", "1", "-T", str(seconds), "-f", str(script), DB],
        env=ctx.pg_env(),
        timeout=seconds + 120,
    )
    tps, latency = _tps(out)
    return Result(
        key="L1.commit",
        name="pgbench single-row INSERT per commit, 1 client",
        value=tps,
        unit="tx/s",
        notes=f"{seconds} s",
        extra={"latency_avg_ms": latency},
    )


def recheck(ctx: Context) -> list[Result]:
    """The commit rate again, at the end of the run: did the machine change meanwhile?"""
    with ctx.scratch_database(DB):
        return [_single_commit(ctx, seconds=3)]
