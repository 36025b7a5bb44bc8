"""Forms of the staff screens. They parse and check input; the actions do the writing."""

from __future__ import annotations

from typing import Any

from django import forms
from django.contrib.auth import get_user_model
from django.db.models import QuerySet
from django.utils.translation import gettext_lazy as _

from cinar.core.turkish import tr_sort_key
from cinar.organization.importing import MAX_UPLOAD_BYTES, ImportKind
from cinar.organization.models import (
    DOCUMENT_KINDS,
    DelegationScope,
    Position,
    Role,
    SignatureAction,
    Unit,
    UnitKind,
    validate_code,
    validate_detsis_number,
    validate_kep_address,
)
from cinar.organization.queries import active_staff_choices

DATETIME_INPUT = "%Y-%m-%dT%H:%M"


class UnitChoiceField(forms.ModelChoiceField):  # type: ignore[type-arg,unused-ignore]
    def label_from_instance(self, obj: Any) -> str:
        return "\u2003" * obj.depth + obj.name


class BootstrapForm(forms.Form):
    """Adds Bootstrap classes and, after validation, aria-invalid/aria-describedby."""

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        for name, field in self.fields.items():
            widget = field.widget
            if isinstance(widget, forms.CheckboxInput):
                css = "form-check-input"
            elif isinstance(widget, forms.Select):
                css = "form-select"
            else:
                css = "form-control"
            widget.attrs.setdefault("class", css)
            if field.help_text:
                widget.attrs["aria-describedby"] = f"id_{self.add_prefix(name)}-help"

    def full_clean(self) -> None:
        super().full_clean()
        for name in self.errors:
            if name in self.fields:
                widget = self.fields[name].widget
                widget.attrs["aria-invalid"] = "true"
                widget.attrs["class"] = widget.attrs.get("class", "") + " is-invalid"
                ids = [f"id_{self.add_prefix(name)}-errors"]
                if self.fields[name].help_text:
                    ids.insert(0, f"id_{self.add_prefix(name)}-help")
                widget.attrs["aria-describedby"] = " ".join(ids)


def _staff_queryset() -> QuerySet[Any]:
    return get_user_model().objects.filter(kind="staff", is_active=True)


def _sorted_staff_choices(exclude: Any = ()) -> list[tuple[str, str]]:
    people = active_staff_choices(exclude=exclude)
    return [("", "---------")] + [
        (str(u.pk), f"{u.get_full_name() or u.username} ({u.username})") for u in people
    ]


class UnitForm(BootstrapForm):
    parent = UnitChoiceField(label=_("Parent unit"), queryset=Unit.objects.none(), required=False)
    name = forms.CharField(label=_("Name"), max_length=200)
    name_en = forms.CharField(label=_("Name in English"), max_length=200, required=False)
    code = forms.CharField(
        label=_("Short code"),
        max_length=30,
        validators=[validate_code],
        help_text=_("A short unique code, e.g. BIM or BIM-YAZ."),
    )
    kind = forms.ChoiceField(label=_("Kind"), choices=UnitKind.choices)
    detsis_number = forms.CharField(
        label=_("DETSİS number"),
        max_length=8,
        required=False,
        validators=[validate_detsis_number],
        help_text=_("Exactly 8 digits."),
    )
    kep_address = forms.CharField(
        label=_("KEP address"), max_length=254, required=False, validators=[validate_kep_address]
    )
    manager = forms.TypedChoiceField(label=_("Manager"), required=False, coerce=int)
    is_active = forms.BooleanField(label=_("Active"), required=False, initial=True)

    def __init__(
        self, *args: Any, parents: QuerySet[Unit] | None = None, editing: bool = False, **kw: Any
    ) -> None:
        super().__init__(*args, **kw)
        if editing:
            del self.fields["parent"]
        else:
            self.fields["parent"].queryset = parents if parents is not None else Unit.objects.none()  # type: ignore[attr-defined]
        self.fields["manager"].choices = _sorted_staff_choices()  # type: ignore[attr-defined]
        self.fields["manager"].empty_value = None  # type: ignore[attr-defined]

    def clean_manager(self) -> Any:
        pk = self.cleaned_data.get("manager")
        if not pk:
            return None
        user = _staff_queryset().filter(pk=pk).first()
        if user is None:
            raise forms.ValidationError(_("Choose an active staff member."))
        return user


class UnitMoveForm(BootstrapForm):
    new_parent = UnitChoiceField(label=_("New parent unit"), queryset=Unit.objects.none())

    def __init__(self, *args: Any, parents: QuerySet[Unit], **kw: Any) -> None:
        super().__init__(*args, **kw)
        self.fields["new_parent"].queryset = parents  # type: ignore[attr-defined]


