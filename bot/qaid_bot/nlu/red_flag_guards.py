"""What makes a red-flag word *not* an emergency now: the guards ``red_flags.assess`` applies to each
flag it finds, by concept rather than by sentence.

- negation just before the flag, within its phrase ("no chest pain", "I'm not suicidal"; not across
  a comma: "no, she's having an asthma attack");
- an idiom or a joke ("this waiting is killing me", "my wifi is having a seizure", "... lol");
- something that is not a person has it ("the cat had a seizure");
- the past, near the flag ("I had a stroke in 2019", "choked on a grape last week"; a flag made of
  a risk and a sign is dated by its sign: "chemo last week, a fever now" fires) or settled for
  the whole clause ("the cardiologist said my heart is fine", "I'm doing well now", "it came out");
- care given or under way, told after the flag in the message ("my son collapsed at football, but
  the ambulance crew are with him", "treated in A&E"), unless help is still asked for or it is
  getting worse;
- a hypothetical, a general question or learning ("what if he has another stroke one day",
  "can stress cause chest pain?", "how can you tell if someone is having a stroke?" — not "... if my
  dad is" —, "a documentary about overdoses");
- a question about an image, a report or what a finding means ("my chest X-ray", "could the
  spots mean ...?"); an adrenaline pen carried, spare or prescribed; swollen lips after a filler;
- a habit, or a mild or long-standing soft sign ("I have seizures sometimes", "a bit short of
  breath on hills for years"), or chest pain with a muscular cause and no cardiac feature.

A present, acute cue ("right now", "for 20 minutes", "help", "suddenly") outweighs the
image/informational/habit guards. Suicidal statements are never defused by a condition, an image,
a habit, a joke or a reassurance ("if the scan shows cancer I'll kill myself" is a crisis): only by
negation, the past near it, an idiom, learning about the subject when the flag is not said of
oneself and no one asks how to help someone ("a book about suicide prevention", not "I read about it
and want to kill myself", not "how should I respond when my friend talks about suicide"), or a
helpline asked for a possible future with no word of now ("if i ever get the urge to cut myself
again, which helpline can i ring?"; not with "tonight", "a plan", "already").
"""

from __future__ import annotations

import re

from .red_flag_care import CARE_GIVEN, people
from .red_flag_contexts import IDIOM, IDIOM_LOCAL, JOKE, LEARNING, NOT_A_PERSON

__all__ = ["CARE_GIVEN", "SERVICE", "TOPIC", "defused", "people", "segment"]

SUICIDE = "suicide_self_harm"
CARDIAC = "cardiac"
STROKE = "stroke"
ANAPHYLAXIS = "anaphylaxis"

