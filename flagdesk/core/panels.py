"""Panels: what an app adds to another app's page, as a template and its context.

The item page belongs to cases, but its matching and notices sections belong to apps that
come after cases (S1). Each of those apps offers a panel function ``(request, obj) -> Panel``;
the composition layer (``flagdesk.site``) calls them and hands the rendered HTML to the page,
so no template loads another app's tags and no page queries another app's models.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from django.http import HttpRequest
from django.template.loader import render_to_string
from django.utils.safestring import SafeString, mark_safe


@dataclass(frozen=True)
class Panel:
    template: str
    context: dict[str, Any] = field(default_factory=dict)
    # Where on the page it goes; the page's template names its slots.
    slot: str = "main"

    def render(self, request: HttpRequest) -> SafeString:
        # render_to_string escapes the context as any template does; the result is HTML.
        return mark_safe(render_to_string(self.template, self.context, request=request))  # noqa: S308


def render_panels(request: HttpRequest, panels: list[Panel | None]) -> dict[str, list[SafeString]]:
    """Rendered panels by slot, in the order given; a provider may offer nothing (None)."""
    slots: dict[str, list[SafeString]] = {}
    for panel in panels:
        if panel is not None:
            slots.setdefault(panel.slot, []).append(panel.render(request))
    return slots
