"""Why a package is refused. ``reason`` is translated and names the part or limit."""

from __future__ import annotations

from django.utils.translation import gettext as _


class EYPError(Exception):
    """A package that cannot be accepted; ``reason`` is safe to show to staff."""

    code = "invalid"

    def __init__(self, reason: str, *, part: str = "") -> None:
        super().__init__(reason)
        self.reason = reason
        self.part = part


class EYPInvalid(EYPError):
    """Not a well-formed e-Yazışma package (zip, OPC structure, XML)."""


class EYPTooLarge(EYPError):
    """Over a size, count or compression-ratio limit (zip-bomb protection)."""

    code = "too_large"


class EYPUnsafePath(EYPError):
    """A zip entry name that could escape the package (path traversal, absolute, device)."""

    code = "unsafe_path"


class EYPDigestMismatch(EYPError):
    """A part's content does not match the digest PaketOzeti or NihaiOzet lists for it."""

    code = "digest_mismatch"

    def __init__(self, part: str, *, summary: str, missing: bool = False) -> None:
        if missing:
            reason = _(
                "The package lists the part %(part)s in %(summary)s but does not contain it."
            )
        else:
            reason = _(
                "The part %(part)s does not match its digest in %(summary)s: "
                "it was changed after the package was signed."
            )
        super().__init__(reason % {"part": part, "summary": summary}, part=part)
        self.summary = summary
