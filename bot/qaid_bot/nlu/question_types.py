"""Question understanding for image questions: which of the question types a hospital's VQA model was
trained for (its bundle declares them: id + canonical question) does a patient's free-form message
ask — or is it a question no model here can answer?

A VQA model picks one of its fixed answers for *any* question, so the bot never forwards the patient's
words: it sends the canonical question of the type it understood, and only for types a nearby
hospital declares. Everything else gets an honest answer (``texts_for``).

The mapping is rule-based and auditable first, learned only as a fallback: a finding no model was
trained to see ("fracture", "bleeding", "tumour", "stroke"...) or a matter no image model decides
(treatment, prognosis, size, change over time, cause...; ``unsupported_questions``) vetoes every type,
whatever else the sentence says — an embedding model would put "is there a fracture?" right next to
"is there a lesion?".
Only the question sentences of a long message are read, so context before a question ("I've had
headaches for weeks. Is there a lesion?") does not change the type — except that a pronoun in the
question ("... mentioned lesions. Do you see one?") points back to a finding named before it, and a
question with no object of its own ("... a CT or an MRI. Can you tell?") asks about the sentence
before it; alternatives listed with commas ("a brain, a lung, or ...") are one question; an either/or
of body parts with exactly one region the models recognise ("the brain or the spine?") asks that
region's yes/no type, any other either/or asks which organ. Each
type is a concept with its synonyms (kinds of scan with their abbreviations, "cxr", "ct", "film";
body parts; "multiple", "bilateral", "left-sided"); a vague alternative ("or a different body part",
"or something else") leaves a yes/no question. Key words are corrected for one-letter slips
("lession", "abnormall"), and short vowel-less slips for a missing letter ("ths", "chst"). A question
the rules can neither type nor veto takes the type the NLU's learnt classifier gave it, when it gave
one (``question_type_classifier``; ``understand(..., learnt=...)``).

Development cases: tests/bot/test_question_types.py; dev sets: bot/corpus/image_questions/ and
bot/tests/heldout/image_questions_v14.yml.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

from .question_offers import CAN_TELL
from .romanian_words import to_english
from .unsupported_questions import SCANNER_MAKE, TECHNICAL, cannot_tell

_BODY = r"(?:brain|head|skull|cap|cranial|cranium|cerebral)"
# the heart with the lungs is the chest's content; the heart alone may be a cardiac scan, not a chest x-ray
_CHEST = (
    r"(?:chest|thorax|thoracic|ribs|rib cage|ribcage|(?:the )?heart and (?:the )?lungs?|"
    r"lungs?(?: and (?:the )?heart)?)"
)
# kinds of scan, abbreviations included (``normalise`` spells out "cxr")
_MODALITY = r"(?:mri|ct|cat scan|x ray|ultrasound|us|pet|radiograph|scanner|mammogram)"
_ORGANS = (
    r"(?:brain|head|chest|lungs?|heart|liver|kidneys?|spine|knee|hand|abdomen|belly|stomach|breast|pelvis|"
    r"elbow|shoulder|ankle|foot|hip|neck|leg|arm|wrist)"
)
_OTHER_PARTS = (
    r"(?:heart|liver|kidneys?|spine|knee|hand|abdomen|belly|stomach|breast|pelvis|elbow|shoulder|ankle|foot|"
    r"hip|neck|leg|arm|wrist|eyes?|retina)"
)
# "is this my spine?", "is this an eye picture?": the whole question names one part that is neither the
# brain nor the chest; it asks which part is shown, even for a part no finding model reads (no veto).
# "this" or "that" image only: "is it my heart?" after a symptom asks about the symptom
_IS_THIS_OTHER_PART = (
    r"^(?:is|was) (?:this|that)(?: (?:mri|scan|image|picture|photo|pic|x ?ray|one|ct))? (?:(?:of|from) )?"
    rf"(?:(?:my|the|a|an|his|her|their|our|your) )?{_OTHER_PARTS}"
    r"(?: area| region| (?:mri|scan|image|picture|photo|pic|x ?ray|ct))?$"
)
_IS_THIS_OTHER_PART_RE = re.compile(_IS_THIS_OTHER_PART)
# which region the models recognise an alternative of "is it the X or the Y?" as
_REGION_OF = {"brain": "brain", "head": "brain", "chest": "chest", "lung": "chest", "lungs": "chest",
              "heart": "chest"}  # fmt: skip
_CHOICE = re.compile(rf"\b({_ORGANS}) or (?:my |the |a |an )?({_ORGANS})\b")


_FINDING = r"(?:lesions?|plaques?|spots?|nodules?|ones?)"
_IMAGE = r"mri|scan|image|picture|photo|x ray|radiograph|ct|film|ultrasound|mammogram"
_FINE = r"ok|okay|fine|alright|all right"  # not "good": "is this scan good" may ask about its quality


def _is_part(part: str) -> str:
    """ "is this a brain scan?", "is it an x-ray of the chest?", "this one is my chest x-ray, right?"."""
    img = r"(?:mri|scan|image|picture|pictures|photo|pic|x ?ray|radiograph|one|ct|film|imaging)"
    whose = r"(?:(?:my|the|a|an|his|her|their|our|your) )?(?:[a-z]+'s )?"  # "my mum's", "his"
    det = rf"(?:(?:of|from) )?{whose}"
    this = rf"(?:(?:this|that|it|these|those)(?: {img})?|the {img})"
    return "|".join(
        (
            rf"(?:is|was|are) {this} {det}{part}",
            rf"(?:is|was|are) {this} {det}{img} (?:of|showing) {det}{part}",
            rf"{this} (?:is|was) {det}{img} (?:of|showing) {det}{part}",
            rf"^{det}{part}$",
            rf"^{det}{part} (?:{img} )?(?:this|it|that) is$",
            rf"(?:should|must|supposed to) be {det}{part}",
            rf"(?:does|do) {this} show {det}{part}",
            rf"(?:is|was) the (?:organ|body part)(?: \w+){{0,2}} {det}{part}$",
            rf"^{det}{part} (?:{img}|scan)$",
            rf"{this} is {det}{part}$",
            rf"(?:this|it) (?:{img} )?(?:is )?(?:of |showing ){det}{part}",
            rf"(?:this|it) (?:{img} )?is {det}{part} {img}",
            rf"(?:send|sent|upload\w*) the {part}",
            rf"looking at {det}{part}",
            rf"(?:the|this|that) {img} (?:is|was) (?:of|showing) {det}{part}",
            rf"(?:this|it|that) (?:{img} )?shows? {det}{part}",
            rf"(?:taken|done|made) (?:of|on) {det}{part}",
            rf"is the body part (?:\w+ ){{0,4}}{det}{part}\b",
        )
    )


# (type, pattern) in priority order: the first that matches decides.
_TYPES: tuple[tuple[str, str], ...] = (
    (
        "count",
        r"(?:how|hw|hoe) many|count|number of|(?<!or )(?:more than|just|only) one\b(?! sides?\b)|"
        rf"several (?:\w+ )?{_FINDING}|"
        rf"(?:more|fewer|less) than (?:\d+|one|two|three|four|five|ten|a few) (?:\w+ )?(?:{_FINDING}|areas?|"
        r"patch(?:es)?|places)|"
        r"(?:one|two|three|four|five) (?:\w+ )?or (?:one|two|three|four|five|six|more|many|several)|"
        r"how much lesions|"
        r"multiple|numerous|lots of (?:lesions|spots)|many (?:lesions|spots)|"
        # quantity words with the finding they count ("thanks a lot", "a few days" are no count)
        rf"(?:single|solitary|a (?:few|couple|lot|bunch|handful)(?: of)?) {_FINDING}|"
        rf"(?:{_FINDING}|many|lots|loads) or (?:just |only )?(?:a (?:few|couple)|one|a single one)",
    ),  # fmt: skip
    (
        "side",
        r"which side|what side|wich side|left or (?:the )?right|right or (?:the )?left|"
        r"(?:the |my )?(?:left|right) (?:side|hemisphere|lung)|hemisphere|which lung|"
        r"on (?:the |my |his |her |their )?(?:[a-z]+'s )?(?:left|right)|is it (?:the )?(?:left|right)|"
        r"where is the lesion|"
        r"(?:left|right)[- ]sided|both sides|one side|bilateral|which half|what half|(?:left|right) half|"
        r"(?:left|right) or (?:my |the )?(?:left|right)|(?:left|right) or both|both or (?:left|right)|"
        r"(?:the|which|what) side|(?:same|other|opposite) side",
    ),  # fmt: skip
    (
        "organ",
        # not "is the organ here the brain?", which names the organ it asks about
        r"(?<!^is the )(?<!^was the )organ|"
        rf"(?<!is the )body (?:part|region|area)|(?:part|region|area) of (?:my |the )?body|anatom\w*|"
        rf"what part|"
        rf"which part|what (?:am i|are we|are you) (?:\w+ )?looking at|(?:what|which) bit of (?:me|my body)|"
        rf"what(?: is|'s) shown (?:in|on|here)|"
        rf"what(?: is|'s) (?:in|on) (?:the |this |my )(?:{_IMAGE})\b|"
        # "is this the heart / my abdomen?": a part that is neither the brain nor the chest, the whole
        # question, and "this" image ("is it my heart?" after a symptom asks about the symptom)
        rf"{_ORGANS} or (?:my |the |a |an )?{_ORGANS}|"
        rf"{_IS_THIS_OTHER_PART}|"
        # ("what part" is above; "region" is declined as where something is)
        r"what area (?:is|are we) (?:shown|seeing|looking at|this)",
    ),
    (
        "modality",
        r"modality|kind of (?:scan|image|picture|imaging)|type of (?:scan|image|picture|imaging)|"
        r"sort of (?:scan|image|picture|imaging)|imaging technique|taken with|"
        rf"{_MODALITY}(?: scan| machine| things?| ones?)? or (?:is it )?(?:an? )?(?:normal )?{_MODALITY}|"
        rf"scan type|image type|"
        rf"imaging method|method|machine|done with|made with|"
        rf"how was (?:this|it) (?:\w+ )?(?:taken|made|done)|"
        rf"^(?:(?:is|was) (?:this|it|that)(?: one)? )?(?:an? )?"
        rf"(?:plain |regular |simple |ordinary |standard )?{_MODALITY}(?: scan| image| picture)?$",
    ),  # fmt: skip
    ("is_brain", _is_part(_BODY)),
    ("is_chest", _is_part(_CHEST)),
    # "spot" after "you"/"to"/"can" is the verb ("can you spot any irregularities")
    ("lesion", r"lesions?|(?<!you )(?<!u )(?<!to )(?<!can )spots?|nodules?|lumps?|patch(?:es)?"),
    (
        "normal",
        # "not normal" asks the opposite (the abnormal type's "something" or "anything" reads it)
        r"(?<!not )(?<!n't )normal|look(?:s)? (?:ok|okay|fine|good|healthy|alright|clear)|healthy|all clear|"
        r"clear|"
        r"look(?:s)? (?:as|like) (?:it|they) should|as expected|"
        r"(?:everything|all) (?:ok|okay|fine|good|alright)|is it (?:ok|okay|fine)|clean|"
        r"no (?:issues?|problems?|abnormalit\w*)|nothing (?:wrong|abnormal|unusual)|"
        # the image, or a part the models were trained on *on the image*, is fine ("is my knee ok?" alone
        # asks about the knee, "is my thyroid ok on this" about an organ no model here sees)
        rf"(?:is|are) (?:my |the |this |that )?(?:[a-z]+ )?(?:{_IMAGE})s? (?:{_FINE})|"
        rf"(?:is|are) (?:my |the |his |her |their )?(?:{_BODY}|{_CHEST}|heart) (?:{_FINE}) "
        rf"(?:on|in) (?:this|it|here|(?:the|my|this) (?:{_IMAGE}))",
    ),  # fmt: skip
    (
        "abnormal",
        r"abnormal\w*|not normal|n't normal|wrong|off|unusual|problem|irregular\w*|anomal\w*|issues?|"
        r"out of the ordinary|findings?|"
        r"patholog\w*|"
        r"anything (?:there|on|in|visible)|"
        r"something (?:there|on|in)|find anything|found anything|see anything|anything|something",
    ),  # fmt: skip
)
_TYPES_RE = tuple((t, re.compile(rf"\b(?:{p})\b")) for t, p in _TYPES)

_VOCAB = (
    "lesion", "lesions", "abnormal", "abnormality", "abnormalities", "normal", "something", "anything",
    "nodule", "nodules", "which", "there", "organ", "modality", "hemisphere", "fracture", "bleeding",
    "tumour", "tumor", "cancer", "stroke", "treatment", "healthy", "unusual", "chest", "brain",
)  # fmt: skip
# short words a letter may be missing from ("ths", "chst", "lesn" stay unfixed: two letters off)
_SHORT_VOCAB = ("this", "chest", "brain", "scan", "side", "lung", "lungs", "head", "show", "there")
# real words one slip from a key word, never corrected
_REAL_WORDS = frozenset(
    ("these", "those", "where", "three", "other", "thing", "organs", "shows", "sides", "brand")
)
# abbreviations patients use for kinds of scan
_ABBREVIATIONS = {"cxr": "chest x ray", "xr": "x ray", "mr": "mri", "cat": "ct", "usg": "ultrasound"}
# the alternative in "is it a chest x-ray or a different body part?" does not name a type: a yes/no question
_VAGUE_ALTERNATIVE = re.compile(
    r"\s+or (?:is it )?(?:a |an |some )?(?:different|another|other|something|anything|not)\b.*$"
)
# a fragment that only refines the part before it ("is there anything? like a spot", "..., anatomically",
# "did I send the right file? it should be the chest x-ray")
_REFINES = re.compile(
    r"^(?:like|such as|i mean|e ?g|for example|you know|[a-z]+ly$|"
    r"it (?:should|must) be|it(?:'s| is) supposed to be)\b"
)
# a question with no object of its own asks about the sentence before it ("... a ct or an mri. can you tell?")
_BARE_ASK = re.compile(
    r"^(?:can|could) you (?:tell|say|see|check)(?: (?:it|that))?"
    r"(?: (?:from|on|in|by looking at) (?:the|this|my) (?:image|picture|scan|x ray|mri|one))?\??$"
)
# "is there a lesion ...", "are there any spots ...": a finding is what is asked
# "is there a lesion in this picture of my brain", "is this brain MRI normal?": the part names the image,
# the question is about a finding or whether it is normal
_ASKS_A_FINDING = re.compile(
    rf"\b(?:is|are) there (?:a |an |any |some )?(?:\w+ )?{_FINDING}|\b(?:ab)?normal\??$"
)


def _is_option(part: str) -> bool:
    """One or two words naming a body part, as an option offered after "what is shown here?"."""
    words = part.rstrip("?").split()
    return 0 < len(words) <= 2 and bool(re.search(rf"\b(?:{_ORGANS}|{_BODY}|{_CHEST})\b", part))


# a question about "it" with nothing of its own to ask about: follows what the sentence before named
_POINTS_BACK = re.compile(
    r"^(?:is|does|did|was|are) (?:it|that|this|they|these|those) (?:\w+ )?(?:ok|okay|fine|normal|"
    r"alright|bad|good|abnormal|healthy)\??$"
)
# a question that points back at a finding named in its context ("they mentioned lesions. do you see one?")
_ANAPHOR = re.compile(
    r"\b(?:one|any|it|them|those|that|such a thing)"
    r"(?: (?:here|there|(?:on|in) (?:this|the|my|that)"
    r"(?: (?:image|picture|scan|x ray|mri|ct|film|photo))?(?: (?:i|we) (?:uploaded|sent|shared))?))?\s*\??$"
)
_TAG = re.compile(
    r"^(?:yes|yeah|right|correct|no|isn't it|is it|doesn't it|does it|wasn't it|ok|okay|true)\??$"
)
# "on the right?" names a side; only a bare "right?" is a tag
_TAG_AT_END = re.compile(
    r"(?<! or)(?<! the)(?<! my)(?<! on)(?<! to)(?<! his)(?<! her)\s(?:right|correct|yes|isn't it)\?$|"
    r"\s(?:isn't it|doesn't it)$"
)
_QUESTION_START = re.compile(
    r"^(?:is|are|does|do|did|can|could|would|will|has|have|how|which|wich|what|whats|where|any|count|"
    r"tell|show|check|was|were|should|am|number|left|right)\b"
)


@dataclass(frozen=True)
class Understood:
    """``types``: the supported types asked, in the order asked; ``cannot``: what was asked that no
    model here can tell (plain words); ``unknown``: a question with neither."""

    types: tuple[str, ...]
    cannot: tuple[str, ...]

    @property
    def unknown(self) -> bool:
        return not self.types and not self.cannot


def _fix(word: str) -> str:
    if word in _ABBREVIATIONS:
        return _ABBREVIATIONS[word]
    if word in _VOCAB or word in _REAL_WORDS or word in _SHORT_VOCAB:
        return word
    if len(word) in (3, 4) and not re.search(r"[aeiouy]", word):
        # a short word with no vowel is a slip ("ths", "chst"); only a missing letter is restored,
        # since a changed letter in a short word makes another real word
        return next((v for v in _SHORT_VOCAB if len(v) == len(word) + 1 and _one_slip(word, v)), word)
    if len(word) < 5:
        return word
    for v in _VOCAB:
        if abs(len(v) - len(word)) <= 1 and v[0] == word[0] and _one_slip(word, v):
            return v
    return word


def _one_slip(a: str, b: str) -> bool:
    if len(a) == len(b):
        diff = [i for i in range(len(a)) if a[i] != b[i]]
        return len(diff) == 1 or (len(diff) == 2 and diff[1] == diff[0] + 1 and a[diff[0]] == b[diff[1]])
    short, long_ = (a, b) if len(a) < len(b) else (b, a)
    return any(long_[:i] + long_[i + 1 :] == short for i in range(len(long_)))


def normalise(text: str) -> str:
    text = to_english(text.lower()).replace("\u2019", "'").replace("x-ray", "x ray").replace("xray", "x ray")
    text = re.sub(r"\bmagnetic resonance(?: imaging)?\b", "mri", text)
    text = re.sub(r"\b(that|this|it)'s\b", r"\1 is", text)
    text = re.sub(r"[^a-z0-9' ?.,!;:\n]+", " ", text)
    return re.sub(r"[a-z]+", lambda m: _fix(m.group(0)), text)


def question_parts(text: str) -> list[str]:
    """The sentences of ``text`` that ask something (all of it when none looks like a question)."""
    raw = re.split(
        r"(?<=[?!;:\n])\s*|(?<=\.)(?!\d)\s*|\s+[-\u2013\u2014]+\s+|,\s*|\s+but\s+",
        _join_lists(normalise(text)),
    )
    parts: list[str] = []
    for p in (p.strip(" .!;:") for p in raw if p and p.strip(" .!;:?")):
        if parts and _TAG.match(p):  # "this is the brain one, right?": the tag asks the part before
            parts[-1] = parts[-1].rstrip("?") + "?"
        elif parts and _REFINES.search(p):
            parts[-1] = parts[-1].rstrip("?") + " " + p
        elif parts and _BARE_ASK.match(p):  # joins the statements since the last question
            while len(parts) > 1 and not _is_asked(parts[-2]) and not _is_asked(parts[-1]):
                parts[-2:] = [f"{parts[-2]} {parts[-1]}"]
            parts[-1] = parts[-1].rstrip("?") + " " + p
        elif _TAG_AT_END.search(p):  # "brain mri right?" (not "left or right?")
            parts.append(_TAG_AT_END.sub("?", p))
        else:
            parts.append(p)
    asked = [p for p in parts if _is_asked(p)]
    return [_strip_lead(p).rstrip("?").strip() for p in (asked or parts)]


def _is_asked(part: str) -> bool:
    return part.endswith("?") or bool(_QUESTION_START.search(_strip_lead(part)))


def _join_lists(text: str) -> str:
    """Alternatives listed with commas are one question: "a brain, a lung, or something else?",
    "one, two, or more lesions?"."""
    text = re.sub(r",\s*(?=or\b)", " ", text)
    # "which part, left or right, ...": the alternatives say which part is meant (a side)
    text = re.sub(r"\b((?:which|what) (?:part|half|bit)),\s*(?=(?:the )?(?:left|right) or\b)", r"\1 ", text)
    text = re.sub(r"\b(left|right),\s*(?=(?:left|right|both)\b)", r"\1 ", text)
    text = re.sub(r"\b(one|two|three|four|\d+),\s*(?=(?:two|three|four|five|\d+)\b)", r"\1 ", text)
    return re.sub(rf"\b({_ORGANS}),\s*(?=(?:a |an |the |my )?{_ORGANS}\b)", r"\1 or ", text)


def _strip_lead(part: str) -> str:
    """Drop a greeting or a filler before the question ("hi, ok so is it normal")."""
    return re.sub(
        r"^(?:(?:hi|hello|hey|ok|okay|so|and|also|sorry|please|quick question|just checking|"
        r"then|well|right|hi again|one more thing|ok and)\b[ ,]*)+", "", part.strip()
    )  # fmt: skip


# The parse-data key the NLU's learnt classifier writes ({"name": type id, "confidence"}), and its
# label for a question of no supported type.
QUESTION_TYPE, UNSUPPORTED = "question_type", "unsupported"


def learnt_type(parse: Mapping[str, Any] | None) -> str | None:
    """The learnt type in a message's parse data, if it names a type this module knows."""
    found = (parse or {}).get(QUESTION_TYPE)
    name = found.get("name") if isinstance(found, Mapping) else None
    return name if isinstance(name, str) and name in CAN_TELL else None


