"""A paginator that stops counting at a cap, so a page of a million-row table stays fast."""

from __future__ import annotations

from functools import cached_property

from django.core.paginator import Paginator

COUNT_CAP = 10_000


class CappedPaginator(Paginator):  # type: ignore[type-arg]
    """Counts at most ``COUNT_CAP + 1`` rows; ``count_is_capped`` says when there were more.

    Counting every matching row of a large queue costs more than showing the page itself;
    nobody pages past 200 pages of 50, so "more than 10,000" is all a person needs to know.
    """

    @cached_property
    def count(self) -> int:
        limited = self.object_list[: COUNT_CAP + 1]
        return (
            len(limited.values_list("pk", flat=True))
            if hasattr(limited, "values_list")
            else len(limited)
        )

    @property
    def count_is_capped(self) -> bool:
        return self.count > COUNT_CAP
