"""The evidence stores: local files and S3-compatible storage (moto's real S3 server on
127.0.0.1), both encrypting every file before it is written."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path
from typing import Any

import boto3
import pytest
from cryptography.fernet import Fernet
from moto.server import ThreadedMotoServer

from conftest import free_port
from flagdesk.core.crypto import fernet
from flagdesk.core.errors import TransientError
from flagdesk.monitoring.s3 import S3Store
from flagdesk.monitoring.storage import EvidenceMissing, LocalStore, Store, store

BUCKET = "evidence"
# A synthetic "screenshot": what must never be readable at rest.
PLAINTEXT = b"\x89PNG synthetic screenshot of https://social.test/p/1 " * 40
NOT_KEYS = ["../../etc/passwd", "/etc/passwd", "ab/../../x", "AB/" + "0" * 40, "ab", ""]


@pytest.fixture(scope="module")
def s3_endpoint() -> Iterator[str]:
    server = ThreadedMotoServer(ip_address="127.0.0.1", port=0, verbose=False)
    server.start()  # returns once the socket listens
    host, port = server.get_host_and_port()
    try:
        yield f"http://{host}:{port}"
    finally:
        server.stop()


def raw_client(endpoint: str) -> Any:
    return boto3.session.Session().client(
        "s3",
        endpoint_url=endpoint,
        region_name="us-east-1",
        aws_access_key_id="test-access",
        aws_secret_access_key="test-secret",
    )


@pytest.fixture
def s3_settings(settings: Any, s3_endpoint: str, request: pytest.FixtureRequest) -> Any:
    bucket = f"{BUCKET}-{abs(hash(request.node.name)) % 10**8}"
    raw_client(s3_endpoint).create_bucket(Bucket=bucket)
    settings.EVIDENCE_STORAGE = "s3"
    settings.EVIDENCE_S3_ENDPOINT = s3_endpoint
    settings.EVIDENCE_S3_BUCKET = bucket
    settings.EVIDENCE_S3_REGION = "us-east-1"
    settings.EVIDENCE_S3_ACCESS_KEY = "test-access"
    settings.EVIDENCE_S3_SECRET_KEY = "test-secret"
    return settings


def at_rest_local(backend: Store, key: str) -> bytes:
    assert isinstance(backend, LocalStore)
    return (backend.root / key).read_bytes()


def at_rest_s3(backend: Store, key: str) -> bytes:
    assert isinstance(backend, S3Store)
    client = raw_client(backend.client.meta.endpoint_url)
    return bytes(client.get_object(Bucket=backend.bucket, Key=key)["Body"].read())


@pytest.fixture(params=["local", "s3"])
def backend(request: pytest.FixtureRequest, settings: Any, tmp_path: Path) -> tuple[Store, Any]:
    if request.param == "s3":
        request.getfixturevalue("s3_settings")
        return S3Store.from_settings(), at_rest_s3
    return LocalStore(tmp_path / "evidence"), at_rest_local


def test_a_file_comes_back_as_it_was_put(backend: tuple[Store, Any]) -> None:
    evidence, _ = backend
    key = evidence.put(PLAINTEXT)
    other = evidence.put(b"")
    assert key != other
    assert evidence.get(key) == PLAINTEXT
    assert evidence.get(other) == b""


def test_what_is_at_rest_is_encrypted(backend: tuple[Store, Any]) -> None:
    evidence, at_rest = backend
    key = evidence.put(PLAINTEXT)
    stored = at_rest(evidence, key)
    # Fernet tokens are base64: a "." or a space never occurs in one, so no luck can match.
    assert b"social.test" not in stored and PLAINTEXT[:20] not in stored
    assert fernet().decrypt(stored) == PLAINTEXT  # the project's field keys, nothing else


def test_keys_name_nothing(backend: tuple[Store, Any]) -> None:
    evidence, _ = backend
    key = evidence.put(PLAINTEXT)
    prefix, rest = key.split("/")
    assert len(prefix) == 2 and len(rest) == 40 and (prefix + rest).isalnum()


def test_a_missing_or_deleted_file_is_evidence_missing(backend: tuple[Store, Any]) -> None:
    evidence, _ = backend
    key = evidence.put(PLAINTEXT)
    evidence.delete(key)
    with pytest.raises(EvidenceMissing):
        evidence.get(key)
    evidence.delete(key)  # deleting twice is fine (retention may run again)
    with pytest.raises(EvidenceMissing):
        evidence.get("ab/" + "c" * 40)


def test_a_file_encrypted_with_a_retired_key_is_evidence_missing(
    backend: tuple[Store, Any], settings: Any
) -> None:
    evidence, _ = backend
    key = evidence.put(PLAINTEXT)
    settings.FLAGDESK_FIELD_KEYS = [Fernet.generate_key().decode()]
    with pytest.raises(EvidenceMissing, match="cannot be decrypted"):
        evidence.get(key)


@pytest.mark.parametrize("key", NOT_KEYS)
def test_path_like_keys_are_refused(backend: tuple[Store, Any], key: str) -> None:
    evidence, _ = backend
    with pytest.raises(EvidenceMissing):
        evidence.get(key)
    with pytest.raises(EvidenceMissing):
        evidence.delete(key)


def test_store_is_local_by_default(settings: Any, tmp_path: Path) -> None:
    settings.EVIDENCE_STORAGE = "local"
    settings.EVIDENCE_DIR = tmp_path / "captures"
    chosen = store()
    assert isinstance(chosen, LocalStore) and chosen.root == tmp_path / "captures"
    key = chosen.put(PLAINTEXT)
    assert (tmp_path / "captures" / key).is_file()


def test_store_is_s3_when_configured(s3_settings: Any) -> None:
    chosen = store()
    assert isinstance(chosen, S3Store) and chosen.bucket == s3_settings.EVIDENCE_S3_BUCKET
    key = chosen.put(PLAINTEXT)
    listed = raw_client(s3_settings.EVIDENCE_S3_ENDPOINT).list_objects_v2(
        Bucket=s3_settings.EVIDENCE_S3_BUCKET
    )
    assert [o["Key"] for o in listed["Contents"]] == [key]
    assert store() is chosen  # one client per configuration, not one per call


def test_an_unreachable_s3_endpoint_is_a_transient_error(settings: Any) -> None:
    settings.EVIDENCE_S3_ENDPOINT = f"http://127.0.0.1:{free_port()}"
    settings.EVIDENCE_S3_BUCKET = BUCKET
    settings.EVIDENCE_S3_ACCESS_KEY = "test-access"
    settings.EVIDENCE_S3_SECRET_KEY = "test-secret"
    with pytest.raises(TransientError, match="could not be reached"):
        S3Store.from_settings().put(PLAINTEXT)
