"""The public HTTP API (docs/api.md), assembled from each app's router."""

from __future__ import annotations

import logging
from typing import Any

from django.conf import settings
from django.core.exceptions import PermissionDenied as DjangoPermissionDenied
from django.core.exceptions import RequestDataTooBig
from django.http import Http404, HttpRequest, HttpResponse
from django.utils.datastructures import MultiValueDict
from django.utils.translation import gettext
from django.views.decorators.csrf import csrf_exempt
from ninja import NinjaAPI
from ninja.errors import AuthenticationError, HttpError
from ninja.errors import ValidationError as NinjaValidationError
from ninja.parser import Parser

from flagdesk.core.errors import FlagdeskError, ValidationFailed
from flagdesk.core.schemas import error_fields
from flagdesk.core.text import is_storable
from flagdesk.core.unavailable import DATABASE_AWAY, RETRY_AFTER_SECONDS

log = logging.getLogger(__name__)


class QueryParser(Parser):
    """ninja's parser, refusing a query string whose values PostgreSQL cannot store or compare
    (a NUL character, a lone surrogate): a 422 naming the parameter, as bodies get from
    ``core.schemas``, instead of a database error on one backend only."""

    def parse_querydict(
        self, data: MultiValueDict[str, Any], list_fields: list[str], request: HttpRequest
    ) -> dict[str, Any]:
        result = super().parse_querydict(data, list_fields, request)
        bad = [
            name
            for name, value in result.items()
            if any(not is_storable(v) for v in (value if isinstance(value, list) else [value]))
        ]
        if bad:
            message = gettext("This text contains characters that are not allowed.")
            raise ValidationFailed(
                gettext("The request is not valid."), fields={name: [message] for name in bad}
            )
        return result


api = NinjaAPI(
    parser=QueryParser(),
    title="flagdesk API",
    version="1",
    urls_namespace="api",
    docs_url="/docs",
    description=(
        "Public intake, items and assessments, notices, platforms, the organisation and hash "
        "banks. Staff calls send `Authorization: Bearer <token>` (`flagdesk user add ... "
        '--token`). Every error is `{"error": {"code", "message", "fields"}}`. '
        "The reference with examples is docs/api.md in the flagdesk repository."
    ),
)


def _error(
    request: HttpRequest,
    status: int,
    code: str,
    message: str,
    fields: dict[str, object] | None = None,
) -> HttpResponse:
    body: dict[str, object] = {"code": code, "message": message}
    if fields:
        body["fields"] = fields
    return api.create_response(request, {"error": body}, status=status)


@api.exception_handler(FlagdeskError)
def on_flagdesk_error(request: HttpRequest, exc: FlagdeskError) -> HttpResponse:
    response = api.create_response(request, {"error": exc.as_dict()}, status=exc.status)
    # An error that knows when trying again makes sense says so (a locked receipt code).
    retry_after = getattr(exc, "retry_after", None)
    if exc.status == 429 and retry_after:
        response["Retry-After"] = str(int(retry_after))
    return response


@api.exception_handler(NinjaValidationError)
def on_validation_error(request: HttpRequest, exc: NinjaValidationError) -> HttpResponse:
    fields = error_fields(list(exc.errors))
    return _error(request, 422, "invalid", gettext("The request is not valid."), dict(fields))


@api.exception_handler(AuthenticationError)
def on_auth_error(request: HttpRequest, exc: AuthenticationError) -> HttpResponse:
    return _error(request, 401, "unauthorized", gettext("A valid API token is required."))


@api.exception_handler(HttpError)
def on_http_error(request: HttpRequest, exc: HttpError) -> HttpResponse:
    if exc.status_code == 400 and str(exc).startswith("Cannot parse request body"):
        # Unparseable JSON is a malformed body like any other: 422 "invalid" (docs/api.md).
        return _error(request, 422, "invalid", gettext("The request body is not valid JSON."))
    return _error(request, exc.status_code, "http_error", str(exc))


@api.exception_handler(Http404)
def on_not_found(request: HttpRequest, exc: Http404) -> HttpResponse:
    return _error(request, 404, "not_found", gettext("Not found."))


@api.exception_handler(DjangoPermissionDenied)
def on_permission_denied(request: HttpRequest, exc: DjangoPermissionDenied) -> HttpResponse:
    return _error(request, 403, "forbidden", gettext("Your role does not allow this action."))


@api.exception_handler(RequestDataTooBig)
def on_body_too_large(request: HttpRequest, exc: RequestDataTooBig) -> HttpResponse:
    return _error(
        request,
        413,
        "too_large",
        gettext("The request body is too large: at most %(mb)d MB of JSON.")
        % {"mb": settings.DATA_UPLOAD_MAX_MEMORY_SIZE // (1024 * 1024)},
    )


@api.exception_handler(Exception)
def on_unexpected_error(request: HttpRequest, exc: Exception) -> HttpResponse:
    """Whatever else goes wrong answers JSON, never Django's HTML page (spec: "Errors and
    availability"). A database that cannot be reached is a 503 to retry, not our bug.

    The log line names the route template and the exception type; the core formatters print
    the traceback without the exception's message, which can quote personal data.
    """
    match = getattr(request, "resolver_match", None)
    where = {"method": request.method, "route": getattr(match, "route", "") or "?"}
    if isinstance(exc, DATABASE_AWAY):
        log.warning("api.unavailable", extra={**where, "error": type(exc).__name__})
        response = _error(
            request,
            503,
            "unavailable",
            gettext("The service is briefly unavailable. Please try again in a minute."),
        )
        response["Retry-After"] = str(RETRY_AFTER_SECONDS)
        return response
    log.error("api.internal_error", exc_info=exc, extra={**where, "error": type(exc).__name__})
    return internal_error(request)


def internal_error(request: HttpRequest) -> HttpResponse:
    """The 500 in the API's format: from the handler above, and from ``handler500`` for
    failures outside an endpoint (a middleware)."""
    return _error(
        request,
        500,
        "internal_error",
        gettext("Something went wrong on our side. It has been logged; please try again later."),
    )


@csrf_exempt
def api_not_found(request: HttpRequest) -> HttpResponse:
    """Unknown paths under /api/v1/ answer in the API's error format, not Django's HTML."""
    return _error(request, 404, "not_found", "No such API endpoint.")


def _register() -> None:
    from flagdesk.accounts.api import router as accounts_router  # noqa: F401
    from flagdesk.cases.api import router as cases_router
    from flagdesk.cases.facts_api import router as case_facts_router
    from flagdesk.intake.api import router as intake_router
    from flagdesk.intake.consent_api import router as consent_router
    from flagdesk.intake.import_api import router as imports_router
    from flagdesk.matching.api import router as matching_router
    from flagdesk.monitoring.api import router as monitoring_router
    from flagdesk.notices.api import router as notices_router
    from flagdesk.organisation.api import router as organisation_router
    from flagdesk.partners.api import router as partners_router
    from flagdesk.stats.api import router as stats_router
    from flagdesk.stats.tdb.api import router as tdb_router

    from .platforms import platforms_router

    api.add_router("/", intake_router)
    api.add_router("/", consent_router)
    api.add_router("/", imports_router)
    api.add_router("/", cases_router)
    api.add_router("/", case_facts_router)
    api.add_router("/", notices_router)
    api.add_router("/", matching_router)
    api.add_router("/", monitoring_router)
    api.add_router("/", platforms_router)
    api.add_router("/", organisation_router)
    api.add_router("/", partners_router)
    api.add_router("/", stats_router)
    api.add_router("/", tdb_router)


_register()
