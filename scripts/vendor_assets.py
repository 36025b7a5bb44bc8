"""Copy the front-end files Çınar serves from node_modules/ into static/vendor/.

Run after `npm ci` (the Makefile's static/vendor/.installed target does both). There is no
bundler: the pages load these files as they are (docs/decisions/0004). Idempotent: a file
is rewritten only when its content changed, and files no longer listed are removed.

Source maps are copied next to the minified files because production uses
ManifestStaticFilesStorage, whose collectstatic follows `sourceMappingURL` comments and
fails when the map is missing.
"""

from __future__ import annotations

import filecmp
import shutil
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
NODE_MODULES = ROOT / "node_modules"
VENDOR = ROOT / "static" / "vendor"

# destination (under static/vendor) -> source (under node_modules)
FILES: dict[str, str] = {
    "bootstrap/css/bootstrap.min.css": "bootstrap/dist/css/bootstrap.min.css",
    "bootstrap/css/bootstrap.min.css.map": "bootstrap/dist/css/bootstrap.min.css.map",
    "bootstrap/js/bootstrap.bundle.min.js": "bootstrap/dist/js/bootstrap.bundle.min.js",
    "bootstrap/js/bootstrap.bundle.min.js.map": "bootstrap/dist/js/bootstrap.bundle.min.js.map",
    "bootstrap/LICENSE": "bootstrap/LICENSE",
    "bootstrap-icons/font/bootstrap-icons.min.css": "bootstrap-icons/font/bootstrap-icons.min.css",
    "bootstrap-icons/font/fonts/bootstrap-icons.woff": (
        "bootstrap-icons/font/fonts/bootstrap-icons.woff"
    ),
    "bootstrap-icons/font/fonts/bootstrap-icons.woff2": (
        "bootstrap-icons/font/fonts/bootstrap-icons.woff2"
    ),
    "bootstrap-icons/LICENSE": "bootstrap-icons/LICENSE",
    "htmx/htmx.min.js": "htmx.org/dist/htmx.min.js",
    "htmx/LICENSE": "htmx.org/LICENSE",
    "axe-core/axe.min.js": "axe-core/axe.min.js",
    "axe-core/LICENSE": "axe-core/LICENSE",
    # bpmn-js: the modeler and the navigated viewer (UMD bundles), their CSS and icon font.
    "bpmn-js/bpmn-modeler.production.min.js": "bpmn-js/dist/bpmn-modeler.production.min.js",
    "bpmn-js/bpmn-navigated-viewer.production.min.js": (
        "bpmn-js/dist/bpmn-navigated-viewer.production.min.js"
    ),
    "bpmn-js/assets/diagram-js.css": "bpmn-js/dist/assets/diagram-js.css",
    "bpmn-js/assets/bpmn-js.css": "bpmn-js/dist/assets/bpmn-js.css",
    **{
        f"bpmn-js/assets/bpmn-font/{name}": f"bpmn-js/dist/assets/bpmn-font/{name}"
        for name in (
            "css/bpmn.css",
            "font/bpmn.eot",
            "font/bpmn.woff2",
            "font/bpmn.woff",
            "font/bpmn.ttf",
            "font/bpmn.svg",
        )
    },
    "bpmn-js/LICENSE": "bpmn-js/LICENSE",
    # Apache ECharts: the "common" build (bar, line, pie, grid, tooltip, legend) for the
    # insights dashboards; its minified file has no source map comment.
    "echarts/echarts.common.min.js": "echarts/dist/echarts.common.min.js",
    "echarts/LICENSE": "echarts/LICENSE",
    "echarts/NOTICE": "echarts/NOTICE",
}


def main() -> int:
    missing = [src for src in FILES.values() if not (NODE_MODULES / src).is_file()]
    if missing:
        print("Missing in node_modules (run `npm ci` first):", *missing, sep="\n  ")
        return 1
    changed = 0
    for dest, src in FILES.items():
        target = VENDOR / dest
        source = NODE_MODULES / src
        if target.is_file() and filecmp.cmp(source, target, shallow=False):
            continue
        target.parent.mkdir(parents=True, exist_ok=True)
        shutil.copyfile(source, target)
        changed += 1
    wanted = {VENDOR / dest for dest in FILES}
    removed = 0
    for path in sorted(VENDOR.rglob("*"), reverse=True):
        if path.is_file() and path not in wanted and not path.name.startswith("."):
            path.unlink()
            removed += 1
        elif path.is_dir() and not any(path.iterdir()):
            path.rmdir()
    print(f"static/vendor: {len(FILES)} files, {changed} updated, {removed} removed")
    return 0


if __name__ == "__main__":
    sys.exit(main())
