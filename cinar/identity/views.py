"""Login, second factor, registration, profile and password pages."""

from __future__ import annotations

from base64 import b32encode
from typing import Any, cast
from urllib.parse import urlencode

import qrcode
import qrcode.image.svg
from axes.handlers.proxy import AxesProxyHandler
from django.conf import settings
from django.contrib import messages
from django.contrib.auth import login as auth_login
from django.contrib.auth import logout as auth_logout
from django.contrib.auth import update_session_auth_hash
from django.contrib.auth import views as auth_views
from django.contrib.auth.decorators import login_required
from django.contrib.auth.signals import user_login_failed
from django.core.exceptions import PermissionDenied, ValidationError
from django.forms import Form
from django.http import HttpRequest, HttpResponse, HttpResponseBase, HttpResponseRedirect
from django.shortcuts import redirect, render, resolve_url
from django.urls import reverse, reverse_lazy
from django.utils import translation
from django.utils.cache import add_never_cache_headers
from django.utils.http import url_has_allowed_host_and_scheme
from django.utils.safestring import SafeString, mark_safe
from django.utils.translation import gettext as _
from django.views.decorators.cache import never_cache
from django.views.decorators.csrf import csrf_protect
from django.views.decorators.debug import sensitive_post_parameters
from django.views.decorators.http import require_POST
from django.views.generic import TemplateView
from django_otp import login as otp_login
from django_otp.plugins.otp_static.models import StaticDevice
from django_otp.plugins.otp_totp.models import TOTPDevice

from cinar.core.forms import errors_onto_form
from cinar.identity import actions, lockout, queries
from cinar.identity.forms import (
    CitizenRegistrationForm,
    CompanyRegistrationForm,
    LoginForm,
    OTPTokenForm,
    PasswordChangeForm,
    PasswordResetForm,
    ProfileForm,
    SetPasswordForm,
)
from cinar.identity.middleware import SESSION_OTP_REQUIRED, user_is_verified
from cinar.identity.models import User

MODEL_BACKEND = "cinar.identity.backends.CinarModelBackend"


# --- helpers ---------------------------------------------------------------------------


def _user(request: HttpRequest) -> User:
    return cast(User, request.user)


def _base_template(user: Any) -> str:
    if user.is_authenticated and (user.is_staff_member or user.is_staff):
        return "backoffice/base.html"
    return "portal/base.html"


def _safe_next(request: HttpRequest, default: str) -> str:
    candidate = request.POST.get("next") or request.GET.get("next") or ""
    if candidate and url_has_allowed_host_and_scheme(
        candidate, allowed_hosts={request.get_host()}, require_https=request.is_secure()
    ):
        return candidate
    return resolve_url(default)


def _home_for(user: Any) -> str:
    """Where a person lands after signing in with no ``next``: staff at their desk
    (CINAR_STAFF_HOME_URL), everyone else on the portal (LOGIN_REDIRECT_URL)."""
    if user.is_authenticated and user.is_staff_member:
        return resolve_url(settings.CINAR_STAFF_HOME_URL)
    return resolve_url(settings.LOGIN_REDIRECT_URL)


def _with_next(url: str, next_url: str) -> str:
    return f"{url}?{urlencode({'next': next_url})}" if next_url else url


def _apply_language(response: HttpResponseBase, user: User) -> None:
    """Make the person's preferred language the UI language from the next request on."""
    language = user.preferred_language
    translation.activate(language)
    response.set_cookie(
        settings.LANGUAGE_COOKIE_NAME,
        language,
        max_age=settings.LANGUAGE_COOKIE_AGE,
        path=settings.LANGUAGE_COOKIE_PATH,
        domain=settings.LANGUAGE_COOKIE_DOMAIN,
        secure=settings.LANGUAGE_COOKIE_SECURE,
        httponly=settings.LANGUAGE_COOKIE_HTTPONLY,
        samesite=settings.LANGUAGE_COOKIE_SAMESITE,
    )


def _may_use_totp(user: User) -> bool:
    return user.is_staff_member or user.is_staff or user.must_use_two_factor


def _attach_errors(form: Form, exc: ValidationError) -> None:
    """The action calls the new password ``password``; the forms call it ``password1``."""
    errors_onto_form(form, exc, aliases={"password": "password1"})


# --- login and logout ------------------------------------------------------------------


