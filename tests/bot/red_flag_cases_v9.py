"""Development cases for the red-flag concepts added after the v9 blind measurement (2026-12-04), shared
by test_red_flag_emergencies.py and test_red_flag_lookalikes.py. Our own wording, none a v9 sentence."""

from __future__ import annotations

V9_CONCEPT_EMERGENCIES = [
    # no pulse; breathing that keeps stopping
    "my dad has no pulse",
    "I can't find a pulse on him",
    "the baby's breathing keeps stopping",
    # hot liquid over someone; blisters from a scald or a kettle; skin whitened by a chemical
    "she spilled boiling water all over herself",
    "hot oil splashed onto my hand and huge blisters came up",
    "he got scalded by the kettle and it's blistering",
    "drain cleaner got on my leg and the skin is turning white",
    # a purple rash or red streaks from a wound, with fever
    "purple spots spreading on her legs and a high fever",
    "red lines going up from the cut and I have a fever",
    # a birth under way; waters breaking early with a fever
    "I'm having the baby right now",
    "the baby is coming fast",
    "my waters broke at 30 weeks and I have a temperature",
]

V9_CONCEPT_LOOKALIKES = [
    "when I check my pulse it's 70",
    "what if there's no pulse",
    "I had huge blisters from hiking boots",
    "my baby is coming in March",
    "I had a temperature last week, no waters broke",
    "purple spots on the MRI?",
    "he had no pulse in the TV show",
]
