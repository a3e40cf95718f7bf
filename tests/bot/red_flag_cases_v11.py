"""Development cases for the red-flag concepts added after the v11 blind measurement (2026-12-04,
evening), shared by test_red_flag_emergencies.py and test_red_flag_lookalikes.py. Our own wording,
none a v11 sentence."""

from __future__ import annotations

V11_CONCEPT_EMERGENCIES = [
    # blood flowing, told a few words after the bleeding
    "the cut on his leg is bleeding and now it's spurting everywhere",
    # someone found unconscious
    "we found grandpa on the floor, unresponsive",
    "found my son in his room, out cold",
    # shoulder-tip pain in pregnancy (ectopic)
    "six weeks pregnant and I have this shoulder tip pain",
    # choking, in Romanian
    "fetita se ineaca, ajutor",
]

V11_CONCEPT_LOOKALIKES = [
    # care already given for the very flag
    "my wife is in the ER with chest pain, the doctors are running tests",
    # a movie, a poem
    "in the film the hero has a heart attack on the plane",
    "a poem about a girl who stops breathing",
]

# care under way for the flagged person (after v10's false alarms); an emergency before a past visit stays one
V11_CARE_LOOKALIKES = [
    "my dad had a seizure, the nurses are treating him now",
    "she collapsed at the gym but the paramedics revived her and took her in",
]
V11_CARE_EMERGENCIES = [
    "he collapsed and isn't breathing, we were in the ER last week",
    "my dad collapsed, they are treating my mum in the other room",
]

# emergencies that share a word with the look-alike concepts above (after a review of the guards): an
# asthma "episode", a "series" of fits, talking "so funny", family "looking after" him, "I suppose", an
# ambulance that has not yet come
GUARD_WORD_EMERGENCIES = [
    "my son is in the middle of an asthma episode and can't breathe, please help",
    "he had a series of fits back to back and isn't waking up",
    "he's talking so funny and his face is drooping",
    "dad collapsed and isn't breathing, we're looking after him, what should I do",
    "nobody is treating her and she is not breathing",
    "I suppose it's nothing but I have crushing chest pain right now",
    "crushing chest pain, the ambulance has not yet come",
]
