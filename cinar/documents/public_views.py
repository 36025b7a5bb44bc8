"""The public verification pages (/dogrula/): no login; rate-limited per client address.

Unknown or malformed codes get the same page with a clear message (status 200); too many
lookups from one address get 429 with a translated message. Confidential documents show
only that the code is valid and the signature status, unless the visitor is staff who
may see the document.
"""

from __future__ import annotations

from django import forms
from django.http import FileResponse, Http404, HttpRequest, HttpResponse
from django.http.response import HttpResponseBase
from django.shortcuts import redirect, render
from django.utils.translation import gettext_lazy as _
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_GET

from cinar.documents import verification
from cinar.documents.codes import verification_code_display, verification_code_normalize


class VerifyForm(forms.Form):
    code = forms.CharField(
        label=_("Verification code"),
        max_length=40,
        widget=forms.TextInput(
            attrs={
                "class": "form-control font-monospace",
                "autocomplete": "off",
                "spellcheck": "false",
                "autocapitalize": "characters",
            }
        ),
        help_text=_("The code printed at the bottom of the document, e.g. ABCDE-FGHJK-M."),
    )


def _throttled(request: HttpRequest) -> HttpResponse:
    return render(
        request,
        "documents/public/verify_form.html",
        {"form": VerifyForm(), "throttled": True},
        status=429,
    )


@never_cache
@require_GET
def verify_form(request: HttpRequest) -> HttpResponse:
    """The form asking for a code; a submitted code goes to its page."""
    if "code" in request.GET:
        form = VerifyForm(request.GET)
        if form.is_valid():
            code = verification_code_normalize(form.cleaned_data["code"])
            if code:
                return redirect("verify:document", code=code)
            form.add_error("code", _("Enter the verification code."))
    else:
        form = VerifyForm()
    return render(request, "documents/public/verify_form.html", {"form": form})


@never_cache
@require_GET
def verify_document(request: HttpRequest, code: str) -> HttpResponse:
    if verification.verification_throttled(request):
        return _throttled(request)
    verification.verification_attempt(request)
    document = verification.verification_lookup(code=code)
    if document is None:
        return render(
            request,
            "documents/public/verify_result.html",
            {
                "form": VerifyForm(initial={"code": code[:40]}),
                "not_found": True,
                "code": code[:40],
            },
        )
    summary = verification.verification_summary(document=document, user=request.user)
    return render(
        request,
        "documents/public/verify_result.html",
        {
            "summary": summary,
            "code_display": verification_code_display(summary.code),
            "form": VerifyForm(),
        },
    )


@never_cache
@require_GET
def verify_pdf(request: HttpRequest, code: str) -> HttpResponseBase:
    """The signed PDF, for codes of documents the visitor may download."""
    if verification.verification_throttled(request):
        return _throttled(request)
    verification.verification_attempt(request)
    document = verification.verification_lookup(code=code)
    if document is None:
        raise Http404
    confidential = document.confidentiality > 0
    if confidential and not verification.viewer_may_see(user=request.user, document=document):
        raise Http404
    response = FileResponse(
        document.signed_file.open("rb"),
        as_attachment=True,
        filename=f"{document.number}.pdf",
        content_type="application/pdf",
    )
    response["X-Content-Type-Options"] = "nosniff"
    return response
