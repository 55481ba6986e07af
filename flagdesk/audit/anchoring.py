"""RFC 3161 timestamps of the chain's head, from a timestamp authority (TSA).

The signing key of the checkpoints is ours, so a checkpoint alone does not prove *when* the
chain looked like that. A TSA's token does: a third party signs "this digest existed at this
time". What it signs is the SHA-256 of ``statement(seq, head_hash)``, which names the entry
as well as its hash.

Standard library HTTP (``http.client``) as for platforms' APIs: no redirects, no proxy from
the environment, a bounded answer within a timeout.
"""

from __future__ import annotations

import base64
import hashlib
import http.client
import ssl
from datetime import datetime
from pathlib import Path
from urllib.parse import unquote, urlsplit

from cryptography import x509
from django.conf import settings
from django.utils.translation import gettext as _
from rfc3161_client import (
    HashAlgorithm,
    TimestampRequestBuilder,
    TimeStampResponse,
    VerificationError,
    VerifierBuilder,
    decode_timestamp_response,
)

from flagdesk.core.errors import FlagdeskError

TIMEOUT_SECONDS = 30
MAX_RESPONSE_BYTES = 1024 * 1024
QUERY_TYPE = "application/timestamp-query"
REPLY_TYPE = "application/timestamp-reply"


class AnchoringOff(FlagdeskError):
    code = "anchoring_off"


class AnchorFailed(FlagdeskError):
    """The TSA could not be reached, or its answer is not a valid timestamp of our head."""

    code = "anchor_failed"


def statement(seq: int, head_hash: str) -> bytes:
    """What a timestamp covers (its message imprint is this text's SHA-256)."""
    return f"flagdesk-audit-head:{seq}:{head_hash}".encode()


def tsa_certificates() -> list[x509.Certificate]:
    """The certificates of ``AUDIT_TSA_CA_FILE`` (PEM, one or more), or [] when unset."""
    if not settings.AUDIT_TSA_CA_FILE:
        return []
    path = Path(settings.AUDIT_TSA_CA_FILE)
    try:
        return x509.load_pem_x509_certificates(path.read_bytes())
    except (OSError, ValueError) as e:
        raise AnchorFailed(
            _("The certificates of FLAGDESK_AUDIT_TSA_CA_FILE cannot be read: %(error)s")
            % {"error": getattr(e, "strerror", None) or e}
        ) from e


def _post(url: str, body: bytes) -> bytes:
    parts = urlsplit(url)
    host = parts.hostname or ""
    connection: http.client.HTTPConnection
    if parts.scheme == "https":
        connection = http.client.HTTPSConnection(
            host, parts.port, timeout=TIMEOUT_SECONDS, context=ssl.create_default_context()
        )
    else:
        connection = http.client.HTTPConnection(host, parts.port, timeout=TIMEOUT_SECONDS)
    headers = {"Content-Type": QUERY_TYPE, "Accept": REPLY_TYPE}
    if parts.username:  # some authorities want a subscriber's name and password
        pair = f"{unquote(parts.username)}:{unquote(parts.password or '')}".encode()
        headers["Authorization"] = "Basic " + base64.b64encode(pair).decode()
    target = (parts.path or "/") + (f"?{parts.query}" if parts.query else "")
    try:
        connection.request("POST", target, body, headers)
        answer = connection.getresponse()
        content = answer.read(MAX_RESPONSE_BYTES + 1)
    except (OSError, http.client.HTTPException) as e:
        raise AnchorFailed(
            _("The timestamp authority could not be reached: %(error)s")
            % {"error": type(e).__name__}
        ) from e
    finally:
        connection.close()
    if answer.status != 200:
        raise AnchorFailed(
            _("The timestamp authority answered HTTP %(status)d.") % {"status": answer.status}
        )
    if len(content) > MAX_RESPONSE_BYTES:
        raise AnchorFailed(_("The timestamp authority's answer is too large."))
    return content


def request_timestamp(data: bytes) -> bytes:
    """A TSA's answer (DER) for ``data``, checked: our nonce, our digest, and a signature
    chaining up to ``AUDIT_TSA_CA_FILE``. ``AnchorFailed`` for anything else."""
    request = TimestampRequestBuilder().data(data).hash_algorithm(HashAlgorithm.SHA256).build()
    answer = _post(settings.AUDIT_TSA_URL, request.as_bytes())
    try:
        response = decode_timestamp_response(answer)
    except ValueError as e:
        raise AnchorFailed(_("The timestamp authority's answer is not a timestamp.")) from e
    problem = token_problem(response, data, builder=VerifierBuilder.from_request(request))
    if problem:
        raise AnchorFailed(problem)
    return answer


def decode(token: bytes) -> TimeStampResponse | None:
    try:
        return decode_timestamp_response(token)
    except ValueError:
        return None


def token_problem(
    response: TimeStampResponse | None,
    data: bytes,
    *,
    builder: VerifierBuilder | None = None,
) -> str:
    """Why ``response`` is not a valid timestamp of ``data``, or "" when it is.

    Without ``AUDIT_TSA_CA_FILE`` only the digest can be compared: the signature needs the
    authority's certificates.
    """
    if response is None:
        return _("The stored timestamp cannot be read.")
    imprint = response.tst_info.message_imprint
    if imprint.hash_algorithm != x509.ObjectIdentifier("2.16.840.1.101.3.4.2.1"):
        return _("The timestamp does not use SHA-256.")
    if imprint.message != hashlib.sha256(data).digest():
        return _("The timestamp is for another hash.")
    certificates = tsa_certificates()
    if not certificates:
        return ""
    verifier = builder or VerifierBuilder()
    for certificate in certificates:
        verifier = verifier.add_root_certificate(certificate)
    try:
        verifier.build().verify_message(response, data)
    except VerificationError as e:
        return _("The timestamp's signature is not valid: %(error)s") % {"error": e}
    return ""


def timestamped_at(response: TimeStampResponse) -> datetime:
    return response.tst_info.gen_time
