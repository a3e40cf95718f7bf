"""Least privilege on disk (issue 16): the demo's databases, logs and secrets were 0644 in a 0755
var/, readable by anyone on the host. Reproduced here with the launcher's own steps."""

from __future__ import annotations

import os
import sqlite3
import stat
import subprocess
import sys
from pathlib import Path

from qaid.config import REPO_ROOT, SECRET_NAMES, ensure_secrets, lock_down


def _mode(path: Path) -> int:
    return stat.S_IMODE(path.stat().st_mode)


def test_an_old_world_readable_var_dir_is_locked_down(tmp_path: Path) -> None:
    var = tmp_path / "var"
    (var / "logs").mkdir(parents=True)
    var.chmod(0o755)
    for path in (var / "tracker.sqlite3", var / "logs" / "rasa.log"):
        path.write_text("patient data")
        path.chmod(0o644)
    lock_down(var)
    assert _mode(var) == 0o700 and _mode(var / "logs") == 0o700
    assert _mode(var / "tracker.sqlite3") == 0o600 and _mode(var / "logs" / "rasa.log") == 0o600


def test_files_the_services_create_are_private(tmp_path: Path) -> None:
    """A child of the launcher (umask inherited) creates a database and a log: both 0600."""
    script = (
        "import sqlite3, sys; from qaid.config import private_files; private_files(); "
        "sqlite3.connect(sys.argv[1]).execute('create table t (x)'); open(sys.argv[2], 'a').write('x')"
    )
    db, log = tmp_path / "inbox.sqlite3", tmp_path / "hub.log"
    env = {**os.environ, "PYTHONPATH": os.pathsep.join([str(REPO_ROOT), str(REPO_ROOT / "contracts")])}
    subprocess.run([sys.executable, "-c", script, str(db), str(log)], check=True, env=env)
    assert _mode(db) == 0o600 and _mode(log) == 0o600
    assert sqlite3.connect(db).execute("select count(*) from t").fetchone() == (0,)


def test_the_launcher_generates_an_inbox_and_a_rest_token(tmp_path: Path) -> None:
    text = ensure_secrets(tmp_path).read_text()
    assert {"inbox_token", "rest_token", "conversation_key"} <= set(SECRET_NAMES)
    values = dict(line.split("=", 1) for line in text.splitlines())
    assert len(values["QAID_INBOX_TOKEN"]) >= 32 and len(values["QAID_REST_TOKEN"]) >= 32
    assert _mode(tmp_path / "secrets.env") == 0o600
