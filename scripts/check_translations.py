"""Check that the Turkish catalogue is complete, well-formed and up to date with the code.

Fails (exit 1, naming each string) when
  (a) a message of locale/tr is untranslated or fuzzy,
  (b) a translation's placeholders (%(name)s, %s, %d, {name}) or HTML tags differ from
      its msgid's, or a python-format translation has a stray "%",
  (c) the code holds a msgid that locale/tr lacks: the messages are extracted afresh
      (Django's makemessages, i.e. GNU xgettext, into a temporary locale directory) and
      compared with the catalogue. Messages only the catalogue still has are listed as a
      warning: they are harmless until `make messages` drops them.

Usage: scripts/check_translations.py [--no-extract] [--po PATH ...]
`--no-extract` skips (c) (the fast unit test uses it); `--po` checks other .po files
(a and b only), e.g. a deliberately broken one in the tests.

The extraction options must match the Makefile's `messages` target.
"""

from __future__ import annotations

import argparse
import os
import re
import shutil
import subprocess
import sys
import tempfile
from pathlib import Path

from babel.messages.catalog import Catalog, Message
from babel.messages.pofile import read_po

ROOT = Path(__file__).resolve().parent.parent
LOCALE = ROOT / "locale"
LANGUAGE = "tr"
# Same as `make messages`; keep the two in step.
MAKEMESSAGES_OPTIONS = [
    "--ignore=.venv",
    "--ignore=node_modules",
    "--ignore=*/tests/*",
    "--ignore=tests",
    "--ignore=bench",
    "--ignore=static/vendor",
    "--add-location=file",
]
JS_SOURCES = ["cinar/*/static/**/*.js", "static/js/**/*.js"]

PYTHON_FORMAT = re.compile(
    r"%(?:\((?P<name>[^)]*)\))?[#0 +-]*(?:\*|\d+)?(?:\.(?:\*|\d+))?[hlL]?[diouxXeEfFgGcrsa%]"
)
BRACE_FORMAT = re.compile(r"(?<!\{)\{[A-Za-z_][A-Za-z0-9_]*\}(?!\})")
HTML_TAG = re.compile(r"</?[A-Za-z][A-Za-z0-9]*")

MessageKey = tuple[str | None, str, str | None]


def _key(message: Message) -> MessageKey:
    if isinstance(message.id, tuple | list):
        return (message.context, message.id[0], message.id[1])
    return (message.context, message.id, None)


def _show(key: MessageKey) -> str:
    context, singular, plural = key
    text = repr(singular) + (f" / plural {plural!r}" if plural else "")
    return f"[{context}] {text}" if context else text


def placeholders(text: str, *, python_format: bool) -> list[str]:
    """The sorted placeholders of a string; '%%' is an escaped percent sign, not one."""
    found = [m.group(0) for m in PYTHON_FORMAT.finditer(text)] if python_format else []
    found = [p for p in found if p != "%%"]
    found += BRACE_FORMAT.findall(text)
    return sorted(found)


def stray_percent(text: str) -> bool:
    """True when a python-format string has a '%' that starts no valid conversion."""
    return "%" in PYTHON_FORMAT.sub("", text)


def _is_python_format(message: Message) -> bool:
    ids = message.id if isinstance(message.id, tuple | list) else (message.id,)
    # xgettext guesses: "{% if %}" in a plain string looks like "% i" to it. A msgid that
    # is not a valid %-format string cannot be one.
    if any(stray_percent(i) for i in ids):
        return False
    if "python-format" in message.flags:
        return True
    # Templates' {% blocktranslate %} strings use %(name)s; xgettext flags most, not all.
    return any(re.search(r"%\([A-Za-z_]\w*\)[sd]", i) for i in ids)


def catalogue_problems(catalog: Catalog) -> list[str]:
    """Checks (a) and (b) for every message of a parsed catalogue."""
    problems: list[str] = []
    for message in catalog:
        if not message.id:
            continue
        shown = _show(_key(message))
        ids = list(message.id) if isinstance(message.id, tuple | list) else [message.id]
        if isinstance(message.string, tuple | list):
            strings = list(message.string)
        else:
            strings = [message.string]
        if message.fuzzy:
            problems.append(f"fuzzy (check the translation, then drop the flag): {shown}")
            continue
        if not all(strings):
            problems.append(f"untranslated: {shown}")
            continue
        python_format = _is_python_format(message)
        allowed = [placeholders(i, python_format=python_format) for i in ids]
        tags = sorted(HTML_TAG.findall(ids[0]))
        for string in strings:
            got = placeholders(string, python_format=python_format)
            if got not in allowed:
                problems.append(
                    f"placeholders differ: {shown} has {allowed[-1]}, "
                    f"the translation {string!r} has {got}"
                )
            elif python_format and stray_percent(string):
                problems.append(f"stray '%' (write '%%' for a percent sign): {shown} -> {string!r}")
            if sorted(HTML_TAG.findall(string)) != tags:
                problems.append(f"HTML tags differ: {shown} -> {string!r}")
    return problems


