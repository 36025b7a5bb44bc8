"""Staff screens of the organization. Views parse input, check access, call one action or
query, and render. Every view needs a logged-in staff member; writes need the matching
permission in the unit concerned."""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable
from functools import wraps
from typing import Any

from django.contrib import messages
from django.contrib.auth.views import redirect_to_login
from django.core.exceptions import PermissionDenied, ValidationError
from django.core.paginator import Paginator
from django.db.models import QuerySet
from django.http import Http404, HttpRequest, HttpResponse, HttpResponseBase
from django.shortcuts import redirect, render
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.http import require_http_methods, require_POST

from cinar.core.forms import errors_onto_form, flash_action, form_submit
from cinar.organization import actions, importing, queries
from cinar.organization.forms import (
    DelegationForm,
    ImportForm,
    MembershipForm,
    PositionForm,
    RoleAssignForm,
    SignatureAuthorityForm,
    SignatureDelegateForm,
    StaffCreateForm,
    StaffFilterForm,
    UnitForm,
    UnitMoveForm,
)
from cinar.organization.models import (
    Membership,
    Position,
    RoleAssignment,
    SignatureAuthority,
    Unit,
)
from cinar.organization.permissions import OrgPermission

P = OrgPermission
View = Callable[..., HttpResponseBase]


def staff_required(view: View) -> View:
    """Anonymous → login page; logged in but not staff → 403."""

    @wraps(view)
    def wrapper(request: HttpRequest, *args: Any, **kwargs: Any) -> HttpResponseBase:
        if not request.user.is_authenticated:
            return redirect_to_login(request.get_full_path())
        if not queries.is_staff_user(request.user):
            raise PermissionDenied
        return view(request, *args, **kwargs)

    return wrapper


def _require(request: HttpRequest, perm: str, unit: Unit | None = None) -> None:
    if not queries.user_has_permission(user=request.user, perm=perm, unit=unit):
        raise PermissionDenied


def _require_anywhere(request: HttpRequest, perm: str) -> queries.PermissionScope:
    scope = queries.permission_scope(user=request.user, perm=perm)
    if not scope.anywhere:
        raise PermissionDenied
    return scope


def _int_or_none(value: str | None) -> int | None:
    try:
        return int(value) if value else None
    except ValueError:
        return None


# --- organization chart and units ---------------------------------------------------------


@staff_required
def org_chart(request: HttpRequest) -> HttpResponse:
    search = request.GET.get("q", "")[:100]
    roots = queries.unit_tree(search=search)
    return render(
        request,
        "organization/org_chart.html",
        {
            "roots": roots,
            "search": search,
            "can_manage_units": queries.user_has_permission_anywhere(
                user=request.user, perm=P.MANAGE_UNITS
            ),
            "can_import": queries.user_has_permission(user=request.user, perm=P.IMPORT_DATA),
        },
    )


@staff_required
def unit_detail(request: HttpRequest, pk: int) -> HttpResponse:
    unit = queries.unit_get_for_user(user=request.user, pk=pk)
    user = request.user
    return render(
        request,
        "organization/unit_detail.html",
        {
            "unit": unit,
            "ancestors": queries.unit_ancestors(unit=unit),
            "children": queries.unit_children(unit=unit),
            "members": queries.unit_members(unit=unit),
            "authorities": queries.signature_authorities_for_unit(unit=unit),
            "can_manage": queries.user_has_permission(user=user, perm=P.MANAGE_UNITS, unit=unit),
            "can_manage_staff": queries.user_has_permission(
                user=user, perm=P.MANAGE_STAFF, unit=unit
            ),
            "can_manage_signatures": queries.user_has_permission(
                user=user, perm=P.MANAGE_SIGNATURE_AUTHORITY, unit=unit
            ),
        },
    )


def _unit_fields(data: dict[str, Any]) -> dict[str, Any]:
    """The unit form's fields as unit_create/unit_update take them."""
    fields = ("name", "name_en", "code", "kind", "kep_address", "manager", "is_active")
    return {f: data[f] for f in fields} | {"detsis_number": data["detsis_number"] or None}


