"""A believable demo office, so that a fresh install has something to look at."""

from __future__ import annotations

import os

from django.conf import settings
from django.db import transaction

from civicshield.core.passphrase import generate
from civicshield.web.accounts import services as accounts
from civicshield.web.accounts.models import Office
from civicshield.web.accounts.roles import Role
from civicshield.web.inbox.demo import seed_demo_inbox
from civicshield.web.mailguard.demo import seed_demo_mailguard
from civicshield.web.publishing.demo import seed_demo_publishing
from civicshield.web.team.demo import seed_demo_apps

CREDENTIALS_FILE = "demo-credentials.txt"

DEMO_PEOPLE = [
    ("Jane Morgan MP", "jane.morgan@demo.civicshield.test", Role.REPRESENTATIVE, True),
    ("Priya Shah", "priya.shah@demo.civicshield.test", Role.OFFICE_MANAGER, True),
    ("Tom Ellis", "tom.ellis@demo.civicshield.test", Role.COMMS_OFFICER, False),
    ("Grace Okafor", "grace.okafor@demo.civicshield.test", Role.CASEWORKER, False),
    ("Sam Reid", "sam.reid@demo.civicshield.test", Role.VOLUNTEER, False),
]


def _password() -> str:
    # Four random words: strong, and easy to type when trying the demo.
    return generate(4)


@transaction.atomic
def seed_demo() -> Office:
    office = accounts.office_create(
        name="Office of Jane Morgan MP", kind=Office.Kind.MP, own_domains=["parliament.uk"]
    )
    lines = [
        "Demo office created: Office of Jane Morgan MP",
        "Sign in at http://127.0.0.1:8000/ with any of these (you will set up two-factor sign-in first):",
    ]
    for name, email, role, on_call in DEMO_PEOPLE:
        password = _password()
        accounts.member_add(
            office=office,
            email=email,
            full_name=name,
            role=role,
            password=password,
            on_call=on_call,
        )
        lines.append(f"  {Role(role).label:<16} {email:<40} {password}")
    seed_demo_apps(office)  # team, emergency, habits
    seed_demo_inbox(office)
    seed_demo_mailguard(office)
    seed_demo_publishing(office)
    path = settings.DATA_DIR / CREDENTIALS_FILE
    fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
    with os.fdopen(fd, "w") as handle:
        handle.write("\n".join(lines) + "\n")
    return office


def demo_credentials_text() -> str | None:
    path = settings.DATA_DIR / CREDENTIALS_FILE
    return path.read_text() if path.exists() else None
