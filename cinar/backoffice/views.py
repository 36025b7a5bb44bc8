"""Back-office pages: the staff workspace home."""

from __future__ import annotations

from django.http import HttpRequest, HttpResponse
from django.shortcuts import render

from cinar.backoffice.permissions import staff_required
from cinar.organization import queries as organization


@staff_required
def home(request: HttpRequest) -> HttpResponse:
    """Where a staff member starts: their units and positions, the vekalet in force."""
    user = request.user
    memberships = [m for m in organization.staff_memberships(user=user) if m.is_active_on()]
    return render(
        request,
        "backoffice/home.html",
        {
            "memberships": memberships,
            "delegations_given": organization.delegations_active_for(user=user),
            "delegations_received": organization.delegations_acting_for(deputy=user),
        },
    )
