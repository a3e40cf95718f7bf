"""The red-flag list: what sends a patient to emergency services at once, by clinical category, with
the published list each category comes from (docs/red_flags.md cites them in full).

Patterns run on text normalised by ``red_flags.normalise`` (lower case, straight quotes, common
contractions restored, key words' one-letter typos corrected). A *strong* flag is an emergency by
itself; a *soft* flag (breathlessness, bleeding, headache, numbness...) only when no "mild or
long-standing" marker sits in the same clause. Every category is defused the same way (history,
negation, a question about a definition or an image, a hypothetical) in ``red_flags``.

Development cases (not the held-out set) live in tests/bot/test_red_flags.py.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

# A few words between two parts of one sign ("pain in the middle of my chest").
_GAP = r"(?:\W+\w+){0,5}?\W+"
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


_PAIN = (
    r"(?:pain|pains|killing|hurt\w*|pressure|tight\w*|crush\w*|squeez\w*|heavy|heaviness|ache|aching|"
    r"discomfort)"
)

CATEGORIES: tuple[Category, ...] = (
    Category(
        "cardiac",
        "NHS 'When to call 999' (signs of a heart attack); AHA 'Warning signs of a heart attack'",
        strong=(
            rf"chest{_GAP}{_PAIN}",
            rf"chest {_PAIN}",
            rf"{_PAIN}{_GAP}(?:\w+\W+){{0,3}}chest",
            r"heart attack",
            r"clutch\w* (?:at )?(?:his|her|my|their) chest",
            r"cardiac arrest",
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
            r"speech(?:\W+\w+){0,3}?\W+(?:slurred|garbled|weird|strange|wrong|muddled)",
            r"slurr\w*",
            r"(?:can't|cannot|unable to) (?:speak|talk|get (?:my|his|her) words out|"
            r"find (?:my|his|her) words)(?: properly| clearly| normally)?",
            r"words (?:are )?coming out wrong",
            r"weakness (?:on|down) (?:the |one |his |her |my )?(?:left |right |one )?side",
            r"(?:weak|numb|paralys\w*) on one side",
            r"(?:lost|loss of|losing) (?:the )?(?:vision|sight) in one eye",
            r"sudden\w* (?:\w+ )?(?:double vision|blind\w*|lost (?:my |his |her )?(?:vision|sight|balance))",
            r"dragging (?:one|his|her|my) leg",
        ),
    ),
    Category(
        "breathing",
        "NHS 'When to call 999' (severe difficulty breathing, choking, gasping, not able to get words out)",
        strong=(
            r"(?:can't|cannot|can not|unable to|struggl\w* to|barely|hardly|couldn't) (?:\w+ )?breath\w*",
            r"(?:not|stopped|isn't|wasn't) breath\w*",
            r"(?:trouble|difficulty|struggling|problems?) breath\w*",
            r"gasp\w*",
            r"chok\w*",
            r"suffocat\w*",
            r"(?:can't|cannot) (?:get|catch) (?:any |enough )?(?:air|my breath|her breath|his breath)",
            r"(?:lips|face|skin) (?:are |is |look\w* )?(?:turn\w* |going |gone |look\w* )?"
            r"(?:blue|grey|gray|purple)",
            r"(?:ribs|chest) suck\w* in",
            r"grunting",
            r"inhaler (?:isn't|is not|not|doesn't) (?:work|help)\w*",
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
            r"blood (?:is )?(?:everywhere|pouring|spurting|gushing|spraying)",
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
            r"(?:want|wanna|wish) to die",
            r"(?:don't|do not) want to (?:be alive|live|be here|wake up)",
            r"better off without me",
            r"goodbye (?:letter|note)s?",
            r"jump\w* off (?:a |the )?(?:bridge|roof|building|balcony)",
            r"(?:not|don't feel) safe with (?:my|him|her)self",
            r"(?:hurt\w*|harm\w*|cut\w*) (?:my|him|her)sel(?:f|ves)",
            r"self[- ]harm\w*",
            r"hang (?:my|him|her)self",
            r"no (?:point|reason) (?:in )?(?:living|to live|going on)",
            r"i have a plan",
            r"(?:want|wish|need) (?:it all|everything|the pain|this) to (?:stop|end)",
            r"(?:pills|tablets|rope|knife) (?:are )?ready",
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
            r"fitting",
            r"first (?:ever )?(?:fit|seizure)",
            r"convuls\w*",
            r"(?:shaking|jerking|twitching)(?:\W+\w+){0,4}?\W+(?:floor|all over|won't stop|minutes)",
            r"eyes (?:rolled|rolling) back",
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
            r"hasn't come (?:round|around|to)",
            r"(?:losing|lost|loses|keeps losing) consciousness",
            r"floppy",
            r"(?:can't|cannot) (?:feel|move) (?:his|her|my|their) legs",
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
            r"(?:hit|banged|bumped|fell (?:\w+ ){0,4}on(?:to)?) (?:my|his|her|their) head(?:\W+\w+){0,10}?\W+"
            r"(?:vomit\w*|sick|sleepy|drowsy|confus\w*|remember|pupil\w*|waking|unconscious)",
            r"one pupil",
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
            r"rash (?:that )?(?:doesn't|does not|won't|didn't) fade",
            r"purple rash",
            r"(?:agonising|agonizing|excruciating|unbearable) pain",
            r"(?:badly|severely|seriously) burn\w*",
            r"(?:car|motorbike|bike) (?:crash|accident)(?:\W+\w+){0,8}?\W+"
            r"(?:hurt|injured|bleeding|not moving)",
            r"(?:can't|cannot) control (?:my|his|her) (?:bladder|bowels?)",
            r"ambulance",
            r"call (?:112|911|999|an ambulance)",
            r"this is an emergency|emergency!|help,? emergency|it's an emergency|medical emergency",
            r"(?:i'm|i am|he's|he is|she's|she is|someone is|somebody is|they're) dying(?! to| of boredom)",
            r"sos\b",
        ),
    ),
)

COMPILED = tuple((c, *c.compiled()) for c in CATEGORIES)
PERSON = re.compile(rf"\b{_PERSON}\b")
