"""How long ``ml.train_cli`` trains when the hospital does not say: by steps, not by epochs.

A fixed epoch count is wrong for someone else's data: the bundle build's 2 cascade epochs are ~50
optimiser steps on the demo set, but 2 steps on a hospital's 30 images, which left a filter at
chance (issue 19). So an unset ``--epochs`` becomes enough epochs for ``MIN_STEPS`` steps (never
fewer than the task's own default, at most ``MAX_EPOCHS``), and an unset ``--patience`` stops a run
that has not improved on validation for ``PATIENCE`` epochs. The best validation epoch is what ships
either way, and the baseline gate (ml.train_gate) still refuses a model that learnt nothing.
"""

from __future__ import annotations

import math
from dataclasses import dataclass

__all__ = ["MAX_EPOCHS", "MIN_STEPS", "PATIENCE", "Schedule", "schedule"]

MIN_STEPS = 300
MAX_EPOCHS = 60
PATIENCE = 8


@dataclass(frozen=True)
class Schedule:
    epochs: int
    patience: int  # 0: never stop early
    why: str  # one line for the terminal and the model card


def schedule(
    n_train: int, batch: int, task_epochs: int, epochs: int | None, patience: int | None
) -> Schedule:
    """The epochs and patience for a run over ``n_train`` training items; given values win."""
    # as ml.train.Fitter steps: full batches only (one batch of everything when there is less)
    steps_per_epoch = max(1, n_train // max(1, batch))
    if epochs is not None:
        return Schedule(epochs, patience or 0, f"{epochs} epochs as given ({steps_per_epoch} steps each)")
    chosen = min(MAX_EPOCHS, max(task_epochs, math.ceil(MIN_STEPS / steps_per_epoch)))
    stop = PATIENCE if patience is None else patience
    why = (
        f"{chosen} epochs of {steps_per_epoch} steps ({n_train} training items, batch {batch}): at least "
        f"{MIN_STEPS} steps, at most {MAX_EPOCHS} epochs"
        + (f", stopping after {stop} epochs without a validation gain" if stop else "")
        + " (set --epochs / --patience to choose)"
    )
    return Schedule(chosen, stop, why)
