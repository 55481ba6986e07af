"""Domains of the registry: one owner each, stored as intake stores hosts, resolved by the
longest match."""

from __future__ import annotations

import pytest

from flagdesk.cases.tests.factories import social_platform
from flagdesk.core.errors import ValidationFailed
from flagdesk.platforms.services import add_domains, domain_table, platform_for_host
from flagdesk.platforms.services.domains import _store_domains

pytestmark = pytest.mark.django_db


def test_a_domain_taken_between_the_check_and_the_insert_is_a_validation_error(users):
    social = social_platform(users["coordinator"])
    other = social_platform(users["coordinator"], name="Other", domains=("other.test",))
    with pytest.raises(ValidationFailed) as e:
        _store_domains(other, ["social.test"])  # as if _clean_domains had looked too early
    assert e.value.fields == {"domains": ["Already registered."]}
    assert list(social.domains.values_list("domain", flat=True)) == ["social.test"]


def test_the_table_and_the_single_lookup_agree_on_the_longest_match(users):
    parent = social_platform(users["coordinator"], name="Big", domains=("big.test",))
    sites = social_platform(users["coordinator"], name="Sites", domains=("sites.big.test",))
    add_domains(parent, actor=users["admin"], domains=["BIG-CDN.test."])
    table = domain_table()
    for host, owner in [
        ("big.test", parent),
        ("www.big.test", parent),
        ("a.sites.big.test", sites),
        ("sites.big.test", sites),
        ("big-cdn.test", parent),
        ("notbig.test", None),
        ("test", None),
    ]:
        assert platform_for_host(host) == owner, host
        match = table.longest_match(host)
        assert (match[1] if match else None) == (owner.id if owner else None), host
