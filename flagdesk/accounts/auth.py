"""Bearer-token authentication for the staff API, with the token's scope and expiry.

Every route takes ``read`` tokens for GET and ``write`` tokens for anything; a route that
intake tools or partners may use says so (``TokenAuth(also=(TokenScope.PARTNER,))``), and
tokens of those scopes reach nothing else. The role check inside the route still applies:
a scope narrows what a role may do, never widens it.
"""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

from django.http import HttpRequest
from django.utils.translation import gettext as _
from ninja.security import HttpBearer

from flagdesk.core.errors import FlagdeskError

from .models import TokenScope
from .services.tokens import note_use, token_for

SAFE_METHODS = frozenset({"GET", "HEAD", "OPTIONS"})


class TokenScopeRefused(FlagdeskError):
    code = "token_scope"
    status = 403


class TokenExpired(FlagdeskError):
    code = "token_expired"
    status = 401


def scope_allows(scope: str, method: str, also: frozenset[str]) -> bool:
    if scope == TokenScope.WRITE:
        return True
    if scope == TokenScope.READ:
        return method in SAFE_METHODS
    return scope in also


class TokenAuth(HttpBearer):
    def __init__(self, also: Iterable[str] = ()) -> None:
        super().__init__()
        self.also = frozenset(also)

    def authenticate(self, request: HttpRequest, token: str) -> Any:
        row = token_for(token)
        if row is None:
            return None
        if row.is_expired:
            raise TokenExpired(
                _("This API token expired on %(date)s; ask an administrator for a new one.")
                % {"date": row.expires_at.date().isoformat() if row.expires_at else ""}
            )
        if not scope_allows(row.scope, request.method or "GET", self.also):
            raise TokenScopeRefused(
                _("This token's scope (%(scope)s) does not allow this request.")
                % {"scope": row.scope}
            )
        note_use(row)
        request.user = row.user
        return row.user
