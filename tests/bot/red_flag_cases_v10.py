"""Development cases for the red-flag concepts added after the v10 blind measurement (2026-12-04,
evening), shared by test_red_flag_emergencies.py and test_red_flag_lookalikes.py. Our own wording,
none a v10 sentence."""

from __future__ import annotations

V10_CONCEPT_EMERGENCIES = [
    # "can't breathe" in the family's own language; a mouth twisted to one side
    "tata nu mai poate respira",
    "mi hijo no puede respirar",
    "elle ne peut plus respirer",
    "his mouth is twisted to one side and he is drooling",
    # an image only mentioned as something to send later
    "I'll upload the scan tomorrow, my husband is not breathing",
    "will send the mri after, my mum just collapsed",
]

V10_CONCEPT_LOOKALIKES = [
    # hypotheticals: suppose, imagine, let's say
    "suppose my dad has a seizure, do I hold him down?",
    "imagine someone collapses at work, what is the first step",
    "let's say a child swallows a battery, what happens next",
    # exams, quizzes, case studies, series, thrillers, comics
    "exam question about a man with crushing chest pain",
    "quiz time: which signs mean a stroke",
    "case study: a woman who overdosed on paracetamol",
    "in the series the mother has a seizure in the kitchen",
    "my thriller needs a character who is poisoned",
    "drawing a comic where the villain bleeds heavily",
    # laughter at a meme
    "that meme was so funny I couldn't breathe",
    # a twisted ankle explains a numb foot
    "I twisted my ankle and now my foot feels numb",
]