@staff_required
@require_http_methods(["GET", "POST"])
def unit_create(request: HttpRequest) -> HttpResponse:
    scope = _require_anywhere(request, P.MANAGE_UNITS)
    parents = scope.filter_units(Unit.objects.all())
    initial = {"parent": _int_or_none(request.GET.get("parent")), "is_active": True}
    form = UnitForm(request.POST or None, parents=parents, initial=initial)

    def run(data: dict[str, Any]) -> Unit:
        if not scope.covers(data["parent"]):  # no parent: a new municipality, needs global rights
            raise PermissionDenied
        return actions.unit_create(actor=request.user, parent=data["parent"], **_unit_fields(data))

    done = form_submit(
        request,
        form,
        run,
        done=_("The unit was created."),
        then=lambda unit: redirect("organization:unit_detail", pk=unit.pk),
    )
    return done or render(request, "organization/unit_form.html", {"form": form, "unit": None})


@staff_required
@require_http_methods(["GET", "POST"])
def unit_edit(request: HttpRequest, pk: int) -> HttpResponse:
    unit = queries.unit_get_for_user(user=request.user, pk=pk)
    _require(request, P.MANAGE_UNITS, unit)
    initial = {
        "name": unit.name,
        "name_en": unit.name_en,
        "code": unit.code,
        "kind": unit.kind,
        "detsis_number": unit.detsis_number or "",
        "kep_address": unit.kep_address,
        "manager": unit.manager_id,
        "is_active": unit.is_active,
    }
    form = UnitForm(request.POST or None, initial=initial, editing=True)
    done = form_submit(
        request,
        form,
        lambda data: actions.unit_update(actor=request.user, unit=unit, **_unit_fields(data)),
        done=_("The unit was saved."),
        then=lambda _result: redirect("organization:unit_detail", pk=unit.pk),
    )
    return done or render(request, "organization/unit_form.html", {"form": form, "unit": unit})


@staff_required
@require_http_methods(["GET", "POST"])
def unit_move(request: HttpRequest, pk: int) -> HttpResponse:
    unit = queries.unit_get_for_user(user=request.user, pk=pk)
    _require(request, P.MANAGE_UNITS, unit)
    scope = queries.permission_scope(user=request.user, perm=P.MANAGE_UNITS)
    parents = scope.filter_units(Unit.objects.exclude(path__startswith=unit.path))
    form = UnitMoveForm(request.POST or None, parents=parents)
    if request.method == "POST" and form.is_valid():
        try:
            actions.unit_move(
                actor=request.user, unit=unit, new_parent=form.cleaned_data["new_parent"]
            )
        except ValidationError as exc:
            errors_onto_form(form, exc)
            if "parent" in getattr(exc, "message_dict", {}):
                form.add_error("new_parent", exc.message_dict["parent"])
        else:
            messages.success(request, _("The unit was moved."))
            return redirect("organization:unit_detail", pk=unit.pk)
    return render(request, "organization/unit_move.html", {"form": form, "unit": unit})


# --- staff ------------------------------------------------------------------------------------


@staff_required
def staff_list(request: HttpRequest) -> HttpResponse:
    form = StaffFilterForm(request.GET or None)
    search, unit, position = "", None, None
    if form.is_valid():
        search = form.cleaned_data["q"] or ""
        unit = form.cleaned_data["unit"]
        position = form.cleaned_data["position"]
    people = queries.staff_list(user=request.user, search=search, unit=unit, position=position)
    page = Paginator(people, 50).get_page(request.GET.get("page"))
    return render(
        request,
        "organization/staff_list.html",
        {
            "form": form,
            "page": page,
            "can_add": queries.user_has_permission_anywhere(user=request.user, perm=P.MANAGE_STAFF),
        },
    )


@staff_required
def staff_detail(request: HttpRequest, pk: int) -> HttpResponse:
    person = queries.staff_get_for_user(user=request.user, pk=pk)
    memberships = queries.staff_memberships(user=person)
    staff_scope = queries.permission_scope(user=request.user, perm=P.MANAGE_STAFF)
    roles_scope = queries.permission_scope(user=request.user, perm=P.MANAGE_ROLES)
    today = timezone.localdate()
    for m in memberships:
        m.can_end = staff_scope.covers(m.unit) and m.is_active_on(today)  # type: ignore[attr-defined]
    assignments = queries.role_assignments_for(user=person)
    for a in assignments:
        a.can_revoke = roles_scope.covers(a.unit)  # type: ignore[attr-defined]
    delegations = queries.delegations_visible_to(user=request.user).filter(principal=person)[:20]
    return render(
        request,
        "organization/staff_detail.html",
        {
            "person": person,
            "memberships": memberships,
            "assignments": assignments,
            "delegations": delegations,
            "acting_for": queries.delegations_acting_for(deputy=person),
            "can_add_membership": staff_scope.anywhere,
            "today": today,
        },
    )


