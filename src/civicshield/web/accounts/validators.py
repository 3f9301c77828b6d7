"""Password strength by zxcvbn, with advice that points to three random words."""

from __future__ import annotations

import re
from typing import Any

from django.core.exceptions import ValidationError
from zxcvbn import zxcvbn

MIN_SCORE = 3
# Advice text, not a password (ruff's S105 only looks at the name).
WEAK_PASSWORD_ADVICE = (
    "Try three random words, for example 'kettle-orbit-lantern': "  # noqa: S105
    "long, easy to remember, hard to guess."
)


class ZxcvbnValidator:
    """Refuse passwords zxcvbn scores below 3 of 4, explaining why in plain words."""

    def validate(self, password: str, user: Any = None) -> None:
        user_inputs: list[str] = []
        if user is not None:
            # Whole values and their parts, so "alice.adams1970" is seen as built from the name.
            for value in (str(getattr(user, "email", "")), str(getattr(user, "full_name", ""))):
                user_inputs.append(value)
                user_inputs.extend(re.split(r"[^\w]+", value))
        result = zxcvbn(password[:100], user_inputs=[u for u in user_inputs if len(u) > 1])
        if result["score"] >= MIN_SCORE:
            return
        feedback = result.get("feedback", {})
        parts = ["This password would be too easy to guess."]
        if feedback.get("warning"):
            parts.append(str(feedback["warning"]).rstrip(".") + ".")
        parts.append(WEAK_PASSWORD_ADVICE)
        raise ValidationError(" ".join(parts), code="password_too_weak")

    def get_help_text(self) -> str:
        return "Use a long password that is hard to guess. " + WEAK_PASSWORD_ADVICE
