"""Red flags as Romanian families write them, and how to tell a message is in Romanian.

Why: Q&Aid's patients are in Romania. Most write English, but in an emergency people fall back on their
own language ("tata nu mai respira"), and the blind set v12 (docs/nlu.md) showed every Romanian
emergency missed: the English rules had no Romanian words but "can't breathe" and "is choking", and
the learnt second opinion, trained on English, vetoed even those. These categories carry the same
clinical concepts and sources as the English ones (``red_flag_rules``, ``red_flag_causes``,
``red_flag_injuries``) under the same names, written over text that ``red_flags.normalise`` has
lower-cased and stripped of Romanian diacritics (so "își" and "isi" read alike).

``looks_romanian`` is why a rule that fires in Romanian stands even when the classifier, which never
saw Romanian, is sure there is no emergency (``emergency_classifier.is_emergency``).

Development cases: tests/bot/test_red_flag_romanian.py (our own wording, not a held-out sentence).
"""

from __future__ import annotations

import re

from .red_flag_concepts import Category

__all__ = ["ROMANIAN", "looks_romanian"]

_FEW = r"(?:\w+[ -]){0,3}?"  # a few words between two parts of one sign
# In every gap between the parts of a sign ((?:\W+\w+){0,n}?, (?:\w+ ){0,n}?, _FEW) a character is either part
# of a word or a separator, never both, so a long run of punctuation cannot be split in many ways (a gap
# that let "-" be both took minutes on 50 hyphens).
_SUDDEN = r"(?:brusc|dintr-o data|deodata|subit|din senin|de (?:o|\d+|cateva|zece|cinci) (?:ora|ore|minute))"
# severe pain, not of the teeth, back, head or legs ("dureri mari de spate" in pregnancy are common)
_SEVERE_PAIN = (
    r"(?:dureri|durere|o durere) (?:foarte )?(?:mari|mare|puternic\w*|insuportabil\w*|ingrozitoar\w*|"
    r"groaznic\w*)(?! (?:\w+ )?(?:de|la|in) (?:dinti|masea|spate|cap|picioare|gat|sale|genunchi))"
)
_LIMB_WEAK = (
    r"(?:(?:pierdut|pierde|slabit|ramas fara|nu (?:mai )?are) (?:\w+ ){0,2}?(?:puterea|forta|putere) "
    r"(?:\w+ )?(?:in|din) (?:mana|bratul|piciorul|partea|jumatate)|"
    r"(?:i|ii|mi)-a slabit (?:\w+ )?(?:mana|bratul|piciorul))"
)
_SUDDEN_WEAK = (  # "si-a pierdut dintr-o data forta in picior": the suddenness inside the sign
    rf"(?:pierdut|slabit|ramas fara) {_SUDDEN} (?:\w+ )?(?:puterea|forta|putere) (?:\w+ )?(?:in|din) "
    r"(?:mana|bratul|piciorul|partea|jumatate)"
)
_SOURCE = "the NHS / NICE / AHA list of the English category of the same name (docs/red_flags.md)"

