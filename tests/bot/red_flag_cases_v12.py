"""Development cases for the red-flag concepts added after the v12 blind measurement (2026-12-04,
night), shared by test_red_flag_emergencies.py and test_red_flag_lookalikes.py. Our own wording, none
a v12 sentence; the Romanian categories have their own cases in test_red_flag_romanian.py."""

from __future__ import annotations

V12_CONCEPT_EMERGENCIES = [
    # self-harm gone further than before
    "I started cutting myself again and tonight it went too deep",
    "she's been cutting herself and the last one is deeper than ever",
    "i've been cutting again and this one is deep",
    # a Romanian flag the English rules catch first still counts as Romanian
    "copilul are convulsii de doua minute",
    # a room is not a story
    "my uncle collapsed in the play room and isn't waking",
    "she collapsed in the book shop and isn't breathing",
    # from a review of the v12 guards: a live doubt ("not sure if", "can't tell if") is no hypothesis,
    # care given for something else or earlier does not defuse a flag now
    "he is not breathing and i'm not sure if he's alive",
    "she's bleeding heavily, i can't tell if she's conscious",
    "he's unresponsive, we don't know if he's breathing",
    "she has crushing chest pain and i don't know if it is a heart attack",
    "i'm bleeding heavily and i don't know if i'm ok",
    "he's bleeding heavily, the doctor checked it this morning",
    "my dad is under observation but now he stopped breathing",
    "he can't breathe in observation ward",
]

V12_CONCEPT_LOOKALIKES = [
    # a Romanian question about a finding on the scan, and a Romanian hypothetical
    "exista vreo hemoragie pe tomografie?",
    "ce faci daca cineva lesina pe strada?",
    "in caz ca are convulsii, ce medicament ii dau?",
    # kept in for observation after first aid worked; "if I'm ..." is a hypothetical; a novel
    "my son choked on a grape, the nurse cleared it and he's under observation now",
    "if she's bleeding after the birth, when should we worry",
    "in the novel I'm reading the mother has a stroke, how realistic is it",
    # "cutting" that is not self-harm
    "i've been cutting down on sugar, is 20g a day too far",
    "been cutting back on my painkillers, maybe i went too far",
    "i'm cutting my hair short, is shoulder length too far",
]
