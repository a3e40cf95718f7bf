"""Red flags written in Romanian (``red_flag_romanian``): development cases in our own wording, by
concept, after the blind set v12 showed every Romanian emergency missed (docs/nlu.md). With and
without diacritics; and the look-alikes the same words make (history, negation, a question)."""

from __future__ import annotations

import pytest

from qaid_bot.nlu.emergency_classifier import is_emergency
from qaid_bot.nlu.red_flag_romanian import looks_romanian
from qaid_bot.nlu.red_flags import assess, decide, normalise

EMERGENCIES = {
    "cardiac": ["tatăl meu are o durere puternică în piept de o oră", "ma doare tare pieptul si transpir"],
    "stroke": ["bunicului i s-a strâmbat gura și nu poate ridica brațul", "vorbeste ciudat de zece minute"],
    "breathing": [
        "sotul meu nu mai respira",
        "copilul s-a facut vanat la buze",
        "bunica horcaie si nu mai raspunde",
    ],
    "bleeding": ["sangereaza foarte mult din mana", "sângerarea de la nas nu se mai oprește"],
    "overdose_poisoning": ["fiica mea a inghitit toate pastilele de tensiune", "a baut inalbitor din sticla"],
    "suicide_self_harm": ["nu mai vreau să trăiesc", "ma gandesc sa ma sinucid in seara asta"],
    "anaphylaxis": ["dupa alune mi se umfla limba", "i se umfla gatul dupa intepatura"],
    "seizure": ["fratele meu are convulsii pe jos", "are o criza de epilepsie care nu trece"],
    "unconscious": [
        "mama nu mai raspunde deloc",
        "vecinul a lesinat si nu isi revine",
        "s-a prabusit in baie",
    ],
    "severe_headache_head_injury": [
        "a cazut cu capul de bordura si acum vomita",
        "cea mai rea durere de cap",
    ],
    "meningitis_sepsis": ["are febra mare si ceafa intepenita", "pete mov pe picioare si febra"],
    "burns": ["s-a ars cu ulei incins pe toata mana", "copilul s-a oparit cu apa clocotita"],
    "obstetric": [
        "sunt gravida in luna a sasea si sangerez",
        "e insarcinata in 30 de saptamani si are dureri foarte mari",
    ],
}

# from a review of the first Romanian rules: "I don't know if" is no negation or hypothesis, and a
# Romanian flag the English rules catch first still counts as Romanian
MORE_EMERGENCIES = [
    # after v14: a question word before the flag is no definition question when more follows
    "ce este asta, tata are convulsii",
    "ce e asta?? bunica nu mai respira",
    "what's going on, fratele meu are convulsii acum",
    "tata nu mai respira, nu stiu daca traieste",
    "mama are dureri in piept, nu stiu daca e infarct",
    "copilul se sufoca, ce fac daca se invineteste",
    "nu stiu copilul nu respira",
    "fara sa vrea a luat toate pastilele din cutie",
    "fara aer, nu poate respira",
]

# after the blind set v13 (docs/nlu.md): concepts its Romanian misses showed, in our own wording
V13_CONCEPTS = {
    "stroke": [
        "bunica si-a pierdut dintr-o data forta in piciorul stang",
        "vorbeste incalcit de un sfert de ora",
    ],
    "bleeding": ["s-a taiat la picior cu drujba si e tot plin de sange"],
    "overdose_poisoning": [
        "fetita a baut detergent de vase",
        "a inghitit un flacon de sirop de tuse",
        "a luat xanax cu pumnul, prea multe",
    ],
    "suicide_self_harm": ["ma gandesc serios sa-mi iau viata"],
    "anaphylaxis": ["dupa injectie mi s-au umflat buzele", "i se strange gatul, are reactie alergica severa"],
    "seizure": ["are o criza de zece minute si nu se mai opreste"],
    "unconscious": ["bunicul e pe jos si nu se mai misca"],
    "severe_headache_head_injury": ["s-a lovit cu capul de masa si acum nu ne mai recunoaste"],
    "burns": ["i-a cazut ceaiul fierbinte peste bebelus", "are tot bratul rosu si plin de basici dupa ulei"],
    "obstetric": ["dureri insuportabile in burta si sunt insarcinata in luna a opta"],
    "breathing": ["i-a ramas un os de peste in gat", "bebelusul s-a inecat cu lapte si nu poate tusi"],
}

