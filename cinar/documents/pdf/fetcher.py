"""What the renderer may load: inline ``data:`` URIs and files under our letter assets.

WeasyPrint would otherwise follow any URL in the HTML or CSS (http, ftp, file:///etc/…).
A letter is rendered from data that staff typed, so every other URL is refused: the
resource is skipped, never fetched.
"""

from __future__ import annotations

import mimetypes
from pathlib import Path
from typing import Any
from urllib.parse import unquote, urlparse

from weasyprint.urls import URLFetcher, URLFetcherResponse

ASSETS_DIR = Path(__file__).resolve().parent.parent / "static" / "documents" / "letter"


class LetterURLFetcher(URLFetcher):
    """Allows ``data:`` URIs and ``file:`` URLs inside ``allowed_dirs`` only."""

    def __init__(self, allowed_dirs: tuple[Path, ...] = (ASSETS_DIR,)) -> None:
        super().__init__(allowed_protocols={"data"})
        self.allowed_dirs = tuple(d.resolve() for d in allowed_dirs)
        self.refused: list[str] = []

    def fetch(self, url: str, headers: Any = None) -> Any:
        scheme = url.split(":", 1)[0].lower()
        if scheme == "data":
            return super().fetch(url, headers)
        if scheme == "file":
            path = Path(unquote(urlparse(url).path)).resolve()
            if any(path.is_relative_to(d) for d in self.allowed_dirs) and path.is_file():
                content_type = mimetypes.guess_type(path.name)[0] or "application/octet-stream"
                return URLFetcherResponse(
                    url, path.read_bytes(), headers={"Content-Type": content_type}
                )
        self.refused.append(url)
        raise ValueError(f"URL refused by the letter renderer: {url[:200]}")
