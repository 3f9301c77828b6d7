"""The test cast: Office A with one member per role, and Office B whose manager must see none of it.

"Bob (Office B) should have no access to Alice's (Office A) stuff."
"""

from __future__ import annotations

import itertools
import time
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from django.test import Client
from django_otp.plugins.otp_totp.models import TOTPDevice

from civicshield.web.accounts import services
from civicshield.web.accounts.models import Membership, Office, User
from civicshield.web.accounts.roles import Role

PASSWORD = "kettle-orbit-lantern-moss"  # noqa: S105 - the test cast's password


@dataclass
class Cast:
    office_a: Office
    office_b: Office
    representative: Membership
    manager: Membership
    comms: Membership
    caseworker: Membership
    volunteer: Membership
    other_manager: Membership
    """Office B's manager: must never see or change Office A's data."""

    def by_role(self) -> dict[str, Membership]:
        return {
            Role.REPRESENTATIVE: self.representative,
            Role.OFFICE_MANAGER: self.manager,
            Role.COMMS_OFFICER: self.comms,
            Role.CASEWORKER: self.caseworker,
            Role.VOLUNTEER: self.volunteer,
        }


def make_cast() -> Cast:
    office_a = services.office_create(
        name="Office of Alice Adams MP", own_domains=["parliament.uk"]
    )
    office_b = services.office_create(name="Office of Bob Brown MP", own_domains=["parliament.uk"])

    def add(office: Office, email: str, name: str, role: str, on_call: bool = False) -> Membership:
        return services.member_add(
            office=office,
            email=email,
            full_name=name,
            role=role,
            password=PASSWORD,
            on_call=on_call,
        )

    return Cast(
        office_a=office_a,
        office_b=office_b,
        representative=add(office_a, "alice@a.example", "Alice Adams", Role.REPRESENTATIVE, True),
        manager=add(office_a, "maya@a.example", "Maya Patel", Role.OFFICE_MANAGER, True),
        comms=add(office_a, "carl@a.example", "Carl Jones", Role.COMMS_OFFICER),
        caseworker=add(office_a, "cara@a.example", "Cara Lee", Role.CASEWORKER),
        volunteer=add(office_a, "vic@a.example", "Vic Stone", Role.VOLUNTEER),
        other_manager=add(office_b, "bob@b.example", "Bob Brown", Role.OFFICE_MANAGER),
    )


def confirmed_totp(user: User) -> TOTPDevice:
    device = TOTPDevice.objects.filter(user=user, confirmed=True).first()
    return device or TOTPDevice.objects.create(user=user, name="test", confirmed=True)


def signed_in_client(user: User, client: Client | None = None) -> Client:
    """A test client signed in with password and two-factor, as after a real sign-in."""
    client = client or Client()
    client.force_login(user)
    device = confirmed_totp(user)
    session = client.session
    session["otp_device_id"] = device.persistent_id
    session.save()
    return client


def reauthenticated_client(user: User) -> Client:
    """A signed-in client that has just re-confirmed who it is (for ``@require_reauth`` pages)."""
    from civicshield.web.accounts.reauth import REAUTH_SESSION_KEY

    client = signed_in_client(user)
    session = client.session
    session[REAUTH_SESSION_KEY] = time.time()
    session.save()
    return client


_sequence = itertools.count(1)

# Pages anyone may open without signing in.
PUBLIC_URL_NAMES = {"accounts:login", "healthz", "api:api_push_messages", "api:api_openapi"}
PUBLIC_URL_NAMES.add("favicon")  # browsers ask for it before anyone signs in
PUBLIC_URL_NAMES.add("team:invitation_join")  # team: the invited person has no account yet
PUBLIC_URL_NAMES.add("team:invitation_accept")  # team: the emailed link, guarded by its token

# For each URL that names an object: how to make one in Office A (returns the URL kwargs).
# Office B's manager must get 404 for every one of them (web/tests/test_authorization.py).
OFFICE_OBJECT_URLS: dict[str, Callable[[Cast], dict[str, Any]]] = {}


# --- team ----------------------------------------------------------------------------------


def _team_account(cast: Cast) -> dict[str, Any]:
    from civicshield.web.team import services as team

    account = team.account_create(
        actor=cast.manager, platform="facebook", name="Constituency page", access=[cast.comms]
    )
    return {"pk": account.pk}


