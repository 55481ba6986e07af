"""``{% staff_menu %}``, ``{% may_open "route" arg as var %}`` and ``{% landing_url %}``.

Templates ask the same question as the menu: may this user open the page a link leads to?
The answer comes from the route's view (``flagdesk.accounts.menu``), never from a role list
written in the template.
"""

from __future__ import annotations

from typing import Any

from django import template
from django.urls import reverse

from .. import menu

register = template.Library()


@register.inclusion_tag("accounts/_staff_menu.html", takes_context=True)
def staff_menu(context: template.Context) -> dict[str, Any]:
    request = context["request"]
    entries = menu.menu_for(request.user)
    current = request.resolver_match.view_name if request.resolver_match else ""
    return {
        "entries": [
            {"url": reverse(e.route), "label": e.label, "is_current": e.is_current(current)}
            for e in entries
        ],
    }


@register.simple_tag(takes_context=True)
def may_open(context: template.Context, route: str, *args: Any) -> bool:
    return menu.may_open(context["request"].user, route, *args)


@register.simple_tag(takes_context=True)
def landing_url(context: template.Context) -> str:
    return menu.landing_url(context["request"].user)
