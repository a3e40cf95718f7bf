"""What a red-flag word means when nothing is happening to anyone now: learning, fiction, one's clinical
work or trying the bot out; an idiom; a joke; a thing or an animal that "has" it. Used by
``red_flag_guards.defused``; split out so each module stays readable.
"""

from __future__ import annotations

import re

__all__ = ["IDIOM", "JOKE", "LEARNING", "NOT_A_PERSON"]

# learning or media about the subject
LEARNING = re.compile(
    r"\b(?:school project|course|training|learn\w*|research|essay|documentary|article|podcast|"
    r"lecture|book about|film about|movie about|video about|studying|nurse|cpr|first aid|"
    r"(?:know|learn|read|find out) (?:more |up )?(?:about|on)|information (?:about|on)|triggers|"
    # fiction, one's own clinical work, trying the bot out
    r"exam question|quiz|poem|case study|case scenario|"
    # a story ("in the book the old man chokes", "in the film she overdoses"), not a place named after
    # one ("in the game room", "in the book shop")
    r"in (?:the|a|that) (?:movie|film|show|play|game)"
    r"(?!\w| (?:room|shop|store|club|area|park|centre|center))|"
    r"in (?:the|a|this|that|my) (?:book|novel|story)(?=,| (?:i'm|i am|we're|the|a|an|she|he|they|his|her)\b)|"
    r"clinical scenario|for (?:my |a |the )?class|"
    r"tv (?:series|show)|in the (?:series|show|episode)|thriller|(?:a|my|the) comic(?: book| strip)?|"
    r"cartoon|(?:writing|write|wrote) (?:a |my )?(?:story|"
    r"book|script|thriller|scene)|"
    r"novel|short story|my story|(?:a|the|my|main) character|chapter|heroine|protagonist|screenplay|fiction|"
    # the same in Romanian: writing or playing a script, a play, a character ("nu e un scenariu" is not)
    r"(?:scriu|scrie|scriem|am scris|joc|joaca|jucam|repetam) (?:\w+ ){0,3}?(?:scenariu\w*|piesa\w*|"
    r"personaj\w*|rol\w*)|in piesa de teatru|in (?:film|serial|roman)ul\b|"
    r"role-?play|pretend|imagine (?:someone|somebody|a patient|that)|"
    r"testing (?:the |this |your )?(?:bot|"
    r"chat|"
    r"system|you)|(?:i'm|as) an? (?:paramedic|doctor|medic|medical student|student nurse|"
    r"carer|nurse|"
    r"pharmacist|first aider|lifeguard)|i work (?:in|at|as|"
    r"on) "
    r"(?:the |a |an )?(?:er|a&e|icu|hospital|ambulance|ward|emergency|paramedic|nurse|doctor)|on (?:my |a |"
    r"the )?shift|dream\w*|nightmares?)\b"
)

IDIOM = re.compile(
    r"\b(?:killing me|kill for|could murder|"
    r"dying to|dying of boredom|bored to death|died laughing|"
    r"(?:nearly|almost|practically) (?:had|have|gave (?:me|him|her)|give (?:me|him|her)) an? (?:heart attack|"
    r"stroke|seizure|fit|coronary|cardiac arrest)?|(?:suffocating|drowning|choking) under|"
    r"(?:giving|gave|give) me an? (?:heart attack|stroke|seizure|headache)|"
    r"took my breath away|heart sank|on a plate|bleeding money|heart stopped when|"
    r"choking on (?:all )?(?:this|that|these|the|my) (?:\w+ )?(?:jargon|paperwork|words|information|"
    r"bills|emails|forms|admin|news)|drowning in|the death of me|could pass out|literally dead|"
    r"(?:suffocate|can't breathe) in (?:this|these|here)|"
    r"chok(?:ed|ing|e) (?:\w+ )?(?:during|in|at|on) (?:my |the |a |an |our )?(?:\w+ )?(?:test|exam|interview|"
    r"game|match|speech|presentation|penalty|final|audition|date)|"
    r"(?:suspense|tension|silence|heat|humidity|weather|atmosphere|air in here|room|office|job|relationship|"
    r"place|"
    r"town|family|"
    r"rules|smog|pollution|city|traffic|crowd|house|flat|mask|it)(?: \w+){0,4} (?:is |'s |feels |"
    r"gets )?(?:so |really |just )?suffocating|"
    r"passed out (?:on|in) (?:the |my |his |her )?(?:sofa|couch|bed)\b(?! and)|suffocating (?:heat|humidity|"
    r"atmosphere|job|relationship)|"
    r"(?:(?:want|wanted|wanna|going|about) (?:to )?|could |i'll |gonna )?(?:die|died|dying) of "
    r"(?:embarrassment|shame|cringe|laughter)|chok(?:ing|ed|e) up\b(?! (?:blood|food|bits)))\b"
)

# figures of speech that defuse only a flag inside them: "an overdose of meetings", "killed myself
# laughing" (never "sorry for the overdose of info, my dad has crushing chest pain")
IDIOM_LOCAL = re.compile(
    r"\b(?:kill\w* (?:my|him|her)self laughing|"
    r"kill\w* (?:my|him|her)self (?:at|on|in|doing) (?:the |my |a |spin )?(?:gym|treadmill|spin|run\w*|"
    r"workout|"
    r"training|hills?|class)|"
    # an accident in the kitchen, never one done on purpose
    r"cut\w* (?:my|him|her)self (?:shaving|cooking|chopping|in the kitchen|"
    r"on (?:a|the) (?:tin|can|glass|knife))"
    r"(?!.*\b(?:on purpose|deliberately|again|to (?:feel|hurt|punish|die)))|"
    r"(?:an? |total |real )?overdose of (?:\w+ )?(?:information|info|boredom|drama|cuteness|nostalgia|news|"
    r"meetings|paperwork|homework|memes|emotions|feelings|bureaucracy))\b"
)

# the writer laughing, not someone who laughed and then choked ("he laughed and now something is stuck")
JOKE = re.compile(
    r"(?:\blol\b|\bhaha\w*|\blmao\b|\bjk\b|\b(?:i'm|i am|i was|we're|we are) (?:still |just )?laugh\w*|"
    r"\blaugh\w* (?:so|too) (?:hard|much)|\bmemes?\b|\bhilarious\b|"
    r"\b(?:from|with|of|while) laugh\w*|\bchok\w* laughing|"
    r"\U0001F602|\U0001F480|\U0001F923|\U0001F605)"
)

# an animal or a thing has it ("the cat had a seizure", "my wifi is having a seizure", "my phone is dying")
NOT_A_PERSON = re.compile(
    r"\b(?:cat|dog|pet|puppy|kitten|horse|rabbit|hamster|parrot|phone|battery|laptop|computer|wifi|"
    r"internet|printer|router|app|website|tv|connection|bank account|wallet|money)(?: \w+)? "
    r"(?:is |was |keeps |just )?(?:about to )?(?:had|has|having|die|dying|died|dead|bleeding)\b"
)
