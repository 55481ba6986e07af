"""Django's admin site is not mounted: it had no rate limit, no roles and no audit trail."""

from __future__ import annotations

import pytest
from django.apps import apps
from django.conf import settings


def test_the_admin_app_is_not_installed():
    assert "django.contrib.admin" not in settings.INSTALLED_APPS
    assert not apps.is_installed("django.contrib.admin")


@pytest.mark.parametrize("path", ["/django-admin/", "/django-admin/login/", "/admin/login/"])
def test_its_login_is_not_there(client, users, path):
    for attempt in range(3):
        response = client.post(path, {"username": "erin", "password": f"guess {attempt}"})
        assert response.status_code == 404
