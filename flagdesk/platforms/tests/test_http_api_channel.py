"""The API channel against a real HTTP server on 127.0.0.1 (tests/fakes/fake_platform.py)."""

from __future__ import annotations

import datetime as dt
import hashlib
import hmac
import json
from collections.abc import Iterator
from dataclasses import replace
from email.utils import format_datetime
from typing import Any

import pytest

from flagdesk.core.errors import PermanentError, TransientError
from flagdesk.platforms.channels.base import ChannelConfig, ChannelConfigError, Outgoing
from flagdesk.platforms.channels.http_api import (
    MAX_RETRY_AFTER_SECONDS,
    ApiChannel,
    parse_retry_after,
    plain_text,
    platform_reference,
)
from tests.fakes.fake_platform import FakePlatform

TOKEN_ENV = "FLAGDESK_TEST_PLATFORM_TOKEN"
SECRET_REF = f"env:{TOKEN_ENV}"
TOKEN = "t0ken-for-tests"


@pytest.fixture
def platform() -> Iterator[FakePlatform]:
    with FakePlatform() as fake:
        yield fake


@pytest.fixture
def loopback(settings: Any) -> None:
    settings.CHANNELS_ALLOW_LOOPBACK_HTTP = True


def channel(endpoint: str, **changes: Any) -> ApiChannel:
    return ApiChannel(ChannelConfig(kind="api", endpoint=endpoint, **changes))


def outgoing(recipient: str, **changes: Any) -> Outgoing:
    notice = Outgoing(
        reference="N-7KQ3-M9XD",
        subject="Notice N-7KQ3-M9XD: illegal content (art. 16 DSA), café",
        body="Dear platform,\nplease remove the item.\n",
        payload={"items": [{"url": "https://example.test/v/1"}], "basis": "art. 16"},
        sender="notices@flagger.test",
        recipient=recipient,
        message_id="<n-7kq3-m9xd@flagger.test>",
        idempotency_key="4f1c2b9e-idem-key",
        language="fr",
    )
    return replace(notice, **changes)


def send(platform: FakePlatform, **config: Any) -> Any:
    return channel(platform.url, **config).send(outgoing(platform.url))


# Outcomes


def test_accepted_notice_is_a_delivery_with_the_platforms_reference(
    platform: FakePlatform, loopback: None
) -> None:
    notice = outgoing(platform.url)
    delivery = channel(platform.url).send(notice)

    assert delivery.reference == notice.idempotency_key
    assert delivery.platform_reference == "P-1"
    assert delivery.detail.startswith("201")
    assert delivery.sent_at.tzinfo is not None
    [request] = platform.wait_for(1)
    assert request.method == "POST"
    assert request.json == {
        "notice_reference": notice.reference,
        "subject": notice.subject,
        "language": "fr",
        "text": notice.body,
        "notice": dict(notice.payload),
    }
    expected = {
        "notice_reference": notice.reference,
        "subject": notice.subject,
        "language": notice.language,
        "text": notice.body,
        "notice": dict(notice.payload),
    }
    assert request.body == json.dumps(expected, sort_keys=True, ensure_ascii=False).encode()
    assert "café".encode() in request.body  # UTF-8, not \u escapes
    assert request.header("Content-Type") == "application/json; charset=utf-8"
    assert request.header("Idempotency-Key") == notice.idempotency_key
    assert request.header("X-Flagdesk-Notice") == notice.reference
    assert request.header("User-Agent") == "flagdesk"
    assert request.header("Authorization") is None
    assert platform.accepted_keys() == {notice.idempotency_key: 1}


def test_a_retry_carries_the_same_idempotency_key_and_body(
    platform: FakePlatform, loopback: None
) -> None:
    notice = outgoing(platform.url)
    api = channel(platform.url)
    platform.script("accept_twice")

    first, second = api.send(notice), api.send(notice)

    one, two = platform.wait_for(2)
    assert one.idempotency_key == two.idempotency_key == notice.idempotency_key
    assert one.body == two.body
    # The fake does not deduplicate: it shows what the platform would have to recognise.
    assert platform.accepted_keys() == {notice.idempotency_key: 2}
    assert (first.platform_reference, second.platform_reference) == ("P-1", "P-2")
    assert first.reference == second.reference == notice.idempotency_key


