"""The red-flag categories named for a cause: self-harm, poisoning, pregnancy, and the other signs of
NHS 'When to call 999' (meningitis and sepsis, sudden confusion, a serious accident). Injuries (a head
injury, burns) are in ``red_flag_injuries``; the categories named for a failing body system, and how
patterns are written and run, are in ``red_flag_rules``; the building blocks are ``red_flag_concepts``.
"""

from __future__ import annotations

from .red_flag_concepts import (
    CAUSTIC,
    CHILD,
    DELIBERATE,
    INFANT_SIGN,
    LOTS,
    LOW_BP,
    MEDS,
    YOUNG_INFANT,
    Category,
)

__all__ = ["CAUSES"]

# labour before 37 weeks: contractions, the waters gone
_LABOUR = (
    r"(?:(?<!hicks )contractions (?:every|are coming|coming|have started|started)|(?:having|regular|strong) "
    r"contractions|waters (?:have |had )?(?:broke|broken|gone|went)|in labou?r|labou?r "
    r"(?:has )?started)"
)
# pain and bleeding in pregnancy, said as present ("no pain or bleeding" is not)
_PAIN = r"(?<!no )(?<!not )(?<!without )(?<!or )(?:pain|cramp\w*|hurts?|hurting)"
_BLEEDING = r"(?<!no )(?<!not )(?<!without )(?<!or )(?:bleed\w*|blood|spotting)"
_PRETERM = r"(?:only |just )?(?:1\d|2\d|3[0-6]) weeks"
# a pregnancy told by its weeks ("31 weeks"), not a duration ("for 12 weeks")
_PREGNANT = r"(?:pregnan\w*|(?<!for )(?<!past )(?<!last )(?<!about )(?<!in )\b(?:1\d|2\d|3\d|4[0-2]) weeks)"
# pre-eclampsia after 20 weeks: vision, pain under the ribs, sudden swelling (NHS 'Pre-eclampsia')
_PRE_ECLAMPSIA = (
    r"(?:blurr\w*|flashing lights|flashes|spots (?:in|before) (?:my |her )?eyes|(?:pain|ache) (?:just )?"
    r"(?:under|below) (?:my |her |the )?ribs|sudden\w* swell\w*)"
)
_NECK = (
    r"(?:stiff neck|neck (?:is |feels |so |really |very )*stiff|(?:can't|cannot|unable to|couldn't|won't) "
    r"(?:bend|move|flex|touch|put|get|bring|tuck) (?:\w+ ){0,2}(?:neck|chin))"
)
_MENINGEAL = (
    r"(?<!no )(?<!not )(?<!without )(?:fever|temperature|vomit\w*|being sick|keeps? (?:being sick|"
    r"throwing up)|throw\w* up|light (?:hurts|"
    r"is hurting|bothers)|can't stand the light|photophobia|(?:severe|terrible|raging|awful|worst|splitting|"
    r"excruciating|blinding) (?:\w+ )?headache|(?:won't|can't|cannot|doesn't want to) (?:look at|"
    r"stand) (?:the )?"
    r"light)"
)
_ALCOHOL = r"(?:vodka|whisky|whiskey|wine|beer|alcohol|booze|gin|rum|tequila|brandy|spirits|drinking|drunk)"
_SEDATIVE = (
    r"(?:xanax|diazepam|valium|lorazepam|alprazolam|benzo\w*|sleeping (?:pills|tablets)|zopiclone|opioids?|"
    r"codeine|tramadol|oxy\w*|heroin|methadone|pregabalin|gabapentin)"
)
_CHEMO = r"(?:chemo\w*|neutropeni\w*|immunosuppress\w*|low white (?:cell|blood) count)"
_FEVER = (
    r"(?:fever|(?:temperature|temp) (?:is |of |of about |at )?(?:3[89]|4\d)|high temp\w*|shiver\w*|chills|"
    r"rigors|the shakes|hot to the touch|burning up)"
)

