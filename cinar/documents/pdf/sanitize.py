"""The letter body is HTML written by staff (or filled from a template): keep a safe subset.

Nothing in the body may run (no scripts, no event handlers) or reach outside the
document (no images, no stylesheets, no ``style`` attributes that could carry ``url()``).
Links stay as text with their ``href`` when it is http(s) or mailto; the renderer's URL
fetcher refuses every network fetch anyway, so this is belt and braces.
"""

from __future__ import annotations

import nh3

ALLOWED_TAGS: frozenset[str] = frozenset(
    {
        "p",
        "br",
        "strong",
        "b",
        "em",
        "i",
        "u",
        "s",
        "sub",
        "sup",
        "ul",
        "ol",
        "li",
        "blockquote",
        "h3",
        "h4",
        "table",
        "thead",
        "tbody",
        "tfoot",
        "tr",
        "th",
        "td",
        "caption",
        "a",
        "span",
    }
)

ALLOWED_ATTRIBUTES: dict[str, set[str]] = {
    "a": {"href"},
    "td": {"colspan", "rowspan"},
    "th": {"colspan", "rowspan", "scope"},
    "ol": {"type", "start"},
}

# Elements whose content is dropped with them (not kept as text).
_CLEAN_CONTENT_TAGS = {"script", "style", "iframe", "object", "embed", "template", "noscript"}


def sanitize_body_html(html: str) -> str:
    """``html`` reduced to the tags and attributes a letter body may use."""
    return nh3.clean(
        html,
        tags=set(ALLOWED_TAGS),
        clean_content_tags=_CLEAN_CONTENT_TAGS,
        attributes=ALLOWED_ATTRIBUTES,
        url_schemes={"http", "https", "mailto"},
        link_rel="noopener noreferrer",
        strip_comments=True,
    )
