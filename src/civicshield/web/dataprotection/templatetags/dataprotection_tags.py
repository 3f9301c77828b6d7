"""Template helpers for the legal-hold panels on the inbox's author and message pages."""

from __future__ import annotations

from django import template

from civicshield.web.dataprotection.models import LegalHold
from civicshield.web.dataprotection.selectors import holds_active_for
from civicshield.web.inbox.models import Author, Message

register = template.Library()


@register.simple_tag
def active_holds_for_author(author: Author) -> list[LegalHold]:
    return holds_active_for(author=author)


@register.simple_tag
def active_holds_for_message(message: Message) -> list[LegalHold]:
    return holds_active_for(message=message)
