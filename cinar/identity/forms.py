"""Forms parse and shape input; the rules live in actions (forms repeat only what the
browser needs: required fields, lengths, widgets)."""

from __future__ import annotations

from typing import Any

from django import forms
from django.conf import settings
from django.contrib.auth import forms as auth_forms
from django.contrib.auth import password_validation
from django.db.models import Q, QuerySet
from django.urls import reverse
from django.utils.html import format_html
from django.utils.translation import gettext_lazy as _

from cinar.core.identity_numbers import validate_tckn, validate_vkn
from cinar.identity.models import NotificationChannel, User
from cinar.identity.phone import normalize_mobile_phone


class AccessibleBoundField(forms.BoundField):
    """Points ``aria-describedby`` at both the help text and the error list, so screen
    readers announce why a field is invalid (the templates give the list that id)."""

    def build_widget_attrs(
        self, attrs: dict[str, Any], widget: forms.Widget | None = None
    ) -> dict[str, Any]:
        attrs = super().build_widget_attrs(attrs, widget)
        ids = []
        if self.help_text:
            ids.append(f"{self.auto_id}_helptext")
        if self.errors:
            ids.append(f"{self.auto_id}_errors")
            attrs["aria-invalid"] = "true"
            base_class = attrs.get("class") or (widget or self.field.widget).attrs.get("class", "")
            attrs["class"] = f"{base_class} is-invalid".strip()
        if ids:
            attrs["aria-describedby"] = " ".join(ids)
        return attrs


class AccessibleFormMixin:
    bound_field_class: type[forms.BoundField] | None = AccessibleBoundField
    # Bootstrap classes per widget kind, so templates can render {{ field }} directly.

    def _style_widgets(self) -> None:
        for field in self.fields.values():  # type: ignore[attr-defined]
            widget = field.widget
            if isinstance(widget, forms.CheckboxInput):
                widget.attrs.setdefault("class", "form-check-input")
            elif isinstance(widget, forms.Select):
                widget.attrs.setdefault("class", "form-select")
            else:
                widget.attrs.setdefault("class", "form-control")


def _attrs(**kwargs: str) -> dict[str, str]:
    return {k.replace("_", "-"): v for k, v in kwargs.items()}


def _numeric(length: int, autocomplete: str = "off") -> forms.TextInput:
    return forms.TextInput(
        attrs={
            "inputmode": "numeric",
            "pattern": "[0-9]*",
            "maxlength": str(length),
            "autocomplete": autocomplete,
        }
    )


class LoginForm(AccessibleFormMixin, auth_forms.AuthenticationForm):
    username = forms.CharField(
        label=_("T.C. identity number, e-mail or username"),
        max_length=254,
        widget=forms.TextInput(attrs={"autocomplete": "username", "autofocus": True}),
    )
    password = forms.CharField(
        label=_("Password"),
        strip=False,
        widget=forms.PasswordInput(attrs={"autocomplete": "current-password"}),
    )

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.error_messages["invalid_login"] = _(
            "The login name or password is not correct. Both fields may be case-sensitive."
        )
        self._style_widgets()


def _kvkk_label() -> str:
    return format_html(
        '{} <a href="{}" target="_blank" rel="noopener">{}'
        '<span class="visually-hidden"> ({})</span></a>',
        _("I have read the"),
        reverse("identity:kvkk"),
        _("personal data protection notice (KVKK aydınlatma metni)"),
        _("opens in a new tab"),
    )


class _RegistrationBase(AccessibleFormMixin, forms.Form):
    first_name = forms.CharField(
        label=_("First name"),
        max_length=150,
        widget=forms.TextInput(attrs={"autocomplete": "given-name"}),
    )
    last_name = forms.CharField(
        label=_("Last name"),
        max_length=150,
        widget=forms.TextInput(attrs={"autocomplete": "family-name"}),
    )
    email = forms.EmailField(
        label=_("E-mail address"),
        max_length=254,
        widget=forms.EmailInput(attrs={"autocomplete": "email"}),
    )
    phone = forms.CharField(
        label=_("Mobile phone"),
        max_length=25,
        help_text=_("For example 0532 123 45 67."),
        widget=forms.TextInput(attrs={"autocomplete": "tel", "inputmode": "tel"}),
    )
    password1 = forms.CharField(
        label=_("Password"),
        strip=False,
        widget=forms.PasswordInput(attrs={"autocomplete": "new-password"}),
    )
    password2 = forms.CharField(
        label=_("Password again"),
        strip=False,
        help_text=_("Enter the same password again, to avoid typing mistakes."),
        widget=forms.PasswordInput(attrs={"autocomplete": "new-password"}),
    )
    language = forms.ChoiceField(label=_("Preferred language"), choices=settings.LANGUAGES)
    channel = forms.ChoiceField(
        label=_("How should we notify you?"),
        choices=NotificationChannel.choices,
        initial=NotificationChannel.EMAIL,
    )
    kvkk = forms.BooleanField(
        required=True,
        error_messages={"required": _("You need to confirm that you read the privacy notice.")},
    )

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["kvkk"].label = _kvkk_label()
        self.fields[
            "password1"
        ].help_text = password_validation.password_validators_help_text_html()
        self._style_widgets()

    def clean_phone(self) -> str:
        return normalize_mobile_phone(self.cleaned_data["phone"])

    def clean(self) -> dict[str, Any]:
        cleaned = super().clean() or {}
        p1, p2 = cleaned.get("password1"), cleaned.get("password2")
        if p1 and p2 and p1 != p2:
            self.add_error("password2", _("The two passwords do not match."))
        return cleaned


