"""A hospital's cascade end to end: ``ml.train_cli`` on a small folder, then the real HIP on photos of
kinds the folder never held and on real scans it never saw.

    .venv/bin/python bench/hospital_cascade.py --per-class 60 --out var/bench/hospital-cascade
    .venv/bin/python bench/hospital_cascade.py --demo --out var/bench/cascade-demo -- --demo-scale 0.3

The folder is :func:`ml.packaged_folder.write_folder` (packaged real scans and photos + generated
radiographs; ``--demo`` trains on the generated demo data instead). Arguments after ``--`` go to
``train_cli`` (e.g. ``--epochs 20``). Printed: every head beside its trivial baseline (validation),
the test split's figures, ECE before/after temperature scaling (val and test), the abstentions on
test, and how the HIP answers each held-out photo and each real ``eval`` scan of ml.real_sources.
"""

from __future__ import annotations

import argparse
import io
import json
import sys
from collections import Counter
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))
sys.path.insert(1, str(Path(__file__).resolve().parents[1] / "contracts"))

from fastapi.testclient import TestClient  # noqa: E402
from PIL import Image  # noqa: E402

from hip_service.app import create_app  # noqa: E402
from hip_service.config import HipConfig  # noqa: E402
from ml.packaged_folder import held_out_photos, write_folder  # noqa: E402
from ml.real_sources import by_role  # noqa: E402
from ml.train_cli import run  # noqa: E402

TOKEN = "bench-token"


def analyze(client: TestClient, img: Image.Image) -> dict:
    buf = io.BytesIO()
    img.convert("RGB").save(buf, format="PNG")
    image_id = client.post("/v1/images", content=buf.getvalue()).json()["image_id"]
    return client.post(f"/v1/images/{image_id}/analyze").json()


def answer(body: dict) -> str:
    verdict, part = body["medical"]["verdict"], body["body_part"]
    if verdict != "yes":
        return "not medical" if verdict == "no" else "can't tell if medical"
    return f"medical, {part['name']} ({part['status']})" if part["name"] else "medical, can't tell which part"


def main(argv: list[str] | None = None) -> int:
    p = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    p.add_argument("--out", type=Path, required=True)
    p.add_argument("--per-class", type=int, default=60, help="images per body part in the folder")
    p.add_argument("--demo", action="store_true", help="train on the generated demo data instead")
    p.add_argument("rest", nargs="*", help="more train_cli arguments (after --)")
    args = p.parse_args(argv)
    data = ["--demo"] if args.demo else ["--data", str(write_folder(args.out / "folder", args.per_class))]
    report = run(["--task", "cascade", *data, "--out", str(args.out / "run"), "--bundle-out",
                  str(args.out / "bundle"), "--hip-id", "bench", "--no-progress", "--threads", "1",
                  "--allow-below-baseline", *args.rest])  # fmt: skip
    m = report["metrics"]
    print("\n## validation: each head beside its trivial baseline")
    for metric, b in report["baselines"].items():
        print(f"  {metric}: model {b['model']:.3f}, baseline {b['value']:.3f} ({b['what']})")
    print("## test split (once)")
    for k in ("filter_accuracy", "filter_macro_f1", "labeler_accuracy", "labeler_macro_f1"):
        print(f"  {k}: {m[k]:.3f}")
    for h in ("filter", "labeler"):
        print(f"  {h}: T={m[f'val_{h}_temperature']}, ECE val {m[f'val_{h}_ece_before']:.3f} -> "
              f"{m[f'val_{h}_ece_after']:.3f}, test {m[f'test_{h}_ece_before']:.3f} -> "
              f"{m[f'test_{h}_ece_after']:.3f}, abstain below {m[f'val_{h}_min_confidence']}")  # fmt: skip
    print(f"  filter unsure {m['test_filter_unsure']:.3f}, wrong when sure "
          f"{m['test_filter_wrong_when_sure']:.3f}; "
          f"body part abstained {m.get('test_labeler_abstained', 0):.3f}, wrong when named "
          f"{m.get('test_labeler_wrong_when_named', 0):.3f}")  # fmt: skip
    config = HipConfig(bundle_dir=args.out / "bundle", token=TOKEN)
    out: dict[str, dict[str, str]] = {"photos": {}, "scans": {}}
    with TestClient(create_app(config), headers={"Authorization": f"Bearer {TOKEN}"}) as hip:
        for name, photo in held_out_photos():
            out["photos"][name] = answer(analyze(hip, photo))
        for src in by_role("eval"):
            if src.medical:
                for _name, img, _ in src.load()[:1]:
                    out["scans"][f"{src.id} ({src.body_part})"] = answer(analyze(hip, Image.fromarray(img)))
    for kind, answers in out.items():
        print(f"## held-out {kind} through the HIP: {dict(Counter(answers.values()))}")
        for k, v in answers.items():
            print(f"  {k}: {v}")
    (args.out / "bench.json").write_text(json.dumps({"metrics": m, "answers": out}, indent=2))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
