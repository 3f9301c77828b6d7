"""Demo messages: what a real office's inbox looks like on an ordinary bad week."""

from __future__ import annotations

import datetime as dt

from django.utils import timezone

from civicshield.core.imports import IncomingMessage
from civicshield.web.accounts.models import Office
from civicshield.web.inbox.models import Message
from civicshield.web.inbox.services import messages_ingest

DEMO_MESSAGES = [
    ("mastodon", "@patriot1984@mastodon.example", "I know where you live. Watch your back, Jane."),
    ("mastodon", "@patriot1984@mastodon.example", "You'll end up like Jo Cox if you keep this up"),
    ("mastodon", "@patriot1984@mastodon.example", "traitor. everyone knows what you are"),
    ("bluesky", "patriot1984.bsky.social", "still waiting for an answer, traitor"),
    ("email", "angry.voter@example.net", "You are a useless, lying disgrace and should resign"),
    ("mastodon", "@sk8rboi@social.example", "shut up you stupid cow"),
    ("mastodon", "@resident@town.example", "Your policy is killing the NHS. Vote her out."),
    (
        "mastodon",
        "@resident@town.example",
        "Thanks for visiting our school today, the kids loved it",
    ),
    (
        "email",
        "caseworker.request@example.org",
        "Please could you help with my housing case? Reference 4471.",
    ),
    (
        "bluesky",
        "dailycritic.bsky.social",
        "I strongly disagree with your vote on the planning bill.",
    ),
    ("mastodon", "@bot77@spam.example", "Claim your FREE crypto now!!! click here to win"),
    (
        "mastodon",
        "@lurker@mastodon.example",
        "Her kids go to St Mary's primary on Elm Road, just saying",
    ),
    ("email", "ben.k@example.com", "Great speech yesterday, thank you for standing up for carers."),
    ("bluesky", "nightowl.bsky.social", "f***ing hell what a week in parliament"),
]


def seed_demo_inbox(office: Office) -> None:
    items = [
        IncomingMessage(
            platform=platform,
            platform_id=f"demo-{n}",
            author_handle=handle,
            text=text,
            author_name=handle.split("@")[1 if handle.startswith("@") else 0].split(".")[0],
            is_direct=platform == "email",
        )
        for n, (platform, handle, text) in enumerate(DEMO_MESSAGES)
    ]
    messages_ingest(office=office, items=items)
    # Spread the demo over the last ten days so the charts have a shape.
    now = timezone.now()
    for n, message in enumerate(Message.objects.filter(office=office).order_by("pk")):
        when = now - dt.timedelta(days=(n * 7) % 10, hours=n)
        Message.objects.filter(pk=message.pk).update(received_at=when, posted_at=when)
