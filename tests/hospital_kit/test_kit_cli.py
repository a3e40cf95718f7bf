"""The kit's and the inbox's command lines: help, and errors that name the setting to fix (no
tracebacks, no KeyError); the kit's children receive only their own secrets."""

from __future__ import annotations

import base64
import os
import subprocess
import sys
from pathlib import Path

import pytest

from hospital_kit import settings as kit_settings
from hospital_kit.cli import main
from hospital_kit.run import children
from qaid.config import REPO_ROOT
from qaid.webhooks import new_secret

INIT = ["init", "--id", "floreasca", "--name", "Floreasca Hospital", "--lat", "44.465", "--lon", "26.105"]


def _run(*argv: str, env: dict[str, str] | None = None) -> subprocess.CompletedProcess[str]:
    clean = {k: v for k, v in os.environ.items() if not k.startswith("QAID_")}
    return subprocess.run([sys.executable, "-m", *argv], cwd=REPO_ROOT, env={**clean, **(env or {})},
                          capture_output=True, text=True, timeout=120)  # fmt: skip


def test_help_lists_every_step() -> None:
    out = _run("hospital_kit", "--help")
    assert out.returncode == 0
    steps = ("init", "check", "run", "join", "verify", "test-event", "reload", "rotate-secret", "leave")
    for command in steps:
        assert command in out.stdout