def understand(text: str, offered: list[str] | None = None, learnt: str | None = None) -> Understood:
    """The supported types ``text`` asks about (limited to ``offered`` type ids when given) and what
    it asks that no model here can tell. ``learnt``: the NLU's learnt type for ``text``, taken only
    when the rules find neither (``learnt_type``)."""
    found = _by_rules(text, offered)
    if found.unknown and learnt in CAN_TELL:
        if offered is not None and learnt not in offered:
            why = f"{CAN_TELL[learnt]} (no nearby hospital's model was trained for it)"
            return Understood((), (why,))
        return Understood((learnt,), ())
    return found


def _by_rules(text: str, offered: list[str] | None) -> Understood:
    types: list[str] = []
    cannot: list[str] = []
    for part in question_parts(text):
        vetoes = [] if _IS_THIS_OTHER_PART_RE.search(part) else cannot_tell(part)
        if vetoes:
            cannot += [s for s in vetoes if s not in cannot]
            continue
        if cannot and _POINTS_BACK.search(part):
            continue  # "is the thyroid visible, is it ok": "it" is what was just declined
        if types[-1:] == ["organ"] and _is_option(part):
            continue  # "what is shown here? kidneys? liver? head?": the options of the organ question
        part = _VAGUE_ALTERNATIVE.sub("", part)
        if _ANAPHOR.search(part) and not any(p.search(part) for _, p in _TYPES_RE):
            part = f"{part} {_antecedent(text)}"
        for type_id, pattern in _TYPES_RE:
            if type_id in ("is_brain", "is_chest") and _ASKS_A_FINDING.search(part):
                continue  # "is there a lesion in this picture of my brain": the part names the image
            if pattern.search(part):
                type_id = _choice(part) if type_id == "organ" else type_id
                if offered is not None and type_id not in offered:
                    cannot.append(
                        f"{CAN_TELL.get(type_id, type_id)} (no nearby hospital's model was trained for it)"
                    )
                elif type_id not in types:
                    types.append(type_id)
                break
    if "modality" in types and SCANNER_MAKE.search(normalise(text)):
        # "what machine was used, siemens or philips": a make named anywhere says the make is asked
        types.remove("modality")
        cannot += [] if TECHNICAL in cannot else [TECHNICAL]
    return Understood(tuple(types), tuple(cannot))


# A question part that names the image or a finding asks about the image whatever the rest of the
# message is about; "is that normal?" or "which side?" after symptoms may ask about the symptoms.
def _choice(part: str) -> str:
    """ "the brain or the spine?": when exactly one alternative is a region the models recognise, its
    yes/no type answers the choice (a "which organ" model names brain or chest, wrong for a spine); two
    recognised regions ("brain or chest"), two parts of one ("heart or lungs") or none ask which organ."""
    m = _CHOICE.search(part)
    if not m:
        return "organ"
    known = [_REGION_OF[w] for w in m.groups() if w in _REGION_OF]
    if len(known) == 1 and "heart" not in m.groups():  # the heart alone may be a cardiac scan
        return "is_brain" if known[0] == "brain" else "is_chest"
    return "organ"


def _antecedent(text: str) -> str:
    """The finding a pronoun in the question may point back to: a lesion named anywhere in the message
    ("I was told there might be a lesion, can you confirm whether there is one?")."""
    return "lesion" if re.search(r"\b(?:lesions?|spots?|nodules?)\b", normalise(text)) else ""
