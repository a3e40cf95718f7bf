"""The hub's production settings of docs/operations.md, each against the real servers on this machine:

- configured by ``QAID_HUB_DATABASE_URL`` alone (PostgreSQL at 127.0.0.1:5432, database ``test``; the
  schema chosen in the URL), the hub and a standalone worker sharing it;
- TLS: a hospital inbox served over HTTPS with a certificate from a private CA, trusted by the worker
  through ``QAID_WEBHOOK_CA_FILE`` and refused without it; image links carry ``QAID_PUBLIC_HUB_URL``;
- backups: ``pg_dump`` / ``pg_restore`` of the hub's schema; the dump holds no patient text, and the
  restored hub reads everything back with the data key.

Without PostgreSQL (or pg_dump) they skip, saying why, on a developer machine and fail under CI
(tests/utils/services.py).
"""

from __future__ import annotations

import asyncio
import datetime as dt
import ipaddress
import shutil
import subprocess
import uuid
from collections.abc import Iterator
from pathlib import Path

import httpx
import pytest
from cryptography import x509
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import ec
from cryptography.x509.oid import NameOID
from fastapi.testclient import TestClient
from sqlalchemy import create_engine, text
from tr_helpers import (
    ADMIN,
    FAST_POLICY,
    PG_URL,
    SERVICE,
    ServerThread,
    drain,
    free_port,
    make_settings,
    transcript,
    with_bound_image,
)
from utils.services import require_file, require_server

from hub.app import create_app
from hub.crypto import DataBox
from hub.worker import Worker, webhook_tls
from inbox.app import create_app as create_inbox
from qaid.db import make_engine


@pytest.fixture(autouse=True)
def _postgresql() -> None:
    require_server("PostgreSQL", "127.0.0.1", 5432)


SECRET_TEXT = "my left temple throbs every morning since Tuesday"


@pytest.fixture
def schema() -> Iterator[str]:
    name = f"qaid_prod_{uuid.uuid4().hex[:10]}"
    admin = create_engine(PG_URL)
    with admin.begin() as conn:
        conn.execute(text(f'CREATE SCHEMA "{name}"'))
    try:
        yield name
    finally:
        with admin.begin() as conn:
            conn.execute(text(f'DROP SCHEMA IF EXISTS "{name}" CASCADE'))
        admin.dispose()


def _name(cn: str) -> x509.Name:
    return x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, cn)])


def _pem_key(key: ec.EllipticCurvePrivateKey) -> bytes:
    fmt = serialization.PrivateFormat.PKCS8
    return key.private_bytes(serialization.Encoding.PEM, fmt, serialization.NoEncryption())


def private_ca(directory: Path) -> tuple[Path, Path, Path]:
    """(ca.pem, server.pem, server.key): a hospital's private CA, its inbox's certificate for 127.0.0.1."""
    now = dt.datetime.now(dt.UTC)
    ca_key, key = ec.generate_private_key(ec.SECP256R1()), ec.generate_private_key(ec.SECP256R1())
    ca = (
        x509.CertificateBuilder().subject_name(_name("Test CA")).issuer_name(_name("Test CA"))
        .public_key(ca_key.public_key()).serial_number(x509.random_serial_number())
        .not_valid_before(now - dt.timedelta(minutes=5)).not_valid_after(now + dt.timedelta(days=1))
        .add_extension(x509.BasicConstraints(ca=True, path_length=None), critical=True)
        .add_extension(x509.KeyUsage(*[False] * 5, True, True, False, False), critical=True)
        .add_extension(x509.SubjectKeyIdentifier.from_public_key(ca_key.public_key()), critical=False)
        .sign(ca_key, hashes.SHA256())
    )  # fmt: skip
    san = x509.SubjectAlternativeName([x509.IPAddress(ipaddress.ip_address("127.0.0.1"))])
    cert = (
        x509.CertificateBuilder().subject_name(_name("inbox.test")).issuer_name(ca.subject)
        .public_key(key.public_key()).serial_number(x509.random_serial_number())
        .not_valid_before(now - dt.timedelta(minutes=5)).not_valid_after(now + dt.timedelta(days=1))
        .add_extension(san, critical=False)
        .add_extension(x509.AuthorityKeyIdentifier.from_issuer_public_key(ca_key.public_key()), False)
        .sign(ca_key, hashes.SHA256())
    )  # fmt: skip
    paths = directory / "ca.pem", directory / "server.pem", directory / "server.key"
    paths[0].write_bytes(ca.public_bytes(serialization.Encoding.PEM))
    paths[1].write_bytes(cert.public_bytes(serialization.Encoding.PEM))
    paths[2].write_bytes(_pem_key(key))
    return paths


