"""Writes of the organisation app: identity and designations, legal-basis confirmations."""

from .designations import DesignationInput, current_organisation, update_organisation
from .legal_bases import confirm_legal_basis, withdraw_legal_basis_confirmation

__all__ = [
    "DesignationInput",
    "confirm_legal_basis",
    "current_organisation",
    "update_organisation",
    "withdraw_legal_basis_confirmation",
]
