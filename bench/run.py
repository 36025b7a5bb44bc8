"""`make bench`: measure this machine's limits, then each workload, in one run, and print
every workload as a ratio to its limit (docs/performance.md explains how to read it).

    .venv/bin/python bench/run.py                 # everything (~3 minutes)
    .venv/bin/python bench/run.py --quick         # shorter runs, for trying the harness
    .venv/bin/python bench/run.py audit_append    # the limits, then one workload

Limits are modules in bench/limits/, workloads in bench/workloads/; each has
``run(ctx) -> list[Result]``. Results go to stdout as a table and to
bench/results/latest.json (not versioned). Nothing in docs/ is changed.
"""

from __future__ import annotations

import argparse
import importlib
import json
import os
import pkgutil
import platform
import sys
import time
import traceback
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent
if str(ROOT) not in sys.path:
    sys.path.insert(0, str(ROOT))

from bench.harness import Context, Result  # noqa: E402

RESULTS = ROOT / "bench" / "results"


def _modules(package: str) -> list[str]:
    path = ROOT / package.replace(".", "/")
    return sorted(m.name for m in pkgutil.iter_modules([str(path)]) if not m.name.startswith("_"))


def _machine(ctx: Context) -> dict[str, Any]:
    mem_gib = None
    try:
        with open("/proc/meminfo") as meminfo:
            for line in meminfo:
                if line.startswith("MemTotal:"):
                    mem_gib = round(int(line.split()[1]) / 1024 / 1024, 1)
    except OSError:
        pass
    cpu = platform.processor()
    try:
        with open("/proc/cpuinfo") as cpuinfo:
            cpu = next(
                (ln.split(":", 1)[1].strip() for ln in cpuinfo if ln.startswith("model name")),
                cpu,
            )
    except OSError:
        pass
    return {
        "cores": ctx.cores,
        "memory_gib": mem_gib,
        "cpu": cpu,
        "os": platform.platform(),
        "python": platform.python_version(),
    }


def _run_module(package: str, name: str, ctx: Context) -> tuple[list[Result], str | None]:
    module = importlib.import_module(f"{package}.{name}")
    print(f"▸ {package.split('.')[-1]}/{name}", file=sys.stderr, flush=True)
    started = time.monotonic()
    try:
        results: list[Result] = module.run(ctx)
    except Exception as exc:
        traceback.print_exc()
        first_line = str(exc).splitlines()[0] if str(exc) else ""
        return [], f"{name}: {exc.__class__.__name__}: {first_line}"
    print(f"  ✓ {time.monotonic() - started:.1f} s", file=sys.stderr, flush=True)
    return results, None


def _recheck_limits(ctx: Context, failures: list[str]) -> list[dict[str, Any]]:
    """Limits that offer ``recheck(ctx)`` are measured again, briefly, after the workloads."""
    drift = []
    for name in _modules("bench.limits"):
        module = importlib.import_module(f"bench.limits.{name}")
        if not hasattr(module, "recheck"):
            continue
        print(f"▸ limits/{name} (again)", file=sys.stderr, flush=True)
        try:
            again: list[Result] = module.recheck(ctx)
        except Exception as exc:
            failures.append(f"{name} (recheck): {exc.__class__.__name__}")
            continue
        for result in again:
            first = ctx.limits.get(result.key)
            if first and first.value:
                drift.append(
                    {
                        "key": result.key,
                        "unit": result.unit,
                        "start": first.value,
                        "end": result.value,
                        "change": result.value / first.value - 1,
                    }
                )
    return drift


def _fmt(value: float | None, digits: int = 0) -> str:
    if value is None:
        return ""
    if value >= 100:
        return f"{value:,.0f}"
    return f"{value:,.{max(digits, 1)}f}" if value < 10 else f"{value:,.1f}"


def _table(limits: list[Result], workloads: list[Result]) -> str:
    header = ("key", "measure", "value", "unit", "p95 ms", "vs", "ratio", "notes")
    rows: list[tuple[str, ...]] = []
    for r in [*limits, *workloads]:
        ratio = "" if r.ratio is None else f"{r.ratio:.3f}"
        rows.append(
            (
                r.key,
                r.name,
                _fmt(r.value, 2),
                r.unit,
                _fmt(r.p95_ms, 2),
                r.limit or "",
                ratio,
                r.notes,
            )
        )
    widths = [max([len(h), *(len(row[i]) for row in rows)]) for i, h in enumerate(header[:-1])]
    lines = []
    for row in [header, *rows]:
        cells = [
            c.rjust(w) if i in (2, 4, 6) else c.ljust(w)
            for i, (c, w) in enumerate(zip(row[:-1], widths, strict=True))
        ]
        lines.append("  ".join(cells) + "  " + row[-1])
        if row is header:
            lines.append("  ".join("-" * w for w in widths) + "  " + "-" * 5)
    return "\n".join(lines)