def test_hub_and_worker_on_postgresql_by_url_deliver_over_tls(tmp_path: Path, schema: str) -> None:
    ca, cert, key = private_ca(tmp_path)
    url = f"postgresql://postgres@127.0.0.1:5432/test?options=-csearch_path%3D{schema}"
    settings = make_settings(
        tmp_path, hub_database_url=url, public_hub_url="https://hub.example.org", webhook_ca_file=str(ca)
    )
    # The titan inbox behind TLS (uvicorn terminating it, as a proxy would).
    inbox_app = create_inbox(settings, "titan", db_path=tmp_path / "inbox.sqlite3")
    server = ServerThread(inbox_app, free_port())
    server.server.config.ssl_certfile, server.server.config.ssl_keyfile = str(cert), str(key)
    inbox_url = f"https://127.0.0.1:{server.port}"

    with server, TestClient(create_app(settings, run_worker=False)) as hub:
        hook = {"webhook_url": f"{inbox_url}/webhooks/transcripts"}
        assert hub.put("/api/v1/hospitals/titan", json=hook, headers=ADMIN).status_code == 200
        body = transcript(["titan"])
        with_bound_image(hub, settings, body, b"\x89PNG\r\n\x1a\n" + b"\x02" * 64)
        body["messages"][0]["text"] = SECRET_TEXT
        posted = hub.post("/api/v1/transcripts", json=body, headers=SERVICE)
        assert posted.status_code == 201
        delivery = posted.json()["deliveries"][0]["id"]
        with create_engine(PG_URL).connect() as conn:  # the tables live in the schema the URL named
            assert conn.execute(text(f'SELECT count(*) FROM "{schema}".transcripts')).scalar_one() == 1

        # A standalone worker, configured like `python -m hub.worker` (same URL, same keys).
        engine = make_engine(settings.hub_db_url())
        try:
            box = DataBox(settings.data_key)
            public = settings.hub_public_url
            asyncio.run(Worker(engine, box, FAST_POLICY, public_url=public, timeout_s=3).run_once())
            log = hub.get(f"/api/v1/deliveries/{delivery}", headers=ADMIN).json()["attempt_log"]
            assert "CERTIFICATE_VERIFY_FAILED" in (log[0]["error"] or "")  # public CAs only: refused

            trusting = webhook_tls(settings.webhook_ca_file)
            key = settings.conversation_key
            worker = Worker(
                engine, box, FAST_POLICY, public_url=public, tls=trusting, timeout_s=3, conversation_key=key
            )

            def delivered() -> bool:
                status = hub.get(f"/api/v1/deliveries/{delivery}", headers=ADMIN).json()["status"]
                return status == "delivered"

            drain(worker, delivered)
        finally:
            engine.dispose()
            hub.app.state.hub.engine.dispose()

        # what the hospital stored, read over its HTTPS endpoint with its CA
        with httpx.Client(base_url=inbox_url, verify=str(ca)) as client:
            received = client.get("/api/transcripts").json()
            assert len(received) == 1
            detail = client.get(f"/api/transcripts/{received[0]['webhook_id']}").json()
    assert detail["transcript"]["messages"][0]["text"] == SECRET_TEXT
    links = detail["links"]["images"].values()
    assert links and all(u.startswith("https://hub.example.org/api/v1/images/") for u in links)


def test_a_pg_dump_backup_restores_and_discloses_nothing_without_the_key(tmp_path: Path, schema: str) -> None:
    require_file("pg_dump", shutil.which("pg_dump"))
    require_file("pg_restore", shutil.which("pg_restore"))
    settings = make_settings(tmp_path)
    engine = make_engine(PG_URL, pg_schema=schema)
    png = bytes.fromhex("89504e470d0a1a0a") + b"backup-test-image" * 4
    with TestClient(create_app(settings, engine=engine, run_worker=False)) as hub:
        body = transcript(["titan"])
        body["messages"][0]["text"] = SECRET_TEXT
        tid = hub.post("/api/v1/transcripts", json=body, headers=SERVICE).json()["id"]
        image = hub.post("/api/v1/images", content=png, headers=SERVICE).json()
    engine.dispose()

    dump = tmp_path / "hub.dump"
    connection = ["-h", "127.0.0.1", "-p", "5432", "-U", "postgres", "-d", "test"]
    subprocess.run(["pg_dump", *connection, "-n", schema, "-Fc", "-Z", "0", "-f", str(dump)], check=True)
    data = dump.read_bytes()
    assert body["conversation_id"].encode() in data  # the dump is readable (uncompressed) ...
    for plain in (SECRET_TEXT, "Ana Pop", "ana@example.org", "backup-test-image"):
        assert plain.encode() not in data  # ... but the patient's data in it is sealed

    admin = create_engine(PG_URL)
    with admin.begin() as conn:
        conn.execute(text(f'DROP SCHEMA "{schema}" CASCADE'))  # the disaster
    admin.dispose()
    subprocess.run(["pg_restore", *connection, str(dump)], check=True)

    engine = make_engine(PG_URL, pg_schema=schema)
    try:
        with TestClient(create_app(settings, engine=engine, run_worker=False)) as hub:
            restored = hub.get(f"/api/v1/transcripts/{tid}", headers=ADMIN).json()
            assert restored["transcript"]["messages"][0]["text"] == SECRET_TEXT
            assert hub.get(image["url"]).content == png
        # the backup without the key: a hub started on it refuses to start (nothing opens)
        wrong = create_app(make_settings(tmp_path, data_key="another-key"), engine=engine, run_worker=False)
        with pytest.raises(ValueError, match="cannot be decrypted"), TestClient(wrong):
            pass
    finally:
        engine.dispose()
