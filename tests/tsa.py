"""A real RFC 3161 timestamp authority for tests: Debian's ``openssl ts`` on 127.0.0.1 (S23).

A pytest plugin (``pytest_plugins = ["tests.tsa"]``) with two fixtures:

- ``tsa_authority`` (session): a throwaway CA and a TSA certificate it issued (critical
  ``extendedKeyUsage=timeStamping``), with the ``openssl ts -reply`` configuration, in a
  temporary directory.
- ``tsa`` (function): an HTTP server on 127.0.0.1 that answers ``application/timestamp-query``
  by piping the query to ``openssl ts -reply``; ``settings.AUDIT_TSA_URL`` and
  ``AUDIT_TSA_CA_FILE`` point at it for the test. ``tsa.answer_for_other_data = True`` makes
  it timestamp other data than it was asked for (a dishonest or broken authority).
"""

from __future__ import annotations

import subprocess
import tempfile
import threading
from collections.abc import Iterator
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, HTTPServer
from pathlib import Path
from typing import Any

import pytest

OPENSSL = "/usr/bin/openssl"
HOST = "127.0.0.1"
MAX_QUERY_BYTES = 64 * 1024

TSA_CONFIG = """\
[ tsa ]
default_tsa = tsa_config

[ tsa_config ]
dir = {dir}
serial = $dir/serial
crypto_device = builtin
signer_cert = $dir/tsa.crt
certs = $dir/tsa.crt
signer_key = $dir/tsa.key
signer_digest = sha256
default_policy = 1.3.6.1.4.1.55555.1
digests = sha256, sha384, sha512
accuracy = secs:1
ordering = no
tsa_name = yes
ess_cert_id_chain = no
ess_cert_id_alg = sha256
"""

TSA_EXTENSIONS = """\
basicConstraints = critical, CA:FALSE
keyUsage = critical, digitalSignature
extendedKeyUsage = critical, timeStamping
"""


def _openssl(*args: str, cwd: Path) -> None:
    subprocess.run([OPENSSL, *args], cwd=cwd, check=True, capture_output=True, timeout=60)


@dataclass(frozen=True)
class TsaAuthority:
    root: Path

    @property
    def ca_file(self) -> Path:
        return self.root / "ca.crt"

    @property
    def config(self) -> Path:
        return self.root / "tsa.cnf"

    def reply(self, query: bytes) -> bytes:
        """``openssl ts -reply`` for one DER query; each call gets its own files."""
        with tempfile.TemporaryDirectory(dir=self.root) as work:
            query_file, reply_file = Path(work) / "query.tsq", Path(work) / "reply.tsr"
            query_file.write_bytes(query)
            _openssl(
                "ts", "-reply", "-config", str(self.config),
                "-queryfile", str(query_file), "-out", str(reply_file),
                cwd=self.root,
            )  # fmt: skip
            return reply_file.read_bytes()

    def query_for(self, data: bytes) -> bytes:
        """A query for ``data`` as ``openssl ts -query`` makes it (SHA-256, with the
        certificate), to answer a request with a timestamp of something else."""
        with tempfile.TemporaryDirectory(dir=self.root) as work:
            data_file, query_file = Path(work) / "data", Path(work) / "query.tsq"
            data_file.write_bytes(data)
            _openssl(
                "ts", "-query", "-data", str(data_file), "-sha256", "-cert",
                "-out", str(query_file),
                cwd=self.root,
            )  # fmt: skip
            return query_file.read_bytes()


@pytest.fixture(scope="session")
def tsa_authority(tmp_path_factory: pytest.TempPathFactory) -> TsaAuthority:
    root = tmp_path_factory.mktemp("tsa")
    _openssl(
        "req", "-x509", "-newkey", "ec", "-pkeyopt", "ec_paramgen_curve:P-256", "-nodes",
        "-keyout", "ca.key", "-out", "ca.crt", "-days", "3",
        "-subj", "/CN=flagdesk test timestamping CA",
        "-addext", "basicConstraints=critical,CA:TRUE",
        "-addext", "keyUsage=critical,keyCertSign,cRLSign",
        cwd=root,
    )  # fmt: skip
    _openssl(
        "req", "-new", "-newkey", "ec", "-pkeyopt", "ec_paramgen_curve:P-256", "-nodes",
        "-keyout", "tsa.key", "-out", "tsa.csr", "-subj", "/CN=flagdesk test TSA",
        cwd=root,
    )  # fmt: skip
    (root / "tsa.ext").write_text(TSA_EXTENSIONS)
    _openssl(
        "x509", "-req", "-in", "tsa.csr", "-CA", "ca.crt", "-CAkey", "ca.key",
        "-CAcreateserial", "-days", "3", "-extfile", "tsa.ext", "-out", "tsa.crt",
        cwd=root,
    )  # fmt: skip
    (root / "serial").write_text("01\n")
    (root / "tsa.cnf").write_text(TSA_CONFIG.format(dir=root))
    return TsaAuthority(root)


@dataclass
class TsaServer:
    """What ``tsa`` returns: its URL and CA file, the queries it received, and a switch."""

    authority: TsaAuthority
    url: str = ""
    queries: list[bytes] = field(default_factory=list)
    answer_for_other_data: bool = False

    @property
    def ca_file(self) -> Path:
        return self.authority.ca_file

    def answer(self, query: bytes) -> bytes:
        self.queries.append(query)
        if self.answer_for_other_data:
            query = self.authority.query_for(b"something else entirely")
        return self.authority.reply(query)


def _handler(server: TsaServer) -> type[BaseHTTPRequestHandler]:
    class Handler(BaseHTTPRequestHandler):
        def do_POST(self) -> None:
            length = int(self.headers.get("Content-Length") or 0)
            if self.headers.get("Content-Type") != "application/timestamp-query" or not (
                0 < length <= MAX_QUERY_BYTES
            ):
                self.send_error(400)
                return
            try:
                reply = server.answer(self.rfile.read(length))
            except subprocess.CalledProcessError:
                self.send_error(500)
                return
            self.send_response(200)
            self.send_header("Content-Type", "application/timestamp-reply")
            self.send_header("Content-Length", str(len(reply)))
            self.end_headers()
            self.wfile.write(reply)

        def log_message(self, format: str, *args: Any) -> None:
            pass  # the test's output is not the place for an access log

    return Handler


@pytest.fixture
def tsa(tsa_authority: TsaAuthority, settings: Any) -> Iterator[TsaServer]:
    server = TsaServer(tsa_authority)
    httpd = HTTPServer((HOST, 0), _handler(server))
    server.url = f"http://{HOST}:{httpd.server_address[1]}/tsr"
    thread = threading.Thread(target=httpd.serve_forever, daemon=True)
    thread.start()
    settings.AUDIT_TSA_URL = server.url
    settings.AUDIT_TSA_CA_FILE = str(tsa_authority.ca_file)
    try:
        yield server
    finally:
        httpd.shutdown()
        httpd.server_close()
        thread.join()
