"""One normal form for names the patient types (terms, places): the glossary and the gazetteer match
on it."""

from __future__ import annotations

import re
import unicodedata


def key(text: str) -> str:
    """Lower case, no accents, words of letters and digits ("Timișoara" -> "timisoara", "X-ray" ->
    "x ray", "M.R.I." -> "mri")."""
    text = unicodedata.normalize("NFKD", text).encode("ascii", "ignore").decode().lower()
    text = re.sub(r"\b([a-z])\.(?=[a-z]\.)", r"\1", text)  # m.r.i. -> mri.
    k = re.sub(r"[^a-z0-9]+", " ", text).strip()
    if re.fullmatch(r"(?:[a-z] )+[a-z]", k):  # "m r i" -> "mri"
        k = k.replace(" ", "")
    return k
