"""Development cases for the red-flag concepts added after the v8 blind measurement (2026-12-04), shared
by test_red_flag_emergencies.py and test_red_flag_lookalikes.py. Fresh wordings in our own words, none
of them a v8 sentence."""

from __future__ import annotations

V8_CONCEPT_EMERGENCIES = [
    # the same pain as last time, now
    "I had a heart attack before and now the same crushing feeling like last time in my chest is back",
    # stroke: a hand or arm that stopped working, odd speech, sudden loss of balance, words gone
    "his right arm has stopped working and he sounds drunk but he hasn't had a drop",
    "sudden loss of coordination and blurred speech in my mum",
    "my dad suddenly can't say the words he wants",
    # carbon monoxide: everyone at home ill together near a heater or boiler
    "the boiler is making a noise and all of us have headaches and feel sick and dizzy",
    # a small child with a detergent pod or medicine
    "my 3 year old bit into a laundry pod",
    # suicidal intent in a few words; something taken to die
    "i'm planning to jump tonight",
    "my sister messaged that she swallowed something to die",
    # anaphylaxis: a swelling tongue or throat; a hoarse voice and eyes swelling shut after food
    "sudden swelling in my throat and lips after the dessert",
    "after the mango my voice went hoarse and my eyelids are swelling shut",
    "alergic reaction, throat clossing",
    # seizures that do not stop
    "her fit has been going on now for about 6 minutes",
    "the seizure won't stop, it's been ages",
    # someone who will not open their eyes or react
    "she's breathing but won't open her eyes",
    # a baby's head injury; a head injury with drifting consciousness or blood from the ear
    "big lump on my baby's head after she fell off the bed and she's not acting herself",
    "after the crash he keeps drifting in and out",
    "blood coming out of her ear after she fell on her head",
    # sepsis: no urine, feeling of dying, shivering; mottled blue skin with fever; infection with rigors
    "fever, shaking all over, haven't passed urine since this morning and I feel like I'm going to die",
    "his skin is mottled blue and he has a high temperature and can barely speak",
    "my wound is infected and now I have rigors and my heart is pounding, I've never felt this ill",
    # meningism: a neck that will not bend and light that hurts, with fever
    "temp 39.8, neck stif, she won't look at the light",
    # burns: large or covering a whole side
    "he fell on the barbecue, there's a burn over the whole side of his arm",
    "my son touched the iron and the burn is massive",
    # bleeding running down; something stuck and can't swallow or breathe
    "blood is running down her legs and she's 34 weeks",
    "a chicken bone is stuck and I can't swallow or breathe properly",
    "we were at dinner, he laughed with food in his mouth and now he can't cough or speak",
]

V8_CONCEPT_LOOKALIKES = [
    "I had chest pain last Friday, the ER said it was a pulled muscle",
    "are burns from hot oil worse than burns from steam?",
    "I totally choked during my job interview",
    "the tension in this film is suffocating 😅",
    "my mum is in A&E now being checked for chest pain, what is an ECG?",
    "could I choke on these capsules if they're so big?",
    "as a nurse I see overdoses every week",
    "I'm a pharmacist and someone asked me about paracetamol overdose",
    "I had a nightmare where I couldn't breathe, what does that mean?",
]