def main() -> int:
    parser = argparse.ArgumentParser(description="Çınar benchmarks: limits, then workloads.")
    parser.add_argument("workloads", nargs="*", help="workload modules to run (default: all)")
    parser.add_argument("--quick", action="store_true", help="shorter measurements")
    parser.add_argument(
        "--loadgen",
        choices=("auto", "wrk", "python"),
        default="auto",
        help="HTTP load generator (auto: wrk if installed, else bench/loadgen.py)",
    )
    parser.add_argument(
        "--pg",
        default=os.environ.get("BENCH_PG_URL", "postgres://postgres@127.0.0.1:5432/postgres"),
        help="PostgreSQL server to measure and to run the product on",
    )
    parser.add_argument(
        "--redis",
        default=os.environ.get("BENCH_REDIS_URL", "redis://127.0.0.1:6379/0"),
        help="Redis used as the Celery broker",
    )
    parser.add_argument(
        "--no-limits", action="store_true", help="skip the limits (no ratios; for debugging)"
    )
    parser.add_argument("--output", type=Path, default=RESULTS / "latest.json")
    args = parser.parse_args()

    available = _modules("bench.workloads")
    unknown = sorted(set(args.workloads) - set(available))
    if unknown:
        parser.error(f"unknown workload(s): {', '.join(unknown)}; known: {', '.join(available)}")
    chosen = args.workloads or available

    ctx = Context(quick=args.quick, loadgen=args.loadgen, pg_url=args.pg, redis_url=args.redis)
    load_at_start = os.getloadavg()[0]
    started_at = datetime.now(UTC)
    started = time.monotonic()
    failures: list[str] = []
    limits: list[Result] = []
    workloads: list[Result] = []
    drift: list[dict[str, Any]] = []
    try:
        for name in [] if args.no_limits else _modules("bench.limits"):
            results, failure = _run_module("bench.limits", name, ctx)
            failures += [failure] if failure else []
            for result in results:
                ctx.limits[result.key] = result
            limits += results
        for name in chosen:
            results, failure = _run_module("bench.workloads", name, ctx)
            failures += [failure] if failure else []
            for result in results:
                base = ctx.limits.get(result.limit) if result.limit else None
                result.ratio = result.value / base.value if base and base.value else None
            workloads += results
        if limits and workloads:
            drift = _recheck_limits(ctx, failures)
    finally:
        ctx.close()

    elapsed = time.monotonic() - started
    machine = _machine(ctx)
    machine["load_average_1min"] = {"start": load_at_start, "end": os.getloadavg()[0]}
    title = (
        f"Çınar benchmarks, {started_at:%Y-%m-%d %H:%M} UTC — {machine['cores']} cores, "
        f"{machine['memory_gib']} GiB, {machine['cpu']} — {elapsed:.0f} s"
        + (" (--quick)" if args.quick else "")
    )
    print()
    print(title)
    if load_at_start > ctx.cores / 2:
        print(
            f"Warning: the machine was busy before the run (load average {load_at_start:.1f} "
            f"on {ctx.cores} cores): absolute numbers are low; ratios are less affected."
        )
    print()
    print(_table(limits, workloads))
    if drift:
        print("\nLimits measured again at the end (a large change means the machine's load")
        print("changed during the run, and the ratios are less trustworthy):")
        for d in drift:
            print(
                f"  {d['key']:<10} {_fmt(d['start'])} → {_fmt(d['end'])} {d['unit']} "
                f"({d['change']:+.0%})"
            )
    if failures:
        print("\nFailed:", *failures, sep="\n  ")

    args.output.parent.mkdir(parents=True, exist_ok=True)
    args.output.write_text(
        json.dumps(
            {
                "started_at": started_at.isoformat(timespec="seconds"),
                "seconds": round(elapsed, 1),
                "quick": args.quick,
                "machine": machine,
                "limits": [r.as_dict() for r in limits],
                "workloads": [r.as_dict() for r in workloads],
                "limits_rechecked_at_end": drift,
                "failures": failures,
            },
            indent=2,
            ensure_ascii=False,
        )
        + "\n"
    )
    shown = args.output.relative_to(ROOT) if args.output.is_relative_to(ROOT) else args.output
    print(f"\nWritten to {shown}")
    return 1 if failures else 0


if __name__ == "__main__":
    sys.exit(main())
