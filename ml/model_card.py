"""Model cards (markdown) and training plots (PNG), from the metrics a run actually measured.

Cards are generated, never hand-edited, so the numbers in them cannot drift from the model they
describe: ``ml.build_bundles`` writes ``docs/model-cards/<task>.md`` and ``ml.train_cli`` writes
``MODEL_CARD.md`` next to its checkpoints.
"""

from __future__ import annotations

from pathlib import Path

import numpy as np

DISCLAIMER = "**Demo data — not for clinical use.**"

ARCHITECTURES = {
    "cascade": "CascadeNet (ml.models), the cascade a hospital trains from scratch on its own folder: a 4x4 "
    "stride-4 stem and four residual stages, random init (no downloaded weights), linear heads over the "
    "pooled ReLU'd features: filter (medical / non_medical) and labeler (11 body parts + other), with a "
    "Mahalanobis out-of-distribution "
    "output; modality/plane heads only where the data labels them. Class-activation maps come from the "
    "head weights.",
    "segmentation": "U-Net of Buda et al. (4 levels, BatchNorm, transposed-conv upsampling), sigmoid mask.",
    "vqa": "MEVF-style VQA: 4-block CNN feature grid, word embeddings + GRU question encoder, "
    "question-guided soft attention, element-wise fusion, MLP classifier over a closed answer set.",
}
INTENDED_USE = {
    "cascade": "Routing an uploaded image in the Q&Aid demo: reject non-medical images, name the body part "
    "so the bot can pick a hospital whose bundle covers that topic.",
    "segmentation": "Highlighting candidate lesions on brain MRI slices in the Q&Aid demo.",
    "vqa": "Answering short closed (yes/no) and open (side, count, organ, modality) questions about an "
    "image in the Q&Aid demo.",
}
LIMITATIONS = {
    "cascade": "It knows only the kinds of image in its training folder; an image far from all of them gets "
    "no body part (the OOD ceiling), and answers below the abstain thresholds are withheld. Those "
    "thresholds are chosen on a small validation split, so the stated risk is itself uncertain. Without "
    "modality/plane labels the HIP refuses every model that needs them.",
    "segmentation": "Synthetic MS-like lesions on template slices: real tumours (e.g. LGG FLAIR) differ in "
    "shape, contrast and intensity. Trained at low resolution for CPU speed.",
    "vqa": "Template questions and answers derived from the generator's ground truth; the vocabulary and "
    "answer set are tiny. The model itself answers any question with something from the set; the bundle "
    "declares the question types it was trained for and the HIP refuses every other question "
    "(qaid.vqa_questions).",
}


def plot_curves(history: list[dict[str, float]], path: Path, metric: str) -> Path:
    """Train loss and the validation ``metric`` per epoch, side by side."""
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    epochs = [h["epoch"] for h in history]
    fig, (a, b) = plt.subplots(1, 2, figsize=(8, 3))
    a.plot(epochs, [h["train_loss"] for h in history], marker="o")
    a.set(title="training loss", xlabel="epoch")
    b.plot(epochs, [h.get(metric, np.nan) for h in history], marker="o", color="tab:green")
    b.set(title=f"val {metric}", xlabel="epoch")
    fig.tight_layout()
    fig.savefig(path, dpi=80)
    plt.close(fig)
    return path


def plot_confusion(labels: list[str], cm: np.ndarray, path: Path, title: str) -> Path:
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    fig, ax = plt.subplots(figsize=(1 + 0.45 * len(labels), 1 + 0.45 * len(labels)))
    ax.imshow(cm, cmap="Blues")
    ax.set(
        xticks=range(len(labels)), yticks=range(len(labels)), xlabel="predicted", ylabel="true", title=title
    )
    ax.set_xticklabels(labels, rotation=90, fontsize=7)
    ax.set_yticklabels(labels, fontsize=7)
    for (i, j), v in np.ndenumerate(cm):
        if v:
            ax.text(j, i, str(v), ha="center", va="center", fontsize=6)
    fig.tight_layout()
    fig.savefig(path, dpi=80)
    plt.close(fig)
    return path


def confusion_table(labels: list[str], cm: np.ndarray) -> str:
    """Markdown table, rows = true class, columns = predicted; classes with no row or column are dropped."""
    used = [i for i in range(len(labels)) if cm[i].sum() or cm[:, i].sum()]
    head = "| true \\ predicted | " + " | ".join(labels[i] for i in used) + " |"
    rule = "|" + " --- |" * (len(used) + 1)
    rows = [f"| {labels[i]} | " + " | ".join(str(int(cm[i, j])) for j in used) + " |" for i in used]
    return "\n".join([head, rule, *rows])


def render(
    task: str,
    title: str,
    data: str,
    metrics: dict[str, float],
    confusions: dict[str, tuple[list[str], np.ndarray]] | None = None,
    bars: dict[str, float] | None = None,
    training: str = "",
    limitations: str = "",
    intended_use: str = "",
) -> str:
    """The card's markdown. Headline metrics first (with their bars), per-class numbers after."""
    bars = bars or {}
    per_class = ("_auroc_", "_recall_")
    main = {k: v for k, v in metrics.items() if not any(p in k for p in per_class) or k.endswith("_mean")}
    lines = [f"# Model card: {title}", "", DISCLAIMER, "", "## Model", "", ARCHITECTURES[task], "",
             "## Intended use", "", intended_use or INTENDED_USE[task],
             "Not a medical device; outputs must not inform any clinical decision.", "",
             "## Data", "", data, "", "## Training", "", training or "-", "",
             "## Metrics (held-out test split)", "",
             "| metric | value | bar |", "| --- | --- | --- |"]  # fmt: skip
    for k, v in sorted(main.items()):
        bar = bars.get(k)
        lines.append(
            f"| {k} | {v:.4f} | {'' if bar is None else f'≥ {bar:.2f}' + ('' if v >= bar else ' ✗')} |"
        )
    prefixes = sorted({k.split("_auroc_")[0] for k in metrics if "_auroc_" in k and not k.endswith("_mean")})
    for prefix in prefixes:
        lines += ["", f"### {prefix}: per class", "", "| class | AUROC | recall |", "| --- | --- | --- |"]
        classes = [
            k.split("_auroc_")[1]
            for k in metrics
            if k.startswith(f"{prefix}_auroc_") and k != f"{prefix}_auroc_mean"
        ]
        for c in classes:
            rec = metrics.get(f"{prefix}_recall_{c}")
            lines.append(
                f"| {c} | {metrics[f'{prefix}_auroc_{c}']:.4f} | {'' if rec is None else f'{rec:.4f}'} |"
            )
    for name, (labels, cm) in (confusions or {}).items():
        lines += ["", f"### {name}: confusion matrix (counts)", "", confusion_table(labels, cm)]
    lines += ["", "## Limitations", "", limitations or LIMITATIONS[task], "", DISCLAIMER, ""]
    return "\n".join(lines)
