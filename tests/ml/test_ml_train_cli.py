"""The training CLI on the loaders' sample formats: checkpoints, resume, early stopping, card, bundle."""

from __future__ import annotations

import json
import shutil
from pathlib import Path

import numpy as np
import onnxruntime as ort
import pytest
import torch

from ml.train_cli import run
from qaid.bundle import read_manifest, sha256_file, tokenize_question

TINY = ["--no-progress", "--batch-size", "4", "--seed", "0"]


def test_cascade_on_image_folder_writes_everything(image_folder: Path, tmp_path: Path) -> None:
    out = tmp_path / "run"
    args = ["--task", "cascade", "--data", str(image_folder), "--out", str(out), "--epochs", "3",
            "--size", "32", "--width", "4", "--val", "0.25", "--test", "0.25",
            "--bundle-out", str(tmp_path / "bundle"), "--hip-id", "floreasca", "--hip-name", "Floreasca",
            "--bundle-version", "2026.1", "--allow-below-baseline", *TINY]  # fmt: skip
    report = run(args)
    assert report["finished"] and len(report["history"]) == 3
    assert {p.name for p in (out / "checkpoints").iterdir()} == {"best.pt", "last.pt"}
    metrics = json.loads((out / "metrics.json").read_text())
    assert metrics["split"] == "test" and 0 <= metrics["labeler_accuracy"] <= 1
    assert {"filter_accuracy", "labeler_macro_f1", "labeler_recall_wrist"} <= set(metrics)
    for png in ("curves.png", "confusion_filter.png", "confusion_labeler.png"):
        assert (out / png).read_bytes()[:4] == b"\x89PNG"
    card = (out / "MODEL_CARD.md").read_text()
    assert "not for clinical use" in card and "'wrist': 4" in card  # data summary from the real split
    assert f"| labeler_accuracy | {metrics['labeler_accuracy']:.4f} |" in card
    m = read_manifest(tmp_path / "bundle")
    assert (m.hip_id, m.hip_name, m.bundle_version) == ("floreasca", "Floreasca", "2026.1")
    assert [e.task for e in m.models] == ["filter", "labeler"]
    # every head beside its trivial baseline, in the report and the card
    assert set(report["baselines"]) == {"filter_macro_f1", "labeler_macro_f1"}
    assert "Trivial baselines on val: filter_macro_f1" in card
    # a head below its baseline was written only because of the override, and the manifest says so
    below = "WRITTEN BELOW BASELINE" in m.models[0].provenance.notes
    assert below == bool(report["below_baseline"])
    assert m.data_provenance == "real"  # the hospital's own images, not the generated demo
    assert sha256_file(tmp_path / "bundle" / "cascade.onnx") == m.models[0].sha256
    assert m.models[1].provenance.metrics["labeler_accuracy"] == metrics["labeler_accuracy"]


def test_resume_continues_exactly(lgg_folder: Path, tmp_path: Path) -> None:
    base = ["--task", "segmentation", "--data", str(lgg_folder), "--epochs", "3", "--size", "32",
            "--width", "4", "--val", "0.25", "--test", "0.25", *TINY]  # fmt: skip
    run([*base, "--out", str(tmp_path / "a")])
    paused = run([*base, "--out", str(tmp_path / "b"), "--stop-after", "2"])
    assert not paused["finished"] and len(paused["history"]) == 2
    assert not (tmp_path / "b" / "metrics.json").exists()
    resumed = run([*base, "--out", str(tmp_path / "b"), "--resume"])
    assert resumed["finished"] and [h["epoch"] for h in resumed["history"]] == [1, 2, 3]
    a = torch.load(tmp_path / "a" / "checkpoints" / "last.pt", weights_only=False)["fitter"]["model"]
    b = torch.load(tmp_path / "b" / "checkpoints" / "last.pt", weights_only=False)["fitter"]["model"]
    assert all(torch.equal(a[k], b[k]) for k in a)
    seg = json.loads((tmp_path / "b" / "metrics.json").read_text())
    assert {"segmentation_dice", "segmentation_iou"} <= set(seg)