def test_bearer_token_is_sent_from_the_secret(
    loopback: None, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv(TOKEN_ENV, TOKEN)
    with FakePlatform(expect_bearer=TOKEN) as platform:
        delivery = send(platform, auth="bearer", secret_ref=SECRET_REF)

        [request] = platform.received
    assert request.header("Authorization") == f"Bearer {TOKEN}"
    assert delivery.platform_reference == "P-1"


def test_a_wrong_bearer_token_is_refused_permanently(
    loopback: None, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv(TOKEN_ENV, "not-the-token")
    with FakePlatform(expect_bearer=TOKEN) as platform, pytest.raises(PermanentError) as caught:
        send(platform, auth="bearer", secret_ref=SECRET_REF)
    assert "401" in str(caught.value)
    assert "not-the-token" not in str(caught.value)


def test_hmac_signature_covers_timestamp_and_body(
    loopback: None, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv(TOKEN_ENV, TOKEN)
    with FakePlatform(hmac_secret=TOKEN) as platform:
        delivery = send(platform, auth="hmac", secret_ref=SECRET_REF)
        [request] = platform.received

    assert delivery.platform_reference == "P-1"  # the fake verified it
    timestamp = request.header("X-Flagdesk-Timestamp")
    assert timestamp is not None and timestamp.isdigit()
    signed = f"{timestamp}.".encode() + request.body
    expected = hmac.new(TOKEN.encode(), signed, hashlib.sha256).hexdigest()
    assert request.header("X-Flagdesk-Signature") == f"sha256={expected}"
    assert request.header("Authorization") is None


def test_hmac_with_the_wrong_secret_is_refused(
    loopback: None, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv(TOKEN_ENV, "another-secret")
    with FakePlatform(hmac_secret=TOKEN) as platform, pytest.raises(PermanentError):
        send(platform, auth="hmac", secret_ref=SECRET_REF)


def test_429_with_retry_after_is_transient(platform: FakePlatform, loopback: None) -> None:
    platform.script(("status", 429, {"Retry-After": "2"}))
    with pytest.raises(TransientError) as caught:
        send(platform)
    assert caught.value.retry_after == 2
    assert "429" in str(caught.value)


def test_503_with_an_http_date_retry_after_is_transient(
    platform: FakePlatform, loopback: None
) -> None:
    later = dt.datetime.now(dt.UTC) + dt.timedelta(minutes=10)
    platform.script(("status", 503, {"Retry-After": format_datetime(later, usegmt=True)}))
    with pytest.raises(TransientError) as caught:
        send(platform)
    assert caught.value.retry_after is not None
    assert 500 < caught.value.retry_after <= 600


def test_garbage_retry_after_is_ignored(platform: FakePlatform, loopback: None) -> None:
    platform.script(("status", 429, {"Retry-After": "soon, maybe"}))
    with pytest.raises(TransientError) as caught:
        send(platform)
    assert caught.value.retry_after is None


@pytest.mark.parametrize("status", [500, 408, 425, 502, 504, 507])
def test_server_errors_are_transient(platform: FakePlatform, loopback: None, status: int) -> None:
    platform.script(("status", status))
    with pytest.raises(TransientError) as caught:
        send(platform)
    assert str(status) in str(caught.value)
    assert caught.value.retry_after is None


def test_400_is_permanent_with_an_excerpt_of_the_body(
    platform: FakePlatform, loopback: None
) -> None:
    platform.script(("status", 400, "missing field: items[0].url"))
    with pytest.raises(PermanentError) as caught:
        send(platform)
    message = str(caught.value)
    assert "400" in message
    assert "missing field: items[0].url" in message


def test_the_excerpt_is_short_plain_text(platform: FakePlatform, loopback: None) -> None:
    body = "bad\r\nX-Injected: yes\x1b[31m\u202e" + "x" * 2000
    platform.script(("status", 422, body))
    with pytest.raises(PermanentError) as caught:
        send(platform)
    message = str(caught.value)
    assert "\n" not in message and "\r" not in message
    assert "\x1b" not in message and "\u202e" not in message
    assert "bad X-Injected: yes [31m" in message
    assert message.count("x") <= 300


@pytest.mark.parametrize("status", [401, 403, 404, 409, 410, 413, 422])
def test_other_client_errors_are_permanent(
    platform: FakePlatform, loopback: None, status: int
) -> None:
    platform.script(("status", status))
    with pytest.raises(PermanentError) as caught:
        send(platform)
    assert str(status) in str(caught.value)


@pytest.mark.parametrize("behaviour", ["garbage", "close"])
def test_no_http_answer_is_transient(
    platform: FakePlatform, loopback: None, behaviour: str
) -> None:
    platform.script(behaviour)
    with pytest.raises(TransientError):
        send(platform)
    assert len(platform.wait_for(1)) == 1


def test_an_unreadable_2xx_body_is_still_a_delivery(platform: FakePlatform, loopback: None) -> None:
    platform.script("garbage_json")
    delivery = send(platform)
    assert delivery.platform_reference == ""
    assert delivery.reference == outgoing(platform.url).idempotency_key
    assert delivery.detail.startswith("200")
    assert "reference" in delivery.detail


def test_a_numeric_id_is_the_platform_reference(platform: FakePlatform, loopback: None) -> None:
    platform.script(("status", 202, {}, {"id": 4711, "status": "queued"}))
    assert send(platform).platform_reference == "4711"


def test_a_huge_answer_is_read_only_in_part(platform: FakePlatform, loopback: None) -> None:
    platform.script(("status", 400, "y" * (3 * 1024 * 1024)))
    with pytest.raises(PermanentError) as caught:
        send(platform)
    assert str(caught.value).count("y") == 300


def test_a_platform_that_does_not_answer_in_time_is_transient(
    platform: FakePlatform, loopback: None
) -> None:
    platform.script(("slow", 60))
    with pytest.raises(TransientError) as caught:
        send(platform, options={"timeout_seconds": 1})
    assert "1" in str(caught.value)
    # The platform got it all the same: the retry's identical key lets it recognise the repeat.
    [request] = platform.wait_for(1)
    assert request.idempotency_key == outgoing(platform.url).idempotency_key


@pytest.mark.parametrize("status", [301, 302, 307, 308])
def test_a_redirect_is_never_followed(platform: FakePlatform, loopback: None, status: int) -> None:
    platform.script(("status", status, {"Location": "https://elsewhere.test/notices"}))
    with pytest.raises(PermanentError) as caught:
        send(platform)
    assert "moved" in str(caught.value)
    assert "https://elsewhere.test/notices" in str(caught.value)
    assert len(platform.received) == 1


def test_connection_refused_is_transient(loopback: None) -> None:
    with FakePlatform() as gone:
        url = gone.url  # the port is free again once the fake stopped
    with pytest.raises(TransientError):
        channel(url).send(outgoing(url))


def test_a_tls_failure_is_transient(platform: FakePlatform) -> None:
    url = platform.url.replace("http://", "https://")  # the fake speaks no TLS
    with pytest.raises(TransientError):
        channel(url).send(outgoing(url))


def test_an_unresolvable_host_is_transient() -> None:
    url = "https://platform.invalid/notices"  # .invalid never resolves (RFC 6761)
    with pytest.raises(TransientError):
        channel(url, options={"timeout_seconds": 5}).send(outgoing(url))


# Refusing to send


@pytest.mark.parametrize(
    "changes",
    [
        {"reference": "N-1\r\nX-Evil: yes"},
        {"idempotency_key": "key\nX-Evil: yes"},
        {"idempotency_key": "clé"},
        {"idempotency_key": ""},
    ],
)
def test_a_notice_that_would_inject_headers_is_not_sent(
    platform: FakePlatform, loopback: None, changes: dict[str, str]
) -> None:
    with pytest.raises(PermanentError):
        channel(platform.url).send(outgoing(platform.url, **changes))
    assert platform.received == []


def test_a_secret_with_a_line_break_is_refused_without_showing_it(
    platform: FakePlatform, loopback: None, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv(TOKEN_ENV, "abc\r\nX-Evil: yes")
    with pytest.raises(PermanentError) as caught:
        send(platform, auth="bearer", secret_ref=SECRET_REF)
    assert "abc" not in str(caught.value) and "Evil" not in str(caught.value)
    assert platform.received == []


def test_a_secret_gone_at_send_time_is_permanent(
    platform: FakePlatform, loopback: None, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.delenv(TOKEN_ENV, raising=False)
    with pytest.raises(PermanentError):
        send(platform, auth="bearer", secret_ref=SECRET_REF)
    assert platform.received == []


def test_an_endpoint_changed_since_queueing_is_not_sent_to(
    platform: FakePlatform, loopback: None
) -> None:
    with pytest.raises(PermanentError):
        channel(platform.url).send(outgoing("https://old.example.test/notices"))
    assert platform.received == []


def test_plain_http_is_refused_at_send_time_without_the_setting(
    platform: FakePlatform,
) -> None:
    with pytest.raises(PermanentError):
        send(platform)
    assert platform.received == []


# check_config


def config_fields(api: ApiChannel) -> tuple[set[str], str]:
    with pytest.raises(ChannelConfigError) as caught:
        api.check_config()
    return set(caught.value.fields), str(caught.value)


def test_a_valid_https_configuration_passes(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv(TOKEN_ENV, TOKEN)
    for auth in ("", "bearer", "hmac"):
        api = channel(
            "https://api.platform.example/dsa/notices?v=2",
            auth=auth,
            secret_ref=SECRET_REF if auth else "",
            options={"timeout_seconds": 45},
        )
        api.check_config()
        assert api.recipient() == "https://api.platform.example/dsa/notices?v=2"


def test_loopback_http_passes_with_the_setting(loopback: None) -> None:
    for url in ("http://127.0.0.1:8123/n", "http://localhost/n", "http://[::1]:9/n"):
        channel(url).check_config()


@pytest.mark.parametrize(
    "endpoint",
    [
        "",
        "   ",
        "api.platform.example/notices",
        "/notices",
        "ftp://api.platform.example/notices",
        "https://",
        "https://api.platform.example/no tices",
        "https://api.platform.example/notices\r\nX-Evil: 1",
        "https://api.platform.example:http/notices",
        "https://a..b/notices",
    ],
)
def test_endpoint_must_be_an_https_address(endpoint: str) -> None:
    fields, _message = config_fields(channel(endpoint))
    assert fields == {"endpoint"}


def test_plain_http_to_another_host_is_refused_even_with_the_setting(loopback: None) -> None:
    fields, message = config_fields(channel("http://api.platform.example/notices"))
    assert fields == {"endpoint"}
    assert "https://" in message


def test_plain_http_to_loopback_needs_the_setting(settings: Any) -> None:
    settings.CHANNELS_ALLOW_LOOPBACK_HTTP = False
    fields, _message = config_fields(channel("http://127.0.0.1:8000/notices"))
    assert fields == {"endpoint"}


@pytest.mark.parametrize(
    "endpoint",
    ["https://user:hunter2@api.platform.example/n", "https://hunter2@api.platform.example:x/n"],
)
def test_credentials_in_the_endpoint_are_refused_without_echoing_them(endpoint: str) -> None:
    fields, message = config_fields(channel(endpoint))
    assert fields == {"endpoint"}
    assert "hunter2" not in message


def test_unknown_auth_is_refused() -> None:
    fields, _message = config_fields(channel("https://api.platform.example/n", auth="basic"))
    assert fields == {"auth"}


@pytest.mark.parametrize("auth", ["bearer", "hmac"])
def test_auth_needs_a_secret_reference(auth: str) -> None:
    fields, _message = config_fields(channel("https://api.platform.example/n", auth=auth))
    assert fields == {"secret_ref"}


def test_a_missing_secret_is_named_by_reference(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv(TOKEN_ENV, raising=False)
    api = channel("https://api.platform.example/n", auth="bearer", secret_ref=SECRET_REF)
    fields, message = config_fields(api)
    assert fields == {"secret_ref"}
    assert SECRET_REF in message


def test_a_secret_is_never_shown(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv(TOKEN_ENV, "s3cr3t\nvalue")
    api = channel("https://api.platform.example/n", auth="bearer", secret_ref=SECRET_REF)
    fields, message = config_fields(api)
    assert fields == {"secret_ref"}
    assert "s3cr3t" not in message


@pytest.mark.parametrize("timeout", [0, 0.5, 121, "20", True, None])
def test_timeout_option_is_bounded(timeout: Any) -> None:
    api = channel("https://api.platform.example/n", options={"timeout_seconds": timeout})
    fields, _message = config_fields(api)
    assert fields == {"options"}


def test_every_problem_is_reported_at_once(monkeypatch: pytest.MonkeyPatch) -> None:
    api = channel("http://api.platform.example/n", auth="bearer", options={"timeout_seconds": 0})
    fields, _message = config_fields(api)
    assert fields == {"endpoint", "secret_ref", "options"}


# Helpers


@pytest.mark.parametrize(
    ("value", "expected"),
    [
        (None, None),
        ("", None),
        ("2", 2.0),
        (" 120 ", 120.0),
        ("0", 0.0),
        ("99999999999999999999999999", float(MAX_RETRY_AFTER_SECONDS)),
        ("-5", None),
        ("1.5", None),
        ("²", None),
        ("Wed, 21 Oct 2015 07:28:00 GMT", 60.0),
        ("Wed, 21 Oct 2015 07:27:00 GMT", 0.0),  # in the past: now
        ("Wed, 21 Oct 2016 07:28:00 GMT", float(MAX_RETRY_AFTER_SECONDS)),
        ("yesterday", None),
    ],
)
def test_parse_retry_after(value: str | None, expected: float | None) -> None:
    now = dt.datetime(2015, 10, 21, 7, 27, 0, tzinfo=dt.UTC)
    assert parse_retry_after(value, now=now) == expected


@pytest.mark.parametrize(
    ("body", "expected"),
    [
        (b'{"reference": "T-1", "id": 9}', "T-1"),
        (b'{"id": "abc"}', "abc"),
        (b'{"id": true}', ""),
        (b'{"reference": ""}', ""),
        (b'["T-1"]', ""),
        (b"not json{", ""),
        (b"", ""),
        (b"[" * 100_000, ""),
        (b'{"reference": "a\\nb"}', "a b"),
    ],
)
def test_platform_reference(body: bytes, expected: str) -> None:
    assert platform_reference(body) == expected


def test_platform_reference_is_capped() -> None:
    assert platform_reference(json.dumps({"reference": "r" * 500}).encode()) == "r" * 200


def test_plain_text() -> None:
    assert plain_text(b"a\r\n\tb\x00c \xff", 100) == "a b c \ufffd"
    assert plain_text("x" * 500, 300) == "x" * 300
