"""Local TLS material: a CA and a server certificate that verifies against it, with loopback SANs."""

from __future__ import annotations

import ipaddress
import stat
from pathlib import Path

import pytest
from cryptography import x509

from federated import certs


def test_generate_and_verify(tmp_path: Path) -> None:
    paths = certs.generate(tmp_path)
    certs.verify(paths)
    server = x509.load_pem_x509_certificate(paths.server_cert.read_bytes())
    sans = server.extensions.get_extension_for_class(x509.SubjectAlternativeName).value
    assert ipaddress.ip_address("127.0.0.1") in sans.get_values_for_type(x509.IPAddress)
    assert "localhost" in sans.get_values_for_type(x509.DNSName)
    assert stat.S_IMODE(paths.server_key.stat().st_mode) == 0o600
    ca = x509.load_pem_x509_certificate(paths.ca_cert.read_bytes())
    assert ca.extensions.get_extension_for_class(x509.BasicConstraints).value.ca


def test_foreign_ca_is_rejected(tmp_path: Path) -> None:
    a, b = certs.generate(tmp_path / "a"), certs.generate(tmp_path / "b")
    with pytest.raises(Exception):  # noqa: B017 - cryptography raises ValueError or InvalidSignature
        certs.verify(certs.CertPaths(b.ca_cert, a.server_cert, a.server_key))