class StaffCreateForm(BootstrapForm):
    username = forms.CharField(label=_("Username"), max_length=150)
    first_name = forms.CharField(label=_("First name"), max_length=150)
    last_name = forms.CharField(label=_("Last name"), max_length=150)
    email = forms.EmailField(
        label=_("E-mail"),
        help_text=_("The person receives a link here to choose their password."),
    )
    registry_number = forms.CharField(label=_("Registry number"), max_length=30, required=False)
    title = forms.CharField(label=_("Title"), max_length=120, required=False)
    unit = UnitChoiceField(label=_("Unit"), queryset=Unit.objects.none())
    position = forms.ModelChoiceField(
        label=_("Position"), queryset=Position.objects.filter(is_active=True)
    )
    start_date = forms.DateField(
        label=_("Start date"), required=False, widget=forms.DateInput(attrs={"type": "date"})
    )

    def __init__(self, *args: Any, units: QuerySet[Unit], **kw: Any) -> None:
        super().__init__(*args, **kw)
        self.fields["unit"].queryset = units  # type: ignore[attr-defined]


class MembershipForm(BootstrapForm):
    unit = UnitChoiceField(label=_("Unit"), queryset=Unit.objects.none())
    position = forms.ModelChoiceField(
        label=_("Position"), queryset=Position.objects.filter(is_active=True)
    )
    is_primary = forms.BooleanField(label=_("Primary membership"), required=False)
    start_date = forms.DateField(
        label=_("Start date"), required=False, widget=forms.DateInput(attrs={"type": "date"})
    )
    end_date = forms.DateField(
        label=_("End date"), required=False, widget=forms.DateInput(attrs={"type": "date"})
    )

    def __init__(self, *args: Any, units: QuerySet[Unit], **kw: Any) -> None:
        super().__init__(*args, **kw)
        self.fields["unit"].queryset = units  # type: ignore[attr-defined]


class PositionForm(BootstrapForm):
    code = forms.CharField(label=_("Code"), max_length=40, validators=[validate_code])
    name = forms.CharField(label=_("Name"), max_length=120)
    name_en = forms.CharField(label=_("Name in English"), max_length=120, required=False)
    rank = forms.IntegerField(
        label=_("Rank"),
        min_value=0,
        max_value=1000,
        help_text=_("Higher is more senior, e.g. Müdür 80, Şef 50, Memur 30."),
    )
    is_managerial = forms.BooleanField(label=_("Managerial post"), required=False)
    is_active = forms.BooleanField(label=_("Active"), required=False, initial=True)

    def __init__(self, *args: Any, editing: bool = False, **kw: Any) -> None:
        super().__init__(*args, **kw)
        if editing:
            del self.fields["code"]


class RoleAssignForm(BootstrapForm):
    user = forms.TypedChoiceField(label=_("Staff member"), coerce=int)
    role = forms.ModelChoiceField(label=_("Role"), queryset=Role.objects.all())
    unit = UnitChoiceField(
        label=_("Unit"),
        queryset=Unit.objects.none(),
        required=False,
        help_text=_("The role covers this unit and every unit below it."),
    )

    def __init__(self, *args: Any, units: QuerySet[Unit], everywhere: bool, **kw: Any) -> None:
        super().__init__(*args, **kw)
        self.fields["user"].choices = _sorted_staff_choices()  # type: ignore[attr-defined]
        self.fields["unit"].queryset = units  # type: ignore[attr-defined]
        self.everywhere = everywhere
        if everywhere:
            self.fields["unit"].help_text = _(
                "Leave empty for the whole municipality; otherwise the role covers this "
                "unit and every unit below it."
            )
        else:
            self.fields["unit"].required = True

    def clean_user(self) -> Any:
        user = _staff_queryset().filter(pk=self.cleaned_data["user"]).first()
        if user is None:
            raise forms.ValidationError(_("Choose an active staff member."))
        return user


class SignatureAuthorityForm(BootstrapForm):
    unit = UnitChoiceField(label=_("Unit"), queryset=Unit.objects.none())
    position = forms.ModelChoiceField(
        label=_("Position"), queryset=Position.objects.filter(is_active=True)
    )
    document_kind = forms.ChoiceField(label=_("Document kind"), choices=())
    action = forms.ChoiceField(label=_("Action"), choices=SignatureAction.choices)
    covers_subunits = forms.BooleanField(
        label=_("Also for documents of sub-units"), required=False, initial=True
    )
    valid_from = forms.DateTimeField(
        label=_("Valid from"),
        required=False,
        input_formats=[DATETIME_INPUT],
        widget=forms.DateTimeInput(attrs={"type": "datetime-local"}, format=DATETIME_INPUT),
    )
    valid_until = forms.DateTimeField(
        label=_("Valid until"),
        required=False,
        input_formats=[DATETIME_INPUT],
        widget=forms.DateTimeInput(attrs={"type": "datetime-local"}, format=DATETIME_INPUT),
    )
    approval_reference = forms.CharField(
        label=_("Approving document"), max_length=200, required=False
    )

    def __init__(self, *args: Any, units: QuerySet[Unit], **kw: Any) -> None:
        super().__init__(*args, **kw)
        self.fields["unit"].queryset = units  # type: ignore[attr-defined]
        self.fields["document_kind"].choices = [  # type: ignore[attr-defined]
            (k, str(v)) for k, v in DOCUMENT_KINDS.items()
        ]


