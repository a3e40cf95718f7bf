"""The red-flag categories named for an injury: a head injury (and a sudden severe headache, which NICE
triages the same way) and burns. Split from ``red_flag_causes`` so each module stays readable; the
patterns are written and run as ``red_flag_rules`` describes.
"""

from __future__ import annotations

from .red_flag_concepts import ANTICOAGULANT, HEAD_WOUND, INFANT_SIGN, Category

__all__ = ["INJURIES"]

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
    r"double vision|black(?:ing|ed)? out|(?:won't|can't|cannot|doesn't|not) stay(?:ing)? awake|"
    r"blood (?:\w+ ){0,2}(?:out of|from) (?:his |her |my |their |the |one )?ears?|drifting in and out|in and "
    r"out of consciousness)"
)
_LIVE_WIRE = (
    r"(?:(?:electric\w*|live|power|mains|high[- ]voltage) (?:cable|wire|socket|outlet|line|fence)s?|"
    r"(?:grabbed|touched|bit|chewed|chewing|biting)(?: \w+){0,2} (?:an? |the |through (?:an? |the )?)?"
    r"(?:cable|wire|socket)s?|(?:stuck|put|poked|pushed) (?:\w+ ){0,3}in(?:to)? (?:the |a )?(?:plug )?"
    r"(?:socket|outlet|plug)s?)"
)

INJURIES: tuple[Category, ...] = (
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
            r"(?:blood|bleeding|fluid)(?: \w+){0,2} (?:from|out of) (?:his |her |my |their |the |one )?ears?"
            r"(?:\W+\w+){0,10}?\W+(?:fell|fall\w*|hit|bang\w*|knock\w*|crash\w*)",
            # NICE NG232: unequal pupils; knocked out in an accident or at sport
            r"pupils? (?:are |look |seem )?(?:different sizes?|unequal|uneven|of different sizes)|"
            r"pupils? (?:aren't|are not|not) (?:the same|equal)|different(?:ly)?[- ]sized pupils",
            r"knocked (?:\w+ )?unconscious|(?:hit|crash\w*|fell|fall|rugby|football|boxing|fight|punched|"
            r"kicked|windscreen|accident|collision|tackle\w*|match|playing)(?:\W+\w+){0,10}?\W+knocked "
            r"(?:\w+ )?out\b|knocked out (?:\w+ ){0,2}(?:playing|during|in the|at the|by a)",
            # a baby who fell and is now drowsy, not feeding or has a soft swelling (NICE NG232, under-1s)
            rf"(?:baby|infant|newborn|toddler)(?:\W+\w+){{0,6}}?\W+(?:fell|rolled|dropped|fall\w*|tumbled)"
            rf"(?:\W+\w+){{0,16}}?\W+(?:{INFANT_SIGN}|drowsy|sleepy|(?:soft|boggy) (?:swelling|lump|bump)|"
            rf"not "
            r"(?:acting|behaving) (?:right|normal\w*|herself|himself)|not (?:herself|himself))",
            r"(?:big|large|huge) (?:bump|lump|swelling) on (?:my |the |our )?(?:baby|infant|"
            r"newborn)(?:'s)? head",
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
            r"burns? (?:on|to|around|across) (?:his |her |my |their |the )?(?:face|eyes?|genitals|groin)",
            r"(?:burned|burnt|scalded) (?:really |very |so )?(?:badly|severely|bad)\b",
            # a hot liquid spilt over someone; blisters or blackened skin from a burn's cause
            r"(?:hot|boiling|scalding) (?:oil|water|fat|tea|coffee|soup|milk)(?:\W+\w+){0,6}?\W+"
            r"(?:onto|over|all over) "
            r"(?:him|her|them|me|himself|herself|themselves|myself|his|my|the (?:baby|child|kid))\b",
            r"(?:kettle|boiling|hot (?:oil|water|fat)|scald\w*|steam|fire|flames?)(?:\W+\w+){0,8}?\W+"
            r"(?:huge|big|large|massive) blisters?|"
            r"(?:huge|big|large|massive) blisters?(?:\W+\w+){0,8}?\W+"
            r"(?:kettle|boiling|hot (?:oil|water|fat)|scald\w*|steam|fire|flames?)",
            r"scald\w*(?:\W+\w+){0,8}?\W+blister\w*",
            r"(?:acid|bleach|caustic|chemicals?|drain cleaner)(?:\W+\w+){0,8}?\W+skin (?:is )?"
            r"(?:turning|going|gone|went|turned) (?:black|white|grey|gray)",
            r"burn\w* (?:on|over|across|covering|down) (?:the |his |her |my |their )?(?:whole|entire|most of|"
            r"half)",
            r"burn\w* (?:is |are |looks )?(?:huge|massive|enormous|really big|very big|the size of)",
            # blistering sunburn that makes someone ill (NHS 'Sunburn', 'Heatstroke')
            r"(?:sunburn\w*(?:\W+\w+){0,4}?\W+blister\w*|blister\w* sunburn)(?:\W+\w+){0,10}?\W+(?:shiver\w*|"
            r"shaking|vomit\w*|being sick|faint\w*|dizzy|confus\w*)",
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
)
