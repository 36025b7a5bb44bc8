"""Message texts: Django templates per event, channel and language.

``templates/notifications/messages/<event>/<channel>.<language>.txt``. E-mail, KEP and
portal texts start with a ``Subject: …`` line, then a blank line, then the body; KEP and
portal fall back to the e-mail text when they have none of their own. SMS texts are the
message itself. Templates render without HTML escaping (they are plain text) and with
the recipient's language active, so dates and numbers read as the recipient expects.
"""

from __future__ import annotations

import datetime as dt
import re
from dataclasses import dataclass
from functools import cache
from typing import Any

from django.conf import settings
from django.template import Context, Engine, TemplateDoesNotExist
from django.utils import translation

from cinar.identity.models import NotificationChannel
from cinar.integrations.sms.encoding import sms_segments

TEMPLATE_DIR = "notifications/messages"
EVENT_PATTERN = re.compile(r"^[a-z][a-z0-9_]*(\.[a-z][a-z0-9_]*)+$")
SUBJECT_PREFIX = "Subject:"
#: The longest SMS we send: a long text costs the municipality per segment.
MAX_SMS_SEGMENTS = 4

FALLBACK_CHANNEL = {
    NotificationChannel.KEP: NotificationChannel.EMAIL,
    NotificationChannel.PORTAL: NotificationChannel.EMAIL,
}


class NotificationTemplateError(Exception):
    """No template for an event/channel/language, or a text the channel cannot carry."""


@dataclass(frozen=True)
class RenderedMessage:
    subject: str
    body: str
    segments: int = 0  # SMS only


@cache
def _engine() -> Engine:
    backends: list[dict[str, Any]] = settings.TEMPLATES
    dirs = [d for backend in backends for d in backend.get("DIRS", [])]
    libraries = {
        "i18n": "django.templatetags.i18n",
        "l10n": "django.templatetags.l10n",
        "tz": "django.templatetags.tz",
        "humanize": "django.contrib.humanize.templatetags.humanize",
    }
    return Engine(dirs=dirs, app_dirs=True, autoescape=False, libraries=libraries)


def template_names(*, event: str, channel: str, language: str) -> list[str]:
    names = [f"{TEMPLATE_DIR}/{event}/{channel}.{language}.txt"]
    fallback = FALLBACK_CHANNEL.get(NotificationChannel(channel))
    if fallback is not None:
        names.append(f"{TEMPLATE_DIR}/{event}/{fallback}.{language}.txt")
    return names


def message_render(
    *, event: str, channel: str, language: str, context: dict[str, Any]
) -> RenderedMessage:
    """The text of ``event`` on ``channel`` in ``language``; NotificationTemplateError
    when there is no template or an SMS would be too long."""
    if not EVENT_PATTERN.match(event):
        raise NotificationTemplateError(
            f"Bad event name {event!r} (expected e.g. 'case.received')."
        )
    names = template_names(event=event, channel=channel, language=language)
    try:
        template = _engine().select_template(names)
    except TemplateDoesNotExist as exc:
        raise NotificationTemplateError(
            f"No message template for event {event!r}, channel {channel!r}, "
            f"language {language!r}; looked for: {', '.join(names)}"
        ) from exc
    full_context = {
        "municipality": settings.CINAR_MUNICIPALITY_NAME,
        "site_url": settings.CINAR_SITE_URL.rstrip("/"),
        **_with_dates(context),
    }
    with translation.override(language):
        text = template.render(Context(full_context, autoescape=False))
    if channel == NotificationChannel.SMS:
        body = " ".join(text.split())
        info = sms_segments(body)
        if not body or info.segments > MAX_SMS_SEGMENTS:
            raise NotificationTemplateError(
                f"The SMS text of {event!r} ({language}) needs {info.segments} segments "
                f"({info.encoding}); at most {MAX_SMS_SEGMENTS} are allowed."
            )
        return RenderedMessage(subject="", body=body, segments=info.segments)
    return _split_subject(text.strip(), event=event)


def _with_dates(context: dict[str, Any]) -> dict[str, Any]:
    """The context is stored as JSON, so dates arrive as ISO strings; keys ending in
    ``_date`` or ``_at`` become dates again, for ``{{ due_date|date:"j F Y" }}`` to read
    in the recipient's language."""
    result = dict(context)
    for key, value in context.items():
        if not isinstance(value, str):
            continue
        try:
            if key.endswith("_date"):
                result[key] = dt.date.fromisoformat(value[:10])
            elif key.endswith("_at"):
                result[key] = dt.datetime.fromisoformat(value)
        except ValueError:
            pass
    return result


def _split_subject(text: str, *, event: str) -> RenderedMessage:
    first, _, rest = text.partition("\n")
    if not first.startswith(SUBJECT_PREFIX):
        raise NotificationTemplateError(
            f"The message template of {event!r} must start with a '{SUBJECT_PREFIX}' line."
        )
    subject = first.removeprefix(SUBJECT_PREFIX).strip()[:255]
    body = rest.strip()
    if not subject or not body:
        raise NotificationTemplateError(f"The message of {event!r} needs a subject and a body.")
    return RenderedMessage(subject=subject, body=body + "\n")
