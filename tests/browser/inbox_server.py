"""Serve a seeded reference inbox for the browser test (tests/browser/inbox.test.mjs).

``python tests/browser/inbox_server.py <port> <var_dir>``: the demo hospital titan's inbox on
127.0.0.1:<port> with a SQLite file under <var_dir>, one doctor (printed as JSON with the URL once
the server answers) and two signed transcripts delivered through its webhook route. Runs until killed.
"""

from __future__ import annotations

import json
import sys
import threading
import time
from pathlib import Path

import uvicorn
from fastapi.testclient import TestClient

sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "inbox"))
from inbox_helpers import PASSWORD, deliver, make_settings, transcript  # noqa: E402

from inbox.app import create_app  # noqa: E402


def main() -> None:
    port, var_dir = int(sys.argv[1]), Path(sys.argv[2])
    settings = make_settings(var_dir)
    app = create_app(settings, "titan")
    app.state.workbench.accounts.add_doctor("ana", "Dr Ana Ionescu", PASSWORD)
    server = uvicorn.Server(uvicorn.Config(app, host="127.0.0.1", port=port, log_level="warning"))
    threading.Thread(target=server.run, daemon=True).start()
    while not server.started:
        time.sleep(0.05)
    with TestClient(app, base_url=f"http://127.0.0.1:{port}") as client:
        deliver(
            client, settings, transcript("conv-urgent", urgency="urgent", ask="Is it a stroke?"), "msg_urgent"
        )
        deliver(client, settings, transcript("conv-routine"), "msg_routine")
    print(
        json.dumps({"url": f"http://127.0.0.1:{port}", "username": "ana", "password": PASSWORD}), flush=True
    )
    while True:
        time.sleep(3600)


if __name__ == "__main__":
    main()