@staff_required
@require_http_methods(["GET", "POST"])
def staff_create(request: HttpRequest) -> HttpResponse:
    scope = _require_anywhere(request, P.MANAGE_STAFF)
    units = scope.filter_units(Unit.objects.active())
    form = StaffCreateForm(
        request.POST or None,
        units=units,
        initial={"unit": _int_or_none(request.GET.get("unit"))},
    )
    done = form_submit(
        request,
        form,
        lambda d: actions.staff_member_create(actor=request.user, **d),
        done=_("The staff member was added."),
        then=lambda person: redirect("organization:staff_detail", pk=person.pk),
    )
    return done or render(request, "organization/staff_form.html", {"form": form})


@staff_required
@require_http_methods(["GET", "POST"])
def membership_add(request: HttpRequest, pk: int) -> HttpResponse:
    person = queries.staff_get_for_user(user=request.user, pk=pk)
    scope = _require_anywhere(request, P.MANAGE_STAFF)
    form = MembershipForm(request.POST or None, units=scope.filter_units(Unit.objects.active()))
    done = form_submit(
        request,
        form,
        lambda d: actions.membership_add(actor=request.user, user=person, **d),
        done=_("The membership was added."),
        then=lambda _result: redirect("organization:staff_detail", pk=person.pk),
    )
    return done or render(
        request, "organization/membership_form.html", {"form": form, "person": person}
    )


@staff_required
@require_POST
def membership_end(request: HttpRequest, pk: int) -> HttpResponse:
    membership = Membership.objects.select_related("unit", "user").filter(pk=pk).first()
    if membership is None:
        raise Http404
    queries.staff_get_for_user(user=request.user, pk=membership.user_id)
    _require(request, P.MANAGE_STAFF, membership.unit)
    flash_action(
        request,
        lambda: actions.membership_end(actor=request.user, membership=membership),
        done=_("The membership was ended."),
    )
    return redirect("organization:staff_detail", pk=membership.user_id)


# --- positions ------------------------------------------------------------------------------


@staff_required
def position_list(request: HttpRequest) -> HttpResponse:
    return render(
        request,
        "organization/position_list.html",
        {
            "positions": queries.positions_list(),
            "can_manage": queries.user_has_permission(user=request.user, perm=P.MANAGE_POSITIONS),
        },
    )


@staff_required
@require_http_methods(["GET", "POST"])
def position_create(request: HttpRequest) -> HttpResponse:
    _require(request, P.MANAGE_POSITIONS)
    form = PositionForm(request.POST or None, initial={"is_active": True})
    fields = ("code", "name", "name_en", "rank", "is_managerial")
    done = form_submit(
        request,
        form,
        lambda d: actions.position_create(actor=request.user, **{f: d[f] for f in fields}),
        done=_("The position was created."),
        then=lambda _result: redirect("organization:position_list"),
    )
    return done or render(
        request, "organization/position_form.html", {"form": form, "position": None}
    )


@staff_required
@require_http_methods(["GET", "POST"])
def position_edit(request: HttpRequest, pk: int) -> HttpResponse:
    position = Position.objects.filter(pk=pk).first()
    if position is None:
        raise Http404
    _require(request, P.MANAGE_POSITIONS)
    initial = {
        "name": position.name,
        "name_en": position.name_en,
        "rank": position.rank,
        "is_managerial": position.is_managerial,
        "is_active": position.is_active,
    }
    form = PositionForm(request.POST or None, initial=initial, editing=True)
    fields = ("name", "name_en", "rank", "is_managerial", "is_active")
    done = form_submit(
        request,
        form,
        lambda d: actions.position_update(
            actor=request.user, position=position, **{f: d[f] for f in fields}
        ),
        done=_("The position was saved."),
        then=lambda _result: redirect("organization:position_list"),
    )
    return done or render(
        request, "organization/position_form.html", {"form": form, "position": position}
    )


# --- roles --------------------------------------------------------------------------------------


