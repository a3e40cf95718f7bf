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

Development cases: tests/bot/test_red_flag_emergencies.py and test_red_flag_lookalikes.py; dev sets:
bot/tests/heldout/emergencies*.yml.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from .red_flag_concepts import CHEST, CHILD, FLOW, GAP, LIMB, LOTS, MEDS, PAIN, SIDE, WEAK, WHOSE

_PERSON = r"(?:i|i'm|i am|i've|my \w+|he|she|they|he's|she's|her|him|someone|somebody|my)"


@dataclass(frozen=True)
class Category:
    name: str
    source: str
    strong: tuple[str, ...]
    soft: tuple[str, ...] = ()

    def compiled(self) -> tuple[re.Pattern[str], re.Pattern[str] | None]:
        strong = re.compile(r"\b(?:" + "|".join(self.strong) + r")", re.IGNORECASE)
        soft = re.compile(r"\b(?:" + "|".join(self.soft) + r")", re.IGNORECASE) if self.soft else None
        return strong, soft


CATEGORIES: tuple[Category, ...] = (
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
            r"face\w*(?:\W+\w+){0,4}?\W+(?:droop\w*|dropp\w*|dropped|crooked|lopsided|fallen)",
            r"(?:droop\w*|dropp\w*|crooked|lopsided) (?:face|smile|mouth|eye)",
            r"(?:mouth|smile)(?:\W+\w+){0,3}?\W+(?:crooked|lopsided|droop\w*)",
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
            rf"half {WHOSE}face(?:\W+\w+){{0,3}}?\W+(?:{WEAK}|not moving|isn't moving)",
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
            r"(?:can't|cannot) (?:answer|respond to) (?:me|us|questions) properly",
            r"(?:can't|cannot) (?:stand up|stand or walk|walk straight|stand straight|keep (?:my|"
            r"his|her) balance)",
            r"dropping things",
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
            r"(?:not|stopped|isn't|wasn't) breath\w*",
            r"breathing (?:has |had |just )?stopped",
            r"(?:blue|grey|gray|purple) (?:around|round|in) (?:the |his |her |my )?(?:mouth|lips|face)",
            r"(?:turning|gone|going|went|turned) (?:blue|grey|gray|purple)",
            r"(?:trouble|difficulty|struggling|problems?) breath\w*",
            r"gasp\w*",
            r"chok\w*",
            r"suffocating",
            r"(?:can't|cannot) (?:get|catch) (?:any |enough )?(?:air|my breath|her breath|his breath)",
            r"(?:lips|face|skin) (?:are |is |look\w* )?(?:turn\w* |going |gone |look\w* )?"
            r"(?:blue|grey|gray|purple)",
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
            r"(?:breathed?|inhaled|breathing) in (?:\w+ ){0,3}smoke|soot (?:around|in|on) (?:his|her|my|the)",
            r"(?:lips|face|skin)(?: \w+){0,2} (?:dusky|mottled)",
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
            r"bleed\w* (?:\w+ )?(?:heavily|a lot|badly|profusely|everywhere|non ?stop)",
            r"(?:heavy|severe|uncontrolled|massive) bleed\w*",
            r"bleed\w*(?:\W+\w+){0,3}?\W+(?:won't|will not|doesn't|does not|can't|isn't) stop",
            r"(?:won't|will not|doesn't|does not|can't) stop bleed\w*",
            rf"(?:blood|bleed\w*|nosebleed)(?:\W+\w+){{0,4}}?\W+{FLOW}",
            r"(?:bleed\w*|nosebleed)(?:\W+\w+){0,4}?\W+for (?:an|over an|more than an|\d+) hours?",
            r"(?:so much|lots of|a lot of|loads of|tons of|pool of) blood",
            r"gush\w*",
            r"soak\w* (?:through )?(?:\w+ ){0,2}(?:pads?|towels?|bandages?|dressings?|clothes|sheets)",
            r"black (?:and )?tarry|tarry (?:stool|poo)|black (?:poo|stools?)",
            r"stabbed|been shot|gunshot",
            r"bone (?:is )?(?:sticking|poking) out",
            r"(?:pouring|spurting|gushing|spraying) (?:out )?blood",
            r"(?:vomit\w*|throwing up|threw up|coughing up|cough\w* up|passing|lost|losing) "
            r"(?:\w+ ){0,3}blood",
            r"coffee grounds",
            r"soaked (?:through|every)",
            r"pregnant(?:\W+\w+){0,3}?\W+bleed\w*",
        ),
    ),
    Category(
        "suicide_self_harm",
        "NHS 'Help for suicidal thoughts' (call 999 if your life is at risk now); NHS 'When to call "
        "999' (suicide attempt)",
        strong=(
            r"suicid\w*",
            r"kill(?:ing)? (?:my|him|her|them)sel(?:f|ves)",
            r"end (?:it all|it tonight|it today|my life|his life|her life|things)",
            r"(?:going to|gonna|want to|planning to) end it",
            r"take (?:my|his|her|their) own life",
            r"(?:wants?|wanna|wish\w*) to die",
            r"(?:standing|sitting|stood|sat) on (?:the|a) (?:bridge|ledge|roof|edge|tracks|railway|cliff)",
            r"(?:going to|gonna|about to|will|i'll) jump\b",
            # stockpiling medicines (a means gathered), not a pill box saved for a trip
            rf"(?:saving|saved|stockpil\w*|hoard\w*|stash\w*) (?:up )?(?:\w+ ){{0,2}}{MEDS}\b"
            r"(?! (?:box|case|organi[sz]er|container))",
            r"(?:going to|gonna|about to|i'll|i will|planning to|tonight i'm) (?:take|"
            r"swallow) (?:them all|all of "
            r"them|the lot|(?:\w+ ){0,2}all (?:my|of my|the) )",
            r"(?:cut|slit|slashed|sliced) (?:\w+ )?(?:my|his|her|their) (?:own )?(?:wrists?|throat)",
            r"(?:bought|got|have|tied) (?:a )?rope|noose",
            r"(?:can't|cannot) go on",
            r"(?:no|don't see (?:the|any)|what's the|there's no) point (?:in |of )?(?:living|"
            r"going on|anything|"
            r"anymore|any more|being alive|being here)",
            r"(?:won't|will not|wouldn't) be (?:around|here|alive)",
            r"(?:decided|going|planning) to (?:end|take) (?:my|it)",
            r"engine running|exhaust (?:pipe|fumes)",
            r"(?:don't|do not) want to (?:be alive|live|be here|wake up)",
            r"better off without me",
            r"goodbye (?:letter|note)s?",
            r"jump\w* (?:off|from) (?:a |the |my |our )?(?:bridge|roof|building|balcony|window|cliff|"
            r"\w+ floor)",
            r"(?:not|don't feel) safe with (?:my|him|her)self",
            r"(?:hurt\w*|harm\w*|cut\w*) (?:my|him|her)sel(?:f|ves)",
            r"self[- ]harm\w*",
            r"hang (?:my|him|her)self",
            r"no (?:point|reason) (?:in )?(?:living|to live|going on)",
            r"i have a plan",
            r"(?:want|wish|need) (?:it all|everything|the pain|this) to (?:stop|end)",
            r"(?:pills|tablets|rope|knife) (?:are )?(?:ready|here|in front of me)",
            r"nothing (?:left )?to live for|no reason to live",
        ),
    ),
    Category(
        "anaphylaxis",
        "NHS 'When to call 999' (sudden, rapid swelling of the lips, mouth, throat or tongue); NHS "
        "'Anaphylaxis'",
        strong=(
            r"anaphyla\w*",
            r"(?:throat|tongue|lips?|mouth|face)(?:\W+\w+){0,4}?\W+(?:swell\w*|swollen|closing|puff\w*)",
            r"(?:swell\w*|swollen) (?:throat|tongue|lips?|mouth)",
            r"throat (?:feels |is )?(?:tight|closing)",
            r"epi-?pen",
            r"(?:stung|sting|allergic|reaction|nuts?|peanuts?|shellfish|shrimp|prawns?|penicillin|antibiotic)"
            r"(?:\W+\w+){0,14}?\W+(?:(?:can't|cannot|struggling to|hard to) (?:swallow|breathe|talk)|"
            r"hoarse|dizzy|"
            r"faint\w*|"
            r"voice (?:is |has )?(?:gone |going )?(?:weird|strange|hoarse|funny))",
            r"allergic reaction(?:\W+\w+){0,6}?\W+(?:breath\w*|swallow\w*|throat|wheez\w*|faint)",
        ),
        soft=(r"hives(?:\W+\w+){0,6}?\W+(?:gasp\w*|breath\w*|faint\w*|swell\w*)",),
    ),
    Category(
        "seizure",
        "NHS 'When to call 999' (seizure or fit); NHS 'Epilepsy: what to do if someone has a seizure'",
        strong=(
            r"(?:having|had|has|have) (?:a |another |one )?(?:seizure|fit|convulsion)\w*",
            r"(?:seizure|fit|convulsion)s? "
            r"(?:right now|won't stop|that won't stop|back to back|after another)",
            r"back to back seizures|seizures back to back",
            r"fitting|seizing",
            r"(?:seiz\w*|fit|fits|fitting|convuls\w*|shaking|jerking)(?:\W+\w+){0,3}?\W+(?:over |more than )?"
            r"(?:[5-9]|[1-9]\d+|five|ten) (?:minutes|mins)",
            r"rescue (?:med\w*|midazolam|buccal\w*)(?:\W+\w+){0,3}?\W+(?:isn't|not|hasn't|didn't) (?:work|"
            r"help)",
            r"first (?:ever )?(?:fit|seizure)",
            r"convuls\w*",
            r"(?:shaking|jerking|twitching)(?:\W+\w+){0,4}?\W+(?:floor|all over|won't stop|minutes)",
            r"eyes (?:are |were |keep )?(?:rolled|rolling)",
            r"shaking uncontrollably|uncontrollable shaking",
            r"foaming at the mouth",
        ),
    ),
    Category(
        "overdose_poisoning",
        "NHS 'When to call 999' (suicide attempt, poisoning); NHS 'Paracetamol overdose'",
        strong=(
            r"overdos\w*",
            r"(?:took|taken|take|swallowed|ate|eaten|drank|drunk) (?:\w+ ){0,3}"
            r"(?:all (?:my|his|her|of (?:my|his|her|the))|too many|"
            r"a (?:whole )?(?:packet|box|bottle|load|handful)|\d+|double|some of (?:my|his|her|the))"
            r"(?:\W+\w+){0,4}?\W*(?:pills?|tablets?|meds|medication|insulin|capsules)",
            r"(?:took|taken|swallowed) (?:all|too many)",
            rf"(?:took|taken|take|taking|swallowed|swallow|ate|eaten|drank|injected|had) (?:\w+ "
            rf"){{0,2}}{LOTS}"
            rf"(?:\W+\w+){{0,4}}?\W*{MEDS}",
            rf"(?:empty|whole|full) (?:packet|pack|box|bottle|strip|jar) of (?:\w+ )?{MEDS}",
            rf"{MEDS}(?:\W+\w+){{0,3}}?\W+(?:twice|double) by mistake",
            r"(?:took|taken|had|gave|given|injected) (?:\w+ )?(?:a )?double (?:the )?dose",
            rf"{CHILD}(?:\W+\w+){{0,2}}?\W+(?:swallowed|ate|drank|got into)(?:\W+\w+){{0,6}}?\W+"
            rf"(?:{MEDS}|batter\w*|magnets?|bleach|detergent|cleaning)",
            r"(?:swallowed|ate|drank) (?:a |an |some |the )?(?:\w+ ){0,2}(?:button batter\w*|magnets?|"
            r"dishwasher|cleaning)",
            r"carbon monoxide|co alarm",
            r"(?:drank|drunk|swallowed|ate) (?:some )?(?:bleach|poison|antifreeze|weed ?killer|detergent)",
            r"poison\w*",
        ),
    ),
    Category(
        "unconscious",
        "NHS 'When to call 999' (someone is unconscious or not responding, won't wake up)",
        strong=(
            r"unconscious",
            r"unresponsive",
            r"(?:not|isn't|is not|doesn't|does not|won't|stopped) (?:respond\w*|waking|wake up|come round)",
            r"(?:won't|will not|can't|cannot) (?:wake (?:him|her|them|up)|keep (?:him|her|them) awake)",
            r"passed out",
            r"collaps\w*",
            r"(?:hasn't|has not|not|isn't|won't) (?:come|coming|came) (?:round|around|to)\b",
            r"(?:doing|giving|started|start|continuing) (?:cpr|chest compressions|rescue breaths)",
            r"(?:losing|lost|loses|keeps losing) consciousness",
            r"floppy",
            r"(?:hard|difficult|impossible) to wake",
            r"(?<!i'm )(?<!i am )(?<!\bi )(?:won't|doesn't|does not|isn't|is not|not|can't|cannot) "
            r"(?:answer|respond)\w*(?! (?:my|the|his|her|any|calls?|emails?|messages?|texts?|phone|door))",
            r"barely (?:respond\w*|conscious|awake|breathing)",
            rf"(?:he|she|they|{CHILD}|husband|wife|partner|mum|mom|dad|father|mother|friend|"
            rf"grand\w+|man|woman)"
            r"(?:\W+\w+){0,8}?\W+(?:isn't|is not|not|wasn't|stopped|hasn't been) moving",
            r"hit by a (?:car|bus|truck|lorry|van|train|motorbike)",
            r"(?:can't|cannot) (?:feel|move) (?:his|her|my|their) legs",
        ),
        soft=(r"(?:very|really|so|extremely) (?:drowsy|sleepy)",),
    ),
    Category(
        "severe_headache_head_injury",
        "NHS 'Headaches' (call 999 for a sudden, severe 'worst ever' headache); NICE NG232 head injury "
        "(vomiting, drowsiness, memory loss, unequal pupils after a head injury)",
        strong=(
            r"worst headache",
            r"thunderclap",
            r"sudden\w* (?:\w+ )?(?:severe|agonising|excruciating|terrible) headache",
            r"(?:severe|agonising|agonizing|excruciating|terrible|horrible|awful|worst) (?:\w+ )?sudden "
            r"(?:\w+ )?headache|sudden headache",
            r"(?:hit|banged|bumped|fell (?:\w+ ){0,4}on(?:to)?) (?:my|his|her|their) head(?:\W+\w+){0,10}?\W+"
            r"(?:vomit\w*|sick|sleepy|drowsy|confus\w*|remember|pupil\w*|waking|unconscious|same question)",
            r"one pupil",
            r"(?:vomit\w*|been sick|threw up|throwing up)(?:\W+\w+){0,10}?\W+(?:keeps? (?:falling asleep|"
            r"dozing|"
            r"nodding off)|drowsy|can't stay awake|(?:really|very) sleepy)",
            r"clear (?:fluid|liquid)(?:\W+\w+){0,4}?\W+(?:nose|ears?)|bruis\w* behind (?:his|her|my|"
            r"the) ears?",
            r"(?:asking|repeating) the same (?:question|thing)s?(?:\W+\w+){0,2}?\W+over and over",
            r"(?:soft|boggy|squishy) (?:swelling|lump|bump)(?:\W+\w+){0,3}?\W+(?:head|skull|scalp)\b",
        ),
    ),
    Category(
        "obstetric",
        "NHS 'When to call 999'; NHS 'Ectopic pregnancy'; NHS 'Your baby's movements'; NHS 'Signs "
        "that labour has begun' (cord prolapse, the baby coming before help arrives)",
        strong=(
            r"(?:see|feel|seeing|feeling) the (?:umbilical )?cord|cord (?:is )?(?:coming out|hanging|out)",
            # ectopic pregnancy, abruption: severe belly, one-sided or shoulder-tip pain
            r"pregnant(?:\W+\w+){0,8}?\W+(?:severe|constant|sharp|terrible|awful|agonising|hard) (?:\w+ )?"
            r"(?:pain|cramp\w*)(?:\W+\w+){0,3}?\W+(?:side|left|right|low|belly|tummy|stomach|abdomen|pelvis|shoulder)",
            r"pregnant(?:\W+\w+){0,8}?\W+(?:severe|constant|sharp|terrible|awful|agonising|hard) "
            r"(?:belly|tummy|stomach|abdominal|pelvic|one-sided|shoulder tip) pain",
            r"pregnant(?:\W+\w+){0,10}?\W+(?:faint\w*|pass\w* out|collaps\w*)",
            r"(?:baby|bump)(?:\W+\w+){0,2}?\W+(?:hasn't|has not|has stopped|stopped|isn't|is not|"
            r"not) (?:\w+ )?"
            r"(?:moved|moving|kicked|kicking)(?:\W+\w+){0,6}?\W+(?:\d\d|[2-4]\d) weeks",
            r"(?:haven't|have not|not) felt (?:the |my )?baby (?:move|kick)",
            r"baby(?:'s| is) coming(?: right)? (?:now|out|fast)|crowning|(?:urge|need) to push",
        ),
    ),
    Category(
        "other_999",
        "NHS 'When to call 999' (sudden confusion, severe injuries, severe burns); NHS 'Meningitis' "
        "(a rash that does not fade under a glass); NHS 'Cauda equina syndrome'",
        strong=(
            r"sudden\w* (?:very |really )?(?:confused|confusion)",
            r"confused all of a sudden",
            r"talking nonsense",
            r"(?:rash|spots|blotches|marks)(?:\W+\w+){0,6}?\W+(?:doesn't|don't|does not|do not|won't|didn't) "
            r"(?:fade|blanch|(?:go away|disappear)(?:\W+\w+){0,3}?\W+(?:glass|press\w*))|glass test",
            r"(?:fever|temperature)(?:\W+\w+){0,8}?\W+(?:neck (?:is )?stiff|stiff neck)|stiff "
            r"neck(?:\W+\w+){0,6}?\W+fever",
            r"(?:soft spot|fontanelle)(?:\W+\w+){0,4}?\W+(?:bulg\w*|tense|raised)|bulging (?:soft spot|"
            r"fontanelle)",
            r"stiff neck(?:\W+\w+){0,12}?\W+(?:fever|temperature|light (?:hurts|is hurting|bothers)|"
            r"photophobia)",
            r"(?:infection|uti|pneumonia|shivering|rigors)(?:\W+\w+){0,8}?\W+confus\w*",
            r"(?:boiling|scalding) (?:water|oil)|skin (?:is )?(?:coming|peeling) off|electric "
            r"shock|electrocut\w*",
            r"not making (?:any )?sense|gibberish|(?:doesn't|does not|don't) know where (?:he|she|"
            r"i|they) (?:is|am|are)",
            r"(?:very|really|getting|becoming|suddenly|he's|she's|he is|she is|they're|is|seems|looks) "
            r"(?:\w+ )?confused(?! (?:about|by|with|as to|why|what|because))",
            r"(?:sugar|glucose)(?:\W+\w+){0,4}?\W+(?:[0-2][.,]\d\b|really low|very low|dropping)",
            r"purple rash",
            r"(?:agonising|agonizing|excruciating|unbearable) pain",
            r"(?:badly|severely|seriously) burn\w*|(?:big|large|huge|deep|extensive) burns?\b",
            r"(?:burn\w*|oil|fire|flames?|scald\w*)(?:\W+\w+){0,10}?\W+(?:leathery|charred|waxy)|(?:leathery|"
            r"charred|waxy)(?:\W+\w+){0,8}?\W+(?:burn\w*|oil|fire|flames?|scald\w*)",
            r"burn\w*(?:\W+\w+){0,8}?\W+(?:doesn't|does not) (?:even )?hurt",
            r"chemical burn|(?:acid|drain cleaner|oven cleaner|caustic|lye|"
            r"alkali)(?:\W+\w+){0,6}?\W+(?:burn\w*|"
            r"in (?:my|his|her|the) eyes?)|burning into (?:the|my|his|her) skin",
            r"(?:car|motorbike|bike) (?:crash|accident)(?:\W+\w+){0,8}?\W+"
            r"(?:hurt|injured|bleeding|not moving)",
            r"(?:can't|cannot) control (?:my|his|her) (?:bladder|bowels?)",
            r"ambulance",
            r"call (?:112|911|999|an ambulance)",
            r"this is an emergency|emergency!|help,? emergency|it's an emergency|medical emergency",
            r"(?:i'm|i am|he's|he is|she's|she is|someone is|somebody is|they're) dying(?! to| of boredom)",
            r"sos\b",
            r"^(?:an? )?emergency$|urgent(?:ly)? help|help urgently",
        ),
    ),
)

COMPILED = tuple((c, *c.compiled()) for c in CATEGORIES)
PERSON = re.compile(rf"\b{_PERSON}\b")