def test_early_stopping_on_a_flat_val_metric(lgg_folder: Path, tmp_path: Path) -> None:
    report = run(["--task", "segmentation", "--data", str(lgg_folder), "--out", str(tmp_path),
                  "--epochs", "6", "--size", "32", "--width", "4", "--lr", "0", "--patience", "2",
                  *TINY])  # fmt: skip
    # lr 0: nothing ever improves, so it stops after patience; a tie keeps the later epoch
    assert len(report["history"]) == 3 and report["best_epoch"] == 3


def test_vqa_rad_model_replaces_the_vqa_of_a_bundle(
    vqa_rad_folder: Path, quick_build: tuple[Path, dict], tmp_path: Path
) -> None:
    bundles, _ = quick_build
    out = tmp_path / "bundle"
    report = run(
        [
            "--task",
            "vqa",
            "--data",
            str(vqa_rad_folder),
            "--out",
            str(tmp_path / "run"),
            "--epochs",
            "2",
            "--size",
            "32",
            "--width",
            "8",
            "--val",
            "0.2",
            "--bundle-base",
            str(bundles / "titan"),
            "--bundle-out",
            str(out),
            "--topics",
            "brain_mri",
            "--allow-below-baseline",
            *TINY,
        ]
    )  # fmt: skip  (2 tiny epochs; the gate is tested on its own)
    assert report["parity"] < 1e-3 and {"vqa_closed_accuracy", "vqa_open_accuracy"} <= set(report["metrics"])
    base, new = read_manifest(bundles / "titan"), read_manifest(out)
    assert new.hip_id == "titan" and [m.task for m in new.models] == [m.task for m in base.models]
    assert new.data_provenance == "generated_demo"  # a real VQA model in a demo bundle: still demo models
    vqa = new.by_task("vqa")[0]
    assert vqa.topics == ["brain_mri"] and "glioma" not in vqa.answers and {"yes", "no"} <= set(vqa.answers)
    assert new.by_task("labeler")[0].sha256 == base.by_task("labeler")[0].sha256  # the cascade is kept
    session = ort.InferenceSession(str(out / vqa.file), providers=["CPUExecutionProvider"])
    q = np.asarray([tokenize_question("Is there a lesion?", vqa.question_vocab, vqa.max_question_len)])
    (logits,) = session.run(None, {"image": np.zeros((1, 3, 32, 32), np.float32), "question": q})
    assert logits.shape == (1, len(vqa.answers))


def test_bundle_needs_a_base_for_a_vqa_model(vqa_rad_folder: Path, tmp_path: Path) -> None:
    with pytest.raises(SystemExit, match="bundle-base"):
        run(
            [
                "--task",
                "vqa",
                "--data",
                str(vqa_rad_folder),
                "--out",
                str(tmp_path),
                "--bundle-out",
                str(tmp_path),
            ]
        )


@pytest.fixture(scope="module")
def one_part_folder(image_folder: Path, tmp_path_factory: pytest.TempPathFactory) -> Path:
    """Brain images and photos only: 'always brain' is a perfect labeler, so no labeler beats it."""
    import shutil

    root = tmp_path_factory.mktemp("onepart")
    for folder in ("brain", "non_medical"):
        shutil.copytree(image_folder / folder, root / folder)
    return root