@staff_required
@require_http_methods(["GET", "POST"])
def role_list(request: HttpRequest) -> HttpResponse:
    scope = _require_anywhere(request, P.MANAGE_ROLES)
    form = RoleAssignForm(
        request.POST or None,
        units=scope.filter_units(Unit.objects.all()),
        everywhere=scope.everywhere,
    )

    def run(d: dict[str, Any]) -> None:
        if not scope.covers(d["unit"]):
            raise PermissionDenied
        actions.role_assign(actor=request.user, user=d["user"], role=d["role"], unit=d["unit"])

    done = form_submit(
        request,
        form,
        run,
        done=_("The role was assigned."),
        then=lambda _result: redirect("organization:role_list"),
    )
    if done:
        return done
    assignments: QuerySet[RoleAssignment] = RoleAssignment.objects.select_related(
        "user", "role", "unit"
    ).order_by("role__name", "unit__path")
    if not scope.everywhere:
        assignments = assignments.filter(unit__in=scope.filter_units(Unit.objects.all()))
    return render(
        request,
        "organization/role_list.html",
        {"roles": queries.roles_list(), "assignments": assignments, "form": form},
    )


@staff_required
@require_POST
def role_assignment_revoke(request: HttpRequest, pk: int) -> HttpResponse:
    assignment = RoleAssignment.objects.select_related("unit").filter(pk=pk).first()
    scope = queries.permission_scope(user=request.user, perm=P.MANAGE_ROLES)
    if assignment is None or not scope.covers(assignment.unit):
        raise Http404
    actions.role_assignment_revoke(actor=request.user, assignment=assignment)
    messages.success(request, _("The role assignment was removed."))
    return redirect(request.POST.get("next") or "organization:role_list")


# --- signature authority -----------------------------------------------------------------------


@staff_required
def signature_authority_list(request: HttpRequest) -> HttpResponse:
    scope = queries.permission_scope(user=request.user, perm=P.MANAGE_SIGNATURE_AUTHORITY)
    authorities = list(queries.signature_authorities_list())
    now = timezone.now()
    for a in authorities:
        a.can_manage = scope.covers(a.unit)  # type: ignore[attr-defined]
        a.valid_now = a.is_valid_at(now)  # type: ignore[attr-defined]
    return render(
        request,
        "organization/signature_list.html",
        {"authorities": authorities, "can_grant": scope.anywhere},
    )


@staff_required
@require_http_methods(["GET", "POST"])
def signature_authority_grant(request: HttpRequest) -> HttpResponse:
    scope = _require_anywhere(request, P.MANAGE_SIGNATURE_AUTHORITY)
    form = SignatureAuthorityForm(
        request.POST or None,
        units=scope.filter_units(Unit.objects.active()),
        initial={"unit": _int_or_none(request.GET.get("unit")), "covers_subunits": True},
    )
    done = form_submit(
        request,
        form,
        lambda d: actions.signature_authority_grant(actor=request.user, **d),
        done=_("The signature authority was granted."),
        then=lambda _result: redirect("organization:signature_authority_list"),
    )
    return done or render(
        request, "organization/signature_form.html", {"form": form, "source": None}
    )


def _authority_for_manage(request: HttpRequest, pk: int) -> SignatureAuthority:
    return queries.signature_authority_get_for_manage(user=request.user, pk=pk)


@staff_required
@require_http_methods(["GET", "POST"])
def signature_authority_delegate(request: HttpRequest, pk: int) -> HttpResponse:
    source = _authority_for_manage(request, pk)
    scope = queries.permission_scope(user=request.user, perm=P.MANAGE_SIGNATURE_AUTHORITY)
    units = scope.filter_units(Unit.objects.active().subtree_of(source.unit))
    positions = Position.objects.filter(is_active=True, rank__lt=source.position.rank)
    form = SignatureDelegateForm(
        request.POST or None,
        units=units,
        positions=positions,
        initial={"unit": source.unit_id},
    )
    done = form_submit(
        request,
        form,
        lambda d: actions.signature_authority_delegate(actor=request.user, source=source, **d),
        done=_("The authority was delegated."),
        then=lambda _result: redirect("organization:signature_authority_list"),
    )
    return done or render(
        request, "organization/signature_form.html", {"form": form, "source": source}
    )


@staff_required
@require_POST
def signature_authority_revoke(request: HttpRequest, pk: int) -> HttpResponse:
    authority = _authority_for_manage(request, pk)
    flash_action(
        request,
        lambda: actions.signature_authority_revoke(actor=request.user, authority=authority),
        done=_("The signature authority was revoked."),
    )
    return redirect("organization:signature_authority_list")


# --- delegations (vekalet) ----------------------------------------------------------------------


