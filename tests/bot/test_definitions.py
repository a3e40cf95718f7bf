"""Definitions from the offline glossary: project entries, HPO, ICD-10 and WordNet (from the installed
packages), each answer naming its source; close misspellings named as such; unknown terms not guessed."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import pytest
from tracker_helpers import make_tracker, slot_events, texts

from qaid_bot.actions import glossary_index
from qaid_bot.actions.definitions import ActionDefine, find_in_text, guess_term, lookup
from qaid_bot.actions.glossary_index import Glossary, build, glossary, key

pytestmark = pytest.mark.asyncio
BOT_DIR = Path(__file__).resolve().parents[2] / "bot"


def term(value):
    return [{"entity": "medical_term", "value": value}]


async def define(dispatcher, text, entity=None, slots=None):
    tracker = make_tracker(text, "ask_definition", entities=term(entity) if entity else None, slots=slots)
    events = await ActionDefine().run(dispatcher, tracker, {})
    return events, texts(dispatcher)[-1]


async def test_project_entries_are_complete():
    g = glossary()
    assert g.project_source and len(g.project) > 50
    for entry in g.project.values():
        assert entry.definition.strip() and entry.term.strip() and entry.source == "project"
    for t in ["MRI", "CT", "FLAIR", "contrast", "lesion", "MS", "tumor"]:
        assert lookup(t).source == "project", t


@pytest.mark.parametrize(
    "asked,expected",
    [
        ("mri", "MRI"),
        ("M.R.I.", "MRI"),  # dotted abbreviation
        ("ms", "MS"),
        ("CT", "CT"),
        ("Magnetic Resonance Imaging", "MRI"),
        ("the lesions", "lesion"),  # article + plural
        ("tumours", "tumor"),
        ("multiple sclerosis", "MS"),  # project before HPO and ICD-10, which also know it
        ("T2-weighted", "T2"),
        ("contrast-enhanced", "contrast"),
    ],
)
async def test_project_aliases_abbreviations_and_plurals(asked, expected):
    assert lookup(asked).term == expected


@pytest.mark.parametrize(
    "asked,expected,ref",
    [
        ("hemiparesis", "Hemiparesis", "HP:0001269"),
        ("seizures", "Seizure", "HP:0001250"),  # plural -> singular
        ("hemorrhoid", "Hemorrhoids", "HP:0032551"),  # singular -> a plural-only name
        ("kidney stones", "Nephrolithiasis", "HP:0000787"),  # an exact HPO synonym
    ],
)
async def test_hpo_terms(asked, expected, ref):
    entry = lookup(asked)
    assert (entry.source, entry.term, entry.ref) == ("hpo", expected, ref)
    reply = entry.reply()
    # the attribution the HPO licence asks for, with the release
    assert "This service uses the Human Phenotype Ontology (release 2023-04-05)" in reply
    assert "http://www.human-phenotype-ontology.org" in reply and ref in reply


async def test_icd10_titles_by_name_and_code():
    cholera = lookup("cholera")
    assert (cholera.source, cholera.ref) == ("icd10", "A00")
    reply = cholera.reply()
    assert "diagnosis name in the WHO ICD-10 classification (code A00" in reply
    assert "WordNet: an acute intestinal infection" in reply  # the title explains nothing by itself
    assert "Source: WHO ICD-10, 2019 edition (titles only); WordNet 3.0, Princeton University" in reply
    assert lookup("G35").term == "Multiple sclerosis"


@pytest.mark.parametrize(
    "asked,expected", [("femur", "femur"), ("vertebrae", "vertebra"), ("diagnoses", "diagnosis")]
)
async def test_wordnet_glosses_with_irregular_plurals(asked, expected):
    entry = lookup(asked)
    assert (entry.source, entry.term) == ("wordnet", expected)
    assert entry.reply().endswith("(Source: WordNet 3.0, Princeton University.)")


async def test_unknown_words_are_not_found():
    for word in ["fibrodysplasia", "zorbulation", "blorp", "it", "mean", "that word"]:
        assert lookup(word) is None, word


@pytest.mark.parametrize(
    "typed,expected,source",
    [
        ("lesoin", "lesion", "project"),
        ("pnemonia", "pneumonia", "project"),
        ("hemiparsis", "Hemiparesis", "hpo"),
        ("sezure", "Seizure", "hpo"),
        ("schizofrenia", "Schizophrenia", "hpo"),  # two slips in a long word, right first letters
        ("stetoscope", "stethoscope", "wordnet"),
    ],
)
async def test_close_misspellings(typed, expected, source):
    entry = glossary().closest(typed)
    assert (entry.term, entry.source) == (expected, source)


async def test_no_fuzzy_guess_for_unknown_or_short_words():
    for word in ["zorbulation", "fibrodysplasia", "blorp", "mrx"]:
        assert glossary().closest(word) is None, word


async def test_known_term_from_entity(dispatcher):
    events, text = await define(dispatcher, "what is flair?", "flair")
    assert text.startswith("FLAIR (fluid-attenuated inversion recovery)")
    assert "Source: Q&Aid project glossary" in text
    assert slot_events(events) == {"definitions": ["FLAIR"]}


async def test_term_found_in_text_without_entity(dispatcher):
    events, text = await define(
        dispatcher, "what does multiple sclerosis mean", slots={"definitions": ["MRI"]}
    )
    assert "MS (multiple sclerosis)" in text
    assert slot_events(events) == {"definitions": ["MRI", "MS"]}


async def test_hpo_term_from_the_question(dispatcher):
    events, text = await define(dispatcher, "What does hemiparesis mean?")
    assert text.startswith("Hemiparesis: Loss of strength in the arm, leg")
    assert "Human Phenotype Ontology, HP:0001269" in text
    assert slot_events(events) == {"definitions": ["Hemiparesis"]}


async def test_misspelling_is_named_not_silently_corrected(dispatcher):
    _, text = await define(dispatcher, "what is hemiparsis")
    assert text.startswith('I don\'t know "hemiparsis" exactly; the closest term I know is "Hemiparesis".')


async def test_unknown_term_is_not_guessed(dispatcher):
    events, text = await define(dispatcher, "what is fibrodysplasia?", "fibrodysplasia")
    assert events == []
    assert text.startswith('I don\'t know the term "fibrodysplasia"')


async def test_unknown_term_without_entity(dispatcher):
    _, text = await define(dispatcher, "what does zorbulation mean?")
    assert 'I don\'t know the term "zorbulation"' in text


async def test_no_term_at_all(dispatcher):
    _, text = await define(dispatcher, "explain please")
    assert text == "Which term would you like me to explain?"
    _, text = await define(dispatcher, "what does that word mean?")
    assert text == "Which term would you like me to explain?"


async def test_helpers():
    assert find_in_text("so what's a T1 weighted image").term == "T1"
    assert find_in_text("what does it mean") is None  # only project terms are spotted in a sentence
    assert guess_term("What is a blorp?") == "blorp"
    assert guess_term("define the zib") == "zib"
    assert key("Timișoara X-Ray") == "timisoara x ray" and key("M.R.I.") == "mri"


async def test_index_builds_from_the_packages_and_is_opened_not_rebuilt(tmp_path, monkeypatch):
    path = build(tmp_path / "glossary.sqlite3")

    def rebuild(*_: object, **__: object) -> None:
        raise AssertionError("the index was rebuilt although its stamp matches")

    monkeypatch.setattr(glossary_index, "build", rebuild)
    g = Glossary(path)
    counts = json.loads(g.meta["counts"])
    assert counts["hpo"] > 15000 and counts["icd10"] > 10000 and counts["wordnet"] > 100000
    assert g.lookup("ataxia").source == "hpo"
    assert path.stat().st_size < 80 * 2**20


async def test_a_fresh_action_server_opens_the_shared_index_without_rebuilding_it():
    """A new process (an action server starting) reuses the index the machine already built: the
    file is neither rewritten nor replaced. (How fast it opens is measured in bench/, not here.)"""
    path = glossary_index.default_path()
    glossary()  # make sure the shared index exists
    before = path.stat()
    code = "import qaid_bot.actions.definitions as d; assert d.glossary().lookup('hemiparesis')"
    out = subprocess.run(
        [sys.executable, "-c", code],
        cwd=BOT_DIR,
        capture_output=True,
        text=True,
        timeout=120,
        env={"QAID_WARMUP": "0", "PATH": "/usr/bin:/bin", "QAID_GLOSSARY_INDEX": str(path)},
    )
    assert out.returncode == 0, out.stderr[-2000:]
    after = path.stat()
    assert (after.st_ino, after.st_mtime_ns) == (before.st_ino, before.st_mtime_ns)
