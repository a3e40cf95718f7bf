"""Charts, documents and screenshots rendered offline from real data and real text in installed packages.

Patients send these too (a lab-result chart, a letter, a screenshot of an app). They are made by real
software (matplotlib's Agg renderer, PIL with the DejaVu fonts matplotlib ships) from real files, and
split by role like every real source (:mod:`ml.real_sources`): the val and eval renders use
different data files, text and layouts.
"""

from __future__ import annotations

import io

import numpy as np
from PIL import Image, ImageDraw, ImageFont

from ml.real_decode import Item
from ml.real_decode import pkg as _pkg
from ml.real_text import EVAL_TEXTS, VAL_TEXTS, description, licence, page


def _fig_to_array(fig: object) -> np.ndarray:
    import matplotlib.pyplot as plt

    buf = io.BytesIO()
    fig.savefig(buf, format="png", dpi=80)  # type: ignore[attr-defined]
    plt.close(fig)  # type: ignore[arg-type]
    buf.seek(0)
    return np.asarray(Image.open(buf).convert("RGB"))


def _series(role: str) -> list[tuple[str, np.ndarray, np.ndarray | None]]:
    data = _pkg("matplotlib", "mpl-data/sample_data")
    if role == "val":
        eeg = np.fromfile(data / "eeg.dat", dtype=np.int16).astype(float).reshape(-1, 4)[:800]
        membrane = np.fromfile(data / "membrane.dat", dtype=np.float32)[:1000]
        return [("eeg", eeg, None), ("membrane", membrane, None)]
    rows = [r.split(",") for r in (data / "Stocks.csv").read_text().splitlines()[2:400]]
    ibm = np.asarray([float(r[1]) for r in rows if r[1]])
    with np.load(data / "goog.npz") as goog:
        close = np.asarray(goog["price_data"]["adj_close"], dtype=float)[:250]
    with np.load(data / "topobathy.npz") as topo:
        grid = np.asarray(topo["topo"], dtype=float)
    return [("stocks", ibm, None), ("goog", close, None), ("topobathy", grid[::4, ::4], grid)]


def chart_items(role: str) -> list[Item]:
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    out: list[Item] = []
    for k, (name, values, grid) in enumerate(_series(role)):
        fig, ax = plt.subplots(figsize=(4, 3))
        if grid is not None:
            ax.imshow(values, cmap="terrain")
            ax.set_title(f"{name} (map)")
        elif k % 2:
            ax.bar(range(12), values[: 12 * (len(values) // 12)].reshape(12, -1).mean(axis=1), color="C1")
            ax.set_title(f"{name}: monthly mean")
        else:
            ax.plot(values, lw=1)
            ax.grid(True)
            ax.set_title(name)
        out.append((f"chart-{name}", _fig_to_array(fig), None))
    return out


def _font(size: int) -> ImageFont.FreeTypeFont:
    return ImageFont.truetype(str(_pkg("matplotlib", "mpl-data/fonts/ttf/DejaVuSans.ttf")), size)


def _page(text: str, width: int, height: int, size: int, margin: int = 24) -> np.ndarray:
    img = Image.new("RGB", (width, height), (250, 250, 247))
    draw, font = ImageDraw.Draw(img), _font(size)
    y = margin
    for line in text.splitlines():
        chars = int((width - 2 * margin) / (size * 0.55))
        draw.text((margin, y), line[:chars], fill=(20, 20, 20), font=font)
        y += int(size * 1.35)
        if y > height - margin:
            break
    return np.asarray(img)


def document_items(role: str) -> list[Item]:
    """The val pages: matplotlib's sample-data README, then each :data:`~ml.real_text.VAL_TEXTS`
    distribution's description (the first three) or licence (the rest) in a seeded layout; the
    eval pages: three licences in one plain layout."""
    if role == "val":
        readme = (_pkg("matplotlib", "mpl-data/sample_data") / "README.txt").read_text()
        rng = np.random.default_rng(2612)
        kinds = [("readme", description)] * 3 + [("licence", licence)] * 3
        pages = [(f"doc-{kind}-{d}", page(read(d), rng), None)
                 for d, (kind, read) in zip(VAL_TEXTS, kinds, strict=True)]  # fmt: skip
        return [("doc-mpl-readme", _page(readme, 420, 560, 13), None), *pages]
    return [(f"doc-licence-{d}", _page(licence(d), 500, 650, s), None)
            for d, s in zip(EVAL_TEXTS, (12, 11, 14), strict=True)]  # fmt: skip


def screenshot_items() -> list[Item]:
    """Windows of a small app drawn by matplotlib's widgets: buttons, a slider, a text box, a plot."""
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt
    from matplotlib.widgets import Button, CheckButtons, Slider, TextBox

    out: list[Item] = []
    for k in range(2):
        fig = plt.figure(figsize=(5, 3.6), facecolor=("#ececec", "#20232a")[k])
        ax = fig.add_axes((0.08, 0.45, 0.55, 0.45))
        ax.plot(np.sin(np.linspace(0, 6 + 4 * k, 200)))
        Slider(fig.add_axes((0.12, 0.28, 0.5, 0.05)), "Dose", 0, 10, valinit=3 + k)
        TextBox(fig.add_axes((0.12, 0.16, 0.5, 0.07)), "Name", initial="Appointment 14:30")
        Button(fig.add_axes((0.7, 0.16, 0.2, 0.08)), "Send")
        boxes = fig.add_axes((0.7, 0.45, 0.25, 0.3))
        CheckButtons(boxes, ["Morning", "Evening", "Remind"], [True, k == 1, False])
        fig.text(0.02, 0.95, "MyHealth app  -  Settings", fontsize=10, color=("k", "w")[k])
        out.append((f"screenshot-{k}", _fig_to_array(fig), None))
    return out
