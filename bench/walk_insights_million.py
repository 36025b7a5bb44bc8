"""Issue 6's "Done when", walked by hand at scale: a director opens the insights
dashboards in headless Chromium, finds the slowest step of the building-permit process on
the heat map, drills down to its overdue cases and exports them (CSV and XLSX) — against a
running server over a big database (``generate_load --cases 1000000``), timing each page.

It asserts what it sees: the heat map marks ``statik`` as the slowest step and the text
names it; the drill-down lists overdue applications of the building-permit service; both
export files hold exactly as many rows as the drill-down counts, of that service, and the
codes on its first page. Screenshots go to ``--out``; a timing table is printed (wall
clock in the browser, and the server's time to first byte from Navigation Timing).

Setup (see bench/README.md, "The 1M walk")::

    DATABASE_URL=postgres://postgres@127.0.0.1:5432/cinar_walk
    manage.py migrate && manage.py seed_demo --force
    manage.py generate_load --cases 1000000      # builds the rollups too
    DEBUG=0 gunicorn config.wsgi -b 127.0.0.1:8120 ...
    .venv/bin/python bench/walk_insights_million.py --url http://127.0.0.1:8120

The TOTP code, when the login asks for one, comes from ``manage.py demo_totp USER``
(run with the same environment, so ``DATABASE_URL`` must point at the served database).
"""

from __future__ import annotations

import argparse
import csv
import io
import json
import os
import re
import subprocess
import sys
import time
from pathlib import Path
from typing import Any

from openpyxl import load_workbook
from playwright.sync_api import Page, expect, sync_playwright

ROOT = Path(__file__).resolve().parent.parent
CHROMIUM = os.environ.get("CHROMIUM_PATH", "/usr/bin/chromium")
ARGS = ["--headless=new", "--no-sandbox", "--disable-gpu", "--no-first-run"]
PERMIT = "Yapı Ruhsatı"
SLOWEST = "statik"


class Walk:
    def __init__(self, page: Page, out: Path) -> None:
        self.page = page
        self.out = out
        self.timings: list[dict[str, Any]] = []

    def timed(self, label: str, action: Any) -> Any:
        """Run ``action`` (a navigation), wait for the page to settle, record the wall
        clock and the server's time to first byte."""
        started = time.perf_counter()
        result = action()
        self.page.wait_for_load_state("load")
        wall = (time.perf_counter() - started) * 1000
        nav = self.page.evaluate(
            "() => { const n = performance.getEntriesByType('navigation')[0];"
            " return n ? {ttfb: n.responseStart - n.requestStart,"
            " load: n.loadEventEnd - n.startTime} : null; }"
        )
        self.timings.append(
            {
                "page": label,
                "url": self.page.url.split("://", 1)[-1].split("/", 1)[-1],
                "wall_ms": round(wall),
                "server_ms": round(nav["ttfb"]) if nav else None,
            }
        )
        return result

    def shot(self, name: str) -> None:
        self.page.screenshot(path=str(self.out / f"{name}.png"), full_page=True)


def totp_code(user: str) -> str:
    out = subprocess.run(
        [sys.executable, "manage.py", "demo_totp", user],
        cwd=ROOT,
        capture_output=True,
        text=True,
        check=True,
    ).stdout
    match = re.search(r"\b(\d{6})\b", out)
    if not match:
        raise SystemExit(f"no TOTP code in: {out!r}")
    return match.group(1)


def log_in(w: Walk, url: str, user: str, password: str) -> None:
    page = w.page
    w.timed("login page", lambda: page.goto(f"{url}/staff/"))
    page.locator("input[name=username]").fill(user)
    page.locator("input[name=password]").fill(password)
    w.timed("log in", lambda: page.locator("main form button[type=submit]").first.click())
    if "/2fa/" in page.url:
        page.locator("input[name=token]").fill(totp_code(user))
        w.timed("TOTP", lambda: page.locator("main form button[type=submit]").first.click())
    expect(page).to_have_url(re.compile(r"/staff/"))


