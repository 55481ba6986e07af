"""Evidence in S3-compatible object storage (AWS S3, MinIO, Ceph, Scaleway, OVH...).

For those who keep evidence off the machine that runs flagdesk. The provider only ever sees
Fernet tokens under random keys (``storage.encrypt``): the same bytes a local disk would hold.
Path-style addressing, because most self-hosted S3-compatible servers do not serve a bucket
as a subdomain.
"""

from __future__ import annotations

from typing import Any

import boto3
from botocore.config import Config
from botocore.exceptions import BotoCoreError, ClientError
from django.conf import settings
from django.utils.translation import gettext as _

from flagdesk.core.errors import TransientError

from .storage import EncryptedStore, _checked

# A missing object, as S3 and its imitators name it.
_MISSING_CODES = frozenset({"NoSuchKey", "404", "NotFound"})
CONNECT_TIMEOUT_SECONDS = 10
READ_TIMEOUT_SECONDS = 60


def _unavailable(error: Exception) -> TransientError:
    # The error's code or type only: a message could quote the endpoint's credentials.
    code = error.response.get("Error", {}).get("Code", "") if isinstance(error, ClientError) else ""
    return TransientError(
        _("The evidence storage could not be reached: %(error)s")
        % {"error": code or type(error).__name__}
    )


class S3Store(EncryptedStore):
    """Objects ``<key>`` in one bucket; one PUT per file, so a file is there whole or not."""

    def __init__(self, client: Any, bucket: str) -> None:
        self.client = client
        self.bucket = bucket

    @classmethod
    def from_settings(cls) -> S3Store:
        """The store of ``EVIDENCE_S3_*``. Without an access key boto3 looks for credentials
        itself (an instance role), as operators of cloud machines expect."""
        session = boto3.session.Session()  # its own session: the default one is not thread-safe
        client = session.client(
            "s3",
            endpoint_url=settings.EVIDENCE_S3_ENDPOINT or None,
            region_name=settings.EVIDENCE_S3_REGION or None,
            aws_access_key_id=settings.EVIDENCE_S3_ACCESS_KEY or None,
            aws_secret_access_key=settings.EVIDENCE_S3_SECRET_KEY or None,
            config=Config(
                s3={"addressing_style": "path"},
                connect_timeout=CONNECT_TIMEOUT_SECONDS,
                read_timeout=READ_TIMEOUT_SECONDS,
                retries={"mode": "standard", "max_attempts": 3},
            ),
        )
        return cls(client, settings.EVIDENCE_S3_BUCKET)

    def read_token(self, key: str) -> bytes:
        try:
            answer = self.client.get_object(Bucket=self.bucket, Key=_checked(key))
            token: bytes = answer["Body"].read()
        except ClientError as e:
            if e.response.get("Error", {}).get("Code", "") in _MISSING_CODES:
                raise FileNotFoundError(key) from e
            raise _unavailable(e) from e
        except BotoCoreError as e:
            raise _unavailable(e) from e
        return token

    def write_token(self, key: str, token: bytes) -> None:
        # One PUT replaces the object whole: readers see the old bytes or the new ones.
        try:
            self.client.put_object(Bucket=self.bucket, Key=_checked(key), Body=token)
        except (BotoCoreError, ClientError) as e:
            raise _unavailable(e) from e

    def delete(self, key: str) -> None:
        # S3 answers a DELETE of an absent object with success: nothing to special-case.
        try:
            self.client.delete_object(Bucket=self.bucket, Key=_checked(key))
        except (BotoCoreError, ClientError) as e:
            raise _unavailable(e) from e