# the flag happened long ago: checked in the part of the clause around the flag only, so that
# "chest pain for half an hour, he had a stent put in 2 years ago" still fires
_PAST = re.compile(
    r"\b(?:(?:19|20)\d\d|\d+ (?:years?|months?|weeks?|yrs?) ago|(?:a|one|two|three|few|couple of) "
    r"(?:years?|months?|weeks?) ago|years ago|months ago|weeks ago|ages ago|years back|"
    r"last (?:year|month|week|summer|winter|spring|autumn|fall|christmas|weekend|time|(?:mon|tues|wednes|"
    r"thurs|fri|satur|sun)day)|being (?:seen|treated|checked|assessed|monitored|looked at) (?:for|with|"
    r"after)|"
    r"(?:in|since) (?:january|february|march|april|may|june|july|august|september|october|november|"
    r"december)|as a (?:kid|child|teenager|baby|toddler|student)|as (?:a )?toddlers?|when (?:i|he|"
    r"she|we|they) "
    r"(?:was|were)|in (?:college|school|uni|university)|used to|in the past|history of|(?<!at "
    r")once\b(?! (?:more|again))|"
    r"grew out|died (?:of|from|by)|survived|since birth|previous|old (?:infarct|stroke|bleed|injury)|"
    # the same in Romanian: "acum 5 ani" (5 years ago), "anul trecut" (last year), "in copilarie"
    r"acum (?:\d+|un|o|doi|doua|trei|cativa|cateva|multi|multe) (?:ani|an|luni|luna|saptamani)|"
    r"anul trecut|luna trecuta|in copilarie|cand (?:era|eram) (?:mic|mica|copil|in liceu|in facultate)|"
    r"de atunci nimic|(?:am|a|au|ai) avut (?:\w+ ){0,4}?in (?:liceu|facultate)|"
    # care already given: the ambulance came, a hospital visit on an earlier day
    r"(?:the )?(?:ambulance|paramedics) (?:already |have |has )?(?:came|come|took|taken|arrived|picked)|"
    r"(?:was|were|been|got) admitted (?:with|for|after)|"
    r"(?:is|are|he's|she's|i'm|they're) (?:still |now )?in (?:the )?(?:icu|intensive care|hospital|ccu|"
    r"cardiology|"
    r"ward|rehab) (?:after|with|following|because of|for)|"
    r"(?:was|were|went|been) (?:in|at|to|"
    r"taken to|rushed to|admitted to) (?:the )?(?:er|a&e|hospital|emergency room)(?: \w+){0,3} "
    r"(?:last night|yesterday|on \w+day))\b"
)
# an earlier day; with an event that ends by itself told in the past tense ("passed out drunk last
# night") it is a report. Not an ingestion: tablets or a battery swallowed yesterday still need care now.
_EARLIER_DAY = re.compile(
    r"\b(?:last night|yesterday|the other day|on (?:mon|tues|wednes|thurs|fri|satur|sun)day|"
    r"ieri|alaltaieri|aseara|saptamana trecuta)\b"  # Romanian: yesterday, last night, last week
)
# ... and Romanian "a lesinat" / "s-a prabusit" (fainted, collapsed: a finished event)
_PAST_TENSE_FLAG = re.compile(r"^(?:passed|collapsed|fainted|choked|couldn't|lesinat|s-a prabusit)\b")
# a stroke sign denied inside its own words ("my face isn't drooping"); the sign patterns span the verb
_SIGN_DENIED = re.compile(
    r"\b(?:isn't|is not|aren't|are not|wasn't|not)\W+(?:\w+\W+)?(?:droop\w*|crooked|lopsided|slurr\w*|"
    r"sagg\w*|"
    r"fallen|hanging)"
)
# a story told from a dated start ("in 2018 I had a crash, was unconscious for two days"): a past-tense
# flag in it is history
_DATED_START = re.compile(
    r"^\W*(?:\w+\W+){0,3}?(?:in|back in) (?:19|20)\d\d\b|^\W*(?:\w+\W+){0,3}?\w+ years ago\b"
)
_PAST_VERB = re.compile(r"\b(?:was|were|had|went|got)\b")
# the earlier time named only to say it is happening again now ("now again the same pain like last time")
_RECURRING_NOW = re.compile(r"\b(?:now again|again now|(?:same|just) (?:\w+ ){0,3}(?:like|as) last time)\b")
_ONGOING = re.compile(r"\b(?:still|again|since then)\b")
# the flag is told as a past act ("attempted suicide", "tried to kill myself") in a clause dated long ago
_PAST_ACT = re.compile(r"\b(?:attempted|tried to|tried|made an? (?:\w+ )?attempt at)\W+(?:\w+\W+){0,1}$")
# ... or as something someone had ("she had heavy bleeding in her first pregnancy, 8 years ago"); not
# "I've had chest pain for an hour", and not a flag with a present cue (``_ONGOING``)
_HAD = re.compile(r"(?<!'ve )(?<!have )(?<!has )\b(?:had|suffered|went through)\W+(?:\w+\W+){0,2}$")
# an adrenaline pen carried or prescribed, not used
_CARRIED = re.compile(
    r"\b(?:carr(?:y|ies|ying)|prescribed|keeps?|given) (?:an? |his |her |my |their )?(?:(?:two|2|spare|extra|"
    r"second|back-?up) )?$"
)
# ... or named as a thing: "an epipen prescription", "his epipens expire"
_PEN_AS_AN_OBJECT = re.compile(
    r"^s?\W*(?:prescription|prescribed|refill|expir\w*|training|trainer|holder|case|pouch)\b"
)
# settled: the whole clause is about something over and cleared
_RESOLVED = re.compile(
    r"\b(?:well controlled|recover\w*|rehab\w*|back to normal|is fine now|"
    r"(?<!if )(?:he's|she's|i'm|i am|they're) "
    r"(?:fine|ok|okay|doing (?:well|fine|ok)|clean|sober)(?: now)?|(?:home|better) now|doing "
    r"(?:well|fine) now|"
    r"(?:stopped|settled|eased|passed|calmed down) (?:straight away|on its own|by itself|hours ago|"
    r"(?:in|after|within) (?:\w+ ){1,2}(?:minutes|mins|seconds))|no longer|it stopped|"
    # the patient is stable
    r"(?:is|are|he's|she's|they're|now) (?:now )?(?:stable|discharged)|"
    r"(?:has|have) stopped(?! (?:working|moving|breathing|responding|making))|(?:has|"
    r"have) completely resolved|"
    r"resolved|healed|"
    r"(?:doesn't|does not|don't|isn't) (?:hurt|ache|bleed)\w* (?:anymore|any more)|"
    r"(?:said|says|told (?:me|us|him|her)|confirmed)(?:\W+\w+){0,8}?\W+(?:fine|ok|okay|nothing|"
    r"just|only|normal|harmless|migraine|muscle|anxiety|stress|panic)|turned out (?:to be "
    r")?(?:fine|ok|okay|nothing|just|only)|"
    r"in the end|none since|"
    r"no (?:\w+ )?(?:seizures|fits|attacks) (?:since|for)|without (?:a |any )?(?:seizures?|fits?)|"
    r"since (?:my|his|her) (?:stroke|heart attack|operation)|"
    r"after (?:my|his|her|the|their) (?:stroke|heart attack|overdose|seizure|head injury)|"
    r"(?<!not )going well|"
    # Romanian: "si-a revenit" (came round), "acum e bine" (fine now)
    r"si-a revenit|(?:acum )?e bine acum|acum (?:e|este) bine)\b"
)
# the flag is denied ("no chest pain", "I don't have trouble breathing", "not suicidal")
_NEGATION = re.compile(
    r"\b(?:no|not|never|without(?! thoughts?\b)|don't have|do not have|doesn't have|haven't had|"
    r"haven't got|didn't|did not|"
    r"don't (?:feel|get|think)|isn't|nothing like|free of|denies|"
    r"nu(?! (?:stiu|stim|stie|inteleg|pot|poate|cred|mai))|n-are|n-am|fara(?! sa))[^\w,]+"
    r"(?:(?!and\b|si\b)\w+[^\w,]+){0,2}$"
)
# a stretch without the thought ("six months without thoughts of suicide"), denied like "no", but never
# "I can't go a single day without thoughts of killing myself" (a struggle, not a denial)
_NO_THOUGHTS = re.compile(
    r"^(?!.*\b(?:can't|cannot|couldn't|never|not|hardly|barely|single|struggle\w*)\b).*\bwithout (?:any )?"
    r"(?:thoughts?|urges?) (?:of|about)\W+$"
)
# "would I even know if I was having a heart attack in my sleep?": how the flag just named would show,
# asked with no word of now (another flag in the message is read as it stands)
_HOW_IT_SHOWS = re.compile(
    r"\bwould (?:i|you|we) (?:even |actually )?(?:know|notice|feel|reali[sz]e) if "
    r"(?:i|you|we|someone|a person) (?:was|were) (?:having (?:an? )?(?:\w+ )?)?$"
)
# learning words beside a real event: "the lecturer collapsed for real", "she's actually choking"
_REAL_EVENT = re.compile(
    r"\bfor real\b|\bactually\b|\b(?:is|are|he's|she's) (?:choking|fitting|wheezing|turning blue)\b|"
    r"\bgenuinely\b|\bstill (?:isn't|is not|not) (?:breathing|waking|responding)\b"
)
_JOB = (
    r"\b(?:i'm|i am|as) an? (?:\w+ )?(?:nurse|nursing student|student|paramedic|doctor|medic|carer|"
    r"pharmacist|first aider)\b"
)
# one's work named beside one's own event or someone of one's own: "I'm a nursing student, my flatmate
# just collapsed", "I'm a nurse and I've swallowed 40 paracetamol" are about them, not the work
_OWN_PERSON_AT_WORK = re.compile(
    _JOB + r".*(?:\bi(?:'ve| have)? (?:just )?(?:had|took|taken|swallowed|ate|cut)\b|\bi feel\b|"
    r"\bmy (?:words|speech|face|chest|tongue|throat|lips)\b|\b(?:my|our) (?:mum|mom|mother|dad|father|"
    r"husband|wife|partner|son|daughter|baby|child|kid|brother|sister|flatmate|roommate|housemate|friend|grandad|"
    r"grandpa|grandma|nan|granny|boyfriend|girlfriend|uncle|aunt|neighbour|toddler)s?\b)"
)
_JOB_PHRASE = re.compile(_JOB)
# "if I was / were" right before a suicidal word: oneself now, never a question about people in general
_IF_I_WAS = re.compile(r"\bif i (?:was|were)\b[^,]*$")
# one's own medicines, all of them, as a hypothesis ("would anyone notice if I took all my pills"): a
# crisis said as a question, never a hypothetical
_OWN_MEANS = re.compile(
    r"\bif (?:i|i'd) (?:took|take|swallowed|swallow|drank|had) (?:all|every one|the whole \w+|the rest) "
    r"(?:of )?my\b"
)
# asking what something is: informational
_INFO = re.compile(
    r"^\W*(?:what|what's|whats|at what age(?!.*(?:,|\b(?:my|mine|his|her|our)\b))|how|why|define|explain|"
    r"can you explain|could you explain|"
    # Romanian "what is / what does … mean / what are the signs of <a term>?", the whole question only:
    # never "ce este asta, mama are convulsii" (what is this, mum is having a seizure)
    r"(?:ce (?:este|inseamna|sunt)|care sunt (?:semnele|simptomele)) (?:\w+ ?){1,4}\W*$|"
    r"tell me about|"
    r"is it true|which|where can|meaning of|difference between|are there signs|what are|is an? |"
    r"is (?:\w+ ){1,3}(?:always|usually|normally|necessarily)\b|can (?:i|we) (?:overdose|od) on|"
    r"are (?:\w+ ){1,3}(?:for|used for|good for|safe for)\b|(?:is|are) (?:\w+ ){1,6}(?:worse|better|more "
    r"\w+|less \w+) than\b|"
    r"can (?:you|someone|people|a person|one) (?!help|please|call|send|come)\w+ on|"
    r"does (?:an? |the )?(?!(?:my|his|her)\b)\w+ (?:cause|mean|increase)|are \w+ dangerous|"
    # "are the berries on that tree poisonous?", not "are the pills she swallowed dangerous?"
    r"are (?:the |these |those )?(?!.*\b(?:swallowed|ate|eaten|drank|took|taken)\b)(?:\w+ ){1,6}"
    r"(?:dangerous|poisonous|toxic))\b"
)
_IMAGE = re.compile(
    r"\b(?:scan|scans|mri|ct|x-?rays?|xrays?|image|images|picture|pictures|radiograph|report|letter|"
    r"referral|ecg|imaging|film|slice|results?|sequence|mask|outline|angiogram|form)\b"
)
# an image only mentioned as something to send ("I'll send the x-ray later, my kid is choking") is no
# question about the image: the rest of the clause is read as it stands
_IMAGE_ERRAND = re.compile(
    r"\b(?:i'll|i will|i'm going to|going to|gonna|let me|i can|will) "
    r"(?:send|upload|share|attach|show)\b[^,]*"
)
# nothing is happening: a condition, prevention, risk, a general medical question
_CONDITIONAL = re.compile(
    # not "I don't know if he is breathing", "can't tell if she's conscious": a live doubt, no hypothesis
    r"\b(?:(?<!know )(?<!sure )(?<!tell )(?<!see )(?<!check )(?<!wonder )(?<!asks )(?<!ask )"
    r"if (?:i|he|she|my|someone|somebody|they|it|a|you|the) "
    r"|if ever|in case|one day|prevent\w*|"
    r"(?<!i )(?<!i'd )suppos(?:e|ing)|imagine (?:i|if|he|she|my|someone|somebody|you|we)|let'?s say|"
    r"say (?:i|someone) |"
    r"hypothetical\w*|theoretically|in theory|could (?:i|you|he|"
    r"she|someone|a person|one) (?:\w+ )?(?:choke|overdose|od|die|bleed|have an?)\b|"
    r"risk|warning signs|signs of|how long after|asking for|could cause|can cause|causes?\b|"
    r"what happens|what would happen|is it common|can make (?:you|people|someone)|is that true|"
    r"side effects?|same as|is it (?:safe|dangerous)|dangerous to|should i (?:keep|tell)|is "
    r"(?:that|it) a problem|"
    r"(?:can|could|does|do) (?:an? |the )?\w+ (?:\w+ )?(?:make|cause|lead to)|make you|makes you|"
    r"(?:scared|afraid|worried|frightened|terrified|fear) (?:of|about|that)|fear of|"
    # Romanian, generic forms only: "daca cineva" (if someone), "in caz ca" (in case), "ce faci cand"
    # (what does one do when); never "nu stiu daca" (I don't know if) or "ce fac daca" (what do I do if)
    r"daca cineva|in caz ca|ce faci (?:cand|daca))\b"
)
# a medicine or a step before a procedure ("should I stop warfarin before my surgery"): hypothetical
# unless something is happening now ("the contrast for the CT, and now my throat is closing")
_PROCEDURE = re.compile(r"\b(?:for|before) (?:my |the |a )?(?:surgery|operation|procedure|scan|mri|ct)\b")
# "having" or "right now", or CPR being done: the learning guard ("cpr", "first aid") does not apply
_HAPPENING = re.compile(
    r"\b(?:is|am|are|i'm|he's|she's|they're|we're) having\b|\bright now\b|"
    r"\b(?:doing|giving|started|continuing) (?:cpr|chest compressions|rescue breaths)\b|"
    # a sign told in the present beside a question ("would you notice if someone was having a stroke,
    # my mum's face is drooping"; "studying for revision and my chest is crushing"): it is happening
    r"\b(?:my|his|her|our) (?:\w+'s )?(?:left |right )?(?:face|speech|arm|leg|chest|tongue|lips?|throat|"
    r"breathing) (?:is|are|feels?|went|has gone|keeps) (?:\w+ )?(?:droop\w*|numb|weak|dead|heavy|floppy|"
    r"slurr\w*|crush\w*|swell\w*|swollen|closing|blue|tight\w*|going|stopping|rattl\w*)\b|"
    r"\bi (?:have|'ve got|got) (?:crushing|severe|sudden) (?:\w+ )?(?:pain|headache|weakness|numbness|"
    r"breathless\w*|swelling)\b|"
    r"\bi can't (?:lift|move|swallow|breathe|talk|speak)\b"
    r"(?! (?:to|with|about|tablets|pills|my (?:appointment|\w+ appointment))\b)|"
    # an amount already taken beside a question ("would I even notice if I was overdosing, I've had 20
    # nurofen and a bottle of wine")
    r"\bi(?:'ve| have)? (?:just )?(?:had|took|taken|swallowed) (?:\d+|all|a whole|half a|a bottle)\b"
)
# present, personal and acute: overrides the image, informational and habit guards
_ACUTE = re.compile(
    r"\b(?:right now|now|just|suddenly|sudden|all of a sudden|out of nowhere|started|keeps?|"
    r"is having|are having|am having|i'm having|he's having|she's having|help|please|hurry|asap|"
    r"won't stop|getting worse|tonight|minutes|mins?|an hour|half an hour|this morning|since i woke|"
    r"what do i do|what now|send someone|already (?:took|taken|swallowed|drank|had)|"
    # Romanian: now, help, please, quickly, suddenly, won't stop, what do I do
    # (not "acum 5 ani", five years ago)
    r"acum(?! (?:\d+|o|un|doi|doua|trei|cateva|cativa|mult|multi|multe)\b)|ajutor|va rog|repede|urgent|"
    r"brusc|dintr-o data|nu se opreste|ce (?:sa )?fac)\b"
)
_ACUTE_SIGN = re.compile(
    r"\b(?:right now|suddenly|sudden|all of a sudden|out of nowhere|help|please|hurry|asap|won't stop|"
    r"getting worse|spreading|what do i do|what now|send someone)\b"
)
# a habit: no emergency unless an acute cue says this time is different
_HABITUAL = re.compile(
    r"\b(?:sometimes|occasionally|from time to time|now and then|on and off|comes and goes|every "
    r"(?:day|week|month|morning|night)|usual|as usual|again and again|i (?:usually |often |always )?get)\b"
)
# a soft flag with these is mild or long-standing, not an emergency
_MILD = re.compile(
    r"\b(?:a bit|a little|slight\w*|mild\w*|for years|for months|usual|"
    r"after (?:jogging|running|exercise|coffee|climbing)|climbing stairs|when i (?:sleep|sit|run|walk)|"
    r"briefly|at night|only when|small|tiny|just a scratch|when i'm anxious|passes|wheezy|since covid|"
    r"improving|getting better)\b"
)
# chest pain with a muscular or digestive cause and none of a heart attack's features
_MUSCULAR = re.compile(
    r"\b(?:muscles?|pulled|bench|gym|workout|lifting|press on it|when i (?:cough|press|move|twist)|"
    r"heartburn|reflux|indigestion|after (?:dinner|meals|eating))\b"
)
# ... or mild and passing by itself ("a bit tight when I'm stressed, goes away when I relax")
_SELF_LIMITING = re.compile(
    r"\b(?:goes|go|went|fades?|passes|settles?|eases?) (?:away |off )?(?:when|after|if|once|on its own|"
    r"by itself|with rest)|when i(?:'m| am| get) (?:stressed|anxious|nervous|worried|upset|tired)\b"
)
_CARDIAC_FEATURE = re.compile(
    r"\b(?:arm|jaw|neck|back|shoulder|sweat\w*|clammy|grey|gray|pale|breath\w*|faint\w*|dizzy|sick|"
    r"vomit\w*|crushing|severe|badly|spreading)\b"
)
# a local cause explains a numb or weak limb or face: an injury, an injection, the dentist
_LOCAL_CAUSE = re.compile(
    r"\b(?:sprain\w*|twisted (?:\w+ )?(?:ankle|knee|wrist|back|neck|foot)|ankle|knee|broke|broken|"
    r"fracture\w*|injection|jab|vaccine|dentist|"
    r"anaesthetic|anesthetic|numbing|cast|slept on it|sleep on it|pins and needles|filling|"
    r"tooth (?:out|pulled|extract\w*)|root canal)\b"
)

