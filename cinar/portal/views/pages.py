"""Citizen portal pages."""

from __future__ import annotations

from django.http import HttpRequest, HttpResponse
from django.shortcuts import render
from django.utils.translation import gettext_lazy as _

# What the platform offers a citizen: (Bootstrap icon, title, text).
OFFERS = [
    (
        "bi-send-check",
        _("Apply online"),
        _("Apply for municipal services from one place, without queues or paper forms."),
    ),
    (
        "bi-megaphone",
        _("Requests and complaints"),
        _("Report a broken street light, a pothole or any other problem in your neighbourhood."),
    ),
    (
        "bi-signpost-split",
        _("Follow every step"),
        _("See where your application is, who is working on it and when it is expected to end."),
    ),
    (
        "bi-patch-check",
        _("Electronically signed results"),
        _("Receive official answers signed electronically, each with a verification code."),
    ),
    (
        "bi-bell",
        _("Notifications your way"),
        _("Choose to be told by SMS, e-mail or KEP when something happens."),
    ),
    (
        "bi-translate",
        _("In Turkish and English"),
        _("Use every page in the language you prefer."),
    ),
]

STEPS = [
    (_("Sign in"), _("Create an account with your T.C. identity number or log in.")),
    (_("Apply"), _("Choose the service you need and fill in a short form.")),
    (_("Follow"), _("Track your application and get the result online.")),
]


def home(request: HttpRequest) -> HttpResponse:
    """The public front page: what the municipality offers online, and how to start."""
    return render(request, "portal/home.html", {"offers": OFFERS, "steps": STEPS})