def _team_invitation(cast: Cast) -> dict[str, Any]:
    from django.core import mail

    from civicshield.web.team import services as team

    mail.outbox = []
    # A new address each call: the authorization matrix asks for one object per member.
    invitation, token = team.invitation_send(
        actor=cast.manager,
        email=f"new.person.{next(_sequence)}@a.example",
        role=Role.CASEWORKER,
    )
    return {"pk": invitation.pk, "token": token}


def _team_offboarding(cast: Cast) -> dict[str, Any]:
    from civicshield.web.team.offboarding import member_offboard

    # Someone outside the cast leaves, so every cast member can still be asked.
    leaver = services.member_add(
        office=cast.office_a,
        email=f"leaver.{next(_sequence)}@a.example",
        full_name="Lee Leaver",
        role=Role.CASEWORKER,
        password=PASSWORD,
    )
    return {"pk": member_offboard(actor=cast.manager, membership=leaver).pk}


def _team_task(cast: Cast) -> dict[str, Any]:
    import datetime as dt

    from django.utils import timezone

    from civicshield.web.team import services as team

    task = team.task_create(
        office=cast.office_a,
        kind="improvement",
        title="Turn on 2FA",
        due=timezone.now() + dt.timedelta(days=1),
    )
    return {"pk": task.pk}


def _team_review(cast: Cast) -> Any:
    from civicshield.web.team import services as team

    return team.access_review_start(office=cast.office_a, actor=cast.manager)


# --- inbox -------------------------------------------------------------------------------------


def make_message(
    office: Office,
    text: str = "You are a disgrace",
    *,
    author: str = "@troll",
    platform: str = "mastodon",
    platform_id: str | None = None,
) -> Any:
    """Ingest one message through the real service (so it is classified like any other)."""
    from civicshield.core.imports import IncomingMessage
    from civicshield.web.inbox.models import Message
    from civicshield.web.inbox.services import messages_ingest

    ident = platform_id or f"test-{Message.objects.count() + 1}-{abs(hash(text)) % 10_000}"
    messages_ingest(
        office=office,
        items=[
            IncomingMessage(platform=platform, platform_id=ident, author_handle=author, text=text)
        ],
    )
    return Message.objects.get(office=office, platform=platform, platform_id=ident)


def _inbox_message(cast: Cast) -> dict[str, Any]:
    return {"pk": make_message(cast.office_a).pk}


def _inbox_author(cast: Cast) -> dict[str, Any]:
    return {"pk": make_message(cast.office_a).author_id}


def _inbox_import(cast: Cast) -> dict[str, Any]:
    from civicshield.web.inbox.models import ImportRun

    run = ImportRun.objects.create(office=cast.office_a, kind="table", filename="x.csv", upload=b"")
    return {"pk": run.pk}


def _inbox_source(cast: Cast) -> dict[str, Any]:
    from civicshield.web.inbox.models import Source

    return {"pk": Source.objects.create(office=cast.office_a, kind="imap", name="Mailbox").pk}


def _inbox_token(cast: Cast) -> dict[str, Any]:
    from civicshield.web.inbox.services import api_token_create

    return {"pk": api_token_create(member=cast.manager, name="t")[0].pk}


OFFICE_OBJECT_URLS.update(
    {
        "inbox:message": _inbox_message,
        "inbox:message_action": _inbox_message,
        "inbox:author": _inbox_author,
        "inbox:import_status": _inbox_import,
        "inbox:source_disconnect": _inbox_source,
        "inbox:api_token_revoke": _inbox_token,
    }
)


# --- mailguard ---------------------------------------------------------------------------------


def _mailguard_scanned(cast: Cast) -> dict[str, Any]:
    from civicshield.web.mailguard.models import ScannedEmail

    scanned = ScannedEmail.objects.create(
        office=cast.office_a,
        subject="Invoice",
        verdict="phishing",
        scanned_by=cast.manager,
        raw=b"From: a@b.example\r\nSubject: Invoice\r\n\r\nPay now.\r\n",
    )
    return {"pk": scanned.pk}