# ... unless the message says it is still going on or asks for help now
_STILL_NEEDS_HELP = re.compile(r"\b(?:still|again|help|please|hurry|what do i do|getting worse|worse)\b")
# a question about anyone: "how can you tell if someone is having a stroke?", "are most overdoses ...";
# not when the clause names someone of one's own ("how do I know if my dad is having a stroke")
_GENERIC_QUESTION = re.compile(
    r"^\W*(?:how (?:do|can|would|could|will|should|does) (?:you|i|we|one|people|a person|anyone|someone) "
    r"(?:\w+ )?(?:know|tell|recogni[sz]e|spot|notice|check|be sure|help|treat|save)|(?:are|do|does|is) "
    r"(?:most|many|all|"
    r"some) |how (?:many|often|common))\b"
)
_OWN = re.compile(r"\b(?:my|his|her|our|their|me|him|i'm|i've)\b")
# what a finding means: "could these dark patches mean a bleed?"
_FINDING_MEANS = re.compile(
    r"^\W*(?:could|can|does|do|would|might|will) (?:the|these|those|this|that) (?:\w+ ){0,2}(?:spots?|"
    r"lesions?|findings?|shadows?|areas?|dots?|lines?|marks?|changes?|results?)(?: \w+){0,4} mean\b|"
    # or what a spot on the image is, asked and nothing else: "is this dark area on the lung a collapsed
    # lung?" (never "are these purple marks on my baby meningitis", nor a question followed by signs)
    r"^\W*(?:is|are) (?:this|that|these|those) (?:\w+ ){0,2}(?:spots?|shadows?|areas?|dots?|patch(?:es)?|"
    r"blobs?|marks?|lines?) (?:on|in) (?:(?:the|this|my|his|her) (?:scan|x-?ray|image|picture|film|mri|ct)|"
    r"(?:the|this) (?:lungs?|brain|heart|chest))\b(?:\W+\w+){0,4}\W*$"
)
# a helpline asked for a possible future ("if i ever get the urge to cut myself again, which helpline?"),
# with no word of now: a plan, tonight, already
_FUTURE_HELPLINE = re.compile(
    r"^\W*(?:if i ever|if i\b(?=.*\bin (?:the )?future\b)|should i ever)\b.*\b(?:number|helpline|hotline|"
    r"line|who to (?:call|ring|contact)|"
    r"who (?:can|do|should) i (?:call|ring|contact|talk to)|where (?:can|do) i (?:get|find) help)\b"
)
# how to help someone: "how should I respond", "what do I say to him"
_HELPING = re.compile(
    r"\b(?:how (?:do|can|should|could|would) (?:i|we|you) (?:best )?(?:help|support|respond|react|talk to|"
    r"deal with|answer|reply)|what (?:should|do|can|could) (?:i|we) (?:say|do)|how to (?:help|support|"
    r"respond|react|talk to))\b"
)
# a word of now that keeps a flag after "when I" / "if I" ("every time I cut myself it takes 10
# minutes" stays generic: minutes and "just" are no such word here)
_NOW_WORD = re.compile(r"\b(?:right now|now|tonight|today|already|help|please)\b")
_NOW = re.compile(r"\b(?:now|tonight|today|right now|at the moment|currently|plan|already|going to|gonna)\b")
# swollen lips with a cosmetic or local cause and no airway sign
_COSMETIC = re.compile(r"\b(?:fillers?|botox|lip injections?|dentist|dental|punched|split lip|cold sore)\b")
_AIRWAY = re.compile(r"\b(?:breath\w*|throat|swallow\w*|wheez\w*|tongue|hives|faint\w*|dizzy)\b")
_FIRST_PERSON = re.compile(r"\b(?:i|i'm|i'll|i've|i am|i will|my|me|myself)\b")
# a generic case, not this one: "when I cut myself I bleed a lot", "if you stop breathing"
_GENERIC = re.compile(r"\b(?:when|whenever|if|every time) (?:i|you|someone|somebody|people) $")
# words of the red-flag topics, for mentions with no flag (``red_flags._topic_mention``)
TOPIC = re.compile(
    r"\b(?:emergenc\w*|urgent\w*|dying|die|died|dead|death|heart|breath\w*|blood|bleed\w*|seizures?|fits?|"
    r"strokes?|overdos\w*|chok\w*|collaps\w*|faint\w*|passed out|surgery|bypass|suicid\w*|ambulance|"
    r"chest|allerg\w*|poison\w*|unconscious|attack)\b"
)
# an emergency service named, not called for: "the emergency department", "the emergency number"
SERVICE = re.compile(
    r"\b(?:emergency (?:department|room|number|services?|contact|unit|ward)|a&e|er doctor|the er)\b"
)
_SEGMENT_BREAK = re.compile(r",|;|\band\b|\+|\(|\)")