class LoginView(auth_views.LoginView):
    form_class = LoginForm
    template_name = "identity/login.html"

    def post(self, request: HttpRequest, *args: Any, **kwargs: Any) -> HttpResponse:
        login_name = request.POST.get("username", "").strip()
        credentials = {"username": login_name}
        if login_name and not lockout.is_allowed(request, credentials):
            # Locked: do not even check the password, so guessing gains nothing.
            actions.login_failure_record(login=login_name, refused=True)
            return lockout.lockout_response(request, credentials=credentials)
        return super().post(request, *args, **kwargs)

    def form_valid(self, form: LoginForm) -> HttpResponse:  # type: ignore[override]
        user = form.get_user()
        auth_login(self.request, user)
        has_device = queries.user_has_confirmed_totp(user=user)
        needs_code = user.must_use_two_factor or has_device
        if has_device and not user.must_use_two_factor:
            self.request.session[SESSION_OTP_REQUIRED] = True
        actions.login_success_record(user=user, second_factor_pending=needs_code)
        next_url = self.get_redirect_url()  # "" unless safe
        if needs_code:
            step = "identity:otp_verify" if has_device else "identity:otp_setup"
            response: HttpResponse = redirect(_with_next(reverse(step), next_url))
        else:
            response = redirect(next_url or _home_for(user))
        _apply_language(response, user)
        return response

    def form_invalid(self, form: LoginForm) -> HttpResponse:  # type: ignore[override]
        login_name = str(form.data.get("username", "")).strip()
        locked = bool(getattr(self.request, "axes_locked_out", False))
        if login_name:
            actions.login_failure_record(login=login_name, locked_out=locked)
        if locked:
            return lockout.lockout_response(self.request, credentials={"username": login_name})
        return super().form_invalid(form)


@require_POST
def logout_view(request: HttpRequest) -> HttpResponse:
    if request.user.is_authenticated:
        actions.logout_record(user=_user(request))
    auth_logout(request)
    return redirect(settings.LOGOUT_REDIRECT_URL)


# --- second factor -----------------------------------------------------------------------


def _otp_locked(request: HttpRequest, user: User, credentials: dict[str, str]) -> HttpResponse:
    actions.otp_lockout_record(user=user)
    auth_logout(request)
    return lockout.lockout_response(request, credentials=credentials)


@never_cache
@sensitive_post_parameters("token")
@login_required
def otp_verify(request: HttpRequest) -> HttpResponse:
    user = _user(request)
    next_url = _safe_next(request, _home_for(user))
    if user_is_verified(user):
        return redirect(next_url)
    if not queries.user_has_confirmed_totp(user=user):
        if user.must_use_two_factor:
            return redirect(_with_next(reverse("identity:otp_setup"), next_url))
        return redirect(next_url)
    credentials = lockout.otp_credentials(user)
    if not lockout.is_allowed(request, credentials):
        return _otp_locked(request, user, credentials)
    form = OTPTokenForm(
        request.POST or None,
        help_text=_("The 6-digit code from your authenticator app, or one of your backup codes."),
    )
    if request.method == "POST" and form.is_valid():
        device = actions.otp_token_verify(user=user, token=form.cleaned_data["token"])
        if device is not None:
            otp_login(request, device)
            AxesProxyHandler.reset_attempts(username=credentials["username"])
            if isinstance(device, StaticDevice):
                left = device.token_set.count()
                messages.warning(
                    request,
                    _("You used a backup code; %(count)d left. Each code works only once.")
                    % {"count": left},
                )
            return redirect(next_url)
        # Count the failure with django-axes, like a wrong password.
        user_login_failed.send(sender=__name__, credentials=credentials, request=request)
        if getattr(request, "axes_locked_out", False):
            return _otp_locked(request, user, credentials)
        form.add_error(
            "token", _("This code is not valid. Check the time on your phone and try again.")
        )
    return render(request, "identity/otp_verify.html", {"form": form, "next": next_url})


def _qr_svg(device: TOTPDevice) -> SafeString:
    image = qrcode.make(
        device.config_url, image_factory=qrcode.image.svg.SvgPathImage, box_size=8, border=2
    )
    svg = image.to_string(encoding="unicode")
    svg = svg[svg.find("<svg") :]
    # Generated by the qrcode library from our own otpauth URL: no user input inside.
    return mark_safe(svg.replace("<svg", '<svg role="img" aria-labelledby="qr-title"', 1))  # noqa: S308


def _grouped(text: str, size: int = 4) -> str:
    return " ".join(text[i : i + size] for i in range(0, len(text), size))