LOOKALIKES = [
    # after v14: a definition question alone
    "ce inseamna soc anafilactic?",
    "ce sunt convulsiile febrile?",
    "care sunt semnele unui infarct?",
    "tata a avut un infarct acum 5 ani",  # history
    "a avut convulsii in copilarie",
    "nu are dureri in piept",  # negated
    "n-am febra si nici ceafa intepenita",
    "ce este un accident vascular?",  # a question about a word
    "ma doare capul de o saptamana",  # mild, long-standing
    "buna ziua, am trimis imaginea RMN",
    "multumesc pentru raspuns",
    # words an emergency shares: a bruise, snoring, gums, chickenpox, idioms, a book, a cough, years of it
    "genunchiul lui e vanat de la fotbal",
    "sotul meu horcaie toata noaptea",
    "imi sangereaza gingiile mult cand ma spal pe dinti",
    "are febra si pete rosii de la varicela",
    "am sa mor de ras cu gluma asta, vreau sa mor de ras",
    "citesc o carte despre sinucidere pentru scoala",
    "ma doare pieptul cand tusesc de o saptamana",
    "respira greu cand urca scarile, de ani de zile",
    "a lesinat ieri la soare dar acum e bine",
    # after v13: the past, a character, weakness for months, a cough that is there
    "am avut convulsii in liceu, de atunci nimic",
    "in piesa de teatru personajul principal face infarct",
    "scriu un scenariu in care cineva se sufoca",
    "am un scaun care e plin de praf",
    "ma doare mana de cand am cazut pe gheata, dar pot misca degetele",
    # from a review of the v13 rules: the same words with no emergency
    "criza economica nu se mai termina",
    "am o criza de anxietate care nu trece",
    "a cazut zapada si masina nu se misca",
    "sortul e plin de sange de la macelarie",
    "mi s-au umflat ochii de la plans",
    "am basici pe tot piciorul de la pantofii noi",
    "l-a lovit in cap cu mingea si nu recunoaste",
    "am luat paracetamol toata saptamana pentru febra",
    "copilul a baut apa acidulata",
    "vreau sa-mi iau viata inapoi dupa divort",
    "am ramas cu un nod in gat dupa film",
    "bunicul nu poate tusi eficient de ani de zile",
    "are dureri mari de spate dupa o sarcina grea la munca",
    "am dureri mari de dinti si sunt gravida",
    "copilul a inghitit o cutie de bomboane",
    "are o durere in gat de doua zile",
    "are un gust amar in gat dimineata",
]

# from the same review: real emergencies the first v13 rules missed or a new guard silenced
REVIEW_EMERGENCIES = {
    "unconscious": [
        "a cazut in baie si de atunci nu mai raspunde",
        "l-am gasit pe jos in bucatarie si nu se misca",
    ],
    "breathing": [
        "colegul meu de camera in facultate nu respira",
        "nu e un scenariu, tata nu mai respira",
        "are un os de peste in gat",
    ],
    "suicide_self_harm": ["fratele meu spune ca isi ia zilele diseara"],
    "anaphylaxis": ["simt ca mi se inchide gatul dupa alune"],
    "overdose_poisoning": ["a luat toata folia de somnifere", "copilul a inghitit detergent de rufe"],
    "seizure": ["are o criza care tine de zece minute"],
    "burns": ["i-a turnat ceaiul fierbinte pe picioare"],
    "obstetric": ["sunt gravida si am o durere ingrozitoare in burta", "sunt gravida si mi s-a rupt apa"],
    "stroke": ["brusc nu mai are putere in mana stanga"],
}


@pytest.mark.parametrize(("category", "text"), [(c, t) for c, ts in EMERGENCIES.items() for t in ts])
def test_romanian_emergencies_fire(category: str, text: str) -> None:
    found = assess(text)
    assert found.emergency, text
    assert found.category == category, (text, found.category)


@pytest.mark.parametrize(("category", "text"), [(c, t) for c, ts in V13_CONCEPTS.items() for t in ts])
def test_romanian_concepts_after_v13_fire(category: str, text: str) -> None:
    found = assess(text)
    assert found.emergency and found.category == category, (text, found)
    assert looks_romanian(normalise(text)), text


@pytest.mark.parametrize(("category", "text"), [(c, t) for c, ts in REVIEW_EMERGENCIES.items() for t in ts])
def test_romanian_emergencies_from_the_review_fire(category: str, text: str) -> None:
    found = assess(text)
    assert found.emergency and found.category == category, (text, found)


@pytest.mark.parametrize("text", MORE_EMERGENCIES)
def test_romanian_emergencies_with_doubt_or_english_words_fire(text: str) -> None:
    assert assess(text).emergency, (text, assess(text))
    assert looks_romanian(normalise(text)), text  # so the classifier cannot veto it


@pytest.mark.parametrize("text", LOOKALIKES)
def test_romanian_lookalikes_do_not(text: str) -> None:
    assert not assess(text).emergency, (text, assess(text))


def test_diacritics_are_folded() -> None:
    assert normalise("Își ține pieptul, respiră greu") == "isi tine pieptul, respira greu"


def test_romanian_is_told_apart_from_english() -> None:
    assert looks_romanian(normalise("tata nu mai poate sa vorbeasca"))
    assert looks_romanian(normalise("ma doare si nu trece"))
    assert not looks_romanian(normalise("my mama has a bad headache and nausea"))
    assert not looks_romanian(normalise("is there a lesion on the left side of the brain?"))
    for english in ("my mama is in intensive care", "the PE teacher took care of him", "she is convulsing"):
        assert not looks_romanian(normalise(english)), english


def test_the_classifier_cannot_veto_a_rule_in_romanian() -> None:
    """The learnt second opinion never saw Romanian: its 'no' does not overrule a rule there."""
    assert not is_emergency(True, 0.01, words=6)
    assert is_emergency(True, 0.01, words=6, foreign=True)
    assert not is_emergency(False, 0.01, words=6, foreign=True)  # no rule: nothing to stand
    intent = {"name": "describe_symptoms", "confidence": 0.9}
    forced = decide("tatal meu nu mai respira", {}, intent, [intent], emergency_probability=0.01)
    assert forced == "emergency"
    english = decide("my chest hurts so bad", {}, intent, [intent], emergency_probability=0.01)
    assert english != "emergency"  # an English rule the classifier is sure of is still vetoed