def segment(clause: str, span: tuple[int, int]) -> str:
    """The part of ``clause`` around the flag at ``span``, between commas and "and"s."""
    start = max((m.end() for m in _SEGMENT_BREAK.finditer(clause, 0, span[0])), default=0)
    after = _SEGMENT_BREAK.search(clause, span[1])
    return clause[start : after.start() if after else len(clause)]


def _overlap(a: tuple[int, int], b: tuple[int, int]) -> bool:
    return a[0] < b[1] and b[0] < a[1]


def _idiom(clause: str, span: tuple[int, int]) -> bool:
    """An idiom defuses a flag inside it ("gave me a heart attack") or apart from it, but not a flag
    that reaches beyond it ("my chest is killing me"); a local figure only a flag inside it."""
    local = IDIOM_LOCAL.search(clause)
    if local is not None and local.start() <= span[0] and span[1] <= local.end():
        return True
    idiom = IDIOM.search(clause)
    if idiom is None:
        return False
    return idiom.start() <= span[0] and span[1] <= idiom.end() or not _overlap(idiom.span(), span)


def _not_a_reaction(clause: str, span: tuple[int, int]) -> str | None:
    """An adrenaline pen carried, spare or prescribed; swollen lips after a filler with no airway sign."""
    if _CARRIED.search(clause[: span[0]]) or _PEN_AS_AN_OBJECT.search(clause[span[1] :]):
        return "carried, not used"
    if _COSMETIC.search(clause) and not _AIRWAY.search(clause):
        return "local cause"
    return None


