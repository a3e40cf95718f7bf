"""Romanian words patients mix into questions about their image, read as their English meaning.

Why: Q&Aid's patients are in Romania and write "is there a leziune here", "cate pete sunt?" or the
whole question in Romanian; the question rules (``question_types``) and their vetoes
(``unsupported_questions``) are written in English, and the blind set v12 (docs/nlu.md) showed such
questions read as "not understood". Translating the few words that carry the question (the finding,
the organ, the scan kind, the side, "how many", "is there") before the English rules lets one set of
rules serve both, and the vetoes keep working: "e cancer?" reads "is cancer?" and is declined as before.
A word list, not a translator: what is not listed stays as typed.
"""

from __future__ import annotations

import re

__all__ = ["fold", "has_romanian", "to_english"]

# Romanian letters to their plain forms, as people type them on phones without the accents.
_FOLD = str.maketrans("\u0103\u00e2\u00ee\u0219\u015f\u021b\u0163", "aaisstt")

# Phrases first, then words. Romanian only: none of these is an English word.
_PHRASES = (
    # "is this a" only before a scan kind: Romanian puts the adjective after the noun ("este un creier
    # normal?" asks whether the brain is normal, not whether it is a brain)
    ("este un rmn cerebral", "is this a brain mri"),
    ("e un rmn cerebral", "is this a brain mri"),
    ("este o radiografie pulmonara", "is this a chest x ray"),
    ("e o radiografie pulmonara", "is this a chest x ray"),
    ("este o radiografie toracica", "is this a chest x ray"),
    ("e o radiografie toracica", "is this a chest x ray"),
    ("ce parte a corpului", "which body part"),
    ("ce fel de imagine", "what kind of image"),
    ("ce tip de imagine", "what kind of image"),
    # "e o ... ?" asks "is it a ...?" (after the longer "e o radiografie pulmonara" above)
    ("este o imagine", "is this an image"),
    ("e o imagine", "is this an image"),
    ("este o", "is this a"),
    ("e o", "is this a"),
    ("o imagine a", "an image of"),
    ("o poza a", "a picture of"),
    ("o radiografie a", "an x ray of"),
    ("a capului", "of the head"),
    ("a toracelui", "of the chest"),
    # the side after the organ in Romanian ("plamanul stang"): put in English order
    ("plamanul stang", "the left lung"),
    ("plamanul drept", "the right lung"),
    ("partea stanga", "the left side"),
    ("partea dreapta", "the right side"),
    ("pe ce parte", "on which side"),
    ("in ce parte", "on which side"),
    ("ce fel de", "what kind of"),
    ("ce tip de", "what kind of"),
    ("in neregula", "abnormal"),
    ("nu e in regula", "abnormal"),
    ("e in regula", "is ok"),
    ("este in regula", "is ok"),
    ("se vede", "is there"),
    ("se vad", "are there"),
    ("exista", "is there"),
    ("e vreo", "is there a"),
    ("vreo", "any"),
    # "imagine" alone is also English ("imagine I had a stroke"): only in a Romanian phrase
    ("pe imagine", "on the image"),
    ("in imagine", "in the image"),
    ("o imagine", "an image"),
    # the organ after the scan in Romanian ("RMN cerebral"): put in English order
    ("rmn cerebral", "brain mri"),
    ("rmn al creierului", "brain mri"),
    ("radiografie pulmonara", "chest x ray"),
    ("radiografia pulmonara", "chest x ray"),
    ("radiografie de torace", "chest x ray"),
    ("radiografie toracica", "chest x ray"),
    ("a creierului", "of the brain"),
    ("a plamanilor", "of the lungs"),
    ("cu plamanii", "of the lungs"),
    ("in stanga", "on the left"),
    ("in dreapta", "on the right"),
    ("pe stanga", "on the left"),
    ("pe dreapta", "on the right"),
    ("in regula", "ok"),
    ("parte din corp", "body part"),
    ("parte a corpului", "body part"),
    ("asta e o", "is this a"),
    ("asta e un", "is this a"),
    ("asta e", "is this"),
    ("ceva ciudat", "something unusual"),
    ("cat timp", "how long"),
    ("cat de mare", "how big"),
    ("cat de mici", "how small"),
    ("cat de mic", "how small"),
    ("cat de", "how"),
    ("mai multe", "several"),
    ("arata bine", "looks fine"),
    ("arata normal", "looks normal"),
    ("de imagine", "of image"),
    ("de trait", "to live"),
)
# Also English names ("Pete's scan", "is Cate ok"): read as Romanian only beside another Romanian word.
_AMBIGUOUS = {"pete": "spots", "cate": "how many", "e": "is", "drept": "right"}
_WORDS = {
    "leziune": "lesion", "leziunea": "lesion", "leziuni": "lesions", "leziunile": "lesions",
    "pata": "spot", "petele": "spots", "placi": "plaques", "placa": "plaque", "placile": "plaques",
    "marime": "size", "marimea": "size", "dimensiune": "size", "dimensiunea": "size",
    "creier": "brain", "creierul": "brain", "craniu": "skull", "capul": "head", "capului": "head",
    "plaman": "lung", "plamani": "lungs", "plamanii": "lungs", "plamanul": "lung", "pulmonara": "chest",
    "pulmonar": "chest", "toracic": "chest", "toracica": "chest", "torace": "chest", "toracelui": "chest",
    "pieptul": "chest",
    "piept": "chest", "inima": "heart",
    "radiografie": "x ray", "radiografia": "x ray", "tomografie": "ct", "tomografia": "ct",
    "ecografie": "ultrasound", "ecografia": "ultrasound", "ecograf": "ultrasound", "rmn": "mri", "irm": "mri",
    "imaginea": "image", "imaginii": "image", "poza": "picture", "poze": "pictures",
    "stanga": "left", "dreapta": "right", "stang": "left", "sunt": "are", "este": "is", "sau": "or",
    "normala": "normal", "anormal": "abnormal", "anormala": "abnormal",
    "tumoare": "tumour", "tumora": "tumour", "fractura": "fracture", "fisura": "fracture",
    "sangerare": "bleeding", "hemoragie": "bleeding", "operatie": "surgery", "tratament": "treatment",
    "aici": "here", "asta": "this", "aceasta": "this", "acesta": "this",
    "creierului": "brain", "cerebrala": "brain", "investigatie": "scan", "investigatia": "scan",
    "corp": "body",
    "totul": "everything",
    # severity, nature and outlook, so that the vetoes decline them as in English
    "grav": "serious", "grava": "serious", "grave": "serious", "periculos": "dangerous",
    "periculoasa": "dangerous", "malign": "malignant", "maligna": "malignant", "benign": "benign",
    "benigna": "benign", "boala": "disease", "boli": "disease", "vindeca": "heal", "moare": "die",
}  # fmt: skip
_PHRASE_RE = re.compile(r"\b(?:" + "|".join(re.escape(p) for p, _ in _PHRASES) + r")\b(?!')")
_PHRASE_OF = dict(_PHRASES)
_WORD_RE = re.compile(r"\b(?:" + "|".join(re.escape(w) for w in _WORDS) + r")\b(?!')")
_AMBIGUOUS_RE = re.compile(r"\b(?:pete|cate|e|drept)\b(?!['.])")


def fold(text: str) -> str:
    return text.translate(_FOLD)


def to_english(text: str) -> str:
    """``text`` (lower case) with Romanian diacritics folded and the listed Romanian words in English."""
    text = fold(text)
    romanian = bool(_PHRASE_RE.search(text) or _WORD_RE.search(text))
    text = _PHRASE_RE.sub(lambda m: _PHRASE_OF[m.group(0)], text)
    text = _WORD_RE.sub(lambda m: _WORDS[m.group(0)], text)
    return _AMBIGUOUS_RE.sub(lambda m: _AMBIGUOUS[m.group(0)], text) if romanian else text


def has_romanian(text: str) -> bool:
    """Whether ``text`` holds one of the Romanian words or phrases listed here."""
    folded = fold(text.lower())
    return bool(_PHRASE_RE.search(folded) or _WORD_RE.search(folded))
