"""Care already given or under way, and who a clause is about: what ``red_flags.assess`` needs to
decide whether care told after a flag covers it (``red_flag_guards`` has the other guards)."""

from __future__ import annotations

import re

# care already given or under way: the ambulance took them, the paramedics are with them, treated at
# A&E, in hospital now. It covers a flag told before it (``red_flags.assess``), not one told after it
# ("my wife is at the hospital with our son and I have chest pain").
CARE_GIVEN = re.compile(
    r"\b(?:(?:is|are|he's|she's|they're|we're|i'm|now|already|being) (?:\w+ ){0,2}(?:in|on|at) (?:the |a )?"
    r"(?:\w+(?:'s)? )?(?:hospital|icu|intensive care|a&e|er|resus|surgery|theatre|ward|unit)|"
    # first aid that worked: what blocked the airway is out
    r"it (?:came|popped|flew) (?:out|up)|(?:coughed|spat|brought) (?:it|them) (?:out|up)|"
    r"did (?:the )?(?:heimlich|back blows|abdominal thrusts)|(?:got|pulled|hooked|fished) (?:it|them) out|"
    r"(?:he|she|they) (?:was|were) fine|(?:he's|she's|they're|he is|she is) (?:fine|ok|okay|breathing|"
    r"smiling|"
    r"laughing)(?: \w+)? (?:again|now)|in good hands|"
    # seen and sent home, back from the ER, treated, with the nurses, in the ER now
    r"(?:was|were|been|got|is|he's|she's) admitted\b|"
    r"(?:er|a&e|hospital|doctors?|paramedics|nurses?|first aiders?|medics|lifeguards?) (?:\w+ )?(?:checked|"
    r"examined|saw|discharged|cleared|looked after|"
    r"treated) "
    r"(?:him|her|them|us|me)|"
    # the airway cleared by someone who knows how ("the nurse cleared it")
    r"(?:paramedics|nurses?|doctors?|medics|first aiders?|lifeguards?) (?:\w+ )?cleared (?:it|the airway|"
    r"(?:his|her|their) airway)|sent (?:us|him|her|them|me) home|"
    r"(?:got|came|come|been) (?:back|home) from (?:the )?(?:er|a&e|hospital|emergency (?:room|department))|"
    r"(?:was|were|been|got) treated\b|with (?:the )?(?:nurses|doctors|paramedics|ambulance crew)|"
    r"(?:in|at) (?:the |a )?(?:er|a&e|hospital|icu|resus|emergency (?:room|department)) (?:right )?now|"
    # care under way: "they are treating her", "the paramedics revived him" (not "we were in the ER" or
    # "now we're home", which may tell of another day: "he isn't breathing, we were in the ER last week")
    r"(?:they|doctors?|nurses?|paramedics|medics|the (?:team|staff|er|hospital)) (?:are|is|'re) (?:now )?"
    r"(?:treating|monitoring) (?:him|her|them|me)|"
    r"revived (?:him|her|them)|"
    # kept to be watched: "he's in observation", "they kept her for observation"
    r"(?:kept|admitted|is|are|he's|she's|they're|being|now) (?:\w+ )?(?:in|under|for) observation\b|"
    r"(?:ambulance|paramedics|ambulance crew|crew|doctors|nurses?) (?:\w+ ){0,2}(?:already |have |has )?"
    r"(?:took|taken|came|come|arrived|picked (?:him|her|them) up|left with|drove off with)|"
    r"(?:ambulance|paramedics|ambulance crew|crew|doctors|nurses?) (?:is|are) (?:already )?"
    r"(?:here|with (?:him|her|them|us|me))|"
    r"(?:treated|seen|checked|dressed|stitched|handled|removed|taken out) (?:\w+ ){0,2}(?:at|in|by) "
    r"(?:the |a )?(?:\w+(?:'s)? )?(?:er|a&e|hospital|clinic|emergency (?:room|department)|paramedics|"
    r"poison control|doctors?|gp|nurse))\b"
)
# first aid that worked or someone settled: it names the helper ("his dad did back blows"), not the one
# helped, so it is taken to be about whoever had the flag
FIRST_AID = re.compile(
    r"heimlich|back blows|thrusts|(?:came|popped|flew|coughed|spat|brought|got|pulled|hooked|fished) (?:it |"
    r"them )?"
    r"(?:out|up)|\bfine\b|\bok\b|\bokay\b|again|good hands"
)
# who a clause is about: the writer, or someone of theirs named by a kin or role word
_SELF = re.compile(r"\b(?:i|me|i'm|im|i've|ive|myself)\b")
_KIN = re.compile(
    r"\b(?:my|our|his|her|their) (?:\w+ )?(?P<who>mum|mom|mother|mummy|dad|father|daddy|son|daughter|"
    r"boy|girl|baby|child|kid|toddler|teenager|husband|wife|partner|boyfriend|girlfriend|brother|"
    r"sister|grand(?:ma|pa|mother|father|dad|son|daughter)|nan|nana|gran|granny|grandad|uncle|aunt|"
    r"auntie|cousin|nephew|niece|friend|flatmate|roommate|neighbou?r|colleague|patient)s?\b"
)
_SAME = {"mom": "mum", "mother": "mum", "mummy": "mum", "father": "dad", "daddy": "dad",
         "grandpa": "grandad", "grandfather": "grandad", "granddad": "grandad", "grandma": "nan",
         "grandmother": "nan", "nana": "nan", "gran": "nan", "granny": "nan", "auntie": "aunt",
         "kid": "child", "roommate": "flatmate", "neighbor": "neighbour"}  # fmt: skip


# the writer as the one cared for ("with me", "I'm in hospital"), not as the carer ("I patted her back")
_SELF_CARED = re.compile(r"\b(?:me|myself|i'm|im|i am|i've been|ive been)\b")


def people(text: str, cared: bool = False) -> frozenset[str]:
    """Who ``text`` names: ``"self"`` for the writer, else the kin or role word ("my dad" → "dad").
    ``cared``: ``text`` tells of care given, where the writer counts only as the one cared for."""
    named = {_SAME.get(m["who"], m["who"]) for m in _KIN.finditer(text)}
    if (_SELF_CARED if cared else _SELF).search(_KIN.sub(" ", text)):
        named.add("self")
    return frozenset(named)
