"""The red-flag categories named for a cause: self-harm, poisoning, a head injury, pregnancy, and
the other signs of NHS 'When to call 999' (burns, meningitis and sepsis, sudden confusion, a serious
accident). The categories named for a failing body system, and how patterns are written and run, are
in ``red_flag_rules``; the building blocks are ``red_flag_concepts``.
"""

from __future__ import annotations

from .red_flag_concepts import CHILD, LOTS, MEDS, Category

__all__ = ["CAUSES"]

CAUSES: tuple[Category, ...] = (
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
