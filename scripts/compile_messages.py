"""Compile every locale/**/*.po into .mo with Babel: no system gettext needed on a fresh
machine (Django's compilemessages would require GNU msgfmt).

Fails loudly on a .po file that does not parse, so a broken translation never ships.
"""

from __future__ import annotations

import sys
from pathlib import Path

from babel.messages.mofile import write_mo
from babel.messages.pofile import read_po

ROOT = Path(__file__).resolve().parent.parent
SEARCH = [ROOT / "locale", ROOT / "cinar"]


def main() -> int:
    compiled = 0
    for base in SEARCH:
        for po_path in sorted(base.rglob("LC_MESSAGES/*.po")):
            locale = po_path.parent.parent.name
            with po_path.open("rb") as handle:
                catalog = read_po(handle, locale=locale, abort_invalid=True)
            with po_path.with_suffix(".mo").open("wb") as handle:
                write_mo(handle, catalog, use_fuzzy=False)
            compiled += 1
    print(f"compiled {compiled} translation catalogue(s)")
    return 0


if __name__ == "__main__":
    sys.exit(main())
