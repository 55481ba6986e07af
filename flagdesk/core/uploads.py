"""Request bodies too large to accept are refused from their Content-Length, unread.

Django reads a body only when something asks for it, but ``CsrfViewMiddleware`` asks for
``request.POST`` of every unsafe request before the view runs, and the multipart parser writes
each file over ``FILE_UPLOAD_MAX_MEMORY_SIZE`` to a temporary file. Without a cap, a client could
make any POST route write hundreds of megabytes to disk before the view refuses it. So:

- ``BodyLimitMiddleware`` (listed before ``CsrfViewMiddleware``) answers 413 to any request
  whose declared length is over ``settings.MAX_REQUEST_BYTES``, before anything reads it;
- a view that knows a tighter limit and a better answer for its own users (the public report
  form) wraps itself in ``body_limit``, and the middleware leaves the check to it;
- an anonymous POST to any other page (login, the status page...) has its files skipped
  unread: no public page but the report form takes a file, so no other writes one to disk.

Only the declared length counts: Django's WSGI request reads a body without a Content-Length
as empty, and never reads past the length it declares.
"""

from __future__ import annotations

import logging
from collections.abc import Callable
from functools import wraps
from typing import Any

from django.conf import settings
from django.core.files.uploadhandler import FileUploadHandler, SkipFile
from django.http import HttpRequest, HttpResponse, JsonResponse
from django.utils.translation import gettext as _

from .errors import TooLarge

log = logging.getLogger(__name__)

View = Callable[..., HttpResponse]
# Marks a view wrapped in ``body_limit``: it checks its body and receives its files itself.
OWN_LIMIT = "has_own_body_limit"


def declared_length(request: HttpRequest) -> int:
    """The body length the client announced; 0 if none (or nonsense: Django reads nothing)."""
    try:
        return max(int(request.META.get("CONTENT_LENGTH") or 0), 0)
    except ValueError:
        return 0


def megabytes(count: int) -> str:
    """``30`` for 30 MiB, ``1.5`` for 1.5 MiB: limits as people read them in messages."""
    value = count / (1024 * 1024)
    return f"{value:.0f}" if value >= 10 else f"{value:.1f}"


def too_large(limit: int) -> TooLarge:
    """The 413 error for a body over ``limit`` bytes, saying the limit and what to do."""
    return TooLarge(
        _(
            "The request is too large: at most %(megabytes)s MB can be sent at once. "
            "Send a smaller file, or none."
        )
        % {"megabytes": megabytes(limit)}
    )


def check_body_size(request: HttpRequest, limit: int) -> None:
    """Raise ``TooLarge`` if the request declares more than ``limit`` bytes (nothing is read).

    For API operations, whose errors the API's handler turns into ``{"error": {...}}``.
    """
    length = declared_length(request)
    if length > limit:
        log.info("request.too_large", extra={"declared_bytes": length, "limit_bytes": limit})
        raise too_large(limit)


def body_limit(
    max_bytes: Callable[[], int], *, refuse: Callable[[HttpRequest, int], HttpResponse]
) -> Callable[[View], View]:
    """Decorate a view that refuses bodies over ``max_bytes()`` with its own ``refuse`` page.

    The check runs before the view and before anything reads the body, but only if the view
    is also ``csrf_exempt`` (the CSRF check reads the body; the view runs it itself later,
    e.g. through ``csrf_protect``): otherwise ``CsrfViewMiddleware`` reads the body first.
    """

    def decorate(view: View) -> View:
        @wraps(view)
        def limited(request: HttpRequest, *args: Any, **kwargs: Any) -> HttpResponse:
            limit = max_bytes()
            length = declared_length(request)
            if length > limit:
                log.info(
                    "request.too_large", extra={"declared_bytes": length, "limit_bytes": limit}
                )
                return refuse(request, limit)
            return view(request, *args, **kwargs)

        setattr(limited, OWN_LIMIT, True)
        return limited

    return decorate


class BodyLimitMiddleware:
    """413 for any body over ``MAX_REQUEST_BYTES``, decided before CSRF or a view reads it.

    Under ``/api/`` the answer is the API's JSON error format; elsewhere a short translated
    page (a route with users who need more, like the report form, uses ``body_limit``).
    """

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        return self.get_response(request)

    def process_view(
        self, request: HttpRequest, view: View, args: Any, kwargs: Any
    ) -> HttpResponse | None:
        if getattr(view, OWN_LIMIT, False):
            return None
        limit = int(settings.MAX_REQUEST_BYTES)
        length = declared_length(request)
        is_api = request.path.startswith("/api/")
        if length <= limit:
            # API routes read their bodies only after authenticating (none is CSRF-checked);
            # staff pages that take files are used by signed-in people.
            if not is_api and not request.user.is_authenticated:
                request.upload_handlers = [SkipFiles(request)]
            return None
        log.info("request.too_large", extra={"declared_bytes": length, "limit_bytes": limit})
        error = too_large(limit)
        if is_api:
            return JsonResponse({"error": error.as_dict()}, status=error.status)
        return HttpResponse(
            str(error.message), status=error.status, content_type="text/plain; charset=utf-8"
        )


class SkipFiles(FileUploadHandler):
    """Parses a form's text fields and skips every file unread: nothing reaches the disk."""

    def new_file(self, *args: Any, **kwargs: Any) -> None:
        raise SkipFile

    def receive_data_chunk(self, raw_data: bytes, start: int) -> bytes | None:
        raise SkipFile  # not reached: new_file skipped the file already

    def file_complete(self, file_size: int) -> None:
        return None
