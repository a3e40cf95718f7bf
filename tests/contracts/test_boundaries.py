"""The boundaries docs/architecture.md promises, checked on every import statement of the code.

The services meet over HTTP only; the bot's runtime shares nothing with the platform but the
contract package; the ground floor (qaid, qaid_contracts) imports nothing above it.
"""

from __future__ import annotations

import ast
from pathlib import Path

import pytest

REPO = Path(__file__).resolve().parents[2]
OURS = {
    "qaid",
    "qaid_contracts",
    "qaid_bot",
    "hub",
    "inbox",
    "hip_service",
    "ml",
    "federated",
    "demo",
    "hospital_kit",
}

# package (directory) -> our top-level packages it may import
ALLOWED: dict[str, set[str]] = {
    "contracts/qaid_contracts": {"qaid_contracts"},
    "qaid": {"qaid", "qaid_contracts"},
    "hub": {"hub", "qaid", "qaid_contracts"},
    "inbox": {"inbox", "qaid", "qaid_contracts"},
    "hip_service": {"hip_service", "qaid", "qaid_contracts"},
    "ml": {"ml", "qaid", "qaid_contracts"},
    "federated": {"federated", "ml", "qaid", "qaid_contracts"},
    # the hospital's launcher: runs the HIP and the inbox as processes; `check` loads the bundle
    # with the HIP's own loader (the same validation the HIP does before it binds its port)
    "hospital_kit": {"hospital_kit", "hip_service", "qaid", "qaid_contracts"},
    "bot/qaid_bot": {"qaid_bot", "qaid_contracts"},
}


def imported_packages(path: Path) -> set[str]:
    tree = ast.parse(path.read_text(), filename=str(path))
    found = set()
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            found |= {alias.name.split(".")[0] for alias in node.names}
        elif isinstance(node, ast.ImportFrom) and node.level == 0 and node.module:
            found.add(node.module.split(".")[0])
    return found & OURS


@pytest.mark.parametrize("package", sorted(ALLOWED))
def test_a_package_imports_only_what_its_boundary_allows(package: str) -> None:
    wrong = {}
    for path in sorted((REPO / package).rglob("*.py")):
        extra = imported_packages(path) - ALLOWED[package]
        if extra:
            wrong[str(path.relative_to(REPO))] = sorted(extra)
    assert wrong == {}


def test_the_check_sees_a_crossing(tmp_path: Path) -> None:
    """The checker itself: an import of the hub from a HIP module is found."""
    sample = tmp_path / "probe.py"
    sample.write_text("from hub import images\nimport hip_service.app\nfrom . import sibling\n")
    assert imported_packages(sample) == {"hub", "hip_service"}
