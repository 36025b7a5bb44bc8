"""`manage.py demo_totp USERNAME`: the current one-time code of a demo account.

Only for the TOTP devices that seed_demo created (named "demo"); a real user's device
is never read here.
"""

from __future__ import annotations

import time
from typing import Any

from django.core.management.base import BaseCommand, CommandError
from django_otp.oath import totp
from django_otp.plugins.otp_totp.models import TOTPDevice

from cinar.demo.actions import DEMO_DEVICE_NAME


class Command(BaseCommand):
    help = "Print the current TOTP code of a demo account (seed_demo devices only)."

    def add_arguments(self, parser: Any) -> None:
        parser.add_argument("username")

    def handle(self, *args: Any, **options: Any) -> None:
        device = TOTPDevice.objects.filter(
            user__username=options["username"], name=DEMO_DEVICE_NAME, confirmed=True
        ).first()
        if device is None:
            raise CommandError(f"{options['username']} has no demo TOTP device.")
        code = totp(
            device.bin_key, step=device.step, t0=device.t0, digits=device.digits, drift=device.drift
        )
        remaining = device.step - int(time.time() - device.t0) % device.step
        self.stdout.write(f"{code:0{device.digits}d}  (valid for {remaining} s)")
