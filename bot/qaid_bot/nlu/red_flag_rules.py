"""The red-flag list: what sends a patient to emergency services at once, by clinical category, with
the published list each category comes from (docs/red_flags.md cites them in full).

Patterns run on text normalised by ``red_flags.normalise`` (lower case, straight quotes, common
contractions restored, key words' one-letter typos corrected). They express clinical concepts, not
sentences: a body part with a symptom family (``CHEST`` + ``PAIN``; a ``LIMB`` with a ``WEAK`` sign,
BE-FAST), a quantity of a medicine (``LOTS`` + ``MEDS``), a child with something swallowed, a blood
flow (``FLOW``), an allergen followed by an airway sign; the concepts are ``red_flag_concepts``. A
*strong* flag is an emergency by itself; a *soft* flag (breathlessness, drowsiness, a stopping
breath...) only when no "mild or long-standing" marker sits in the same clause. What defuses a flag
(history, negation, an idiom, a question about a definition or an image, a hypothetical, a habit) is
``red_flag_guards``.

This module holds the categories named for a failing body system (heart, brain, airway, blood, an
allergic reaction, a seizure, consciousness); those named for a cause (self-harm, poisoning, an
injury, a burn, pregnancy, an infection) are in ``red_flag_causes``; the same in Romanian in
``red_flag_romanian``. ``CATEGORIES`` is the whole list.

Development cases: tests/bot/test_red_flag_emergencies.py and test_red_flag_lookalikes.py; dev sets:
bot/corpus/emergencies/emergencies_v*.yml and bot/tests/heldout/emergencies_v14.yml.
"""

from __future__ import annotations

import re

from .red_flag_causes import CAUSES
from .red_flag_concepts import (
    ANTICOAGULANT,
    CHEST,
    FLOW,
    GAP,
    LIMB,
    PAIN,
    SIDE,
    SOMEONE,
    WEAK,
    WHOSE,
    Category,
)  # fmt: skip
from .red_flag_injuries import INJURIES
from .red_flag_romanian import ROMANIAN

__all__ = ["CATEGORIES", "COMPILED", "PERSON", "Category"]

_PERSON = r"(?:i|i'm|i am|i've|my \w+|he|she|they|he's|she's|her|him|someone|somebody|my)"

# not waking in time for something: a routine, not unconsciousness ("won't wake up for school")
_ROUTINE = r"(?!(?: up)? (?:for|in time|on time|early|at(?! all)|before|until)\b)"

