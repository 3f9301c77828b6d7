"""The plan as a PDF to print and keep offline (WeasyPrint)."""

from __future__ import annotations

from django.template.loader import render_to_string
from django.utils import timezone

from civicshield.web.emergency.models import EmergencyPlan
from civicshield.web.team.models import PlatformAccount

ERROR_NO_PDF = (
    "The PDF could not be made: WeasyPrint needs the Pango libraries "
    "(Debian: apt-get install libpango-1.0-0 libpangoft2-1.0-0 libharfbuzz-subset0)."
)


class PdfUnavailable(Exception):
    """WeasyPrint or its system libraries are missing."""


def plan_pdf(plan: EmergencyPlan) -> bytes:
    # WeasyPrint turns on Pillow's process-wide LOAD_TRUNCATED_IMAGES when first imported,
    # which would let the privacy scanner accept damaged photos in this process afterwards.
    # The plan has no images, so put the setting back.
    from PIL import ImageFile

    truncated = ImageFile.LOAD_TRUNCATED_IMAGES
    try:
        from weasyprint import HTML
    except (ImportError, OSError) as exc:
        raise PdfUnavailable(ERROR_NO_PDF) from exc
    finally:
        ImageFile.LOAD_TRUNCATED_IMAGES = truncated
    html = render_to_string(
        "emergency/plan_print.html",
        {
            "plan": plan,
            "office": plan.office,
            "contacts": plan.contacts.all(),
            "playbooks": plan.playbooks.all(),
            "accounts": PlatformAccount.objects.filter(office=plan.office, is_closed=False),
            "printed": timezone.localtime(),
        },
    )
    # The template is self-contained: nothing is fetched, whatever an office typed into a field.
    return bytes(HTML(string=html, url_fetcher=_refuse_fetch).write_pdf())


def _refuse_fetch(url: str, *args: object, **kwargs: object) -> dict[str, object]:
    raise ValueError(f"the plan PDF loads no outside resources ({url[:60]})")
