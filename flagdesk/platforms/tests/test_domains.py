"""Domains of the registry: one owner each, stored as intake stores hosts, resolved by the
longest match."""

from __future__ import annotations

import pytest

from flagdesk.cases.tests.factories import social_platform
from flagdesk.core.errors import ValidationFailed
from flagdesk.platforms.services import add_domains, add_platform, domain_table, platform_for_host
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


@pytest.mark.django_db
def test_a_platform_can_own_a_path_of_a_shared_host(users):
    from flagdesk.platforms.services import platform_for_url

    search = add_platform(actor=users["coordinator"], name="Search", domains=["search.test"])
    maps = add_platform(actor=users["coordinator"], name="Maps", domains=["search.test/maps/"])
    assert list(maps.domains.values_list("domain", flat=True)) == ["search.test/maps"]
    assert platform_for_url("www.search.test", "/maps/place/x") == maps
    assert platform_for_url("search.test", "/maps") == maps
    assert platform_for_url("search.test", "/mapsearch") == search
    assert platform_for_url("search.test", "/") == search
    table = domain_table()
    assert table.longest_match("www.search.test", "/maps/x") == ("search.test/maps", maps.id)
    assert table.longest_match("www.search.test", "/images") == ("search.test", search.id)


@pytest.mark.django_db
@pytest.mark.parametrize("raw", ["search.test/", "search.test/a b", "search.test/a?b", "co.uk/x"])
def test_a_path_prefix_is_checked(users, raw):
    with pytest.raises(ValidationFailed):
        add_platform(actor=users["coordinator"], name="Bad", domains=[raw])
