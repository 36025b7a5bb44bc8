"""Staff forms. They parse input; the actions validate the rules and name the field."""

from __future__ import annotations

from typing import Any

from django import forms
from django.utils.translation import gettext_lazy as _

from cinar.documents.models import (
    Channel,
    Confidentiality,
    CorrespondentKind,
    Direction,
    DocumentStatus,
    FilePlanCode,
    Instruction,
    StepKind,
    Urgency,
)
from cinar.organization.models import Unit
from cinar.organization.queries import staff_queryset


def _bootstrap(form: forms.BaseForm) -> None:
    for field in form.fields.values():
        widget = field.widget
        if isinstance(widget, forms.CheckboxInput):
            widget.attrs.setdefault("class", "form-check-input")
        elif isinstance(widget, forms.Select | forms.SelectMultiple):
            widget.attrs.setdefault("class", "form-select")
        else:
            widget.attrs.setdefault("class", "form-control")


class BootstrapForm(forms.Form):
    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        _bootstrap(self)


class DateInput(forms.DateInput):
    input_type = "date"

    def __init__(self, **kwargs: Any) -> None:
        super().__init__(format="%Y-%m-%d", **kwargs)


def _file_plan_field(required: bool = True) -> forms.ModelChoiceField:
    return forms.ModelChoiceField(
        label=_("File plan code"),
        queryset=FilePlanCode.objects.filter(is_active=True).order_by("code"),
        required=required,
        to_field_name="code",
    )


def _blank(choices: Any) -> list[tuple[Any, Any]]:
    return [("", _("Any")), *list(choices)]


class SearchForm(BootstrapForm):
    q = forms.CharField(label=_("Words"), required=False, max_length=200)
    direction = forms.ChoiceField(label=_("Direction"), required=False, choices=())
    status = forms.ChoiceField(label=_("Status"), required=False, choices=())
    unit = forms.ModelChoiceField(
        label=_("Unit"), queryset=Unit.objects.filter(is_active=True), required=False
    )
    file_plan_code = forms.CharField(label=_("File plan code"), required=False, max_length=20)
    confidentiality = forms.TypedChoiceField(
        label=_("Confidentiality"), required=False, choices=(), coerce=int, empty_value=None
    )
    date_from = forms.DateField(label=_("From"), required=False, widget=DateInput())
    date_to = forms.DateField(label=_("To"), required=False, widget=DateInput())

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["direction"].choices = _blank(Direction.choices)  # type: ignore[attr-defined]
        self.fields["status"].choices = _blank(DocumentStatus.choices)  # type: ignore[attr-defined]
        self.fields["confidentiality"].choices = _blank(  # type: ignore[attr-defined]
            Confidentiality.choices
        )