CAUSES: tuple[Category, ...] = (
    Category(
        "suicide_self_harm",
        "NHS 'Help for suicidal thoughts' (call 999 if your life is at risk now); NHS 'When to call "
        "999' (suicide attempt)",
        strong=(
            r"suicid\w*",
            r"kill(?:ing)? (?:my|him|her|them)sel(?:f|ves)",
            # "if I killed myself", "I wish I'd killed myself"; never "I killed myself at the gym today"
            r"(?:if|wish|wished|should have|should've|nearly|almost) (?:i(?:'d| had)? )?(?:just )?killed "
            r"(?:myself|himself|herself)"
            r"(?! laughing| (?:at|on|in|with|doing) (?:the |my |a |spin )?(?:gym|treadmill|spin|run\w*|"
            r"workout|training|revision|hills?|class)\b)",
            r"end (?:it all|it tonight|it today|my life|his life|her life|their life|your life|things)",
            r"ending (?:it all|my life|his life|her life|their life)"
            r"(?![- ](?:insurance|assurance|support|long|membership|cover|policy|savings|style))",
            r"(?:going to|gonna|want to|planning to) end it",
            r"take (?:my|his|her|their) own life",
            r"(?:wants?|wanna|wish\w*) to die",
            r"(?:standing|sitting|stood|sat) on (?:the|a) (?:bridge|ledge|roof|edge|tracks|railway|cliff)",
            r"(?:going to|gonna|about to|will|i'll|planning to|plan to|want to|wanna) jump\b(?! (?:in|into|"
            r"on|"
            r"over|rope|the queue|ahead|at|for|up|around|out of bed)\b)",
            r"(?:took|taken|swallowed|drank|injected|had) (?:something|stuff|things|it|them|everything) "
            r"(?:on purpose|deliberately|to (?:die|end it|not wake up))",
            r"(?:written|wrote|left|finished) (?:my|a) (?:suicide |goodbye |last )?note\b(?! (?:to|for|on|"
            r"about|from))",
            # stockpiling medicines (a means gathered), not a pill box saved for a trip
            rf"(?:saving|saved|stockpil\w*|hoard\w*|stash\w*) (?:up )?(?:\w+ ){{0,2}}{MEDS}\b"
            r"(?! (?:box|case|organi[sz]er|container))",
            r"(?:going to|gonna|about to|i'll|i will|planning to|tonight i'm) (?:take|"
            r"swallow) (?:them all|all of "
            r"them|the lot|(?:\w+ ){0,2}all (?:my|of my|the) )",
            r"(?:cut|slit|slashed|sliced) (?:\w+ )?(?:my|his|her|their) (?:own )?(?:wrists?|throat)",
            # self-harm gone further than before: "been cutting again and it's deep this time"
            # ("cutting" with no object is self-harm; "cutting down on sugar", "cutting my hair" are not)
            r"(?:been|started|keep|kept|i'm|am|she's|he's) cutting"
            r"(?! (?:down|back|out|up|off|my (?:hair|nails)|(?:his|her|the|a|an|some|into|through)\b))"
            r"(?:\W+\w+){0,8}?\W+(?:deep|deeper|won't stop bleeding|too far)",
            r"(?:bought|got|have|tied) (?:a |the )?rope|noose",
            r"(?:can't|cannot) go on",
            r"(?:no|don't see (?:the|any)|what's the|there's no) point (?:in |of )?(?:living|"
            r"going on|anything|"
            r"anymore|any more|being alive|being here)",
            r"(?:won't|will not|wouldn't) be (?:around|here|alive)",
            r"(?:decided|going|planning) to (?:end|take) (?:my|it)",
            r"engine running|exhaust (?:pipe|fumes)",
            r"(?:don't|do not) want to (?:be alive|live|be here|wake up)",
            r"better off without me",
            r"goodbye (?:letter|note|message|text|video|post)s?",
            # a farewell sent, not a leaving card or party
            r"(?:texted|messaged|sent|wrote|written|left|posted|text\w*)(?: \w+){0,3} (?:a |my )?(?:goodbye|"
            r"farewell)"
            r"(?! (?:card|party|gift|present|email|lunch|drinks|dinner|speech|do))",
            # worthlessness: nobody would notice or care if one died
            r"(?:nobody|no one|no-one|noone)(?: would| will|'d)? (?:even )?(?:care|notice|miss me|mind)"
            r"(?: \w+){0,2} (?:if|when) i (?:die|died|was dead|were dead|was gone|were gone|disappear\w*|"
            r"wasn't here|weren't here|killed)",
            r"better off if i (?:die|died|was dead|were dead|was gone|were gone|wasn't (?:here|around)|"
            r"weren't "
            r"(?:here|around)|didn't exist)",
            r"jump\w* (?:off|from) (?:a |the |my |our )?(?:bridge|roof|building|balcony|window|cliff|"
            r"\w+ floor)",
            r"(?:not|don't feel) safe with (?:my|him|her)self",
            r"(?:hurt\w*|harm\w*|cut\w*) (?:my|him|her)sel(?:f|ves)",
            r"self[- ]harm\w*",
            r"hang (?:my|him|her)self",
            r"no (?:point|reason) (?:in )?(?:living|to live|going on)",
            r"i have a plan",
            r"(?:going to|gonna|about to|want to|will) use (?:it|this|them|the \w+) on (?:my|him|her)self",
            r"(?:want|wish|need) (?:it all|everything|the pain|this) to (?:stop|end)",
            r"(?:pills|tablets|rope|knife) (?:are )?(?:ready|here|in front of me)",
            r"nothing (?:left )?to live for|no reason to live",
            # intent and timing without the word (NHS: a plan, a time chosen, a decision made)
            r"tonight(?:'s| is) the night(?! (?:i'll |i will |we'll |we )?(?:finally|for|of)\b)|it (?:all )?"
            r"ends (?:tonight|today|now)|"
            r"(?:i've |i have |"
            r"i )?decided (?:that )?(?:this is it|it's time|i'm done|to go through with)|(?:i'm|i am|"
            r"im) (?:going to|gonna) (?:do it|go through with "
            r"it)(?: \w+){0,2} (?:tonight|today|now|this time)|go(?:ing|nna)? through with it",
            r"(?:nobody|no one|no-one|noone) (?:would|will|'d|is going to|is gonna) (?:even )?(?:miss|"
            r"notice) me"
            r"(?! (?:at|from|in|on) |(?:\W+\w+){0,2}?\W+if i (?:left|leave|quit|skipp?\w*|didn't (?:go|"
            r"come|turn "
            r"up|show up)) (?:the|this|that|my|our) (?!world|life))",
            r"(?:can't|cannot) (?:do|take|cope with|handle) (?:this|it|life|any of this) any ?more",
            r"(?:i'm|i am) (?:just )?a burden(?: to| on)? (?:everyone|everybody|my family|them)",
        ),
    ),
    Category(
        "overdose_poisoning",
        "NHS 'When to call 999' (suicide attempt, poisoning); NHS 'Paracetamol overdose'",
        strong=(
            r"overdos\w*",
            r"(?:took|taken|take|swallowed|ate|eaten|drank|drunk) (?:\w+ ){0,3}"
            r"(?:all (?:my|his|her|of (?:my|his|her|the))|too many|"
            # a count of five or more (not a dose in mg): "took 2 tablets for my headache" is no overdose
            r"a (?:whole )?(?:packet|box|bottle|load|handful)|(?:[5-9]|[1-9]\d+)(?! ?(?:mg|mcg|ml|units?)\b)|"
            r"double|some of (?:my|his|her|the))"
            r"(?:\W+\w+){0,4}?\W*(?:pills?|tablets?|meds|medication|insulin|capsules)",
            r"(?:took|taken|swallowed) (?:all|too many)",
            r"(?:took|taken|swallowed|ate|eaten) (?:\w+ ){0,2}(?:everything|all the \w+|"
            r"whatever \w+) (?:\w+ ){0,2}"
            r"(?:in|from) (?:the |my |his |her |our )?(?:medicine|bathroom|first aid|pill) (?:cabinet|"
            r"cupboard|"
            r"drawer|box|tin|bag)",
            rf"(?:took|taken|swallowed|ate|drank|"
            rf"injected) (?:[\w']+ ){{0,4}}{MEDS} {DELIBERATE}(?! (?:before|after|with|at|early|late|"
            rf"instead|every|this morning))|"
            rf"{DELIBERATE} "
            rf"(?:took|taken|swallowed) (?:[\w']+ ){{0,2}}(?:{LOTS}|(?:a lot|loads|lots|a bunch) of)",
            rf"(?:took|taken|swallowed) (?:a lot|loads|lots|heaps|a bunch|a pile) of (?:\w+ ){{0,2}}{MEDS}",
            rf"(?:took|taken|take|taking|swallowed|swallow|ate|eaten|drank|injected|had) (?:\w+ "
            rf"){{0,2}}{LOTS}"
            rf"(?:\W+\w+){{0,4}}?\W*{MEDS}",
            rf"(?:empty|whole|full) (?:packet|pack|box|bottle|strip|jar) of (?:\w+ )?{MEDS}",
            rf"{MEDS}(?:\W+\w+){{0,3}}?\W+(?:twice|double) by mistake",
            r"(?:took|taken|had|gave|given|injected) (?:\w+ )?(?:a )?double (?:the )?dose",
            rf"{CHILD}(?:\W+\w+){{0,2}}?\W+(?:swallowed|ate|drank|got into|bit|bitten|chewed|sucked|licked)"
            rf"(?:\W+\w+){{0,6}}?\W+(?:{MEDS}|{CAUSTIC})",
            rf"(?:swallowed|ate|drank) (?:a |an |some |the )?(?:\w+ ){{0,2}}(?:button batter\w*|{CAUSTIC})",
            # insulin twice: a hypo, told by its signs
            r"(?:(?:two|double|extra|second|2) (?:doses?|shots?|injections?) of (?:\w+ )?insulin|insulin"
            r"(?:\W+\w+){0,3}?\W+(?:twice|double|two times))(?:\W+\w+){0,10}?\W+(?:shak\w*|sweat\w*|clammy|"
            r"confus\w*|drowsy|dizzy|faint\w*|pale|fitting|won't wake)",
            # wild mushrooms, berries or plants eaten
            r"(?:ate|eaten|eating|swallowed|had|tried) (?:\w+ ){0,3}(?:wild|forest|foraged|picked|unknown|"
            r"strange|poisonous) (?:\w+ )?(?:mushrooms?|toadstools?|berries|fungi|plants?|leaves)|(?:ate|"
            r"eaten|"
            r"swallowed) (?:\w+ ){0,3}(?:mushrooms?|toadstools?|berries|fungi)(?:\W+\w+){0,6}?\W+(?:from|in|"
            r"off) "
            r"(?:the |a )?(?:forest|woods?|garden|field|park|bush|hedge)",
            r"carbon monoxide|co alarm",
            # everyone at home ill at once beside a heater, boiler or stove: carbon monoxide (NHS)
            r"(?:gas|heater|boiler|stove|generator|fumes|fire)(?:\W+\w+){0,12}?\W+(?:everyone|all of us|"
            r"the whole "
            r"family|both of us|we all|all the family)(?:\W+\w+){0,8}?\W+(?:headaches?|dizzy|sick|vomit\w*|"
            r"throwing up|drowsy|faint\w*)",
            # alcohol with a quantity of a medicine, or with a sedative and its signs
            rf"{_ALCOHOL}(?:\W+\w+){{0,6}}?\W+(?:{LOTS}|a lot of)(?:\W+\w+){{0,2}}?\W*{MEDS}",
            rf"(?:{_ALCOHOL}(?:\W+\w+){{0,8}}?\W+{_SEDATIVE}|{_SEDATIVE}(?:\W+\w+){{0,8}}?\W+{_ALCOHOL})"
            r"(?:\W+\w+){0,10}?\W+(?:pass\w* out|drowsy|slurr\w*|(?:can't|can barely|barely) (?:stand|wake|"
            r"stay awake)|unconscious|barely (?:awake|breathing)|won't wake)",
            r"(?:drank|drunk|swallowed|ate) (?:some )?(?:bleach|poison|antifreeze|weed ?killer|detergent)",
            r"poison\w*",
        ),
    ),
    Category(
        "obstetric",
        "NHS 'When to call 999'; NHS 'Ectopic pregnancy'; NHS 'Your baby's movements'; NHS 'Signs "
        "that labour has begun' (cord prolapse, the baby coming before help arrives); NHS 'Vaginal "
        "bleeding in pregnancy'; NHS 'Premature labour and birth'",
        strong=(
            r"(?:see|feel|seeing|feeling) the (?:umbilical )?cord|cord (?:is )?(?:coming out|hanging|out)",
            # the birth under way, before help is there
            r"(?:having|delivering|giving birth to) (?:the|my|our|a|her) baby (?:right )?now|baby(?:'s| is) "
            r"coming (?:right now|now|fast|so fast|quickly)|(?:head|baby) is crowning|crowning",
            # waters breaking or leaking early, with fever or bleeding (infection, preterm labour)
            r"(?:waters?|fluid) (?:have |has |just )?(?:broke\w*|leak\w*)(?:\W+\w+){0,8}?\W+(?:fever|"
            r"temperature|bleed\w*)",
            # ectopic pregnancy, abruption: severe belly, one-sided or shoulder-tip pain
            r"pregnan(?:t|cy)(?:\W+\w+){0,8}?\W+(?:severe|constant|sharp|terrible|awful|agonising|hard) "
            r"(?:\w+ )?"
            r"(?:pain|cramp\w*)(?:\W+\w+){0,3}?\W+(?:side|left|right|low|belly|tummy|stomach|abdomen|pelvis|"
            r"shoulder)",
            r"pregnan(?:t|cy)(?:\W+\w+){0,8}?\W+(?:severe|constant|sharp|terrible|awful|agonising|hard) "
            r"(?:belly|tummy|stomach|abdominal|pelvic|one-sided|shoulder tip) pain",
            # shoulder-tip pain in pregnancy is itself a sign of an ectopic pregnancy (NHS)
            r"pregnan(?:t|cy)(?:\W+\w+){0,8}?\W+shoulder[- ]tip pain|shoulder[- ]tip pain(?:\W+\w+){0,8}?\W+"
            r"pregnan(?:t|cy)",
            r"pregnant(?:\W+\w+){0,10}?\W+(?:faint\w*|pass\w* out|collaps\w*)",
            r"(?:baby|bump)(?:\W+\w+){0,2}?\W+(?:hasn't|has not|has stopped|stopped|isn't|is not|"
            r"not) (?:\w+ )?"
            r"(?:moved|moving|kicked|kicking)(?:\W+\w+){0,6}?\W+(?:\d\d|[2-4]\d) weeks",
            r"(?:haven't|have not|not) felt (?:the |my )?baby (?:move|kick)",
            r"\b(?:[2-4]\d) weeks(?:\W+\w+){0,6}?\W+(?:baby|bump)(?:\W+\w+){0,2}?\W+(?:hasn't|has not|has "
            r"stopped|stopped|isn't|is not|not) (?:\w+ )?(?:moved|moving|kicked|kicking)",
            r"\b(?:[2-4]\d) weeks(?:\W+\w+){0,6}?\W+(?:severe|constant|terrible|agonising|unbearable) "
            r"(?:\w+ )?(?:belly|tummy|stomach|abdominal) pain",
            r"(?:belly|bump|tummy|stomach|womb) (?:is |feels |gone |went )?(?:hard as a (?:rock|board)|rock "
            r"hard|board hard|hard like a (?:rock|board))",
            r"baby(?:'s| is) coming(?: right)? (?:now|out|fast)|crowning|(?:urge|need) to push",
            r"(?:miscarr\w*|losing (?:the|my|our) (?:baby|pregnancy)|"
            r"lost the baby)(?:\W+\w+){0,12}?\W+(?:clots|heav\w*|soak\w*|"
            r"faint\w*|pass\w* out|dizzy|light-?headed|pouring|gushing|(?:filled|filling|soaked|soaking|"
            r"through) (?:\w+ )?pads?)|(?:clots|heavy bleed\w*|soak\w*)"
            r"(?:\W+\w+){0,12}?\W+(?:miscarr\w*|losing the baby)",
            r"(?:huge|big|large|massive) (?:blood )?clots(?:\W+\w+){0,10}?\W+(?:faint\w*|pass\w* out|dizzy|"
            r"light-?headed)",
            # pain with bleeding in pregnancy
            rf"{_PREGNANT}(?:\W+\w+){{0,12}}?\W+{_PAIN}(?:\W+\w+){{0,8}}?\W+{_BLEEDING}|"
            rf"{_PREGNANT}(?:\W+\w+){{0,12}}?\W+{_BLEEDING}(?:\W+\w+){{0,8}}?\W+{_PAIN}",
            rf"(?:pregnan\w*|\b(?:2\d|3\d|4[0-2]) weeks)(?:\W+\w+){{0,12}}?\W+{_PRE_ECLAMPSIA}",
            # a fall or a blow on the belly in pregnancy (placental abruption)
            r"pregnan\w*(?:\W+\w+){0,16}?\W+(?:fell|fall\w*|slipped|tripped|landed|hit|kicked|punched|struck|"
            r"crash\w*|accident)(?:\W+\w+){0,10}?\W+(?:belly|bump|tummy|stomach|abdomen)",
            # labour before 37 weeks
            rf"{_LABOUR}(?:\W+\w+){{0,10}}?\W+{_PRETERM}|{_PRETERM}(?: pregnant)?"
            rf"(?:\W+\w+){{0,10}}?\W+{_LABOUR}",
        ),
    ),
    Category(
        "meningitis_sepsis",
        "NHS 'Meningitis' (a rash that does not fade under a glass, a stiff neck, dislike of bright "
        "light); NHS 'Sepsis'; NICE CG151 (neutropenic sepsis: fever during chemotherapy)",
        strong=(
            r"(?:rash|spots|dots|blotches|marks|specks|pinpricks)(?:\W+\w+){0,6}?\W+(?:doesn't|don't|"
            r"does not|"
            r"do not|won't|didn't) "
            r"(?:fade|blanch|(?:go away|disappear)(?:\W+\w+){0,3}?\W+(?:glass|press\w*))|glass test",
            r"(?:fever|temperature)(?:\W+\w+){0,8}?\W+(?:neck (?:is )?stiff|stiff neck)|stiff "
            r"neck(?:\W+\w+){0,6}?\W+fever",
            r"(?:soft spot|fontanelle)(?:\W+\w+){0,4}?\W+(?:bulg\w*|tense|raised)|bulging (?:soft spot|"
            r"fontanelle)",
            r"stiff neck(?:\W+\w+){0,12}?\W+(?:fever|temperature|light (?:hurts|is hurting|bothers)|"
            r"photophobia)",
            r"(?:infection|uti|pneumonia|shivering|rigors)(?:\W+\w+){0,8}?\W+confus\w*",
            r"(?:shaking|shivering|shivers|chills|rigors)(?:\W+\w+){0,6}?\W+(?:barely|can't|cannot|unable to|"
            r"hardly) (?:stand|walk|get up)",
            r"purple rash",
            r"purple (?:blotch\w*|spots?|marks?|patches)(?:\W+\w+){0,10}?\W+(?:fever|temperature)|(?:fever|"
            r"temperature)(?:\W+\w+){0,10}?\W+purple (?:blotch\w*|spots?|marks?|patches)",
            # red streaks spreading from a wound with fever or dizziness: an infection entering the blood
            r"red (?:streaks?|lines?)(?:\W+\w+){0,12}?\W+(?:fever|temperature|dizzy|shiver\w*|confus\w*)",
            r"(?:haven't|hasn't|have not|has not|not) (?:peed|urinated|passed (?:any )?(?:urine|water)|"
            r"had a wee|"
            r"weed)(?: \w+){0,2} (?:all day|since|for (?:a day|hours|\d+ hours))",
            r"(?:feel|feels|feeling) like (?:i'm|i am|he's|she's|they're|he is|she is) (?:going to|"
            r"gonna) die",
            r"infect\w*(?:\W+\w+){0,12}?\W+(?:rigors|heart (?:is )?(?:racing|pounding)|(?:extremely|very|"
            r"really) "
            r"unwell|never felt (?:this|so) (?:ill|unwell|bad))",
            r"(?:purple|dark red|purplish|red-purple|dark purple) (?:\w+ )?(?:spots|dots|rash|blotches|marks|"
            r"specks)(?:\W+\w+){0,6}?\W+spread\w*|rash(?:\W+\w+){0,8}?\W+spreading (?:fast|quickly|rapidly|"
            rf"quick)|{_FEVER}(?:\W+\w+){{0,10}}?\W+(?:purple|dark red|purplish|"
            rf"red-purple) (?:\w+ )?(?:spots|"
            r"dots|rash|blotches|marks)",
            # early signs of meningococcal sepsis in a child: fever with cold hands and feet (NICE CG102)
            rf"(?:{_FEVER}|temperature)(?:\W+\w+){{0,10}}?\W+(?:\w+ )?cold hands and feet|cold hands and feet"
            rf"(?:\W+\w+){{0,10}}?\W+(?:{_FEVER}|temperature)",
            # NHS 'Sepsis': fever or infection with very low blood pressure or new confusion
            rf"(?:{_FEVER}|infection)(?:\W+\w+){{0,12}}?\W+(?:{LOW_BP}|confus(?:ed|ion)\b(?! about| by|"
            rf" with))"
            rf"|{LOW_BP}(?:\W+\w+){{0,12}}?\W+(?:{_FEVER}|confus\w*)",
            # NICE NG143: a baby under 3 months with a fever is red; any baby with fever not feeding or floppy
            rf"{YOUNG_INFANT}(?:\W+\w+){{0,8}}?\W+(?:{_FEVER}|(?:has|got|running|with) a (?:high )?temp\w*)",
            rf"(?:baby|infant|{YOUNG_INFANT})(?:\W+\w+){{0,10}}?\W+(?:{_FEVER}|"
            rf"temperature)(?:\W+\w+){{0,10}}?\W+"
            rf"{INFANT_SIGN}|(?:baby|infant|"
            rf"newborn)(?:\W+\w+){{0,10}}?\W+{INFANT_SIGN}(?:\W+\w+){{0,10}}?\W+"
            rf"(?:{_FEVER}|temperature)",
            # meningism: a neck that will not bend, with vomiting, light hurting or a severe headache
            rf"{_NECK}(?:\W+\w+){{0,12}}?\W+{_MENINGEAL}|{_MENINGEAL}(?:\W+\w+){{0,12}}?\W+{_NECK}",
            rf"{_CHEMO}(?:\W+\w+){{0,12}}?\W+{_FEVER}|{_FEVER}(?:\W+\w+){{0,12}}?\W+{_CHEMO}",
        ),
    ),
    Category(
        "other_999",
        "NHS 'When to call 999' (sudden confusion, severe injuries); NHS 'Low blood sugar "
        "(hypoglycaemia)'; NHS 'Cauda equina syndrome'",
        strong=(
            r"sudden\w* (?:very |really )?(?:confused|confusion)",
            r"confused all of a sudden",
            r"talking nonsense",
            r"not making (?:any )?sense|gibberish|(?:doesn't|does not|don't) know where (?:he|she|"
            r"i|they) (?:is|am|are)",
            r"(?:very|really|getting|becoming|suddenly|he's|she's|he is|she is|they're|is|seems|looks) "
            r"(?:\w+ )?confused(?! (?:about|by|with|as to|why|what|because))",
            r"(?:more and more|increasingly|progressively) confused(?! (?:about|by|with|as to|why|what|"
            r"because))",
            r"(?:sugar|glucose)(?:\W+\w+){0,4}?\W+(?:[0-2][.,]\d\b|really low|very low|dropping)",
            # a diabetic who is confused or drowsy: a hypo until proved otherwise
            r"(?:diabet\w*|insulin|hypo)(?:\W+\w+){0,10}?\W+(?:confus(?:ed|ion)\b(?! about| by| with| as to|"
            r" why| "
            r"what| how| which)|drowsy|won't wake|unrousable|fitting)",
            r"(?:agonising|agonizing|excruciating|unbearable) pain",
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
