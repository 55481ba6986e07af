"""The public HTTP API (spec/api.md), assembled from each app's router."""

from __future__ import annotations

from django.http import HttpRequest, HttpResponse
from django.views.decorators.csrf import csrf_exempt
from ninja import NinjaAPI
from ninja.errors import AuthenticationError, HttpError
from ninja.errors import ValidationError as NinjaValidationError

from flagdesk.core.errors import FlagdeskError

api = NinjaAPI(
    title="flagdesk API",
    version="1",
    urls_namespace="api",
    docs_url="/docs",
    description="Reports, items, assessments, notices and platforms. See spec/api.md.",
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
    return api.create_response(request, {"error": exc.as_dict()}, status=exc.status)


@api.exception_handler(NinjaValidationError)
def on_validation_error(request: HttpRequest, exc: NinjaValidationError) -> HttpResponse:
    fields: dict[str, list[str]] = {}
    for err in exc.errors:
        loc = [str(p) for p in err.get("loc", ()) if p not in ("body", "payload", "query", "path")]
        fields.setdefault(".".join(loc) or "body", []).append(str(err.get("msg", "invalid")))
    return _error(request, 422, "invalid", "The request is not valid.", fields)


@api.exception_handler(AuthenticationError)
def on_auth_error(request: HttpRequest, exc: AuthenticationError) -> HttpResponse:
    return _error(request, 401, "unauthorized", "A valid API token is required.")


@api.exception_handler(HttpError)
def on_http_error(request: HttpRequest, exc: HttpError) -> HttpResponse:
    if exc.status_code == 400 and str(exc).startswith("Cannot parse request body"):
        # Unparseable JSON is a malformed body like any other: 422 "invalid" (spec/api.md).
        return _error(request, 422, "invalid", "The request body is not valid JSON.")
    return _error(request, exc.status_code, "http_error", str(exc))


@csrf_exempt
def api_not_found(request: HttpRequest) -> HttpResponse:
    """Unknown paths under /api/v1/ answer in the API's error format, not Django's HTML."""
    return _error(request, 404, "not_found", "No such API endpoint.")


def _register() -> None:
    from flagdesk.accounts.api import router as accounts_router  # noqa: F401
    from flagdesk.cases.api import router as cases_router
    from flagdesk.intake.api import router as intake_router
    from flagdesk.matching.api import router as matching_router
    from flagdesk.notices.api import router as notices_router
    from flagdesk.organisation.api import router as organisation_router
    from flagdesk.site.api import platforms_router

    api.add_router("/", intake_router)
    api.add_router("/", cases_router)
    api.add_router("/", notices_router)
    api.add_router("/", matching_router)
    api.add_router("/", platforms_router)
    api.add_router("/", organisation_router)


_register()
