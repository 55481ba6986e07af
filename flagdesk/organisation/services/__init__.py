"""Writes of the organisation app: identity and designations, legal-basis confirmations, and
the support lines recommended to victims."""

from .designations import DesignationInput, current_organisation, update_organisation
from .legal_bases import confirm_legal_basis, withdraw_legal_basis_confirmation
from .statistics import update_statistics_settings
from .support_lines import (
    SupportLineInput,
    add_support_line,
    move_support_line,
    set_support_line_active,
    update_support_line,
)

__all__ = [
    "DesignationInput",
    "SupportLineInput",
    "add_support_line",
    "confirm_legal_basis",
    "current_organisation",
    "move_support_line",
    "set_support_line_active",
    "update_organisation",
    "update_statistics_settings",
    "update_support_line",
    "withdraw_legal_basis_confirmation",
]
