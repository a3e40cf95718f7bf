"""The real demo network, started on test ports with fresh secrets and a throw-away var directory.

Everything is real: the launcher starts the same processes `make run` does (hub, HIPs loading the
built model bundles, inboxes, Rasa action server, Rasa server with the trained model).
"""

from __future__ import annotations

import os
from collections.abc import Iterator

import pytest

from demo.faults import own_network
from qaid.config import Settings

# QAID_E2E_PORT_OFFSET moves the test network when another one (another checkout's) holds these ports.
PORT_OFFSET = int(os.environ.get("QAID_E2E_PORT_OFFSET", "20000"))


@pytest.fixture(scope="session")
def network(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Settings]:
    try:
        with own_network(PORT_OFFSET, tmp_path_factory.mktemp("network-var")) as settings:
            yield settings
    except RuntimeError as exc:
        pytest.fail(str(exc))