def _backup_codes_response(request: HttpRequest, codes: list[str], next_url: str) -> HttpResponse:
    response = render(
        request,
        "identity/backup_codes.html",
        {"codes": [_grouped(c) for c in codes], "next": next_url},
    )
    add_never_cache_headers(response)
    return response


@never_cache
@sensitive_post_parameters("token")
@login_required
def otp_setup(request: HttpRequest) -> HttpResponse:
    user = _user(request)
    if not _may_use_totp(user):
        raise PermissionDenied
    next_url = _safe_next(request, reverse("identity:profile"))
    if queries.user_has_confirmed_totp(user=user):
        if not user_is_verified(user):
            # Enrolling a second device must not bypass the first one.
            return redirect(_with_next(reverse("identity:otp_verify"), next_url))
        messages.info(request, _("Two-factor login is already on."))
        return redirect("identity:profile")
    device = actions.totp_device_start(actor=user)
    form = OTPTokenForm(request.POST or None, help_text=_("The 6-digit code your app shows now."))
    if request.method == "POST" and form.is_valid():
        try:
            codes = actions.totp_device_confirm(
                actor=user, device=device, token=form.cleaned_data["token"]
            )
        except ValidationError as exc:
            _attach_errors(form, exc)
        else:
            otp_login(request, device)
            request.session[SESSION_OTP_REQUIRED] = True
            return _backup_codes_response(request, codes, next_url)
    context = {
        "form": form,
        "qr_svg": _qr_svg(device),
        "secret": _grouped(b32encode(device.bin_key).decode()),
        "next": next_url,
        "required": user.must_use_two_factor,
    }
    return render(request, "identity/otp_setup.html", context)


@require_POST
@login_required
def otp_disable(request: HttpRequest) -> HttpResponse:
    user = _user(request)
    if queries.user_has_confirmed_totp(user=user) and not user_is_verified(user):
        return redirect(_with_next(reverse("identity:otp_verify"), reverse("identity:profile")))
    try:
        actions.two_factor_disable(actor=user, user=user)
    except ValidationError as exc:
        for message in exc.messages:
            messages.error(request, message)
    else:
        request.session.pop(SESSION_OTP_REQUIRED, None)
        messages.success(request, _("Two-factor login is off."))
    return redirect("identity:profile")


@never_cache
@require_POST
@login_required
def backup_codes_regenerate(request: HttpRequest) -> HttpResponse:
    user = _user(request)
    if not user_is_verified(user):
        return redirect(_with_next(reverse("identity:otp_verify"), reverse("identity:profile")))
    try:
        codes = actions.backup_codes_regenerate(actor=user)
    except ValidationError as exc:
        for message in exc.messages:
            messages.error(request, message)
        return redirect("identity:profile")
    return _backup_codes_response(request, codes, reverse("identity:profile"))


# --- registration ---------------------------------------------------------------------


def _registered(request: HttpRequest, user: User) -> HttpResponse:
    auth_login(request, user, backend=MODEL_BACKEND)
    translation.activate(user.preferred_language)  # so the message below is in it
    messages.success(request, _("Welcome! Your account is ready."))
    response = redirect(settings.LOGIN_REDIRECT_URL)
    _apply_language(response, user)
    return response


@sensitive_post_parameters("password1", "password2")
@csrf_protect
def register_citizen(request: HttpRequest) -> HttpResponse:
    if request.user.is_authenticated:
        return redirect(settings.LOGIN_REDIRECT_URL)
    form = CitizenRegistrationForm(
        request.POST or None, initial={"language": translation.get_language()}
    )
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        try:
            user = actions.citizen_register(
                tckn=data["tckn"],
                first_name=data["first_name"],
                last_name=data["last_name"],
                email=data["email"],
                phone=data["phone"],
                password=data["password1"],
                language=data["language"],
                channel=data["channel"],
            )
        except ValidationError as exc:
            _attach_errors(form, exc)
        else:
            return _registered(request, user)
    return render(request, "identity/register.html", {"form": form, "company": False})