def read_catalogue(path: Path) -> Catalog:
    with path.open("rb") as handle:
        return read_po(handle, locale=LANGUAGE, abort_invalid=True)


def keys_of(catalog: Catalog) -> set[MessageKey]:
    return {_key(m) for m in catalog if m.id}


def domains() -> list[str]:
    """'django', plus 'djangojs' once our own JavaScript calls gettext()."""
    found = ["django"]
    for pattern in JS_SOURCES:
        for path in ROOT.glob(pattern):
            if "gettext(" in path.read_text(encoding="utf-8", errors="replace"):
                return [*found, "djangojs"]
    return found


# Not copied into the scratch tree: what makemessages ignores anyway, and large caches.
SKIP_NAMES = {
    ".git",
    ".venv",
    "node_modules",
    "var",
    "bench",
    "locale",
    "test-results",
    "__pycache__",
    ".mypy_cache",
    ".ruff_cache",
    ".pytest_cache",
}


def _skip(directory: str, names: list[str]) -> set[str]:
    skipped = {n for n in names if n in SKIP_NAMES or n.endswith((".egg-info", ".mo", ".pyc"))}
    if Path(directory).resolve() == ROOT / "static":
        skipped.add("vendor")
    return skipped


def extract(domain: str, workdir: Path) -> Catalog:
    """Run makemessages for one domain in a scratch copy of the project.

    makemessages writes next to the sources it finds (the project's locale/ wins over any
    LOCALE_PATHS for files below the project root), so the copy keeps locale/ untouched.
    """
    if shutil.which("xgettext") is None:
        raise SystemExit(
            "check_translations: GNU gettext (xgettext) is needed to extract messages: "
            "apt-get install gettext"
        )
    tree = workdir / "project"
    shutil.copytree(ROOT, tree, ignore=_skip, symlinks=True)
    (tree / "locale").mkdir()
    env = dict(os.environ)
    env.setdefault("DJANGO_SETTINGS_MODULE", "config.settings.local")
    # The database is never opened; an in-memory one keeps var/ out of it.
    env["DATABASE_URL"] = "sqlite:///:memory:"
    env["PYTHONPATH"] = os.pathsep.join([str(tree), *filter(None, [env.get("PYTHONPATH")])])
    command = [
        sys.executable,
        "manage.py",
        "makemessages",
        "-l",
        LANGUAGE,
        "-d",
        domain,
        "-v0",
        *MAKEMESSAGES_OPTIONS,
    ]
    result = subprocess.run(command, cwd=tree, env=env, capture_output=True, text=True)
    if result.returncode != 0:
        raise SystemExit(f"check_translations: makemessages failed:\n{result.stderr}")
    return read_catalogue(tree / "locale" / LANGUAGE / "LC_MESSAGES" / f"{domain}.po")


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--no-extract", action="store_true", help="skip check (c)")
    parser.add_argument("--po", type=Path, action="append", help="check these .po files only")
    args = parser.parse_args()

    problems: list[str] = []
    if args.po:
        for path in args.po:
            problems += [f"{path}: {p}" for p in catalogue_problems(read_catalogue(path))]
    else:
        for domain in domains():
            path = LOCALE / LANGUAGE / "LC_MESSAGES" / f"{domain}.po"
            shown = path.relative_to(ROOT)
            if not path.exists():
                problems.append(f"{shown} is missing: run `make messages`")
                continue
            catalog = read_catalogue(path)
            problems += [f"{shown}: {p}" for p in catalogue_problems(catalog)]
            if args.no_extract:
                continue
            with tempfile.TemporaryDirectory(prefix="cinar-messages-") as tmp:
                fresh = extract(domain, Path(tmp))
            have, want = keys_of(catalog), keys_of(fresh)
            problems += [
                f"{shown}: in the code but not in the catalogue (run `make messages` and "
                f"translate): {_show(key)}"
                for key in sorted(want - have, key=_show)
            ]
            for key in sorted(have - want, key=_show):
                print(f"warning: {shown}: no longer in the code: {_show(key)}")

    for problem in problems:
        print(problem)
    if problems:
        print(f"check_translations: {len(problems)} problem(s)", file=sys.stderr)
        return 1
    print("check_translations: the Turkish catalogue is complete and up to date")
    return 0


if __name__ == "__main__":
    sys.exit(main())
