"""What a patient may ask about an image that no VQA model here was trained to tell: findings other than
a lesion ("fracture", "damage", "bleeding", "tumour"...; a tumour, mass or growth is vetoed on purpose:
a lesion detector must not answer a tumour question, and the reply offers what it can check), matters
no image model decides (treatment, prognosis, size, change over time, cause, spread, whether it
explains symptoms, the patient's age or what is normal at an age, pregnancy, how the patient lay), and
counts of anything but lesions ("how many ribs"). Each is a concept with its synonyms, and says in
plain words what the bot cannot tell ("The hospitals' models can't tell ...").

A question sentence that matches any of these is vetoed for every type, whatever else it says
(``question_types.understand``)."""

from __future__ import annotations

import re

__all__ = ["COUNT_ELSE", "SCANNER_MAKE", "TECHNICAL", "cannot_tell"]

TECHNICAL = "technical details of the scan"
# scanner makers, and "brand": a question about the machine's make, not the kind of scan
_MAKES = r"siemens|philips|toshiba|hitachi|canon|ge healthcare|(?:an? |or )ge|brand"
# Findings and matters no model here was trained for: (pattern, what the bot says it can't tell).
_UNSUPPORTED: tuple[tuple[str, str], ...] = (
    (r"fractur\w*|broken|break|crack\w*|bones?", "whether a bone is broken"),
    (r"damag\w*|injur\w*|torn|tear|ruptur\w*", "whether something is injured or damaged"),
    (r"bleed\w*|blood|ha?emorrhag\w*|ha?ematoma", "whether there is bleeding"),
    (r"strokes?|infarct\w*|ischa?emi\w*", "whether there was a stroke"),
    (
        r"tumou?rs?|cancer\w*|malignan\w*|benign|mass|masses|growths?|metasta\w*|carcinoma|glioma\w*",
        "whether something is a tumour or cancer",
    ),  # fmt: skip
    (
        r"ms|multiple sclerosis|sclerosis|dementia|alzheimer\w*|epilep\w*|pneumonia|covid\w*|infection\w*|"
        r"inflamm\w*|concussion|aneurysm\w*|clots?|cysts?|hydroceph\w*|water on (?:my |the )?brain|atroph\w*|"
        r"effusion|fluid|oedema|edema|swell\w*|enlarged|arter\w*|blocked|sinus\w*|spinal|disc|"
        r"pneumothora\w*|collapsed lung|lymphoma\w*|abscess\w*|dislocat\w*|polyps?|tuberculosis|tb|"
        # the spine as one alternative of "is it the brain or the spine?" is a body part, not a condition
        r"(?<!\bor )(?<!\bor the )(?<!\bor my )(?<!\bor a )spine(?! or)",
        "which disease or condition it might be",
    ),  # fmt: skip
    (
        r"teeth|tooth|dental|gums?|jaw|tonsils?|thyroid|prostate|ovar\w*|uterus|bladder|gall ?bladder|"
        r"appendix|pancreas|spleen|ligaments?|tendons?|cartilage|meniscus|"
        # an organ no model here reads, unless it is one alternative of "is it the brain or the liver?"
        r"(?<!\bor )(?<!\bor the )(?<!\bor my )(?<!\bor a )(?:liver|kidneys?|eyes?|orbits?|bowels?|"
        r"intestines?)(?! or)",
        "anything about a part of the body the models were not trained on",
    ),  # fmt: skip
    (r"diagnos\w*|what (?:is it that|do) i have|what(?: is|'s|s) wrong with me|what disease", "a diagnosis"),
    (
        r"treat\w*|therap\w*|medic\w*|drugs?|surgery|operat\w*|chemo\w*|radiotherap\w*|cure|biops\w*",
        "what it means for treatment",
    ),  # fmt: skip
    (
        r"serious|worse|better|prognosis|to live|will i live|life expectancy|how long do i have|survive\w*|"
        r"dangerous|stage|grade|work with|should i (?:be )?worr\w*|need to worry|die|dying|"
        r"kill\w*|fatal|deadly|"
        r"life[- ]threatening|going to be (?:ok|okay|fine|alright)|"
        # whether it will go: "can this lesion disappear", "will the spots go away"
        r"disappear\w*|go away|goes away|vanish\w*|heal|heals|healed|healing|permanent\w*|come back|"
        r"reversib\w*",
        "how serious it is or what will happen",
    ),  # fmt: skip
    (
        r"big|bigger|large|larger|small|smaller|tiny|size|sized|mm|cm|millimet\w*|centimet\w*|measure\w*|"
        r"deep|"
        r"deeper|"
        r"depth|volume|thick\w*|wide|width|diameter|extent|percent\w*|proportion|dimensions?",
        "how big something is",
    ),  # fmt: skip
    (
        r"new|(?<!year )(?<!years )(?<!yr )old|grown|grow\w*|shrunk|shrink\w*|changed?|active|"
        r"last (?:scan|year|time)|previous|"
        r"compared?|since|how long (?:\w+ ){0,3}(?:been|there)|been there",
        "whether anything changed over time",
    ),  # fmt: skip
    (
        # "is it the same problem as my brother's": another person's scan is not here to compare
        r"same (?:thing |problem |condition |disease )?as (?:his|hers|theirs|her|him)\b|"
        r"same (?:thing |problem |condition |disease )?as (?:my|his|her|their) \w+'s|"
        r"(?:has|had|have) the same (?:thing|problem)|"
        r"same (?:thing|problem|condition) (?:\w+ ){0,2}(?:has|had)",
        "whether it is the same as someone else's",
    ),  # fmt: skip
    (
        r"caus\w*|why|because|made of|inherit\w*|heredit\w*|genetic\w*|runs? in (?:the |my )?family|"
        r"calcif\w*|solid|cystic|fluid-filled|fatty|"
        # an exposure named as the cause ("is the spot from smoking?")
        r"smok\w*|cigarettes?|alcohol|drinking|vap\w*|asbestos|pollution|covid|vaccin\w*|jabs?|"
        r"migraines?|stress|from (?:the |my |a |an )?(?:accident|fall|crash|injury|medication|pills|birth|"
        r"contraceptives?|steroids?)",
        "what caused it or what it is made of",
    ),  # fmt: skip
    (
        r"(?:what|how) (?:should|do|can|must) i do|drive|driving|go back to work|sports?|play|fly|flying",
        "what you should or can do with it",
    ),  # fmt: skip
    (
        r"press\w*|compress\w*|push\w*|touch\w*|affect(?:s|ing)? (?:\w+ )?(?:anything|my|the|other)|near|"
        r"close to|far|nerve\w*|lobes?|frontal|temporal|parietal|occipital|cerebell\w*|brain ?stem|"
        # "how many exactly" is a count; "exactly where" is a location
        r"exact(?:ly)? (?:where|location|position|place|spot|area)|where exactly|precise\w*|location|"
        r"(?<!body )region(?! of (?:the |my )?body)|upper|lower|"
        r"(?:which|what) (?:part|area) of (?:the |my )?(?:brain|head|lungs?|chest)|"
        r"(?:front|back|top|bottom) of (?:the |my )?(?:brain|head|lungs?|chest)|"
        # which tissue: "in the white matter or the grey matter"
        r"(?:white|gr[ae]y) matter or (?:in )?(?:the )?(?:white|gr[ae]y) matter|cortex|cortical",
        "exactly where it is or what it affects",
    ),  # fmt: skip
    (
        r"contrast|flair|sequence|t1|t2|dwi|when was|taken on|date|hounsfield|hu|values?|signal|intensity|"
        r"density|dense|pixels?|resolution|"
        # contrast uptake and artefacts are read by a radiologist, not by these models
        r"enhanc\w*|gadolinium|uptake|artefacts?|artifacts?|"
        # the image's quality ("is this scan good quality", "is it too blurry to read")
        r"quality|blurr\w*|fuzzy|grainy|readable|good enough to"
        # the scanner's make and strength ("a 3 tesla scanner"); "what machine made this" asks the
        # modality, a type
        r"|teslas?|\d(?:\.\d)? ?t (?:mri|scanner|machine|magnet)|field strength|manufacturer|"
        rf"{_MAKES}|make of (?:the |this )?(?:scanner|machine)|"
        r"(?:which|what) (?:company|make)",
        TECHNICAL,
    ),  # fmt: skip
    (
        r"radiologists?|second opinion|miss(?:ed)? (?:something|anything)|overlook\w*|"
        r"(?:the|my|his|her) report (?:\w+ )?(?:right|wrong|correct|accurate)|"
        # the reader, not the report: "is the doctor wrong", "could the radiologist be mistaken"
        r"(?:the|my|his|her) (?:doctor|radiologist|neurologist|specialist)s? (?:is |was |be |could be )?"
        r"(?:\w+ )?(?:wrong|right|mistaken|correct)",
        "whether a radiologist's report is right",
    ),  # fmt: skip
    (
        r"spread\w*|invad\w*|invasi\w*|(?:in|to) other (?:organs|parts)|elsewhere in (?:my|the) body",
        "whether something has spread",
    ),  # fmt: skip
    (
        r"explain\w*|symptoms?|responsible for|the reason|source of|due to|result of|linked|related|"
        r"connected|behind (?:my|the|his|her|these|those)",
        "whether it explains any symptoms",
    ),  # fmt: skip
    (
        r"child|children|kid|kids|adult|infant|toddler|teenager|newborn|elderly|young|younger|older|"
        r"how old (?:am|is|was|were) (?:i|he|she|they|(?:the|this|that) (?:patient|person|man|woman)|my \w+)|"
        r"age|aged|ageing|aging|"
        # "normal for a 40 year old": normal for an age, which the models were not trained to judge
        r"years old|years? old|yrs? old|year olds?",
        "how old the person scanned is, or what is normal at an age",
    ),  # fmt: skip
    (
        r"pregnan\w*|bab(?:y|ies)(?!'s)|heartbeat|fo?etus\w*|fo?etal|unborn|womb|gestation\w*|trimester|"
        r"obstetric\w*|"
        r"sonogram|boy or (?:a )?girl|girl or (?:a )?boy",
        "anything about a pregnancy or a baby",
    ),  # fmt: skip
    (
        r"lying|lay|lie|laid|lain|position\w*|posture|facing|during the scan",
        "how you were positioned for the scan",
    ),  # fmt: skip
)
SCANNER_MAKE = re.compile(rf"\b(?:{_MAKES})\b")
_UNSUPPORTED_RE = tuple((re.compile(rf"\b(?:{p})\b"), said) for p, said in _UNSUPPORTED)
# The models count lesions only: "how many <noun>" must name a finding or nothing ("how many are there?").
_COUNTING = re.compile(r"\b(?:(?:how|hw|hoe) (?:many|much)|number of|count)\b((?: [a-z']+){0,4})")
_FINDINGS = re.compile(
    r"^(?:lesions?|plaques?|spots?|nodules?|lumps?|abnormal\w*|areas?|patch\w*|dots?|marks?|things?|ones?|findings?)$"
)
# words that follow "how many" when no counted thing is named ("how many can you see", "count them")
_NOT_NAMED = frozenset(
    "are is was were can could do does did have has had will would should there you i we they them those "
    "these it here in on at altogether total exactly please".split()
)
_SKIPPED = frozenset("the my of all a any how many much".split())  # "count how many there are"
COUNT_ELSE = "how many there are of anything but lesions"


def cannot_tell(part: str) -> list[str]:
    """What the question sentence ``part`` (normalised) asks that no model here can tell, in plain
    words; empty when nothing."""
    said = [said for pattern, said in _UNSUPPORTED_RE if pattern.search(part)]
    return said + [COUNT_ELSE] if _counts_something_else(part) else said


def _counts_something_else(part: str) -> bool:
    """ "how many ribs ...", "count the vertebrae": the counted thing is named and is no finding."""
    for m in _COUNTING.finditer(part):
        words = [w for w in m.group(1).split() if w not in _SKIPPED]
        for i, word in enumerate(words[:3]):
            if _FINDINGS.match(word) or (i == 0 and word in _NOT_NAMED):
                break
            if word in _NOT_NAMED:  # a verb after a named thing ("how many ribs can you count")
                return True
        else:
            if words[:1] and not any(_FINDINGS.match(w) for w in words):
                return True
    return False
