"""Accounts' services: users (users.py), API tokens (tokens.py), second factors (twofactor.py)."""

from .tokens import issue_token, revoke_token, token_for, user_for_token
from .users import add_user

__all__ = ["add_user", "issue_token", "revoke_token", "token_for", "user_for_token"]
