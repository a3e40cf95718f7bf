"""The building blocks of the red-flag patterns (``red_flag_rules``): regular-expression fragments
for a body part, a symptom family, a sign, a medicine, a quantity, a child, so that a pattern names a
concept ("a chest with a pain": ``CHEST`` + ``GAP`` + ``PAIN``) rather than a sentence. Like the
patterns, they run on text normalised by ``red_flags.normalise``.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

__all__ = [
    "ANTICOAGULANT", "CAUSTIC", "CHEST", "CHILD", "DELIBERATE", "FLOW", "GAP", "HEAD_WOUND", "LIMB",
    "INFANT_SIGN", "LOTS", "LOW_BP", "MEDS", "PAIN", "SIDE", "SOMEONE", "WEAK", "WHOSE", "YOUNG_INFANT",
    "Category",
]  # fmt: skip


@dataclass(frozen=True)
class Category:
    """A clinical category of red flags, the published list it comes from, and its patterns."""

    name: str
    source: str
    strong: tuple[str, ...]
    soft: tuple[str, ...] = ()
    language: str = "en"  # "ro": written for Romanian, which the learnt classifier never saw

    def compiled(self) -> tuple[re.Pattern[str], re.Pattern[str] | None]:
        strong = re.compile(r"\b(?:" + "|".join(self.strong) + r")", re.IGNORECASE)
        soft = re.compile(r"\b(?:" + "|".join(self.soft) + r")", re.IGNORECASE) if self.soft else None
        return strong, soft


# A few words between two parts of one sign ("pain in the middle of my chest").
GAP = r"(?:\W+\w+){0,5}?\W+"

PAIN = (
    r"(?:pain|pains|killing|hurt\w*|pressure|tight\w*|crush\w*|squeez\w*|heavy|heaviness|ache|aching|"
    r"discomfort|burn\w*|in a vice|vice)"
)
CHEST = r"(?:chest|breastbone|sternum)"
WHOSE = r"(?:my |his |her |their |the |one |a )?"
SIDE = r"(?:left |right |one |other )?"
# BE-FAST: a limb, the face or one side that suddenly will not work or cannot be felt
LIMB = r"(?:arms?|legs?|hands?|side|face|foot)"
WEAK = r"(?:weak\w*|numb\w*|heavy|dead|paralys\w*|floppy|useless|droop\w*|limp)"
# medicines and drugs taken in an overdose (generic classes and the common names patients use)
MEDS = (
    r"(?:pills?|tablets?|meds|medications?|medicines?|capsules|insulin|paracetamol|acetaminophen|calpol|"
    r"tylenol|panadol|nurofen|advil|"
    r"ibuprofen|aspirin|antidepressants?|painkillers?|sleeping \w+|sedatives?|opioids?|heroin|fentanyl|"
    r"xanax|diazepam|valium|codeine|tramadol|morphine|methadone|lithium|cocaine|drugs|"
    r"(?:beta|calcium channel)[- ]blockers?|statins?|antipsychotics?|antihistamines?|sleeping pills|"
    # generic names by their class endings: -pam/-lam (benzodiazepines), -line/-pine/-xetine/-pram
    # (antidepressants, antipsychotics), -olol, -pril, -sartan, -statin, -done, -codone
    r"\w{3,}(?:pam|lam|tiline|triptyline|traline|xetine|pram|pine|olol|pril|sartan|statin|codone|done)\b)"
)
# a quantity that is an overdose whatever the medicine: all of them, a container, ten or more
LOTS = (
    r"(?:all (?:of )?(?:my |his |her |the |their )?|too (?:many|much)|(?:a|an|the) (?:whole |full |entire |"
    r"empty )?(?:packet|pack|box|bottle|load|handful|bunch|strip|jar|tub)s?(?: of)?|every|loads of|lots of|"
    # a number of tablets, not a dose ("50 mg")
    r"[1-9]\d+(?! ?(?:mg|mcg|micrograms?|milligrams?|ml|units?|iu|g)\b)|double|twice|some of (?:my |"
    r"his |her |the |their )?\w*(?:'s)?)"
)
FLOW = r"(?:everywhere|pouring|spurting|gushing|spraying|squirting|pumping|streaming|running (?:down|out))"
CHILD = (
    r"(?:toddler|baby|child|son|daughter|kid|little (?:boy|girl)|infant|grandson|granddaughter|"
    r"(?:[1-9]|1[0-5])[- ]?(?:year|yr|month)s?[- ]?old|(?:[1-9]|1[0-5]) ?yo)"
)
# someone else, as a patient names them: a relative, a companion, a stranger
SOMEONE = (
    rf"(?:he|she|they|{CHILD}|husband|wife|partner|mum|mom|dad|father|mother|friend|grand\w+|man|woman|"
    r"brother|sister|uncle|aunt\w*|nan|nana|gran|cousin|nephew|niece|neighbou?r|flatmate|roommate|"
    r"housemate|boyfriend|girlfriend|colleague|co-?worker|teenager|boy|girl|person|guy|lady)"
)
# household products that burn or poison when swallowed (and the small objects that do harm inside)
CAUSTIC = (
    r"(?:bleach|detergent|cleaning (?:products?|fluid|spray|liquid|stuff|solution)|cleaner|(?:laundry|"
    r"washing|detergent|liquid|dishwasher) (?:pods?|capsules?|tablets?|liquid|powder|salt)|liquitabs?|"
    r"washing (?:up )?(?:liquid|tablets?|powder)|drain cleaner|oven cleaner|"
    r"caustic|lye|"
    r"antifreeze|weed ?killer|e-?liquid|nicotine|lamp oil|paraffin|petrol|white spirit|batter\w*|magnets?)"
)
# medicines that make bleeding hard to stop
ANTICOAGULANT = (
    r"(?:warfarin|blood thinners?|anticoagula\w*|apixaban|eliquis|rivaroxaban|xarelto|edoxaban|"
    r"dabigatran|heparin|clopidogrel)"
)
# on purpose: a deliberate ingestion is a suicide attempt whatever the amount (NHS 'When to call 999')
# why the pills were taken, when it is to die ("so she won't be a burden": NHS, signs of a suicide attempt)
DELIBERATE = (
    r"(?:on purpose|deliberately|intentionally|to (?:die|end it|not wake up|sleep forever)|so (?:that )?"
    r"(?:i|he|she|they)\W{1,3}(?:won't|wouldn't|will not|would not|don't|doesn't) (?:be a burden|wake up)"
    # not a plan for old age ("my pills, so I won't be a burden to my kids when I'm old")
    r"(?!(?: (?:to|on|for) (?:\w+ ){1,2})? ?(?:when|later|in (?:the future|old age))))"
)
# a wound or a blow on the head, told by the wound rather than by the blow ("a deep cut on his head")
HEAD_WOUND = (
    r"(?:(?:wound|cut|gash|split|lump|bump|bleed\w*)(?: \w+)? (?:on|to|in|at) (?:the |my |his |her |their )?"
    r"(?:back of (?:the |my |his |her )?)?(?:head|scalp|forehead)|head (?:wound|injury|is bleeding))"
)
# sepsis: a very low blood pressure, in words or as a reading (NHS 'Sepsis')
LOW_BP = (
    r"(?:(?:very|really|dangerously|extremely|super) low (?:blood pressure|bp)|(?:blood pressure|"
    r"bp) (?:is |has )?"
    r"(?:very |really |dangerously )?(?:low|dropp\w*|crash\w*)|(?:blood pressure|bp)(?: \w+){0,3} "
    r"(?:[4-8]\d)/)"
)
YOUNG_INFANT = r"(?:newborn|new-born|new born|(?:[1-9]|1[0-2])[- ](?:day|week)s?[- ]old|neonate)"
INFANT_SIGN = (
    r"(?:not feeding|won't feed|refus\w* (?:feeds|to feed|the bottle|the breast)|not (?:taking|drinking) "
    r"(?:milk|feeds|the bottle)|(?:very|really|so|too) (?:sleepy|drowsy)|floppy|hard to wake|lethargic)"
)