def _mailguard_contact(cast: Cast) -> dict[str, Any]:
    from civicshield.web.mailguard.models import TrustedContact

    n = next(_sequence)
    contact = TrustedContact.objects.create(
        office=cast.office_a, name=f"Sarah Jones {n}", email=f"sarah.jones.{n}@parliament.uk"
    )
    return {"pk": contact.pk}


def _mailguard_mailbox(cast: Cast) -> dict[str, Any]:
    from civicshield.web.mailguard.models import WatchedMailbox

    mailbox = WatchedMailbox.objects.create(
        office=cast.office_a,
        name="Office",
        address="office@parliament.uk",
        password="x",  # noqa: S106 - test value
    )
    return {"pk": mailbox.pk}


# --- evidence ----------------------------------------------------------------------------------


def make_evidence(cast: Cast, text: str = "I know where you live", **kwargs: Any) -> Any:
    """A message in Office A recorded as evidence by the caseworker."""
    from civicshield.web.evidence.services import evidence_record

    message = make_message(cast.office_a, text)
    return evidence_record(member=cast.caseworker, message=message, **kwargs)


def _evidence_record(cast: Cast) -> dict[str, Any]:
    return {"pk": make_evidence(cast).pk}


def _evidence_record_screenshot(cast: Cast) -> dict[str, Any]:
    return {"pk": make_evidence(cast, screenshot_post=b"\x89PNG\r\n\x1a\n").pk, "kind": "post"}


def _evidence_screenshot(cast: Cast) -> dict[str, Any]:
    from civicshield.web.evidence.models import EvidenceScreenshot

    shot = EvidenceScreenshot(record=make_evidence(cast), kind="post", image=b"png", sha256="0")
    shot.save()
    return {"pk": shot.pk}


def _evidence_case(cast: Cast) -> dict[str, Any]:
    from civicshield.web.evidence.services import case_open

    message = make_message(cast.office_a)
    case = case_open(
        member=cast.caseworker, author=message.author, title="Case", messages=[message]
    )
    return {"pk": case.pk}


def _evidence_report(cast: Cast) -> dict[str, Any]:
    from civicshield.web.evidence.models import Case
    from civicshield.web.evidence.services import platform_report_add

    case = Case.objects.get(pk=_evidence_case(cast)["pk"])
    return {"pk": platform_report_add(member=cast.caseworker, case=case, platform="mastodon").pk}


OFFICE_OBJECT_URLS.update(
    {
        "mailguard:email": _mailguard_scanned,
        "mailguard:report": _mailguard_scanned,
        "mailguard:report_eml": _mailguard_scanned,
        "mailguard:contact_delete": _mailguard_contact,
        "mailguard:mailbox_disconnect": _mailguard_mailbox,
        "mailguard:mailbox_reconnect": _mailguard_mailbox,
        "mailguard:mailbox_watch_mail": _mailguard_mailbox,
        "mailguard:forwarding": _mailguard_mailbox,
        "mailguard:forwarding_run": _mailguard_mailbox,
        "evidence:record_message": _inbox_message,
        "evidence:message_pack": lambda cast: {"pk": make_evidence(cast).message_id},
        "evidence:record": _evidence_record,
        "evidence:record_correct": _evidence_record,
        "evidence:record_original": _evidence_record,
        "evidence:record_screenshot": _evidence_record_screenshot,
        "evidence:screenshot": _evidence_screenshot,
        "evidence:record_author": _inbox_author,
        "evidence:author_pack": lambda cast: {"pk": make_evidence(cast).message.author_id},
        "evidence:author_cases": _inbox_author,
        "evidence:case": _evidence_case,
        "evidence:case_action": _evidence_case,
        "evidence:case_pack": _evidence_case,
        "evidence:case_report_text": _evidence_case,
        "evidence:report_outcome": _evidence_report,
    }
)


OFFICE_OBJECT_URLS.update(
    {
        "team:account_edit": _team_account,
        "team:invitation_revoke": lambda cast: {"pk": _team_invitation(cast)["pk"]},
        "team:invitation_accept": lambda cast: {"token": _team_invitation(cast)["token"]},
        "team:offboard": lambda cast: {"pk": cast.caseworker.pk},
        "team:offboarding_record": _team_offboarding,
        "team:task_done": _team_task,
        "team:review_confirm": lambda cast: {"pk": _team_review(cast).items.first().pk},
        "team:review_complete": lambda cast: {"pk": _team_review(cast).pk},
    }
)