def test_a_head_below_its_trivial_baseline_ships_no_bundle(
    one_part_folder: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    from ml.train_cli import main

    bundle = tmp_path / "bundle"
    args = ["--task", "cascade", "--data", str(one_part_folder), "--out", str(tmp_path / "run"),
            "--epochs", "1", "--size", "32", "--width", "4", "--val", "0.25", "--test", "0.25",
            "--bundle-out", str(bundle), "--hip-id", "floreasca", *TINY]  # fmt: skip
    assert main(args) == 3
    err = capsys.readouterr().err
    assert "WARNING: labeler: validation labeler_macro_f1" in err and "always 'brain'" in err
    assert "no bundle written" in err and not bundle.exists()
    assert (tmp_path / "run" / "metrics.json").is_file()  # the run itself is kept for inspection


def test_a_new_bundle_needs_the_hospital_id(image_folder: Path, tmp_path: Path) -> None:
    with pytest.raises(SystemExit, match="--hip-id"):
        run(["--task", "cascade", "--data", str(image_folder), "--out", str(tmp_path),
             "--bundle-out", str(tmp_path / "b"), *TINY])  # fmt: skip


def test_selection_counts_every_head() -> None:
    from ml.train_gate import Baseline, below, selection_score

    perfect_filter = {"filter_macro_f1": 1.0, "labeler_macro_f1": 0.5}
    earlier = {"filter_macro_f1": 0.4, "labeler_macro_f1": 0.5}  # same labeler, worse filter
    assert selection_score("cascade", perfect_filter) > selection_score("cascade", earlier)
    found = [Baseline("filter", "filter_macro_f1", 0.5, "always 'medical'"),
             Baseline("labeler", "labeler_macro_f1", 0.2, "always 'brain'")]  # fmt: skip
    assert below(earlier, found) == [
        "filter: validation filter_macro_f1 0.400 does not beat the trivial baseline 0.500 (always 'medical')"
    ]
    assert below(perfect_filter, found) == []


def test_default_schedule_is_by_steps_not_epochs() -> None:
    from ml.train_defaults import MAX_EPOCHS, MIN_STEPS, PATIENCE, schedule

    few = schedule(30, 32, 2, None, None)  # a hospital's 30 images: 1 step an epoch
    assert (few.epochs, few.patience) == (MAX_EPOCHS, PATIENCE) and "30 training items" in few.why
    many = schedule(32 * 100, 32, 2, None, None)  # 100 steps an epoch
    assert many.epochs == max(2, -(-MIN_STEPS // 100)) == 3
    assert schedule(10**6, 32, 6, None, None).epochs == 6  # never fewer than the task's own default
    given = schedule(30, 32, 2, 5, None)
    assert (given.epochs, given.patience) == (5, 0) and "as given" in given.why
    assert schedule(30, 32, 2, None, 0).patience == 0  # "never stop early" stays a choice


def test_a_small_folder_trains_long_enough_and_stops_when_it_stops_learning(
    image_folder: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    from ml.train_defaults import MAX_EPOCHS

    report = run(["--task", "cascade", "--data", str(image_folder), "--out", str(tmp_path), "--size", "32",
                  "--width", "4", "--val", "0.25", "--test", "0.25", "--patience", "3",
                  *TINY])  # fmt: skip
    out = capsys.readouterr().out
    assert "training: " in out and "at least 300 steps" in out
    assert f"{len(report['history'])} of " in out and f"best epoch {report['best_epoch']}" in out
    from ml.train_gate import selection_score

    ran, scores = len(report["history"]), [selection_score("cascade", h) for h in report["history"]]
    last_gain = max(e for e, sc in enumerate(scores, 1) if sc > max(scores[: e - 1], default=float("-inf")))
    # far more than the old fixed 2 epochs; ended by the patience (3 epochs past the last strict
    # gain: a tie moves the best epoch, not the patience) or by the cap
    assert ran > 2 and (ran == last_gain + 3 or ran == MAX_EPOCHS)


def test_a_misnamed_class_folder_is_one_clear_line(image_folder: Path, tmp_path: Path) -> None:
    folder = Path(shutil.copytree(image_folder, tmp_path / "images"))  # the fixture is shared
    (folder / "brain").rename(folder / "Brainz")
    with pytest.raises(SystemExit, match=r"^error: .*unknown class folder 'Brainz'.*--class-map"):
        run(["--task", "cascade", "--data", str(folder), "--out", str(tmp_path / "run"), *TINY])