class IncomingForm(BootstrapForm):
    unit = forms.ModelChoiceField(label=_("Owning unit"), queryset=Unit.objects.none())
    subject = forms.CharField(label=_("Subject (konu)"), max_length=500)
    document_date = forms.DateField(label=_("Document date"), required=False, widget=DateInput())
    sender_number = forms.CharField(label=_("Sender's number (sayı)"), required=False)
    sender_kind = forms.ChoiceField(
        label=_("Sender is"), choices=CorrespondentKind.choices, widget=forms.RadioSelect
    )
    sender_name = forms.CharField(label=_("Sender's name"), max_length=300)
    sender_detsis_number = forms.CharField(
        label=_("DETSİS number"), required=False, max_length=8, help_text=_("Institutions.")
    )
    sender_mersis_number = forms.CharField(
        label=_("MERSİS number"), required=False, max_length=16, help_text=_("Companies.")
    )
    sender_tckn = forms.CharField(
        label=_("T.C. identity number"),
        required=False,
        max_length=11,
        help_text=_("People; optional. Stored encrypted."),
    )
    file_plan_code = _file_plan_field()
    confidentiality = forms.TypedChoiceField(
        label=_("Confidentiality"), choices=Confidentiality.choices, coerce=int, initial=0
    )
    urgency = forms.ChoiceField(label=_("Urgency"), choices=Urgency.choices)
    due_date = forms.DateField(label=_("Due date (miat)"), required=False, widget=DateInput())
    channel = forms.ChoiceField(
        label=_("Arrived by"),
        choices=[c for c in Channel.choices if c[0] != Channel.INTERNAL],
    )
    references = forms.CharField(
        label=_("References (ilgi)"),
        required=False,
        widget=forms.Textarea(attrs={"rows": 2}),
        help_text=_("One per line; they are lettered a, b, c."),
    )
    body_text = forms.CharField(
        label=_("Summary or text"), required=False, widget=forms.Textarea(attrs={"rows": 4})
    )

    def __init__(self, *args: Any, units: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["unit"].queryset = units  # type: ignore[attr-defined]
        self.fields["sender_kind"].widget.attrs["class"] = "form-check-input"


class RouteForm(BootstrapForm):
    to_unit = forms.ModelChoiceField(
        label=_("To unit"), queryset=Unit.objects.filter(is_active=True), required=False
    )
    to_user = forms.ModelChoiceField(
        label=_("To person"), queryset=staff_queryset().filter(is_active=True), required=False
    )
    instruction = forms.ChoiceField(label=_("Instruction"), choices=Instruction.choices)
    deadline = forms.DateField(label=_("Deadline"), required=False, widget=DateInput())
    note = forms.CharField(
        label=_("Note"), required=False, widget=forms.Textarea(attrs={"rows": 3})
    )


class DraftForm(BootstrapForm):
    direction = forms.ChoiceField(
        label=_("Kind"),
        choices=[
            (Direction.OUTGOING, Direction.OUTGOING.label),
            (Direction.INTERNAL, Direction.INTERNAL.label),
        ],
    )
    unit = forms.ModelChoiceField(label=_("Unit"), queryset=Unit.objects.none())
    subject = forms.CharField(label=_("Subject (konu)"), max_length=500)
    body_html = forms.CharField(
        label=_("Text"),
        widget=forms.Textarea(attrs={"rows": 14}),
        help_text=_(
            "Paragraphs are separated by an empty line. Simple HTML (p, strong, em, ul, li) "
            "is kept; everything else is removed."
        ),
    )
    file_plan_code = _file_plan_field()
    confidentiality = forms.TypedChoiceField(
        label=_("Confidentiality"), choices=Confidentiality.choices, coerce=int, initial=0
    )
    urgency = forms.ChoiceField(label=_("Urgency"), choices=Urgency.choices)
    due_date = forms.DateField(label=_("Due date (miat)"), required=False, widget=DateInput())
    recipients = forms.CharField(
        label=_("Distribution (dağıtım)"),
        required=False,
        widget=forms.Textarea(attrs={"rows": 3}),
        help_text=_('One per line; start a line with "bilgi:" for information copies.'),
    )
    references = forms.CharField(
        label=_("References (ilgi)"),
        required=False,
        widget=forms.Textarea(attrs={"rows": 2}),
        help_text=_("One per line; they are lettered a, b, c."),
    )

    def __init__(self, *args: Any, units: Any, editing: bool = False, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["unit"].queryset = units  # type: ignore[attr-defined]
        if editing:
            del self.fields["direction"]
            del self.fields["unit"]


CHAIN_ROWS = 8


class ChainForm(BootstrapForm):
    """Rows of (stage, person, paraf/imza); empty rows are ignored."""

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        people = staff_queryset().filter(is_active=True).order_by("first_name", "last_name")
        for i in range(CHAIN_ROWS):
            self.fields[f"stage_{i}"] = forms.IntegerField(
                label=_("Stage"), required=False, min_value=1, max_value=20
            )
            self.fields[f"user_{i}"] = forms.ModelChoiceField(
                label=_("Person"), queryset=people, required=False
            )
            self.fields[f"kind_{i}"] = forms.ChoiceField(
                label=_("Step"), choices=StepKind.choices, required=False
            )
        _bootstrap(self)

    def rows(self) -> list[tuple[Any, Any, Any]]:
        return [
            (self[f"stage_{i}"], self[f"user_{i}"], self[f"kind_{i}"]) for i in range(CHAIN_ROWS)
        ]

    def stages(self) -> list[list[tuple[Any, str]]]:
        by_stage: dict[int, list[tuple[Any, str]]] = {}
        for i in range(CHAIN_ROWS):
            user = self.cleaned_data.get(f"user_{i}")
            if user is None:
                continue
            stage = self.cleaned_data.get(f"stage_{i}") or 1
            kind = self.cleaned_data.get(f"kind_{i}") or StepKind.PARAF
            by_stage.setdefault(stage, []).append((user, kind))
        return [by_stage[k] for k in sorted(by_stage)]

    @staticmethod
    def initial_from(stages: list[list[tuple[Any, str]]]) -> dict[str, Any]:
        initial: dict[str, Any] = {}
        i = 0
        for number, stage in enumerate(stages, start=1):
            for user, kind in stage:
                if i >= CHAIN_ROWS:
                    break
                initial.update({f"stage_{i}": number, f"user_{i}": user.pk, f"kind_{i}": kind})
                i += 1
        return initial


class CommentForm(BootstrapForm):
    comment = forms.CharField(
        label=_("Comment"), required=False, widget=forms.Textarea(attrs={"rows": 2})
    )


def lines(text: str) -> list[str]:
    return [line.strip() for line in (text or "").splitlines() if line.strip()]
