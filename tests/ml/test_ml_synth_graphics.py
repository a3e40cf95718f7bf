"""Generated flat graphics (ml.synth_graphics): what the filter learns "not medical" from besides photos."""

from __future__ import annotations

import numpy as np

from ml.synth_graphics import diagram, graphic, grid, icon, logo


def test_every_kind_is_a_flat_picture_on_a_plain_ground() -> None:
    rng = np.random.default_rng(0)
    for make in (icon, logo, diagram, grid):
        for _ in range(5):
            img = np.asarray(make(rng, 160))
            assert img.shape == (160, 160, 3)
            # flat: a few colours cover most of the picture (a photo or a scan has thousands)
            _, counts = np.unique(img.reshape(-1, 3), axis=0, return_counts=True)
            assert np.sort(counts)[::-1][:8].sum() > 0.6 * 160 * 160, make.__name__
            assert len(counts) > 1, make.__name__  # something was drawn


def test_graphic_is_scaled_to_the_store_size_and_varies() -> None:
    rng = np.random.default_rng(1)
    pics = [graphic(rng, 128) for _ in range(12)]
    assert all(p.shape == (128, 128, 3) and p.dtype == np.uint8 for p in pics)
    assert len({p.tobytes() for p in pics}) == 12