_SIGNS: tuple[Category, ...] = (
    Category(
        "cardiac",
        "NHS 'When to call 999' (signs of a heart attack); AHA 'Warning signs of a heart attack'",
        strong=(
            rf"{CHEST}{GAP}{PAIN}",
            rf"{CHEST} {PAIN}",
            rf"{PAIN}{GAP}(?:\w+\W+){{0,3}}{CHEST}",
            r"(?:heart|pulse) (?:is )?(?:racing|pounding|beating)(?:\W+\w+){0,12}?\W+"
            r"(?:pass(?:ing)? out|faint\w*|black(?:ing)? out|collaps\w*|chest)",
            r"heart attack",
            r"(?:clutch|hold|grabb|grip|press)\w* (?:at |onto )?(?:his|her|my|their) chest",
            r"cardiac arrest",
            # felt in the jaw or the upper belly with a cold sweat (AHA: how it often presents in women)
            r"(?:jaw|upper (?:belly|stomach|abdomen|tummy)|top of (?:my |his |her |the )?(?:stomach|belly|"
            r"tummy))(?:\W+\w+){0,10}?\W+(?:clammy|cold sweat|sweat\w*|grey|gray)|(?:clammy|cold sweat|"
            r"sweating)(?:\W+\w+){0,10}?\W+jaw",
            rf"(?:sitting|sat|standing|pressing|crushing) on (?:my|his|her|their) {CHEST}|"
            rf"{CHEST}(?:\W+\w+){{0,6}}?\W+"
            r"(?:sitting|standing|pressing) on (?:it|me|him|her)",
        ),
    ),
    Category(
        "stroke",
        "NHS 'When to call 999' (signs of a stroke); American Stroke Association F.A.S.T. with the "
        "BE-FAST extension (balance, eyes, face, arm, speech, time)",
        strong=(
            r"(?:having|had|have|is having|think \w+ (?:is |are |am )?having|signs of) a stroke",
            r"stroke (?:symptoms|right now)",
            r"face\w*(?:\W+\w+){0,4}?\W+(?:droop\w*|dropp\w*|dropped|crooked|lopsided|fallen|hanging|"
            r"sagg\w*)",
            r"(?:droop\w*|dropp\w*|crooked|lopsided) (?:face|smile|mouth|eye)",
            r"(?:face|mouth|smile)(?:\W+\w+){0,3}?\W+(?:fell|fallen|falls|falling|slid|slipped|sagged|"
            r"slumped|"
            r"dropped|went) (?:down )?(?:on|to|down) (?:one|the|his|her|my) (?:left |right )?side",
            # F.A.S.T. speech, as families write it in their own language (Romanian, Spanish, French,
            # Italian, German): "can't speak", "can't speak any more"
            r"nu (?:mai )?(?:poate|pot|poti) (?:sa )?(?:vorbi|vorbeasca|vorbesc)|no (?:puede|puedo) hablar|"
            r"(?:ne )?(?:peut|peux) (?:pas|plus) parler|non (?:riesce|riesco|puo|pu\u00f2) (?:a )?parlare|"
            r"kann (?:nicht|nicht mehr) (?:sprechen|reden)",
            r"(?:mouth|smile)(?:\W+\w+){0,3}?\W+(?:crooked|lopsided|droop\w*|twisted to (?:one|the) side)",
            r"(?:can't|cannot|unable to|couldn't) (?:lift|raise|hold up|move) "
            r"(?:\w+ ){0,2}(?:arm|arms|leg|hand)",
            r"(?:one|his|her|my) arm keeps (?:falling|dropping)",
            r"speech(?:\W+\w+){0,3}?\W+(?:slurred|garbled|weird|strange|wrong|muddled|off|funny|"
            r"odd|not right|jumbled|mixed up)",
            r"slurr\w*",
            r"(?:can't|cannot|unable to) (?:speak|talk|get (?:my|his|her) words out|"
            r"find (?:my|his|her) words)(?: properly| clearly| normally)?",
            r"words (?:are )?(?:coming |come )?(?:out )?(?:wrong|jumbled|muddled|garbled)",
            r"weakness (?:on|down) (?:the |one |his |her |my )?(?:left |right |one )?side",
            r"(?:weak|numb|paralys\w*) on one side",
            r"(?:lost|loss of|losing) (?:the )?(?:vision|sight) in one eye",
            r"sudden\w* (?:\w+ )?(?:double vision|blind\w*|lost (?:my |his |her )?(?:vision|sight|balance))",
            r"dragging (?:one|his|her|my) leg",
            rf"(?:can't|cannot|can not|unable to|couldn't) (?:feel|move|lift|raise|use) "
            rf"{WHOSE}{SIDE}{LIMB}",
            rf"(?:one side|half|{SIDE}side) of {WHOSE}(?:body|"
            rf"face)(?:\W+\w+){{0,4}}?\W+(?:{WEAK}|went|gone|not moving)",
            rf"half (?:of )?{WHOSE}(?:face|mouth|lips?|tongue)(?:\W+\w+){{0,3}}?\W+(?:{WEAK}|not moving|"
            r"isn't moving)",
            r"(?:mouth|face|smile|lip)(?:\W+\w+){0,3}?\W+(?:pulled|drawn|twisted|droop\w*) "
            r"(?:to |down )?(?:one|the) side",
            r"(?:can't|cannot) smile",
            rf"sudden\w* (?:\w+ ){{0,2}}(?:{WEAK}|spinning|vertigo)",
            rf"{LIMB} (?:\w+ ){{0,2}}(?:gave way|went (?:weak|numb|dead|heavy)|keeps? giving way)",
            r"(?:lost|loss of|losing|lose) (?:the |all |my |his |her )?(?:vision|sight)(?: \w+){0,3} eye",
            r"blind (?:in|of) (?:one|my|his|her) (?:\w+ )?eye",
            r"(?:can't|cannot|couldn't) see (?:\w+ ){0,3}(?:out of|in|with|from) (?:my |his |her |one |the )?"
            r"(?:left |right )?eye",
            r"(?:can't|cannot) understand (?:what|anyone|anything|people|words|me)",
            r"sudden\w*(?: \w+){0,3} (?:doesn't|does not|don't|do not|can't|cannot) understand (?:what|"
            r"anyone|anything|people|words|me|us)",
            rf"{LIMB}(?: \w+){{0,2}} (?:fell|went|gone|has gone|is|hangs|hanging) (?:all |completely )?limp",
            r"(?:can't|cannot) (?:answer|respond to) (?:me|us|questions) properly",
            r"(?:can't|cannot) (?:stand up|stand or walk|walk straight|stand straight|keep (?:my|"
            r"his|her) balance)",
            r"dropping things",
            # a hand or arm that suddenly stopped working; speech that sounds wrong; balance or words lost
            r"(?:hand|arm|leg)(?: \w+)? (?:isn't|is not|has stopped|stopped|won't|doesn't|does not) "
            r"(?:working|moving|grip\w*)",
            r"(?:talking|speaking|sounds?|speech is) (?:funny|strange\w*|weird\w*|drunk|slurr\w*)(?! accent)",
            r"sudden\w* (?:loss of|lost|losing) (?:\w+ )?(?:balance|vision|sight|speech|coordination)",
            r"(?:can't|cannot|unable to) (?:say|find|get out) (?:the |his |her |my |any )?words",
            # a change ("has gone dead", "went numb") or a paralysis, not a feeling ("my hand feels numb")
            rf"(?:arm|leg|hand|face) (?:has |have |just |suddenly )*(?:gone|went|go) (?:all |"
            rf"really |completely )?{WEAK}",
            r"(?:arm|leg|hand|face) (?:is |feels )(?:all |really |completely )?(?:dead|paralys\w*|droop\w*)",
        ),
    ),
    Category(
        "breathing",
        "NHS 'When to call 999' (severe difficulty breathing, choking, gasping, not able to get words out)",
        strong=(
            r"(?:can't|cannot|can not|unable to|struggl\w* to|barely|hardly|couldn't) (?:\w+ )?breath\w*",
            r"(?:not|stopped|isn't|wasn't) breath(?!less)\w*",
            # "can't breathe" as families write it in their own language (Romanian, Spanish, French,
            # Italian, German), as for speech under stroke
            r"nu (?:mai )?(?:poate|pot|poti|putem) (?:sa )?respir\w*|no (?:puede|puedo) respirar|"
            r"(?:ne )?(?:peut|peux) (?:pas|plus) respirer|non (?:riesce|riesco) (?:a )?respirare|"
            r"kann (?:nicht|nicht mehr|kaum) atmen",
            r"breathing (?:has |had |just )?stopped|breathing keeps (?:stopping|pausing)|"
            r"keeps stopping breathing",
            r"(?:blue|grey|gray|purple) (?:around|round|in) (?:the |his |her |my )?(?:mouth|lips|face)",
            r"(?:turning|gone|going|went|turned) (?:blue|grey|gray|purple)",
            r"(?:trouble|difficulty|struggling|problems?) breath\w*",
            r"gasp\w*",
            r"chok\w*|se [\u00eei]neac[\u0103a]",  # Romanian "is choking"
            r"suffocating",
            r"(?:can't|cannot|barely|hardly) (?:get|catch) (?:any |enough )?(?:air|my breath|her breath|"
            r"his breath)",
            r"(?:lips|face|skin) (?:are |is |look\w* )?(?:turn\w* |going |gone |look\w* )?"
            r"(?:blotchy |mottled |pale |very )?(?:blue|grey|gray|purple)",
            r"(?:can't|cannot|unable to|couldn't) (?:swallow|talk|speak|cough) or breath\w*",
            r"(?:stuck|lodged)(?:\W+\w+){0,8}?\W+(?:can't|cannot|unable to) (?:swallow|breathe|cough|speak)",
            r"(?:ribs|chest) suck\w* in",
            r"grunting",
            r"(?:inhaler|nebuli[sz]er|puffs|salbutamol|ventolin)(?:\W+\w+){0,6}?\W+(?:isn't|is not|not|"
            r"doesn't|"
            r"does not|hasn't|aren't|didn't) (?:\w+ )?(?:work|help)\w*",
            # NHS/BTS: unable to complete sentences is severe asthma or COPD
            r"(?:a|one|two) words? at a time|(?:can't|cannot|unable to|can only) (?:say|speak|talk|finish|"
            r"get "
            r"out)(?: in)? (?:more than|a|full|whole|complete|my|his|her)(?: \w+)? (?:word|sentence)s?",
            r"stridor|high[- ]pitched (?:noise|sound|squeak|whistle|wheeze)\w*(?:\W+\w+){0,4}?\W+breath\w*",
            r"(?:breathed?|inhaled|breathing) (?:in )?(?:\w+ ){0,3}smoke|smoke inhalation|soot (?:around|in|"
            r"on) "
            r"(?:his|her|my|the)",
            r"(?:lips|face|skin)(?: \w+){0,4} (?:dusky|mottled)",
            r"(?:struggl\w*|fight\w*|gasp\w*|desperate|battling) for (?:air|breath)",
            r"breathing (?:is|has become|feels|getting|got) (?:getting |so |really |very )?(?:hard|harder|"
            r"difficult|laboured|labored)",
            r"asthma attack",
            # BTS: an oxygen saturation below 92% needs urgent care
            r"(?:oxygen|o2|sats|saturations?|spo2|oximeter|pulse ox\w*)(?:\W+\w+){0,7}?\W+(?:[4-8]\d|9[01])\b"
            r"(?! ?(?:years|yrs|mins|minutes|bpm|kg|lbs|litres|liters))",
            # a blocked airway: cannot cough, cry or make a sound; hands at the throat; something stuck
            r"(?:gag\w*|stuck|lodged|swallowed|in (?:his|her|my|their) mouth)(?:\W+\w+){0,8}?\W+(?:can't|"
            r"cannot|"
            r"couldn't|unable to|not able to) (?:cough|cry|make a (?:sound|noise))(?! up| it up)",
            r"(?:can't|cannot|couldn't) (?:cough|make a (?:sound|noise))(?! up| it up)(?:\W+\w+){0,6}?\W+"
            r"(?:gag\w*|stuck|lodged)",
            r"(?:holding|clutching|grabbing|grabbed|gripping|clutched|holds|clutches) (?:at |onto )?"
            r"(?:his|her|my|their) (?:own )?throat",
            r"no (?:sound|noise|voice) (?:is )?(?:comes?|coming|came) out",
            r"hands? (?:on|at|to|around) (?:his |her |their |my |the )?throat",
            r"(?:eating|food|swallow\w*|sweet|grape|mouthful)(?:\W+\w+){0,8}?\W+(?:(?:not|isn't|is not) "
            r"making (?:a |any )?(?:noise|sound)|(?:can't|cannot) (?:make a (?:sound|noise)|cough or (?:talk|"
            r"speak|breathe)))",
            r"(?:(?:making|makes|made) no (?:sound|noise)|(?:not|isn't|is not|wasn't) making (?:a |"
            r"any )?(?:sound|noise)|"
            r"(?:gone|went) "
            r"silent)(?:\W+\w+){0,8}?\W+(?:stuck|lodged|caught|chok\w*|swallowed)|(?:stuck|lodged|caught|"
            r"chok\w*|swallowed)(?:\W+\w+){0,8}?\W+(?:(?:making|makes|made) no (?:sound|noise)|(?:not|"
            r"isn't|is not|wasn't) making "
            r"(?:a |any )?(?:sound|noise)|(?:gone|went) silent)",
            r"(?:stuck|lodged|caught) in (?:my|his|her|their|the) (?:throat|windpipe|airway)"
            r"(?:\W+\w+){0,8}?\W+"
            r"(?:going quiet|gone quiet|drool\w*|gag\w*|blue|purple|panick\w*|struggl\w*|can't|cannot)",
        ),
        soft=(
            r"stops breath\w*",
            r"short(?:ness)? of breath",
            r"breathless\w*",
            r"wheez\w*",
            r"breathing (?:really |very |so )?(?:fast|quickly|weird\w*|strange\w*|noisy)",
        ),
    ),
    Category(
        "bleeding",
        "NHS 'When to call 999' (heavy bleeding: spraying, pouring or enough to make a puddle)",
        strong=(
            r"bleed\w*(?: \w+){0,3} (?:heavily|a lot|badly|profusely|everywhere|non ?stop)",
            r"full of blood",
            r"(?:heavy|severe|uncontrolled|massive) bleed\w*",
            r"bleed\w*(?:\W+\w+){0,3}?\W+(?:won't|will not|doesn't|does not|can't|isn't) stop",
            r"(?:won't|will not|doesn't|does not|can't) stop bleed\w*",
            rf"(?:blood|bleed\w*|nosebleed)(?:\W+\w+){{0,6}}?\W+{FLOW}",
            r"(?:bleed\w*|nosebleed)(?:\W+\w+){0,4}?\W+for (?:an|over an|more than an|\d+) hours?",
            r"(?:so much|lots of|a lot of|loads of|tons of|pool of|(?:huge|large|"
            r"big) amount of)(?: \w+){0,2} "
            r"blood",
            r"blood(?:\W+\w+){0,2}?\W+(?:won't|will not|doesn't|does not|can't|isn't) stop",
            r"bleed\w* (?:so|really|very) (?:much|badly|heavily|bad)|bleed\w* through (?:\w+ ){0,2}"
            r"(?:towels?|cloths?|bandages?|dressings?|t-?shirts?|shirts?)",
            r"bleed\w*(?:\W+\w+){0,10}?\W+(?:towel|cloth|bandage|dressing|floor|shirt|sheets?)(?: \w+){0,2} "
            r"(?:is |are |was )?(?:already )?(?:red|soaked|drenched|covered)",
            # a bleed from the bowel with faintness
            r"blood (?:in|from) (?:my |his |her |the )?(?:stool|poo|toilet|bottom|back passage)"
            r"(?:\W+\w+){0,10}?\W+(?:faint\w*|dizzy|light-?headed|pass\w* out|collaps\w*)",
            r"gush\w*",
            r"soak\w* (?:through )?(?:\w+ ){0,2}(?:pads?|towels?|bandages?|dressings?|clothes|sheets)",
            r"black (?:and )?tarry|tarry (?:stool|poo)|black (?:poo|stools?)",
            r"stabbed|been shot|gunshot",
            r"bone (?:is )?(?:sticking|poking) out",
            r"(?:pouring|spurting|gushing|spraying) (?:out )?blood",
            r"(?:vomit\w*|throwing up|threw up|coughing up|cough\w* up|passing|lost|losing) "
            r"(?:\w+ ){0,4}blood",
            r"coffee grounds",
            r"soaked (?:through|every)",
            r"pregnant(?:\W+\w+){0,3}?\W+(?<!gums )(?<!gum )(?<!nose )bleed\w*",
            # NHS: a nosebleed lasting more than 10-15 minutes needs A&E; 20 minutes or more here
            r"(?:bleed\w*|nosebleed)(?:\W+\w+){0,4}?\W+for (?:over |more than |about |almost |nearly )?"
            r"(?:[2-9]\d|\d{3}) (?:minutes|mins)",
            rf"{ANTICOAGULANT}(?:\W+\w+){{0,16}}?\W+(?:{FLOW}|won't stop|not stopping|isn't stopping|"
            rf"can't stop|keeps? bleeding|still bleeding|bleed\w* through|soak\w*)",
            rf"(?:{FLOW}|won't stop|not stopping|isn't stopping|keeps? bleeding|still bleeding|bleed\w* "
            rf"through)(?:\W+\w+){{0,10}}?\W+{ANTICOAGULANT}",
        ),
    ),
    Category(
        "anaphylaxis",
        "NHS 'When to call 999' (sudden, rapid swelling of the lips, mouth, throat or tongue); NHS "
        "'Anaphylaxis'",
        strong=(
            r"anaphyla\w*",
            r"(?:throat|tongue|lips?|mouth|face)(?:\W+\w+){0,4}?\W+(?:swell\w*|swollen|closing|puff\w*|"
            r"blew up|blown up|ballooned)",
            r"(?:swell\w*|swollen|blew up|blown up|puff\w* up)(?:\W+\w+){0,10}?\W+(?:can't|cannot|barely|"
            r"hardly|struggl\w* to|trouble|difficulty|hard to) (?:\w+ )?swallow\w*",
            r"(?:throat|tongue)(?: \w+){0,2} (?:feels |is |going |gone )?(?:thick|fat|too big)\b",
            r"(?:nut|peanut|egg|milk|dairy|shellfish|fish|sesame|wheat)s? allerg\w*(?:\W+\w+){0,10}?\W+"
            r"(?:ate|eaten|had|drank|swallowed|bit into)(?:\W+\w+){0,8}?\W+(?:cough\w*|blotch\w*|hives|"
            r"rash|wheez\w*|vomit\w*|swell\w*|swollen|itch\w* all over)",
            r"(?:swell\w*|swollen) (?:throat|tongue|lips?|mouth)",
            r"(?:swelling|swollen) (?:of|in) (?:my |his |her |their |the )?(?:tongue|throat|lips?|mouth)",
            r"(?:voice|throat)(?: \w+){0,2} (?:hoarse|croaky)(?:\W+\w+){0,12}?\W+(?:swell\w*|after (?:eating|"
            r"the))|"
            r"(?:eyes?|eyelids?)(?: \w+){0,2} swell\w* shut",
            r"throat (?:feels |is |getting |going |gets )*(?:tight|closing)",
            r"(?:lips?|tongue|eyelids?)(?:\W+\w+){0,3}?\W+(?:huge|massive|enormous|ballooned|ballooning|"
            r"blown up|twice the size)",
            r"epi-?pen",
            r"(?:stung|sting|allergic|reaction|nuts?|peanuts?|shellfish|shrimp|prawns?|penicillin|antibiotic|"
            r"contrast|dye)"
            r"(?:\W+\w+){0,14}?\W+(?:(?:can't|cannot|struggling to|hard to) (?:swallow|breathe|talk)|"
            r"hoarse|dizzy|"
            r"faint\w*|"
            r"voice (?:is |has )?(?:gone |going )?(?:weird|strange|hoarse|funny))",
            r"allergic reaction(?:\W+\w+){0,6}?\W+(?:breath\w*|swallow\w*|throat|wheez\w*|faint)",
            # a food allergen, then hives with vomiting, pallor or floppiness, or a noisy chest
            r"(?:ate|eaten|eating|had|bite of|tasted)(?:\W+\w+){0,6}?\W+(?:nuts?|peanuts?|walnuts?|cashews?|"
            r"almonds?|hazelnuts?|sesame|shellfish|prawns?|shrimps?|crab|lobster|eggs?|"
            r"milk)\b(?:\W+\w+){0,10}?\W+"
            r"(?:hives|welts|rash)(?:\W+\w+){0,8}?\W+(?:vomit\w*|sick|pale|floppy|faint\w*|dizzy|swell\w*)",
            r"(?:allergic|allergy|nuts?|peanuts?|shellfish|prawns?)(?:\W+\w+){0,14}?\W+breathing "
            r"(?:\w+ ){0,3}(?:noisy|wheezy|tight|hard|difficult|raspy|loud)",
        ),
        soft=(r"(?:hives|welts|wheals)(?:\W+\w+){0,6}?\W+(?:gasp\w*|breath\w*|faint\w*|swell\w*|wheez\w*)",),
    ),
    Category(
        "seizure",
        "NHS 'When to call 999' (seizure or fit); NHS 'Epilepsy: what to do if someone has a seizure'",
        strong=(
            r"(?:having|had|has|have) (?:a |another |one )?(?:seizure|fit|convulsion)\w*",
            r"(?:seizure|fit|convulsion)s? "
            r"(?:right now|happening|going on|won't stop|that won't stop|back to back|after another)",
            r"back to back seizures|seizures back to back",
            r"(?:seizure|fit|convulsion|jerking|shaking)s? (?:isn't|is not|won't|will not|hasn't|has not|not|"
            r"doesn't) (?:stopp\w*|stop|ended|ending|finish\w*)",
            r"fitting|seizing",
            r"(?:seiz\w*|fit|fits|fitting|convuls\w*|shaking|jerking)(?:\W+\w+){0,6}?\W+(?:over |more than "
            r"|about |almost |nearly )?"
            r"(?:[5-9]|[1-9]\d+|five|ten) (?:minutes|mins)",
            r"rescue (?:med\w*|midazolam|buccal\w*)(?:\W+\w+){0,3}?\W+(?:isn't|not|hasn't|didn't) (?:work|"
            r"help)",
            r"first (?:ever )?(?:fit|seizure)",
            r"convuls\w*",
            r"(?:shaking|jerking|twitching)(?:\W+\w+){0,4}?\W+(?:floor|all over|won't stop|minutes)",
            r"eyes (?:are |were |keep )?(?:rolled|rolling)",
            r"shaking uncontrollably|uncontrollable shaking",
            r"foaming at the mouth",
            r"(?:foam\w*|froth\w*)(?:\W+\w+){0,4}?\W+(?:mouth|lips)|(?:mouth|lips)(?:\W+\w+){0,3}?\W+"
            r"(?:foam\w*|"
            r"froth\w*)",
            # a tonic-clonic seizure told by its look: stiff then jerking, the whole body twitching
            r"(?:stiff|rigid)(?:\W+\w+){0,8}?\W+(?:jerk\w*|twitch\w*|convuls\w*)|(?:jerk\w*|twitch\w*)"
            r"(?:\W+\w+){0,3}?\W+(?:stiff|rigid)",
            r"(?:whole|entire) body (?:\w+ ){0,2}(?:jerk\w*|twitch\w*|convuls\w*)",
            r"(?:arms and legs|limbs)(?: are| is| keep| keeps| started)? (?:jerk\w*|twitch\w*|thrash\w*|"
            r"shaking)|jerking (?:his |her |their |my )?(?:arms|legs|limbs|body)",
            r"(?:floor|ground)(?:\W+\w+){0,3}?\W+(?:jerking|twitching|fitting|convuls\w*)",
        ),
    ),
    Category(
        "unconscious",
        "NHS 'When to call 999' (someone is unconscious or not responding, won't wake up)",
        strong=(
            r"unconscious",
            r"unresponsive",
            # no pulse: cardiac arrest (NHS 'CPR')
            r"(?:has|have|there's|there is|with|got) no pulse|"
            r"(?:can't|cannot|can not|couldn't) (?:find|feel) (?:a |his |her |their |the )?pulse",
            r"drifting in and out(?! of sleep)|in and out of consciousness",
            r"(?:not|isn't|is not|doesn't|does not|won't|stopped) (?:respond\w*|waking|wake(?: up)?\b|"
            r"come round)"
            rf"{_ROUTINE}",
            r"(?:won't|will not|can't|cannot) (?:wake (?:him|her|them|up)|keep (?:him|her|them) awake)"
            rf"{_ROUTINE}",
            r"passed out",
            r"collaps\w*",
            r"(?:hasn't|has not|not|isn't|won't) (?:come|coming|came) (?:round|around|to)\b",
            r"(?:doing|giving|started|start|continuing) (?:cpr|chest compressions|rescue breaths)",
            r"(?:losing|lost|loses|keeps losing) consciousness",
            r"(?:faint\w*|passed out|collaps\w*|blacked out|knocked out)(?:\W+\w+){0,8}?\W+(?:hasn't|has not|"
            r"not|isn't|won't|didn't) (?:\w+ )?open\w* (?:his|her|their|my) eyes",
            r"(?:faint\w*|passed out|blacked out|knocked out|keeled over)(?:\W+\w+){0,6}?\W+still (?:out|"
            r"not (?:awake|responding|waking|conscious)|unconscious|down)|(?:is|are|'s|still|been|lying|"
            r"now) out cold|found (?:\w+ ){0,5}?(?:unconscious|unresponsive|out cold|not breathing)|"
            r", out cold|"
            r"(?:still|been) (?:out|"
            r"unconscious) (?:for|after) (?:over |more than |about )?(?:a|one|two|\d+|a few|several) "
            r"(?:minutes?|mins?)",
            r"floppy",
            r"(?:won't|will not|doesn't|does not|can't|isn't|is not|not) open\w* (?:his|her|their) eyes",
            r"(?:can't|cannot|couldn't) get (?:him|her|them|my \w+) to (?:respond|wake|answer|react)",
            r"(?:doesn't|does not|won't|will not|didn't|isn't|is not|not) react(?:ing)?(?: (?:at all|to "
            r"(?:me|us|anything|my voice|(?:his|her|their) name|pain|touch)|when))",
            r"(?:hard|difficult|impossible) to wake",
            r"(?<!i'm )(?<!i am )(?<!\bi )(?:won't|doesn't|does not|isn't|is not|not|can't|cannot) "
            r"(?:answer|respond)\w*(?! (?:my|the|his|her|any|calls?|emails?|messages?|texts?|phone|door))",
            r"barely (?:respond\w*|conscious|awake|breathing|talking|speaking|speak|talk)",
            rf"{SOMEONE}(?:\W+\w+){{0,8}}?\W+(?:isn't|is not|not|wasn't|stopped|hasn't been) moving",
            r"(?:lying|found|slumped)(?:\W+\w+){0,6}?\W+cold(?: to the touch)?(?:\W+\w+){0,3}?\W+"
            r"(?:not moving|"
            r"won't wake|not breathing|unresponsive|blue|grey|stiff)",
            r"hit by a (?:car|bus|truck|lorry|van|train|motorbike)",
            r"(?:can't|cannot) (?:feel|move) (?:his|her|my|their) legs",
        ),
        soft=(r"(?:very|really|so|extremely) (?:drowsy|sleepy)",),
    ),
)

CATEGORIES: tuple[Category, ...] = (*_SIGNS, *CAUSES, *INJURIES, *ROMANIAN)
COMPILED = tuple((c, *c.compiled()) for c in CATEGORIES)
PERSON = re.compile(rf"\b{_PERSON}\b")
