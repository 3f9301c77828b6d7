from __future__ import annotations

import csv
import json
from collections.abc import Iterator
from typing import Any

from django.core.paginator import Paginator
from django.http import HttpResponse, HttpResponseRedirect, StreamingHttpResponse
from django.shortcuts import render

from civicshield.web.accounts.decorators import member_required
from civicshield.web.accounts.http import MemberRequest
from civicshield.web.accounts.roles import Capability
from civicshield.web.audit.actions import (
    LogRow,
    action_label,
    area_for_prefix,
)
from civicshield.web.audit.forms import AuditFilterForm
from civicshield.web.audit.selectors import audit_list_for_member
from civicshield.web.csvcell import csv_cell
from civicshield.web.downloads import attachment_response

# "what_happened" (plain words) sits next to the stored code it explains; every earlier column
# is still there under the same name.
CSV_COLUMNS = [
    "seq",
    "created",
    "actor",
    "action",
    "what_happened",
    "target_type",
    "target_id",
    "target",
    "details",
    "prev_hash",
    "entry_hash",
]


def _filtered(request: MemberRequest) -> tuple[AuditFilterForm, Any]:
    form = AuditFilterForm(request.GET or None)
    filters: dict[str, Any] = {}
    if form.is_valid():
        filters = {k: v for k, v in form.cleaned_data.items() if v}
    return form, audit_list_for_member(member=request.member, **filters)


@member_required(Capability.VIEW_AUDIT)
def audit_log(request: MemberRequest) -> HttpResponse:
    legacy = request.GET.get("action", "")
    area = area_for_prefix(legacy) if legacy and not request.GET.get("area") else None
    if area is not None:
        # An older link filtered by a whole part of the code ("?action=dataprotection"):
        # the area filter now says the same in words.
        query = request.GET.copy()
        query.pop("action")
        query.pop("page", None)
        query["area"] = area.value
        return HttpResponseRedirect(f"{request.path}?{query.urlencode()}")
    form, entries = _filtered(request)
    page = Paginator(entries, 50).get_page(request.GET.get("page"))
    query = request.GET.copy()
    query.pop("page", None)
    without_code = query.copy()
    without_code.pop("action", None)
    return render(
        request,
        "audit/log.html",
        {
            "form": form,
            "page": page,
            "rows": [LogRow.of(entry) for entry in page],
            "query": query.urlencode(),
            "code_filter": form.cleaned_data.get("action", "") if form.is_valid() else "",
            "without_code_filter": without_code.urlencode(),
        },
    )


class _Echo:
    def write(self, value: str) -> str:
        return value


@member_required(Capability.VIEW_AUDIT)
def audit_export(request: MemberRequest) -> StreamingHttpResponse:
    _, entries = _filtered(request)
    writer = csv.writer(_Echo())

    def rows() -> Iterator[str]:
        yield writer.writerow(CSV_COLUMNS)
        for e in entries.order_by("seq").iterator(chunk_size=2000):
            yield writer.writerow(
                [
                    e.seq,
                    e.created.isoformat(),
                    csv_cell(e.actor_label),
                    csv_cell(e.action),
                    csv_cell(action_label(e.action)),
                    csv_cell(e.target_type),
                    e.target_id,
                    csv_cell(e.target_label),
                    csv_cell(json.dumps(e.details, ensure_ascii=False, sort_keys=True)),
                    e.prev_hash,
                    e.entry_hash,
                ]
            )

    return attachment_response(
        rows(), content_type="text/csv; charset=utf-8", filename="civicshield-audit-log.csv"
    )
