"""Generate the contract package's JSON Schemas from the platform's pydantic models.

    .venv/bin/python scripts/contract_schemas.py           # write contracts/qaid_contracts/schemas/
    .venv/bin/python scripts/contract_schemas.py --check   # exit 1 when a committed schema drifted

Each schema is named for its TypedDict twin in ``qaid_contracts`` (``hip.Analysis`` is
``qaid_contracts.hip.Analysis``); tests/contracts checks each pair. A response schema marks every
field required, because the services serialise every field (a missing value is ``null``).
"""

from __future__ import annotations

import argparse
import json
import sys
from pathlib import Path
from typing import Any

from pydantic import BaseModel

REPO = Path(__file__).resolve().parent.parent
SCHEMA_DIR = REPO / "contracts" / "qaid_contracts" / "schemas"


def models() -> dict[str, tuple[type[BaseModel], bool]]:
    """Schema name -> (pydantic model, is a response)."""
    from hip_service import schemas as hip
    from hub import reply_schemas as replies
    from hub import schemas as hub
    from qaid.api_errors import ErrorResponse
    from qaid.transcript.schema import Transcript

    return {
        "hip.Capabilities": (hip.Capabilities, True),
        "hip.ImageCreated": (hip.ImageCreated, True),
        "hip.Analysis": (hip.AnalyzeOut, True),
        "hip.VqaQuestion": (hip.VqaIn, False),
        "hip.VqaAnswer": (hip.VqaOut, True),
        "hip.Segmentation": (hip.SegmentOut, True),
        "hub.HospitalList": (hub.HospitalList, True),
        "hub.NearbyHospitals": (hub.NearbyHospitals, True),
        "hub.StoredImage": (hub.StoredImage, True),
        "hub.TranscriptReceipt": (hub.TranscriptReceipt, True),
        "replies.ReplyEvent": (replies.ReplyEvent, False),
        "replies.ReplyReceipt": (replies.ReplyReceipt, True),
        "replies.PatientReply": (replies.PatientReply, True),
        "replies.AnswerIn": (replies.AnswerIn, False),
        "replies.AnswerEvent": (replies.AnswerEvent, True),
        "replies.ReplyNoticeEvent": (replies.ReplyNoticeEvent, True),
        "transcript.Transcript": (Transcript, False),
        "errors.ErrorResponse": (ErrorResponse, True),
    }


def _all_required(schema: dict[str, Any]) -> None:
    for node in [schema, *schema.get("$defs", {}).values()]:
        if "properties" in node:
            node["required"] = list(node["properties"])


def generate() -> dict[str, str]:
    """Schema name -> JSON text (sorted keys, so a diff shows only real changes)."""
    out = {}
    for name, (model, response) in models().items():
        schema = model.model_json_schema(mode="serialization" if response else "validation")
        if response:
            _all_required(schema)
        out[name] = json.dumps(schema, indent=2, sort_keys=True) + "\n"
    return out


def drift(generated: dict[str, str]) -> list[str]:
    """Names whose committed schema differs from the generated one (or is missing, or is extra)."""
    on_disk = {p.stem: p.read_text() for p in SCHEMA_DIR.glob("*.json")}
    return sorted(n for n in set(on_disk) | set(generated) if on_disk.get(n) != generated.get(n))


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--check", action="store_true", help="fail when the committed schemas drifted")
    args = parser.parse_args(argv)
    generated = generate()
    changed = drift(generated)
    if args.check:
        if changed:
            print(
                f"contract schemas drifted: {', '.join(changed)}; run {Path(__file__).name}", file=sys.stderr
            )
            return 1
        return 0
    for stale in SCHEMA_DIR.glob("*.json"):
        if stale.stem not in generated:
            stale.unlink()
    for name, text in generated.items():
        (SCHEMA_DIR / f"{name}.json").write_text(text)
    print(f"wrote {len(generated)} schemas to {SCHEMA_DIR.relative_to(REPO)} ({len(changed)} changed)")
    return 0


if __name__ == "__main__":
    sys.exit(main())