def walk(url: str, user: str, password: str, out: Path, period: str) -> dict[str, Any]:
    out.mkdir(parents=True, exist_ok=True)
    with sync_playwright() as p:
        browser = p.chromium.launch(executable_path=CHROMIUM, args=ARGS)
        context = browser.new_context(
            viewport={"width": 1280, "height": 900}, locale="tr-TR", accept_downloads=True
        )
        context.set_default_timeout(120_000)
        page = context.new_page()
        w = Walk(page, out)
        log_in(w, url, user, password)

        # The dashboards: the insights link from the staff home, then the period.
        link = page.get_by_role("link", name=re.compile("Göstergeler|Insights")).first
        w.timed("overview (30 days)", link.click)
        expect(page.locator("[data-chart='services-chart'] svg")).to_be_visible()
        w.shot("01-overview-30-days")
        preset = page.get_by_role("link", name=re.compile(period, re.I)).first
        w.timed(f"overview ({period})", preset.click)
        expect(page.get_by_role("rowheader", name=re.compile(PERMIT)).first).to_be_visible()
        w.shot("02-overview-period")
        w.timed(
            "workload",
            page.get_by_role("link", name=re.compile("Workload|İş yükü")).first.click,
        )
        w.shot("03-workload")
        w.timed(
            "ratings",
            page.get_by_role("link", name=re.compile("Ratings|Memnuniyet|Puan")).first.click,
        )
        w.shot("04-ratings")

        # Bottlenecks: the building-permit process on the heat map.
        w.timed(
            "bottlenecks",
            page.get_by_role("link", name=re.compile("Bottlenecks|Darboğaz")).first.click,
        )
        picker = page.get_by_label(re.compile("^(Process|Süreç)$"))
        permit = picker.locator("option", has_text=PERMIT).first.text_content() or ""
        picker.select_option(label=permit)
        button = page.get_by_role("button", name=re.compile("heat map|[Iı]sı haritası", re.I))
        w.timed("heat map", button.click)
        figure = page.locator("figure[data-heat-url]")
        expect(figure).to_have_attribute("data-diagram-ready", "true")
        w.shot("05-heat-map")
        marked = page.locator(".djs-element.cinar-heat-slowest")
        expect(marked).to_have_count(1)
        slowest = marked.get_attribute("data-element-id")
        assert slowest == SLOWEST, f"the heat map marks {slowest!r} as slowest, not {SLOWEST!r}"
        named = page.locator("#slowest-step").inner_text()
        assert "Statik" in named, named

        # Click the step: its applications; then only the overdue ones.
        step = page.locator(f".djs-element[data-element-id='{SLOWEST}']").first
        w.timed("step drill-down", step.click)
        expect(page).to_have_url(re.compile(rf"kind=step.*element={SLOWEST}"))
        w.shot("06-step-cases")
        overdue_link = page.get_by_role("link", name=re.compile("Overdue only|süresi geçenler"))
        w.timed("overdue at the step", overdue_link.click)
        expect(page).to_have_url(re.compile(r"overdue=1"))
        w.shot("07-overdue-cases")
        heading = page.locator("#h-cases").inner_text()
        count = int(re.sub(r"\D", "", heading.split()[0]))
        assert count > 0, heading
        rows = page.locator("table tbody tr")
        # The list shows codes as ZXXX-XXXX-XXX; the files hold them plain.
        first_page = [
            rows.nth(i).locator("th").first.inner_text().strip().replace("-", "")
            for i in range(rows.count())
        ]
        assert first_page, "the drill-down lists no rows"
        services = {rows.nth(i).locator("td").nth(0).inner_text() for i in range(rows.count())}
        assert all(PERMIT in s for s in services), services

        # Export them: CSV (streamed above a few thousand rows) and XLSX.
        exports: dict[str, Any] = {}
        for fmt in ("CSV", "XLSX"):
            started = time.perf_counter()
            with page.expect_download(timeout=600_000) as info:
                page.get_by_role("link", name=re.compile(rf"^{fmt}")).first.click()
            path = Path(info.value.path())
            seconds = time.perf_counter() - started
            target = out / f"overdue-{SLOWEST}.{fmt.lower()}"
            target.write_bytes(path.read_bytes())
            if fmt == "CSV":
                table = list(csv.reader(io.StringIO(target.read_text(encoding="utf-8-sig"))))
                body = table[1:]
            else:
                sheet = load_workbook(target, read_only=True).active
                body = [list(r) for r in sheet.iter_rows(min_row=2, values_only=True)]
            codes = {str(r[0]) for r in body}
            # "Overdue" includes open work past its due time *now*: a few more may have
            # fallen due between the list and the download, never fewer.
            grown = len(body) - count
            assert 0 <= grown <= 5 + count // 1000, f"{fmt}: {len(body)} rows, list said {count}"
            assert all(PERMIT in str(r[1]) for r in body), f"{fmt}: another service in the file"
            assert set(first_page) <= codes, f"{fmt}: the listed cases are not all in the file"
            exports[fmt] = {"rows": len(body), "bytes": target.stat().st_size, "s": seconds}
            w.timings.append(
                {
                    "page": f"export {fmt}",
                    "url": "",
                    "wall_ms": round(seconds * 1000),
                    "server_ms": None,
                }
            )
        browser.close()
    return {"slowest": slowest, "overdue": count, "exports": exports, "timings": w.timings}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--url", default="http://127.0.0.1:8120")
    parser.add_argument("--user", default="baskan")
    parser.add_argument("--password", default=os.environ.get("DEMO_PASSWORD", "Cinar-Demo-2026!"))
    parser.add_argument("--out", type=Path, default=ROOT / "test-results" / "walk-insights")
    parser.add_argument("--period", default="1 yıl|1 year|12 ay|Son 12", help="preset link text")
    args = parser.parse_args()
    result = walk(args.url, args.user, args.password, args.out, args.period)
    width = max(len(t["page"]) for t in result["timings"])
    for t in result["timings"]:
        server = "" if t["server_ms"] is None else f"{t['server_ms']:>7} ms server"
        print(f"{t['page']:<{width}}  {t['wall_ms']:>7} ms wall  {server}  {t['url']}")
    print(json.dumps({k: v for k, v in result.items() if k != "timings"}, ensure_ascii=False))


if __name__ == "__main__":
    main()
