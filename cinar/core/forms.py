"""The POST half every staff page shares: bind a form, run an action, show its refusal.

Actions raise ``ValidationError`` for anything a person did wrong (a field, a rule, a
permission they lack). A page shows that error where it belongs and never half-does
anything: the action runs in its own transaction, so a refusal changes nothing.

- ``errors_onto_form`` puts an action's error on the fields it names (the rest on top).
- ``form_submit`` is a create/edit page's POST: valid form → action → flash → redirect;
  a refusal goes onto the form and the page is shown again.
- ``flash_action`` is a one-button action (end, revoke, mark done): its success or its
  refusal becomes a message on the page the browser goes back to.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from typing import Any

from django.contrib import messages
from django.core.exceptions import ValidationError
from django.forms import BaseForm
from django.http import HttpRequest, HttpResponse


def errors_onto_form(
    form: BaseForm, exc: ValidationError, *, aliases: Mapping[str, str] | None = None
) -> None:
    """Attach ``exc`` to ``form``: each message on the field it names (renamed through
    ``aliases`` when the action and the form call a field differently), and every
    message whose field the form does not have — or that names none — on the form."""
    if hasattr(exc, "error_dict"):
        for field, field_messages in exc.message_dict.items():
            target = (aliases or {}).get(field, field)
            for message in field_messages:
                form.add_error(target if target in form.fields else None, message)
    else:
        for message in exc.messages:
            form.add_error(None, message)


def flash_errors(request: HttpRequest, exc: ValidationError) -> None:
    """Each of the action's messages as an error message on the next page."""
    for message in exc.messages:
        messages.error(request, message)


def form_submit(
    request: HttpRequest,
    form: BaseForm,
    run: Callable[[dict[str, Any]], Any],
    *,
    done: str | Callable[[Any], str],
    then: Callable[[Any], HttpResponse],
    aliases: Mapping[str, str] | None = None,
) -> HttpResponse | None:
    """Run ``run(form.cleaned_data)`` when the request is a POST with a valid form; on
    success flash ``done`` (a text, or a function of the result) and answer
    ``then(result)``. None means "show the page (again)": a GET, an invalid form, or the
    action's ValidationError, which is then on the form."""
    if request.method != "POST" or not form.is_valid():
        return None
    try:
        result = run(form.cleaned_data)
    except ValidationError as exc:
        errors_onto_form(form, exc, aliases=aliases)
        return None
    messages.success(request, done(result) if callable(done) else done)
    return then(result)


def flash_action(request: HttpRequest, run: Callable[[], Any], *, done: str) -> bool:
    """Run a one-button action; flash ``done`` or the action's refusal. True if it ran."""
    try:
        run()
    except ValidationError as exc:
        flash_errors(request, exc)
        return False
    messages.success(request, done)
    return True
