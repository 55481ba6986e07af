import pytest
from django.urls import reverse

@pytest.mark.django_db
def test_page(client, users, api):
    client.force_login(users["coordinator"])
    r = client.get(reverse("stats:dashboard"))
    assert r.status_code == 200, r.content[:3000]
    r = client.get(reverse("stats:table-csv", args=["months"]) + "?from=2026-01-01&to=2026-03-01")
    assert r.status_code == 200
    print(r.content.decode()[:500])
    r = api("auditor").get("/stats/dashboard", **{"from": "2026-01-01"})
    assert r.status_code == 200, r.content
    r = api("analyst").get("/stats/dashboard")
    assert r.status_code == 403, r.content
    r = api("auditor").get("/stats/dashboard", **{"from": "2026-05-01", "to": "2026-01-01"})
    print(r.content)