@staff_required
def delegation_list(request: HttpRequest) -> HttpResponse:
    qs = queries.delegations_visible_to(user=request.user).order_by("-starts_at")
    page = Paginator(qs, 50).get_page(request.GET.get("page"))
    now = timezone.now()
    for d in page.object_list:
        d.active_now = d.is_active_at(now)  # type: ignore[attr-defined]
        d.can_cancel = d.cancelled_at is None and d.ends_at > now  # type: ignore[attr-defined]
    return render(request, "organization/delegation_list.html", {"page": page, "now": now})


def _delegation_principals(request: HttpRequest) -> list[Any] | None:
    """Whom the user may set delegations for; None when only themselves."""
    scope = queries.permission_scope(user=request.user, perm=P.MANAGE_DELEGATIONS_ANY)
    if not scope.anywhere:
        return None
    staff = queries.staff_queryset().filter(is_active=True)
    if not scope.everywhere:
        units = scope.filter_units(Unit.objects.all())
        staff = staff.filter(memberships__unit__in=units).distinct()
    people = list(staff)
    if all(p.pk != request.user.pk for p in people):
        people.append(request.user)
    return people


@staff_required
@require_http_methods(["GET", "POST"])
def delegation_create(request: HttpRequest) -> HttpResponse:
    now = timezone.localtime().replace(second=0, microsecond=0)
    form = DelegationForm(
        request.POST or None,
        principals=_delegation_principals(request),
        user=request.user,
        initial={"starts_at": now, "ends_at": now + dt.timedelta(days=1), "scope": "all"},
    )

    def run(d: dict[str, Any]) -> None:
        principal = d.get("principal") or request.user
        if not queries.can_manage_delegations_of(user=request.user, principal=principal):
            raise PermissionDenied
        fields = ("deputy", "starts_at", "ends_at", "scope", "reason")
        actions.delegation_create(
            actor=request.user, principal=principal, **{f: d[f] for f in fields}
        )

    done = form_submit(
        request,
        form,
        run,
        done=_("The delegation was recorded."),
        then=lambda _result: redirect("organization:delegation_list"),
    )
    return done or render(request, "organization/delegation_form.html", {"form": form})


@staff_required
@require_POST
def delegation_cancel(request: HttpRequest, pk: int) -> HttpResponse:
    delegation = queries.delegation_get_for_user(user=request.user, pk=pk)
    allowed = delegation.created_by_id == request.user.pk or queries.can_manage_delegations_of(
        user=request.user, principal=delegation.principal
    )
    if not allowed:
        raise PermissionDenied
    flash_action(
        request,
        lambda: actions.delegation_cancel(actor=request.user, delegation=delegation),
        done=_("The delegation was cancelled."),
    )
    return redirect("organization:delegation_list")


# --- import -------------------------------------------------------------------------------------


@staff_required
@require_http_methods(["GET", "POST"])
def import_page(request: HttpRequest) -> HttpResponse:
    _require(request, P.IMPORT_DATA)
    form = ImportForm(request.POST or None, request.FILES or None, initial={"dry_run": True})
    result = None
    file_error = None
    if request.method == "POST" and form.is_valid():
        d = form.cleaned_data
        try:
            result = importing.org_import(
                actor=request.user,
                content=d["file"].read(),
                kind=d["kind"] or None,
                dry_run=d["dry_run"],
            )
        except importing.ImportFileError as exc:
            file_error = exc.message
            form.add_error("file", exc.message)
    status = 400 if (request.method == "POST" and (file_error or not form.is_valid())) else 200
    if result is not None and not result.ok:
        status = 422
    return render(
        request,
        "organization/import.html",
        {"form": form, "result": result, "kinds": importing.ImportKind.CHOICES},
        status=status,
    )


@staff_required
def import_template(request: HttpRequest, kind: str, fmt: str) -> HttpResponse:
    _require(request, P.IMPORT_DATA)
    if kind not in importing.COLUMNS or fmt not in ("xlsx", "csv"):
        raise Http404
    english = request.GET.get("lang") == "en"
    if fmt == "xlsx":
        body = importing.template_xlsx(kind, english=english)
        content_type = importing.XLSX_MIME
    else:
        body = importing.template_csv(kind, english=english)
        content_type = "text/csv; charset=utf-8"
    response = HttpResponse(body, content_type=content_type)
    response["Content-Disposition"] = f'attachment; filename="cinar-{kind}.{fmt}"'
    return response