def _generic(clause: str, span: tuple[int, int], category: str) -> bool:
    """ "When I climb stairs I get chest pain" is generic; "would anyone notice if I took all my pills
    tonight" is not (a word of now), nor "would you even care if I killed myself" (a crisis said as a
    hypothesis; "when I cut myself I bleed a lot" stays generic)."""
    generic = _GENERIC.search(clause[: span[0]])
    if generic is None or _NOW_WORD.search(clause):
        return False
    flag = clause[span[0] : span[1]]
    own_crisis = category == SUICIDE and "kill" in flag and bool(_FIRST_PERSON.search(flag))
    return not (generic.group().startswith("if") and own_crisis)


def defused(
    clause: str, span: tuple[int, int], category: str, soft: bool, cared_for: bool = False
) -> str | None:
    """Why the flag of ``category`` found at ``span`` of ``clause`` is no emergency now, or None.
    ``cared_for``: the message says, after the flag, that care was given or is under way
    (``CARE_GIVEN``)."""
    # a flag made of a risk and a sign ("chemo last week ... now a fever") is dated by its sign, at the end
    near = segment(clause, (max(span[0], span[1] - 1), span[1]))
    before = clause[: span[0]]
    if _NEGATION.search(before) or _NO_THOUGHTS.search(before):
        return "negated"
    if (
        category != SUICIDE
        and _HOW_IT_SHOWS.search(before)
        and not _ACUTE.search(clause)
        and not _HAPPENING.search(clause)
    ):
        return "hypothetical"
    if _generic(clause, span, category):
        return "generic"
    if _idiom(clause, span):
        return "idiom"
    if category == STROKE and _SIGN_DENIED.search(clause[span[0] : span[1]]):
        return "negated"
    if (_PAST.search(near) and not _RECURRING_NOW.search(clause)) or (
        category != SUICIDE and _RESOLVED.search(clause)
    ):
        return "history"
    if (
        _PAST.search(clause)
        and (_PAST_ACT.search(before) or (_HAD.search(before) and not _ACUTE.search(clause)))
        and not _ONGOING.search(clause)
    ):
        return "history"
    if _DATED_START.search(clause) and _PAST_VERB.search(near) and not _ACUTE.search(clause):
        return "history"
    if (
        _EARLIER_DAY.search(near)
        and _PAST_TENSE_FLAG.search(clause[span[0] : span[1]])
        and not _ACUTE.search(clause)
        and not _ONGOING.search(clause)
    ):
        return "history"
    if category == ANAPHYLAXIS and (why := _not_a_reaction(clause, span)):
        return why
    if category == SUICIDE:
        if _FUTURE_HELPLINE.search(clause) and not _NOW.search(clause):
            return "a helpline asked for the future"
        # "a book about suicide" is learning; "I read about it and I want to kill myself" is not; nor
        # is how to help someone who talks of it: that person may be at risk now (the emergency answer)
        if _FIRST_PERSON.search(clause[span[0] : span[1]]) or _HELPING.search(clause):
            return None
        if LEARNING.search(clause) or _INFO.search(clause):
            return "learning or informational"
        # a question about people in general ("can antidepressants make teenagers suicidal?"), not about
        # someone of one's own ("could his tablets make my son suicidal?")
        # ("would you even notice if I was suicidal" is about oneself now: no general question)
        general = _CONDITIONAL.search(clause) and not _OWN.search(clause) and not _IF_I_WAS.search(before)
        return "a general question" if general else None
    if cared_for and not _STILL_NEEDS_HELP.search(clause):
        return "care given"
    if _GENERIC_QUESTION.search(clause) and not _OWN.search(clause):
        return "a general question"
    if (
        LEARNING.search(clause)
        and not _HAPPENING.search(clause)
        and not _REAL_EVENT.search(clause)
        and (not _OWN_PERSON_AT_WORK.search(clause) or LEARNING.search(_JOB_PHRASE.sub(" ", clause)))
    ):
        return "learning"
    if JOKE.search(clause) or NOT_A_PERSON.search(near):
        return "joke or not a person"
    acute = bool(_ACUTE.search(clause))
    if _CONDITIONAL.search(clause) and not _HAPPENING.search(clause) and not _OWN_MEANS.search(clause):
        return "hypothetical"
    if _PROCEDURE.search(clause) and not acute and not _HAPPENING.search(clause):
        return "hypothetical"
    image = _IMAGE.search(_IMAGE_ERRAND.sub(" ", clause)) or _FINDING_MEANS.search(clause)
    if image and not acute and not _HAPPENING.search(clause):
        return "image or report"
    if _INFO.search(clause) and not acute:
        return "informational"
    if _HABITUAL.search(near if soft else clause) and not acute:
        return "habitual"
    if soft and _MILD.search(clause):
        return "mild"
    # the local cause's own time ("a filling this morning") is no acute cue: only one about the sign
    if category == STROKE and _LOCAL_CAUSE.search(clause) and not _ACUTE_SIGN.search(clause):
        return "local cause"
    if category == CARDIAC and _MUSCULAR.search(clause) and not _CARDIAC_FEATURE.search(clause):
        return "muscular"
    if (
        category == CARDIAC
        and _MILD.search(clause)
        and _SELF_LIMITING.search(clause)
        and not _CARDIAC_FEATURE.search(clause)
    ):
        return "mild and passing"
    return None
