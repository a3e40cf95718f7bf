"""DNS rebinding against the real join path: a hospital's name answers a public address to the join
route's check and 127.0.0.1 afterwards. The hub's own calls - the join checks, the offers refresh,
the transcript delivery - resolve once per connection, check, and never reach the private address;
what the operator registers may be private and is called. That the refusals name 127.0.0.1, which
only the scripted resolver answers for this name, shows the pinned path resolves through the seam.

The hub, the HIP and the inbox are real servers (test_join.Network); DNS is scripted at
``socket.getaddrinfo`` (net_fakes.Resolver), where an unpinned client would resolve too."""

from __future__ import annotations

import socket
import time
from collections.abc import Iterator
from contextlib import ExitStack
from pathlib import Path
from typing import Any

import pytest
from kit_helpers import HOSPITAL, helpers
from test_join import Network, _refresh_log

tr = helpers("tr_helpers", "hub")
fakes = helpers("net_fakes", "hub")
NAME = "floreasca.example"  # the system cannot resolve it: only the scripted resolver answers
PUBLIC = "93.184.216.34"


@pytest.fixture
def dns(monkeypatch: pytest.MonkeyPatch) -> Any:
    resolver = fakes.Resolver(socket.getaddrinfo)
    monkeypatch.setattr(socket, "getaddrinfo", resolver)
    return resolver


@pytest.fixture
def net(tmp_path: Path, bundle: Path) -> Iterator[Network]:
    """A hub that refreshes offers every 0.2 s and keeps hospitals' own URLs public."""
    with ExitStack() as stack:
        yield Network(stack, tmp_path, bundle, offers_refresh_s=0.2)


def _until(done: Any, what: str) -> Any:
    deadline = time.monotonic() + 60  # ends a hung test; no speed is asserted
    while not (value := done()):
        assert time.monotonic() < deadline, f"{what} never happened"
        time.sleep(0.1)
    return value


def test_a_name_that_rebinds_after_the_join_check_never_reaches_the_private_address(
    net: Network, dns: Any
) -> None:
    urls = {"hip_url": f"http://{NAME}:{net.hip.port}",
            "webhook_url": f"http://{NAME}:{net.inbox.port}/webhooks/transcripts"}  # fmt: skip
    dns.script[NAME] = [[PUBLIC], [PUBLIC], ["127.0.0.1"]]  # the route's two checks, then loopback
    own = {"Authorization": f"Bearer {net.hospital_token()}"}
    r = net.http.post("/api/v1/hospitals/join", json=net.body(**urls), headers=own)
    assert r.status_code == 200, r.text  # the route's check saw public addresses
    report = r.json()
    assert not report["active"]
    failed = {c["name"]: c["detail"] for c in report["checks"] if not c["ok"]}
    assert set(failed) == {"hip_reachable", "webhook_signed"}
    for detail in failed.values():
        assert detail.startswith("not called: ") and "resolves to 127.0.0.1" in detail

    # The operator puts it in the directory anyway: the refresh and deliveries are pinned as well.
    assert net.http.put(f"/api/v1/hospitals/{HOSPITAL}", json={"active": True}, headers=tr.ADMIN).json()[
        "active"
    ]
    refused = f"offers of {HOSPITAL} not refreshed: ConnectError: '{NAME}' resolves to 127.0.0.1"
    with _refresh_log() as seen:
        _until(lambda: sum(m.startswith(refused) for m in seen) >= 2, "two refused refreshes")
    sent = net.http.post("/api/v1/transcripts", json=tr.transcript([HOSPITAL]), headers=tr.SERVICE)
    assert sent.status_code == 201, sent.text

    def delivery_error() -> str | None:
        detail = net.http.get(f"/api/v1/transcripts/{sent.json()['id']}", headers=tr.ADMIN).json()
        error = detail["deliveries"][0]["last_error"]
        return error if error and "not a public address" in error else None

    assert "resolves to 127.0.0.1" in _until(delivery_error, "a refused delivery attempt")
    assert net.hip_hits.hosts == [] and net.inbox_hits.hosts == []  # nothing ever reached them

    # The operator's own registration may name private addresses (trusted as registered): called.
    mine = {"hip_url": net.hip.url, "webhook_url": f"{net.inbox.url}/webhooks/transcripts"}
    assert net.http.put(f"/api/v1/hospitals/{HOSPITAL}", json=mine, headers=tr.ADMIN).status_code == 200
    hosts = _until(lambda: list(net.hip_hits.hosts), "a refresh of the operator's registration")
    assert set(hosts) == {f"127.0.0.1:{net.hip.port}"}