ROMANIAN: tuple[Category, ...] = (
    Category(
        "cardiac",
        _SOURCE,
        language="ro",
        strong=(
            rf"durer\w* {_FEW}(?:in|la|de) piept",
            # not pain that comes with a cough or a deep breath ("ma doare pieptul cand tusesc")
            rf"(?:ma|il|o|ne) doare {_FEW}pieptul(?! (?:cand|de la|dupa) (?:tus\w*|respir\w*|ridic\w*))",
            rf"(?:apasare|junghi|greutate|arsura|strangere) {_FEW}(?:in|pe|la) piept",
            r"(?:face|are|a facut acum) (?:un )?infarct",
        ),
    ),
    Category(
        "stroke",
        _SOURCE,
        language="ro",
        strong=(
            r"gura (?:\w+ )?stramba|fata (?:\w+ )?(?:stramba|cazuta|paralizata)|(?:i|ii|mi|imi) (?:a |s-a )?"
            r"(?:cazut|strambat) (?:\w+ ){0,3}?(?:fata|gura)",
            r"vorbe\w* (?:\w+ )?(?:incurcat|incalcit|ciudat|neclar|pelticit|impleticit|greu)|"
            r"nu (?:mai )?poate "
            r"(?:sa )?(?:vorbeasca|vorbi)|(?:limba|vorbirea) (?:\w+ )?(?:impleticit\w*|incurcat\w*)",
            rf"nu (?:mai )?(?:poate|pot|isi poate) (?:sa )?(?:misc|ridic)\w* {_FEW}(?:mana|bratul|piciorul|"
            r"partea)",
            r"(?:amortit|paralizat)\w* (?:\w+ ){0,2}?(?:pe )?(?:o parte|partea (?:stanga|dreapta)|jumatate)",
            r"(?:face|are) (?:un )?(?:avc|accident vascular)",
            # strength lost from a limb suddenly or just now ("si-a pierdut brusc puterea in mana"), not a
            # grip weak for years or since an operation
            rf"{_SUDDEN}(?:\W+\w+){{0,6}}?\W+{_LIMB_WEAK}|{_LIMB_WEAK}(?:\W+\w+){{0,6}}?\W+{_SUDDEN}|"
            rf"{_SUDDEN_WEAK}",
        ),
    ),
    Category(
        "breathing",
        _SOURCE,
        language="ro",
        strong=(
            r"nu (?:mai )?respir[aa]\w*|nu (?:mai )?(?:poate|pot|poti|putem) (?:sa )?respir\w*",
            # blue lips or face ("vanat" alone is also a bruise)
            r"(?:buzele|fata|gura|unghiile) (?:\w+ ){0,2}?(?:vinete|vanat\w*|vinet\w*|albastr\w*)|"
            r"s-a invinetit|"
            r"(?:e|este|s-a facut|devine|a devenit) (?:\w+ )?(?:vanat|vinet\w*|albastru|albastra) "
            r"(?:la|pe) (?:buze|fata)",
            # a rattling breath with no answer (agonal), not snoring
            r"horca\w*(?:\W+\w+){0,4}?\W+nu (?:mai )?(?:raspunde|respira|reactioneaza)",
            r"se sufoca|se [i]neaca|s-a inecat|nu (?:mai )?(?:are|primeste|ia) aer",
            # choking: something stuck in the throat ("i-a ramas un os in gat"), not "un nod in gat" (a lump
            # of emotion) or a sore throat; no cough left, not a weak cough for years
            r"(?:i|ii|mi|i s|mi s|s)-a (?:ramas|blocat|oprit|intepenit) (?:\w+ ){0,4}?in gat(?:ul|ului)?\b"
            r"(?<!nod in gat)(?<!nod in gatul)|"
            # a thing stuck there, not "o durere in gat" (a sore throat) or "un gust amar"
            r"(?:are|a inghitit) (?:o |un )(?:moneda|os|bucat|jucari|bomboan|nasture|baterie|piesa|ac\b|"
            r"boab|surub|sambure|cheie|inel|mancare)\w*(?: \w+){0,3}? in gat(?:ul|ului)?\b|"
            r"nu (?:mai )?poate (?:sa )?(?:tuseasca|tusi)\b(?! (?:\w+ )?(?:de|eficient|bine|deloc de))",
            # not breathless on stairs for years
            r"respira (?:foarte |tare )?(?:greu|cu greu|sacadat)(?! (?:cand|la) (?:urc|merg|alerg|efort)\w*)",
        ),
    ),
    Category(
        "bleeding",
        _SOURCE,
        language="ro",
        strong=(
            # not gums that bleed when brushing
            r"(?<!gingiile )(?<!gingia )sanger\w* (?:\w+ ){0,2}?(?:foarte |prea |asa de )?"
            r"(?:tare|mult|abundent|puternic)(?! (?:cand|la) (?:ma |se )?spal)",
            r"sanger\w*(?:\W+\w+){0,4}?\W+nu (?:se )?(?:mai )?opreste",
            # "hemoragie" alone is also a finding asked about on a scan: only with its size
            r"hemoragie (?:mare|puternica|masiva)|a luat-o sangele|balta de sange|sange peste tot|"
            r"(?:fata|capul|gura|nasul|pieptul|burta|mana|bratul|piciorul|hainele|tricoul|bluza|patul|"
            r"cearsaful)\w* (?:\w+ ){0,2}?(?:plin\w*|umplut) (?:\w+ )?de sange|"
            r"(?:s-a|m-am|te-ai|s-au) (?:taiat|lovit|ranit|injunghiat)(?:\W+\w+){0,8}?\W+(?:plin\w*|umplut) "
            r"(?:\w+ )?de sange|"
            r"curge sange(?:\W+\w+){0,3}?\W+(?:mult|tare|intruna|"
            r"continuu|nu se opreste)",
        ),
    ),
    Category(
        "overdose_poisoning",
        _SOURCE,
        language="ro",
        strong=(
            rf"(?:a luat|am luat|a inghitit|am inghitit|inghitit) {_FEW}(?:o cutie|cutia|toata cutia|toate|"
            rf"multe|prea multe|o folie|un pumn de|o mana de) {_FEW}(?:pastile|pastilele|medicamente|tablete|"
            r"comprimate)",
            # a whole box, strip or bottle of anything (not a box of sweets or seeds), or a count of them
            r"(?:a|am|au) (?:luat|inghitit) (?:\w+ )?(?:o |toata |toate |tot |un )?"
            r"(?:cutie|cutia|folie|folia|"
            r"flacon|flaconul|sticla|pumn) de (?!bomboane|seminte|biscuiti|dulciuri|tic\b|alune|apa)",
            r"(?:a|am|au) (?:luat|inghitit) (?:\d{2,}|zeci de|toate) (?:de )?(?:\w+ )?(?:pastile|comprimate|"
            r"tablete|pilule|somnifere\w*|xanax\w*|antidepresive\w*|medicamente\w*)|(?:luat|inghitit) "
            r"(?:\w+ ){0,2}?cu pumnul",
            r"supradoza|s-a intoxicat|otravit\w*|"
            r"(?:a|am) (?:baut|inghitit|mancat) (?:\w+ ){0,3}?(?:clor|inalbitor|solvent|antigel|otrava|"
            r"soda caustica|detergent\w*|acid\b(?! folic)|benzina|petrol|pesticid\w*|domestos|"
            r"(?:solutie|produs|lichid) (?:\w+ )?(?:de curat\w*|de spalat\w*|de desfundat))",
        ),
    ),
    Category(
        "suicide_self_harm",
        _SOURCE,
        language="ro",
        strong=(
            # not the idioms "sa mor de ras / de foame / de rusine" (to die of laughter, hunger, shame)
            r"nu (?:mai )?vreau sa (?:mai )?(?:traiesc|trai)|vreau sa mor(?! de (?:ras|foame|somn|"
            r"plictiseala|rusine|cald|frig))|(?:sa|ma) (?:ma )?sinucid\w*|"
            r"(?:imi|isi) (?:iau|ia|pun|pune) capat (?:\w+ )?vie?tii|sa ma omor(?! de)|"
            r"(?:sa-?mi|sa-?si|imi|isi|mi-?am|si-?a) (?:\w+ )?(?:iau|ia|lua|luat) (?:viata|zilele)"
            r"(?! (?:\w+ )?(?:in (?:propriile )?maini|inapoi|de la capat|in serios))|"
            r"(?:sa-?si|sa-?mi|isi|imi) curme viata|(?:sa|o sa) ma (?:arunc de pe|spanzur)|ma spanzur\b|"
            r"ma (?:tai|ranesc) (?:singur|singura|intentionat|iar)",
        ),
    ),
    Category(
        "anaphylaxis",
        _SOURCE,
        language="ro",
        strong=(
            r"(?:mi|ii|i|ni|ti) se umfl\w* (?:\w+ )?(?:gatul|gat|limba|buzele|fata|ochii)",
            r"(?:gatul|limba|buzele) (?:i |mi |ii )?(?:se )?umfl\w*",
            r"(?:mi|ii|i|ni|ti) s-(?:a|au) umflat (?:\w+ )?(?:gatul|gat|limba|buzele|fata)"
            r"(?! (?:\w+ )?(?:de la|dupa) (?:masea|dinte|abces|plans|lovitur\w*|acid|filler|botox|injectia "
            r"cu acid))",
            r"(?:gatul|gatlejul) (?:mi |i |ii )?se inchide|(?:mi|i|ii) se inchide gatul|"
            r"(?:are|face|am|a facut) (?:o )?reactie alergica (?:\w+ )?(?:grava|severa|puternica)",
            r"soc anafilactic|anafilax\w*|edem (?:glotic|quincke)",
        ),
    ),
    Category(
        "seizure",
        _SOURCE,
        language="ro",
        # "convulsii", "convulsie" (English "convulsion(s)" is the English rule's)
        strong=(
            r"convulsi(?:i|e|ile)\b|criza (?:de )?epilep\w*|se zbate (?:\w+ )?(?:pe jos|si nu)",
            r"(?:are|face|a facut|e in) (?:o )?criza(?! (?:de )?(?:anxietate|panica|migrena|guta|tuse|"
            r"hemoroizi|astm|nervi|economic\w*|din))(?:\W+\w+){0,4}?\W+"
            r"(?:nu (?:se )?(?:mai )?(?:opreste|trece|"
            r"termina)|(?:tine|dureaza) de (?:\d+|cinci|zece|multe) minute)|face spume la gura",
        ),
    ),
    Category(
        "unconscious",
        _SOURCE,
        language="ro",
        strong=(
            r"nu (?:mai )?(?:raspunde|reactioneaza|se trezeste|isi revine|deschide ochii)",
            r"(?:e|este|a ramas|zace) (?:\w+ )?(?:inconstient\w*|lesinat\w*)|lesin\w*|s-a prabusit|"
            r"nu (?:mai )?(?:are|ii simt|gasesc) puls",
            r"(?:a cazut|zace|e pe jos|este pe jos|(?:l|am gasit)-(?:am gasit|o) (?:\w+ )?pe jos)"
            r"(?: (?:pe|in|din|de pe) \w+)?(?: si)? nu (?:se )?(?:mai )?(?:se )?misca\b"
            r"(?! (?:\w+ )?(?:deget\w*|mana|bratul|piciorul|glezna|genunchi\w*))|zace nemiscat\w*",
        ),
    ),
    Category(
        "severe_headache_head_injury",
        _SOURCE,
        language="ro",
        strong=(
            r"(?:s-a lovit|a cazut|lovit\w*|a dat) (?:\w+ ){0,3}?(?:la|in|de|cu) cap(?:ul)?"
            r"(?:\W+\w+){0,8}?\W+(?:vom\w*|varsa|confuz\w*|nu raspunde|lesin\w*|sange|ameteste|adoarme|"
            r"dezorientat\w*|nu (?:mai )?stie (?:unde|cine|ce)|"
            r"nu (?:mai )?(?:ne|ma|il|o|te|va) (?:mai )?recunoaste|"
            r"nu (?:mai )?recunoaste pe nimeni)",
            r"traumatism cranian",
            r"cea mai (?:mare|rea|puternica) durere de cap",
        ),
    ),
    Category(
        "meningitis_sepsis",
        _SOURCE,
        language="ro",
        strong=(
            r"(?:febra|temperatura)(?:\W+\w+){0,8}?\W+(?:gat\w* (?:\w+ )?(?:intepenit|teapan|rigid)|ceafa "
            r"(?:\w+ )?(?:intepenita|teapana|rigida)|pete (?:\w+ )?(?:violet\w*|mov|care nu dispar))",
            r"(?:gat\w* (?:\w+ )?(?:intepenit|teapan|rigid)|pete (?:\w+ )?(?:violet\w*|mov))"
            r"(?:\W+\w+){0,8}?\W+(?:febra|temperatura)",
        ),
    ),
    Category(
        "burns",
        _SOURCE,
        language="ro",
        strong=(
            r"(?:m-am|s-a|te-ai|ne-am|s-au) ars (?:\w+ ){0,6}?(?:apa (?:clocotita|fiarta)|ulei|foc|flacari|"
            r"pe tot|pe toata|grav|rau)",
            r"arsur\w* (?:grav\w*|mari|pe tot|pe toata)|apa clocotita|(?:s-a|m-am) oparit",
            # a hot liquid over a child or a limb (not hot air), blisters over a whole limb (not new shoes)
            r"(?:ceai\w*|supa|ciorba|apa|lapte\w*|ulei\w*|cafea\w*|oala)(?:\W+\w+){0,3}?\W+(?:fierbinte|"
            r"clocotit\w*|incins\w*)(?:\W+\w+){0,3}?\W+(?:peste|pe) (?:el|ea|ei|mine|copil\w*|bebe\w*|"
            r"picioare\w*|mana|burta|piept\w*|fata)\b",
            r"(?:tot|toata) (?:\w+ )?(?:pieptul|spatele|burta|fata|mana|piciorul|bratul)"
            r"(?:\W+\w+){0,4}?\W+basic\w*(?! (?:\w+ )?(?:de la|dupa) (?:pantof\w*|varicela|incaltaminte|"
            r"sapat\w*|"
            r"lopata|alergat))",
        ),
    ),
    Category(
        "obstetric",
        _SOURCE,
        language="ro",
        strong=(
            rf"(?:insarcinata|gravida|in sarcina)(?:\W+\w+){{0,8}}?\W+(?:sanger\w*|{_SEVERE_PAIN}|"
            r"convulsi\w*)",
            rf"(?:sanger\w*|{_SEVERE_PAIN})(?:\W+\w+){{0,8}}?\W+(?:insarcinata|gravida|in sarcina)",
            r"(?:mi|i|ii|ti)? ?s-a rupt apa",
        ),
    ),
)

# Words that are Romanian and not English (nor a name patients use in English: not "mama", "care",
# "pe", "din"...): two of them in a message make it Romanian for ``is_emergency``. Function words, so a
# topic cannot avoid them.
_ROMANIAN_WORD = re.compile(
    r"\b(?:si|sa|nu|mai|ce|cu|foarte|acum|este|sunt|ii|isi|imi|rog|ajutor|tata|bunica|bunicul|copilul|"
    r"sotul|sotia|nici|doar|inca|dupa|pentru|cand|unde|ceva|ajutati)\b"
)


_ANY_ROMANIAN_FLAG = re.compile(r"\b(?:" + "|".join(p for c in ROMANIAN for p in c.strong) + r")")


def looks_romanian(normalised: str) -> bool:
    """Two or more distinct Romanian function words in the (normalised) text, or a Romanian red flag
    ("are convulsii acum": the English rule for convulsions fires first, on a Romanian message)."""
    return len(set(_ROMANIAN_WORD.findall(normalised))) >= 2 or bool(_ANY_ROMANIAN_FLAG.search(normalised))
