"""Write-once rows (the audit log, evidence): saving an existing row or deleting one raises.

Each model names its own exception and message (``Immutable`` and ``REFUSED_MESSAGE``), so
callers and tests can tell an audit-log refusal from an evidence one.
"""

from __future__ import annotations

from typing import Any, ClassVar, NoReturn

from django.db import models


class ImmutableQuerySet(models.QuerySet[Any]):
    def _refuse(self) -> NoReturn:
        raise self.model.Immutable(self.model.REFUSED_MESSAGE)

    def update(self, **kwargs: Any) -> NoReturn:
        self._refuse()

    def delete(self) -> NoReturn:
        self._refuse()

    def bulk_update(self, *args: Any, **kwargs: Any) -> NoReturn:
        self._refuse()


class ImmutableModel(models.Model):
    Immutable: ClassVar[type[Exception]]
    """The exception raised on any attempt to change or delete a row."""
    REFUSED_MESSAGE: ClassVar[str]
    """What that exception says, in plain words."""

    objects: ClassVar[ImmutableQuerySet] = ImmutableQuerySet.as_manager()  # type: ignore[assignment]

    class Meta:
        abstract = True

    def save(self, *args: Any, **kwargs: Any) -> None:
        if not self._state.adding:
            raise self.Immutable(self.REFUSED_MESSAGE)
        super().save(*args, **kwargs)

    def delete(self, *args: Any, **kwargs: Any) -> NoReturn:
        raise self.Immutable(self.REFUSED_MESSAGE)