class CitizenRegistrationForm(_RegistrationBase):
    tckn = forms.CharField(
        label=_("T.C. identity number"),
        max_length=11,
        min_length=11,
        validators=[validate_tckn],
        error_messages={"min_length": _("A T.C. identity number has exactly 11 digits.")},
        widget=_numeric(11, autocomplete="username"),
    )
    field_order = ["tckn", "first_name", "last_name", "email", "phone", "password1", "password2"]


class CompanyRegistrationForm(_RegistrationBase):
    vkn = forms.CharField(
        label=_("Tax number (VKN)"),
        max_length=10,
        min_length=10,
        validators=[validate_vkn],
        error_messages={"min_length": _("A tax number (VKN) has exactly 10 digits.")},
        widget=_numeric(10),
    )
    company_name = forms.CharField(
        label=_("Company name"),
        max_length=200,
        widget=forms.TextInput(attrs={"autocomplete": "organization"}),
    )
    field_order = ["vkn", "company_name", "first_name", "last_name", "email", "phone"]

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["first_name"].label = _("Contact person's first name")
        self.fields["last_name"].label = _("Contact person's last name")
        self.fields["email"].help_text = _("You will sign in with this address.")
        self.fields["email"].widget.attrs["autocomplete"] = "username"


class ProfileForm(AccessibleFormMixin, forms.Form):
    first_name = forms.CharField(
        label=_("First name"),
        max_length=150,
        widget=forms.TextInput(attrs={"autocomplete": "given-name"}),
    )
    last_name = forms.CharField(
        label=_("Last name"),
        max_length=150,
        widget=forms.TextInput(attrs={"autocomplete": "family-name"}),
    )
    email = forms.EmailField(
        label=_("E-mail address"),
        max_length=254,
        widget=forms.EmailInput(attrs={"autocomplete": "email"}),
    )
    phone = forms.CharField(
        label=_("Mobile phone"),
        max_length=25,
        required=False,
        help_text=_("For example 0532 123 45 67."),
        widget=forms.TextInput(attrs={"autocomplete": "tel", "inputmode": "tel"}),
    )
    language = forms.ChoiceField(label=_("Preferred language"), choices=settings.LANGUAGES)
    channel = forms.ChoiceField(
        label=_("How should we notify you?"), choices=NotificationChannel.choices
    )

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self._style_widgets()

    @classmethod
    def initial_for(cls, user: User) -> dict[str, str]:
        return {
            "first_name": user.first_name,
            "last_name": user.last_name,
            "email": user.email,
            "phone": user.phone,
            "language": user.preferred_language,
            "channel": user.notification_channel,
        }


class OTPTokenForm(AccessibleFormMixin, forms.Form):
    token = forms.CharField(
        label=_("Code"),
        max_length=12,
        widget=_numeric(12, autocomplete="one-time-code"),
    )

    def __init__(self, *args: Any, help_text: str = "", **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["token"].help_text = help_text
        self.fields["token"].widget.attrs["autofocus"] = True
        self._style_widgets()


class PasswordResetForm(AccessibleFormMixin, auth_forms.PasswordResetForm):
    """Also reaches staff whose account was created without a password: the reset link
    is how they choose their first one."""

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["email"].label = _("E-mail address")
        self._style_widgets()

    def get_users(self, email: str) -> Any:
        users: QuerySet[User] = User.objects.filter(
            Q(email__iexact=email) & ~Q(email=""), is_active=True
        )
        return iter(users)


class SetPasswordForm(AccessibleFormMixin, auth_forms.SetPasswordForm):
    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self._style_widgets()


class PasswordChangeForm(AccessibleFormMixin, auth_forms.PasswordChangeForm):
    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self._style_widgets()