# --- emergency -----------------------------------------------------------------------------


def _emergency_drill(cast: Cast) -> Any:
    from civicshield.web.emergency import services as emergency

    return emergency.incident_open(actor=cast.manager, kind="damaging_post", drill=True)


def _emergency_plan(cast: Cast) -> Any:
    from civicshield.web.emergency import services as emergency

    return emergency.plan_for_office(cast.office_a)


OFFICE_OBJECT_URLS.update(
    {
        "emergency:contact_edit": lambda cast: {"pk": _emergency_plan(cast).contacts.first().pk},
        "emergency:playbook_edit": lambda cast: {"pk": _emergency_plan(cast).playbooks.first().pk},
        "emergency:incident": lambda cast: {"pk": _emergency_drill(cast).pk},
        "emergency:incident_note": lambda cast: {"pk": _emergency_drill(cast).pk},
        "emergency:incident_close": lambda cast: {"pk": _emergency_drill(cast).pk},
        "emergency:step_mark": lambda cast: {"pk": _emergency_drill(cast).steps.first().pk},
    }
)


# --- habits --------------------------------------------------------------------------------


def _habits_assessment(cast: Cast) -> dict[str, Any]:
    from civicshield.web.habits import services as habits

    return {"pk": habits.assessment_start(actor=cast.manager).pk}


OFFICE_OBJECT_URLS.update(
    {
        "habits:assessment_complete": _habits_assessment,
        "habits:assessment_export": _habits_assessment,
    }
)
OFFICE_OBJECT_URLS["team:change_role"] = lambda cast: {"pk": cast.volunteer.pk}


# --- publishing -------------------------------------------------------------------------------
def _publishing_account(cast: Cast) -> Any:
    from civicshield.web.publishing import connections

    return connections.account_create_demo(
        member=cast.manager, platform="mastodon", handle="@alice@demo.invalid"
    )


def _publishing_draft(cast: Cast) -> Any:
    from civicshield.web.publishing import services

    return services.draft_create(
        member=cast.volunteer, account=_publishing_account(cast), text="Surgery on Friday"
    )


def _publishing_image(cast: Cast) -> dict[str, Any]:
    import io

    from PIL import Image

    from civicshield.web.publishing import services

    out = io.BytesIO()
    Image.new("RGB", (4, 4)).save(out, format="PNG")
    image = services.draft_image_add(
        member=cast.volunteer,
        draft=_publishing_draft(cast),
        data=out.getvalue(),
        filename="a.png",
        alt_text="",
    )
    return {"pk": image.pk}


OFFICE_OBJECT_URLS.update(
    {
        "publishing:draft": lambda cast: {"pk": _publishing_draft(cast).pk},
        "publishing:draft_action": lambda cast: {
            "pk": _publishing_draft(cast).pk,
            "action": "approve",
        },
        "publishing:image": _publishing_image,
        "publishing:account": lambda cast: {"pk": _publishing_account(cast).pk},
        "publishing:account_access": lambda cast: {"pk": _publishing_account(cast).pk},
        "publishing:account_disconnect": lambda cast: {"pk": _publishing_account(cast).pk},
        "publishing:account_app_password": lambda cast: {"pk": _publishing_account(cast).pk},
        "publishing:account_log": lambda cast: {"pk": _publishing_account(cast).pk},
    }
)


# --- data protection ---------------------------------------------------------------------------


def _dataprotection_hold(cast: Cast) -> dict[str, Any]:
    from civicshield.web.dataprotection.services import legal_hold_place

    message = make_message(cast.office_a)
    return {"pk": legal_hold_place(member=cast.manager, reason="Police", message=message).pk}


OFFICE_OBJECT_URLS.update(
    {
        "dataprotection:hold_author": _inbox_author,
        "dataprotection:hold_message": _inbox_message,
        "dataprotection:hold_lift": _dataprotection_hold,
        "dataprotection:export_author": _inbox_author,
        "dataprotection:erase_author": _inbox_author,
        "dataprotection:export_person": lambda cast: {"pk": cast.caseworker.pk},
    }
)
