"""Development cases for the English red-flag guards added after v13 became a development set
(2026-12-05, morning: its remaining look-alikes read as emergencies by the rules), shared by
test_red_flag_emergencies.py and test_red_flag_lookalikes.py. Our own wording, none a v13 sentence;
each look-alike beside the emergency that the same guard must not silence."""

from __future__ import annotations

V13_GUARD_EMERGENCIES = [
    # a denied thought is not "not coping with" the thought
    "I'm not coping with thoughts of killing myself tonight",
    "not having any thoughts of eating, I swallowed a whole bottle of pills an hour ago",
    # a denied swelling beside a sign that is there
    "her lips aren't swollen but her throat is closing and she can't breathe",
    "is this rash an allergic reaction? her tongue is swelling and she can't swallow",
    # a crisis said as a hypothesis or a question
    "would anyone notice if I took all my pills tonight",
    "would you even care if I killed myself",
    "is this what a heart attack feels like? crushing chest pain going down my arm right now",
    # "at what age" with a child choking now; an overdose of a medicine
    "at what age can a baby choke - my baby is choking right now and turning blue",
    "an overdose of paracetamol, he took 30 tablets an hour ago",
    "I took an overdose of my sleeping tablets",
]

V13_GUARD_LOOKALIKES = [
    # the thought or the sign denied
    "no thoughts of hurting myself at all, I'm just tired",
    "his face isn't swollen and he's breathing fine, just an itchy rash",
    # how it would show, at what age, what a spot on the image is
    "would you even notice if you were having a mini stroke while asleep?",
    "at what age can toddlers choke on popcorn?",
    "is that white patch on my lung a collapsed lung?",
    # figures of speech
    "my inbox is an overdose of meetings this week",
    "I almost killed myself laughing at that video",
    # practice and simulation
    "I'm a nursing student revising stroke signs for practice",
    "for our simulation day the simulated patient pretends to be choking",
    "in the drama she has a seizure on stage, is that realistic?",
]
