"""The look-up page: "is this known?" for a file or pasted hashes, with nothing stored.

A hotline often gets a file by mail or on a phone line before there is any case; staff can
check it against the banks here without creating an item or keeping the file.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from django.http import HttpRequest, HttpResponse
from django.shortcuts import render

from flagdesk.accounts.permissions import role_required
from flagdesk.core.errors import FlagdeskError
from flagdesk.core.forms import show_error

from .. import queries
from ..forms import LookupForm
from ..services.matching import Lookup, find
from ..services.roles import BANK_READERS, LOOKUP_ROLES
from . import request_user

if TYPE_CHECKING:
    from ..media import HashedMedia


@role_required(*LOOKUP_ROLES)
def lookup(request: HttpRequest) -> HttpResponse:
    user = request_user(request)
    form = LookupForm(request.POST or None, request.FILES or None)
    lookups: list[Lookup] | None = None
    media: HashedMedia | None = None
    if request.method == "POST" and form.is_valid():
        upload = form.cleaned_data["file"]
        try:
            if upload:
                from ..media import hash_media  # Pillow and vpdq load on the first upload

                media = hash_media(
                    upload, filename=upload.name or "", declared_mime=upload.content_type or ""
                )
                signals = list(media.signals)
            else:
                signals = form.cleaned_data["hashes"]
            lookups = find(signals)
        except FlagdeskError as e:
            show_error(form, e)
    return render(
        request,
        "matching/lookup.html",
        {
            "form": form,
            "lookups": lookups,
            "media": media,
            "match_count": sum(len(lookup.hits) for lookup in lookups or ()),
            "can_read_banks": user.has_any_role(*BANK_READERS),
            "openable": queries.openable_items(
                user, (hit.entry.item_id for lookup in lookups or () for hit in lookup.hits)
            ),
            "openable_cases": queries.openable_cases(
                user, (hit.entry for lookup in lookups or () for hit in lookup.hits)
            ),
        },
        status=422 if form.errors else 200,
    )
