"""The red-flag categories named for a cause: self-harm, poisoning, a head injury, pregnancy, and
the other signs of NHS 'When to call 999' (burns, meningitis and sepsis, sudden confusion, a serious
accident). The categories named for a failing body system, and how patterns are written and run, are
in ``red_flag_rules``; the building blocks are ``red_flag_concepts``.
"""

from __future__ import annotations

from .red_flag_concepts import (
    ANTICOAGULANT,
    CAUSTIC,
    CHILD,
    DELIBERATE,
    HEAD_WOUND,
    INFANT_SIGN,
    LOTS,
    LOW_BP,
    MEDS,
    YOUNG_INFANT,
    Category,
)

__all__ = ["CAUSES"]

# a blow to the head, and what after it needs care now (NICE NG232)
_HEAD_BLOW = (
    r"(?:(?:(?:hit(?:ting)?|bang(?:ed|ing)|bump(?:ed|ing)|knock(?:ed|ing)|smack(?:ed|ing)|struck|"
    r"whack(?:ed|ing)|kick(?:ed|ing)|punch(?:ed|ing))(?: \w+){0,2}?|took "
    r"(?:a |an |the )?\w+|fell (?:\w+ ){0,4}on(?:to)?|landed on) (?:in |on |to )?(?:the |my |his |her |"
    r"their )?(?:back of (?:the |my |his |her )?)?head|headbutt\w*|head[- ]?(?:injury|knock|bump|first)|"
    r"knocked (?:him |her |me |them )?(?:out|unconscious))"
)
_VOMITING_AGAIN = (
    r"(?:keeps? (?:throwing up|vomiting|being sick)|(?:vomited|been sick|thrown up|threw up|was sick)"
    r"(?: \w+)? (?:twice|again|three|four|five|several|[2-9]|more than once)|(?:vomit\w*|throwing up|being "
    r"sick) (?:over and over|again and again|repeatedly|non ?stop|constantly))"
)
_HEAD_SIGN = (
    rf"(?:vomit\w*|sick|throwing up|threw up|sleepy|drowsy|confus\w*|remember|pupil\w*|waking|"
    rf"unconscious|same question|"
    rf"{_VOMITING_AGAIN}|talking (?:strange\w*|weird\w*|funny|nonsense|oddly)|slurr\w*|seeing double|"
    r"double vision|black(?:ing|ed)? out)"
)
# labour before 37 weeks: contractions, the waters gone
_LABOUR = (
    r"(?:(?<!hicks )contractions (?:every|are coming|coming|have started|started)|(?:having|regular|strong) "
    r"contractions|waters (?:have |had )?(?:broke|broken|gone|went)|in labou?r|labou?r "
    r"(?:has )?started)"
)
# pain and bleeding in pregnancy, said as present ("no pain or bleeding" is not)
_PAIN = r"(?<!no )(?<!not )(?<!without )(?<!or )(?:pain|cramp\w*)"
_BLEEDING = r"(?<!no )(?<!not )(?<!without )(?<!or )(?:bleed\w*|blood|spotting)"
_PRETERM = r"(?:only |just )?(?:1\d|2\d|3[0-6]) weeks"
_LIVE_WIRE = (
    r"(?:(?:electric\w*|live|power|mains|high[- ]voltage) (?:cable|wire|socket|outlet|line|fence)s?|"
    r"(?:grabbed|touched|bit|chewed|chewing|biting)(?: \w+){0,2} (?:an? |the |through (?:an? |the )?)?"
    r"(?:cable|wire|socket)s?|(?:stuck|put|poked|pushed) (?:\w+ ){0,3}in(?:to)? (?:the |a )?(?:plug )?"
    r"(?:socket|outlet|plug)s?)"
)
_NECK = (
    r"(?:stiff neck|neck (?:is |feels |so |really |very )*stiff|(?:can't|cannot|unable to|couldn't|won't) "
    r"(?:bend|move|flex|touch|put|get|bring|tuck) (?:\w+ ){0,2}(?:neck|chin))"
)
_MENINGEAL = (
    r"(?<!no )(?<!not )(?<!without )(?:fever|temperature|vomit\w*|being sick|keeps? (?:being sick|"
    r"throwing up)|throw\w* up|light (?:hurts|"
    r"is hurting|bothers)|can't stand the light|photophobia|(?:severe|terrible|raging|awful|worst|splitting|"
    r"excruciating|blinding) (?:\w+ )?headache)"
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
            r"end (?:it all|it tonight|it today|my life|his life|her life|their life|your life|things)",
            r"(?:going to|gonna|want to|planning to) end it",
            r"take (?:my|his|her|their) own life",
            r"(?:wants?|wanna|wish\w*) to die",
            r"(?:standing|sitting|stood|sat) on (?:the|a) (?:bridge|ledge|roof|edge|tracks|railway|cliff)",
            r"(?:going to|gonna|about to|will|i'll) jump\b",
            r"(?:written|wrote|left|finished) (?:my|a) (?:suicide |goodbye |last )?note\b(?! (?:to|for|on|"
            r"about|from))",
            # stockpiling medicines (a means gathered), not a pill box saved for a trip
            rf"(?:saving|saved|stockpil\w*|hoard\w*|stash\w*) (?:up )?(?:\w+ ){{0,2}}{MEDS}\b"
            r"(?! (?:box|case|organi[sz]er|container))",
            r"(?:going to|gonna|about to|i'll|i will|planning to|tonight i'm) (?:take|"
            r"swallow) (?:them all|all of "
            r"them|the lot|(?:\w+ ){0,2}all (?:my|of my|the) )",
            r"(?:cut|slit|slashed|sliced) (?:\w+ )?(?:my|his|her|their) (?:own )?(?:wrists?|throat)",
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
            r"(?:drank|drunk|swallowed|ate) (?:some )?(?:bleach|poison|antifreeze|weed ?killer|detergent)",
            r"poison\w*",
        ),
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
            rf"{_HEAD_BLOW}(?:\W+\w+){{0,12}}?\W+{_HEAD_SIGN}",
            r"one pupil",
            r"(?:fell|fallen|falls) (?:off|from|out of) (?:a |the |our |his |her )?(?:\w+ ){0,2}(?:balcony|"
            r"roof|window|cliff|scaffold\w*|(?:first|second|third|top) floor)",
            r"dent (?:in|on) (?:my|his|her|their|the) (?:skull|head)|(?:skull|head) (?:is |looks )?"
            r"(?:dented|caved)",
            r"(?:vomit\w*|been sick|threw up|throwing up)(?:\W+\w+){0,10}?\W+(?:keeps? (?:falling asleep|"
            r"dozing|"
            r"nodding off)|drowsy|can't stay awake|(?:really|very) sleepy)",
            r"clear (?:fluid|liquid)(?:\W+\w+){0,4}?\W+(?:nose|ears?)|bruis\w* behind (?:his|her|my|"
            r"the) ears?",
            r"(?:asking|repeating) the same (?:question|thing)s?(?:\W+\w+){0,2}?\W+over and over",
            r"(?:soft|boggy|squishy) (?:swelling|lump|bump)(?:\W+\w+){0,3}?\W+(?:head|skull|scalp)\b",
            # a fall, then vomiting again and again (NICE NG232: more than one episode)
            rf"(?:fell|fall(?:en)?|tumbled)(?! asleep)(?:\W+\w+){{0,12}}?\W+{_VOMITING_AGAIN}",
            rf"(?:{_HEAD_BLOW}|{HEAD_WOUND})(?:\W+\w+){{0,16}}?\W+{ANTICOAGULANT}|{ANTICOAGULANT}"
            rf"(?:\W+\w+){{0,16}}?\W+(?:{_HEAD_BLOW}|{HEAD_WOUND})",
            rf"{_HEAD_BLOW}(?:\W+\w+){{0,24}}?\W+(?:more and more|increasingly|getting|becoming) (?:\w+ )?"
            r"(?:confused|drowsy|sleepy)",
            # a head that "exploded" or "burst" with pain, suddenly or with vomiting or sight lost
            r"head(?: \w+){0,2} (?:exploded|burst)(?:\W+\w+){0,10}?\W+(?:vomit\w*|sick|throw\w* up|threw "
            r"up|(?:can't|cannot) see|neck)|sudden\w*(?: \w+){0,3} (?:exploded|burst)",
            # a sudden severe headache said the other way round ("a horrible headache, suddenly")
            r"(?:severe|agonising|agonizing|excruciating|terrible|horrible|awful|worst|massive|intense) "
            r"headache (?:\w+ ){0,2}(?:suddenly|out of nowhere|all of a sudden|came on (?:suddenly|"
            r"all at once))",
        ),
        # a worsening or severe headache with vomiting, double vision or confusion: raised pressure
        soft=(
            r"(?:(?:worse|worsening|severe|terrible|worst|raging|awful|excruciating|splitting|blinding|"
            r"unbearable|massive|horrible|intense) (?:\w+ )?headache|(?:headache|pain in (?:my|his|her|"
            r"the) head) "
            r"(?:\w+ ){0,4}"
            r"(?:worse|worsening|unbearable))"
            r"(?:\W+\w+){0,10}?\W+(?:vomit\w*|been sick|being sick|throw\w* up|threw up|seeing double|"
            r"double vision|confus\w*|drowsy|(?:can't|cannot) see)",
        ),
    ),
    Category(
        "obstetric",
        "NHS 'When to call 999'; NHS 'Ectopic pregnancy'; NHS 'Your baby's movements'; NHS 'Signs "
        "that labour has begun' (cord prolapse, the baby coming before help arrives); NHS 'Vaginal "
        "bleeding in pregnancy'; NHS 'Premature labour and birth'",
        strong=(
            r"(?:see|feel|seeing|feeling) the (?:umbilical )?cord|cord (?:is )?(?:coming out|hanging|out)",
            # ectopic pregnancy, abruption: severe belly, one-sided or shoulder-tip pain
            r"pregnant(?:\W+\w+){0,8}?\W+(?:severe|constant|sharp|terrible|awful|agonising|hard) (?:\w+ )?"
            r"(?:pain|cramp\w*)(?:\W+\w+){0,3}?\W+(?:side|left|right|low|belly|tummy|stomach|abdomen|pelvis|"
            r"shoulder)",
            r"pregnant(?:\W+\w+){0,8}?\W+(?:severe|constant|sharp|terrible|awful|agonising|hard) "
            r"(?:belly|tummy|stomach|abdominal|pelvic|one-sided|shoulder tip) pain",
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
            rf"pregnan\w*(?:\W+\w+){{0,12}}?\W+{_PAIN}(?:\W+\w+){{0,8}}?\W+{_BLEEDING}|"
            rf"pregnan\w*(?:\W+\w+){{0,12}}?\W+{_BLEEDING}(?:\W+\w+){{0,8}}?\W+{_PAIN}",
            # a fall or a blow on the belly in pregnancy (placental abruption)
            r"pregnan\w*(?:\W+\w+){0,16}?\W+(?:fell|fall\w*|slipped|tripped|landed|hit|kicked|punched|struck|"
            r"crash\w*|accident)(?:\W+\w+){0,10}?\W+(?:belly|bump|tummy|stomach|abdomen)",
            # labour before 37 weeks
            rf"{_LABOUR}(?:\W+\w+){{0,10}}?\W+{_PRETERM}|{_PRETERM}(?: pregnant)?"
            rf"(?:\W+\w+){{0,10}}?\W+{_LABOUR}",
        ),
    ),
    Category(
        "burns",
        "NHS 'When to call 999' (severe burns); NHS 'Burns and scalds' (go to A&E: large or deep "
        "burns, white or charred skin, burns to the face, hands or genitals, chemical and electrical burns)",
        strong=(
            r"(?:boiling|scalding) (?:water|oil)|skin (?:is )?(?:coming|peeling) off|electric "
            r"shock|electrocut\w*|(?:touched|touching|grabbed|got hold of) (?:a |the )?live wire",
            r"(?:explosion|exploded|blast|blew up)(?:\W+\w+){0,10}?\W+(?:burn\w*|blister\w*|black|charred|"
            r"hanging)",
            r"(?:burn\w*|scald\w*)(?:\W+\w+){0,8}?\W+(?:large|big|huge|wide) (?:area|patch)|(?:large|big|"
            r"huge|wide) (?:area|patch)(?:\W+\w+){0,8}?\W+(?:burn\w*|scald\w*)",
            r"(?:badly|severely|seriously) burn\w*|(?:big|large|huge|deep|extensive) burns?\b",
            r"(?:burn\w*|oil|fire|flames?|scald\w*|wire|electric\w*)(?:\W+\w+){0,10}?\W+(?:leathery|charred|"
            r"waxy)|(?:leathery|charred|waxy)(?:\W+\w+){0,8}?\W+(?:burn\w*|oil|fire|flames?|scald\w*|wire|"
            r"electric\w*)",
            r"burn\w*(?:\W+\w+){0,8}?\W+(?:doesn't|does not) (?:even )?hurt",
            r"chemical burn|(?:acid|drain cleaner|oven cleaner|caustic|lye|"
            r"alkali)(?:\W+\w+){0,6}?\W+(?:burn\w*|"
            r"in (?:my|his|her|the) eyes?)|burning into (?:the|my|his|her) skin",
            # by site: the face, eyes or mouth
            r"(?:face|eyes?|genitals|groin)(?: \w+){0,3} (?:are |is |got |were |was |have been |has been )?"
            r"(?:badly |severely |all )?(?:burned|burnt|scalded)\b|"
            # a whole limb, a limb blistering badly; a blowtorch, a kitchen fire, hot oil
            r"(?:burned|burnt|scalded)(?: \w+){0,2} (?:whole|entire) (?:\w+ )?(?:arm|forearm|leg|thigh|back|"
            r"chest|hand|foot|side)|(?:whole|entire) (?:\w+ )?(?:arm|forearm|leg|thigh|back|chest|side) "
            r"(?:is |was |got |has been )?(?:burned|burnt|scalded)|"
            r"(?:burn\w*|scald\w*|oil|fire)(?:\W+\w+){0,10}?\W+blister\w* (?:badly|all over|everywhere|"
            r"really bad\w*|straight away)|blowtorch|blow torch|"
            r"(?:burned|burnt|scalded)(?:\W+\w+){0,5}?\W+(?:face|eyes?|throat|genitals|groin)\b|"
            r"burns? (?:on|to|around|across) (?:his|her|my|their|the) (?:face|eyes?|genitals|groin)",
            # by size: most of a back, a chest, a limb
            r"(?:most|half|all|much|the whole) (?:of )?(?:his|her|my|their|the) (?:\w+ )?(?:back|chest|body|"
            r"legs?|"
            r"arms?|face|belly|tummy|stomach)(?: \w+){0,3} (?:burned|burnt|scalded)",
            r"(?:clothes|clothing|dress|shirt|top|hair|skirt|trousers|sleeve|jacket|pyjamas|nightie|"
            r"nightdress|"
            r"coat)(?:\W+\w+){0,3}?\W+(?:caught|catch\w*|set|went up|going up) (?:on )?(?:fire|alight|"
            r"in flames)",
            r"(?:hot|boiling|scalding|sizzling) (?:oil|fat|water|tea|coffee|soup|liquid|milk)"
            r"(?:\W+\w+){0,8}?\W+"
            r"(?:all over|everywhere|(?:big|huge|large|massive) blisters|blisters (?:all over|everywhere)|"
            r"(?:skin|it) (?:is )?(?:peeling|coming off|white|raw))",
            # deep (full-thickness) burns are white and painless
            r"(?:oven|stove|hob|iron|kettle|pan|grill|exhaust|radiator|fire|flames?|hot \w+|burn\w*)"
            r"(?:\W+\w+){0,10}?\W+(?:white|leathery|charred)(?:\W+\w+){0,4}?\W+(?:numb|doesn't "
            r"(?:even )?hurt|"
            r"does not hurt|no pain|painless|can't feel)",
            # by cause: a chemical in the eyes, electricity
            r"(?:chemical\w*|acid|bleach|alkali|caustic|lye|ammonia|cement|lime|solvent|cleaner|cleaning "
            r"(?:fluid|spray|product))(?:\W+\w+){0,4}?\W+(?:in|into|on) (?:my|his|her|their|the|both|one) "
            r"(?:\w+ )?(?:eyes?|face)",
            rf"{_LIVE_WIRE}(?:\W+\w+){{0,10}}?\W+(?:burn\w*|heart|chest|collaps\w*|unconscious|thrown|numb)",
        ),
    ),
    Category(
        "meningitis_sepsis",
        "NHS 'Meningitis' (a rash that does not fade under a glass, a stiff neck, dislike of bright "
        "light); NHS 'Sepsis'; NICE CG151 (neutropenic sepsis: fever during chemotherapy)",
        strong=(
            r"(?:rash|spots|blotches|marks)(?:\W+\w+){0,6}?\W+(?:doesn't|don't|does not|do not|won't|didn't) "
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