@sensitive_post_parameters("password1", "password2")
@csrf_protect
def register_company(request: HttpRequest) -> HttpResponse:
    if request.user.is_authenticated:
        return redirect(settings.LOGIN_REDIRECT_URL)
    form = CompanyRegistrationForm(
        request.POST or None, initial={"language": translation.get_language()}
    )
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        try:
            user = actions.company_user_register(
                vkn=data["vkn"],
                company_name=data["company_name"],
                first_name=data["first_name"],
                last_name=data["last_name"],
                email=data["email"],
                phone=data["phone"],
                password=data["password1"],
                language=data["language"],
                channel=data["channel"],
            )
        except ValidationError as exc:
            _attach_errors(form, exc)
        else:
            return _registered(request, user)
    return render(request, "identity/register.html", {"form": form, "company": True})


class KvkkNoticeView(TemplateView):
    template_name = "identity/kvkk.html"


# --- profile ---------------------------------------------------------------------------


@login_required
def profile(request: HttpRequest) -> HttpResponse:
    user = _user(request)
    if request.method == "POST":
        form = ProfileForm(request.POST)
        if form.is_valid():
            data = form.cleaned_data
            try:
                actions.user_profile_update(
                    actor=user,
                    user=user,
                    first_name=data["first_name"],
                    last_name=data["last_name"],
                    email=data["email"],
                    phone=data["phone"],
                    language=data["language"],
                    channel=data["channel"],
                )
            except ValidationError as exc:
                _attach_errors(form, exc)
            else:
                response = redirect("identity:profile")
                _apply_language(response, user)
                messages.success(request, _("Your profile is saved."))
                return response
    else:
        form = ProfileForm(initial=ProfileForm.initial_for(user))
    context = {
        "form": form,
        "two_factor": queries.two_factor_status(user=user),
        "may_use_totp": _may_use_totp(user),
        "base_template": _base_template(user),
    }
    return render(request, "identity/profile.html", context)


# --- passwords ---------------------------------------------------------------------------


class PasswordChangeView(auth_views.PasswordChangeView):
    form_class = PasswordChangeForm
    template_name = "identity/password_change_form.html"
    success_url = reverse_lazy("identity:password_change_done")

    def get_context_data(self, **kwargs: Any) -> dict[str, Any]:
        context = super().get_context_data(**kwargs)
        context["base_template"] = _base_template(self.request.user)
        return context

    def form_valid(self, form: PasswordChangeForm) -> HttpResponse:  # type: ignore[override]
        user = _user(self.request)
        try:
            actions.user_password_change(
                actor=user, user=user, new_password=form.cleaned_data["new_password1"], via="change"
            )
        except ValidationError as exc:
            _attach_errors(form, exc)
            return self.form_invalid(form)
        update_session_auth_hash(self.request, user)
        return HttpResponseRedirect(self.get_success_url())


class PasswordChangeDoneView(auth_views.PasswordChangeDoneView):
    template_name = "identity/password_change_done.html"

    def get_context_data(self, **kwargs: Any) -> dict[str, Any]:
        context = super().get_context_data(**kwargs)
        context["base_template"] = _base_template(self.request.user)
        return context


class PasswordResetView(auth_views.PasswordResetView):
    form_class = PasswordResetForm
    template_name = "identity/password_reset_form.html"
    email_template_name = "identity/email/password_reset_body.txt"
    subject_template_name = "identity/email/password_reset_subject.txt"
    success_url = reverse_lazy("identity:password_reset_done")
    extra_email_context = {"municipality": settings.CINAR_MUNICIPALITY_NAME}

    def form_valid(self, form: PasswordResetForm) -> HttpResponse:  # type: ignore[override]
        email = form.cleaned_data["email"]
        actions.password_reset_request_record(email=email, users=list(form.get_users(email)))
        return super().form_valid(form)


class PasswordResetDoneView(auth_views.PasswordResetDoneView):
    template_name = "identity/password_reset_done.html"


class PasswordResetConfirmView(auth_views.PasswordResetConfirmView):
    form_class = SetPasswordForm
    template_name = "identity/password_reset_confirm.html"
    success_url = reverse_lazy("identity:password_reset_complete")

    def form_valid(self, form: SetPasswordForm) -> HttpResponse:  # type: ignore[override]
        user = cast(User, self.user)
        try:
            actions.user_password_change(
                actor=None, user=user, new_password=form.cleaned_data["new_password1"], via="reset"
            )
        except ValidationError as exc:
            _attach_errors(form, exc)
            return self.form_invalid(form)
        self.request.session.pop(auth_views.INTERNAL_RESET_SESSION_TOKEN, None)
        return HttpResponseRedirect(self.get_success_url())


class PasswordResetCompleteView(auth_views.PasswordResetCompleteView):
    template_name = "identity/password_reset_complete.html"
