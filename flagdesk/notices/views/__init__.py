"""Notices' pages: the list, a notice, sending; follow-through pages in their own modules."""

from __future__ import annotations

from .notices import notice_detail, notice_list, notice_send

__all__ = ["notice_detail", "notice_list", "notice_send"]