def test_settings_errors_name_the_setting(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    config = tmp_path / "hospital.toml"
    assert main(["--config", str(config), "check"]) == 2
    assert "hospital_kit --config" in capsys.readouterr().err  # says how to write one
    assert main(["--config", str(config), *INIT]) == 0
    assert main(["--config", str(config), *INIT]) == 2  # never overwrites
    assert "never overwrites" in capsys.readouterr().err
    config.write_text(
        config.read_text().replace("lat = 44.465", "lat = 144.465").replace('"floreasca"', '"Flo"')
    )
    assert main(["--config", str(config), "check"]) == 2
    err = capsys.readouterr().err
    assert "[hospital] lat: Input should be less than or equal to 90" in err and "[hospital] id" in err


def test_check_refuses_another_hospitals_bundle(tmp_path: Path, session_bundle: Path,
                                                capsys: pytest.CaptureFixture[str]) -> None:  # fmt: skip
    config = tmp_path / "hospital.toml"
    assert (
        main(["--config", str(config), *INIT[:2], "someone-else", *INIT[3:], "--bundle", str(session_bundle)])
        == 0
    )
    assert main(["--config", str(config), "check"]) == 2
    assert "hip_id is 'floreasca', not 'someone-else'" in capsys.readouterr().err
    broken = tmp_path / "missing"
    config2 = tmp_path / "b.toml"
    assert main(["--config", str(config2), *INIT, "--bundle", str(broken)]) == 0
    assert main(["--config", str(config2), "check"]) == 2
    assert "[hip] bundle:" in capsys.readouterr().err


def test_children_get_only_their_own_secrets(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    config = tmp_path / "hospital.toml"
    assert main(["--config", str(config), *INIT]) == 0
    for name in ("QAID_DATA_KEY", "QAID_HUB_ADMIN_TOKEN", "QAID_HIP_TOKEN", "QAID_WEBHOOK_SECRET_SEED"):
        monkeypatch.setenv(name, "the-operators")
    s = kit_settings.load(config)
    hip, inbox = children(s)
    assert {k for k in hip.env if k.startswith("QAID_")} == {"QAID_HIP_TOKEN", "QAID_HIP_ADMIN_TOKEN"}
    assert hip.env["QAID_HIP_TOKEN"] == s.hip.token != "the-operators"
    assert {k for k in inbox.env if k.startswith("QAID_")} == {
        "QAID_INBOX_SECRETS", "QAID_INBOX_TOKEN", "QAID_INBOX_TIME_ZONE", "QAID_PUBLIC_HUB_URL"
    }  # fmt: skip
    assert inbox.env["QAID_PUBLIC_HUB_URL"] == s.hub.url  # replies and image fetches go to its own hub
    assert inbox.env["QAID_INBOX_SECRETS"] == ",".join(s.inbox.webhook_secrets)
    assert inbox.env["QAID_INBOX_TIME_ZONE"] == s.inbox.time_zone == "UTC"  # the template's default
    # the hospital's OpenID Connect provider, when it configures one, reaches the inbox (and only then)
    oidc = (
        config.read_text()
        .replace("# oidc_issuer = ", "oidc_issuer = ")
        .replace("# oidc_client_id = ", "oidc_client_id = ")
        .replace("# oidc_email_domains = ", "oidc_email_domains = ")
    )
    with_oidc = tmp_path / "with_oidc.toml"
    with_oidc.write_text(oidc)
    _, inbox_oidc = children(kit_settings.load(with_oidc))
    assert {k: v for k, v in inbox_oidc.env.items() if "OIDC" in k or k == "QAID_INBOX_PUBLIC_URL"} == {
        "QAID_INBOX_OIDC_ISSUER": "https://login.example-hospital.ro",
        "QAID_INBOX_OIDC_CLIENT_ID": "qaid-inbox",
        "QAID_INBOX_OIDC_EMAIL_DOMAINS": "example-hospital.ro",
        "QAID_INBOX_PUBLIC_URL": s.inbox.public_url,
    }  # fmt: skip
    config.write_text(config.read_text().replace('time_zone = "UTC"', 'time_zone = "Bucharest"'))
    with pytest.raises(kit_settings.SettingsError, match=r"\[inbox\] time_zone: .*not an IANA time zone"):
        kit_settings.load(config)


def test_the_inbox_runs_for_any_hospital_and_says_what_is_missing() -> None:
    unknown = _run("inbox", "--hospital", "floreasca")
    assert unknown.returncode == 2 and "give --name and --port" in unknown.stderr
    no_secret = _run("inbox", "--hospital", "floreasca", "--name", "Floreasca", "--port", "1")
    assert no_secret.returncode == 2 and "set QAID_INBOX_SECRETS" in no_secret.stderr
    bad = _run(
        "inbox", "--hospital", "floreasca", "--name", "F", "--port", "1", env={"QAID_INBOX_SECRETS": "plain"}
    )
    assert bad.returncode == 2 and "whsec_" in bad.stderr
    secret = "whsec_" + base64.b64encode(b"k" * 32).decode()
    no_token = _run(
        "inbox", "--hospital", "floreasca", "--name", "F", "--port", "1", env={"QAID_INBOX_SECRETS": secret}
    )
    assert no_token.returncode == 2 and "QAID_INBOX_TOKEN is not set" in no_token.stderr
    zone = _run("inbox", "--hospital", "titan", env={"QAID_INBOX_TIME_ZONE": "Bucharest"})
    assert zone.returncode == 2
    assert "QAID_INBOX_TIME_ZONE: Value error, 'Bucharest' is not an IANA" in zone.stderr
    for out in (unknown, no_secret, bad, no_token, zone):
        assert "Traceback" not in out.stderr and "KeyError" not in out.stderr
    # A demo hospital without the launcher's seed: the same message, not "the launcher generates it".
    demo = _run("inbox", "--hospital", "titan")
    assert demo.returncode == 2 and "QAID_INBOX_SECRETS" in demo.stderr


def test_rotation_edits_only_the_secrets_line(tmp_path: Path) -> None:
    config = tmp_path / "hospital.toml"
    assert main(["--config", str(config), *INIT]) == 0
    before = kit_settings.load(config).inbox.webhook_secrets
    assert main(["--config", str(config), "rotate-secret", "start"]) == 0
    during = kit_settings.load(config).inbox.webhook_secrets
    assert len(during) == 2 and during[1:] == before and during[0] != before[0]
    assert main(["--config", str(config), "rotate-secret", "finish"]) == 0
    assert kit_settings.load(config).inbox.webhook_secrets == during[:1]
    assert "# Keep this file private" in config.read_text() and new_secret() not in config.read_text()