class SignatureDelegateForm(BootstrapForm):
    unit = UnitChoiceField(label=_("Unit"), queryset=Unit.objects.none())
    position = forms.ModelChoiceField(label=_("To position"), queryset=Position.objects.none())
    valid_from = forms.DateTimeField(
        label=_("Valid from"),
        required=False,
        input_formats=[DATETIME_INPUT],
        widget=forms.DateTimeInput(attrs={"type": "datetime-local"}, format=DATETIME_INPUT),
    )
    valid_until = forms.DateTimeField(
        label=_("Valid until"),
        input_formats=[DATETIME_INPUT],
        widget=forms.DateTimeInput(attrs={"type": "datetime-local"}, format=DATETIME_INPUT),
    )
    approval_reference = forms.CharField(label=_("Approving document"), max_length=200)

    def __init__(
        self, *args: Any, units: QuerySet[Unit], positions: QuerySet[Position], **kw: Any
    ) -> None:
        super().__init__(*args, **kw)
        self.fields["unit"].queryset = units  # type: ignore[attr-defined]
        self.fields["position"].queryset = positions  # type: ignore[attr-defined]


class DelegationForm(BootstrapForm):
    principal = forms.TypedChoiceField(label=_("Absent staff member"), coerce=int)
    deputy = forms.TypedChoiceField(
        label=_("Deputy"),
        coerce=int,
        required=False,
        empty_value=None,
        help_text=_("Leave empty to record an absence: work then goes to the unit manager."),
    )
    starts_at = forms.DateTimeField(
        label=_("Starts at"),
        input_formats=[DATETIME_INPUT],
        widget=forms.DateTimeInput(attrs={"type": "datetime-local"}, format=DATETIME_INPUT),
    )
    ends_at = forms.DateTimeField(
        label=_("Ends at"),
        input_formats=[DATETIME_INPUT],
        widget=forms.DateTimeInput(attrs={"type": "datetime-local"}, format=DATETIME_INPUT),
    )
    scope = forms.ChoiceField(label=_("Scope"), choices=DelegationScope.choices)
    reason = forms.CharField(label=_("Reason"), max_length=300, required=False)

    def __init__(self, *args: Any, principals: list[Any] | None, user: Any, **kw: Any) -> None:
        super().__init__(*args, **kw)
        self.user = user
        if principals is None:
            del self.fields["principal"]
        else:
            people = sorted(principals, key=lambda u: tr_sort_key(u.get_full_name() or u.username))
            self.fields["principal"].choices = [  # type: ignore[attr-defined]
                (str(u.pk), f"{u.get_full_name() or u.username} ({u.username})") for u in people
            ]
            self.fields["principal"].initial = user.pk
            self.allowed_principals = {u.pk: u for u in people}
        self.fields["deputy"].choices = _sorted_staff_choices()  # type: ignore[attr-defined]

    def clean_principal(self) -> Any:
        user = self.allowed_principals.get(self.cleaned_data["principal"])
        if user is None:
            raise forms.ValidationError(_("You cannot set a delegation for this person."))
        return user

    def clean_deputy(self) -> Any:
        pk = self.cleaned_data.get("deputy")
        if not pk:
            return None
        user = _staff_queryset().filter(pk=pk).first()
        if user is None:
            raise forms.ValidationError(_("The deputy must be an active staff member."))
        return user


class ImportForm(BootstrapForm):
    file = forms.FileField(
        label=_("File"),
        help_text=_("An Excel workbook (.xlsx) or a CSV file (UTF-8), at most 5 MB."),
    )
    kind = forms.ChoiceField(
        label=_("The file holds"),
        choices=[("", _("Detect from the headers")), *ImportKind.CHOICES],
        required=False,
    )
    dry_run = forms.BooleanField(label=_("Check only, do not import"), required=False, initial=True)

    def clean_file(self) -> Any:
        upload = self.cleaned_data["file"]
        if upload.size > MAX_UPLOAD_BYTES:
            raise forms.ValidationError(
                _("The file is larger than %(mb)s MB.") % {"mb": MAX_UPLOAD_BYTES // 1048576}
            )
        return upload


class StaffFilterForm(BootstrapForm):
    q = forms.CharField(label=_("Search"), required=False)
    unit = UnitChoiceField(label=_("Unit"), queryset=Unit.objects.all(), required=False)
    position = forms.ModelChoiceField(
        label=_("Position"), queryset=Position.objects.all(), required=False
    )
