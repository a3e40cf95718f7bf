"""Development cases for the red-flag concepts added after the v6 blind measurement, shared by
test_red_flag_emergencies.py and test_red_flag_lookalikes.py (kept here so that neither file grows
past the house limit). None of them is a v6 sentence."""

from __future__ import annotations

# Concepts added after the v6 blind measurement (stroke: the face falling to one side, speech lost
# in another language; bleeding or a head injury on an anticoagulant; a deliberate overdose; suicidal
# intent and timing without the word; face swelling with swallowing trouble; fainted and still out;
# knocked out after a head blow; sepsis; a feverish young infant; large, limb and facial burns; a
# miscarriage with clots or fainting; infant choking; a sudden headache after another question):
# fresh wordings, none of them a v6 sentence, measured once before their own fixes (36 of 39 fired)
V6_CONCEPT_EMERGENCIES = [
    # stroke: face falling to one side, speech lost (in other languages too)
    "tata nu mai poate vorbi si are gura stramba",
    "my gran's mouth slid down to the left side while she was talking",
    "his face has fallen to one side and he's confused",
    "mi madre no puede hablar y tiene la cara caida",
    # anticoagulant + head injury / bleeding
    "my dad takes apixaban and banged his head on the shelf an hour ago",
    "she's on blood thinners, fell in the garden and has a gash on her forehead",
    "i take eliquis and this cut on my arm is still bleeding after half an hour",
    # deliberate overdose
    "i swallowed a load of my sleeping tablets deliberately",
    "she took her mum's diazepam on purpose, i found the empty strip",
    "I deliberately took a bunch of paracetamol about an hour ago",
    # suicidal intent without the word
    "i'm done, tonight's the night, i've said my goodbyes",
    "everyone would be fine without me, i've decided it's time",
    "i just can't take it anymore, i've got the pills lined up",
    "no one would even notice me gone, i'm going through with it",
    "i can't cope with any of this anymore",
    # face/throat swelling with swallowing trouble after food; contrast reaction
    "ate some prawns and now my lips blew up and it's hard to swallow",
    "after the contrast dye my throat feels tight and i'm itchy everywhere",
    "my tongue swelled up after the curry and i can barely swallow",
    # fainted and not coming round
    "my wife fainted in the shower and she's still not responding after two minutes",
    "he passed out at the party and has been out for 5 minutes",
    "she's breathing but we can't wake her at all",
    # head injury signs
    "my daughter got knocked out playing rugby and now she's throwing up",
    "he was knocked unconscious by the swing and keeps being sick",
    "grandad hit his head yesterday and is becoming increasingly drowsy",
    # sepsis
    "my mum has a uti, a high temperature and her blood pressure has dropped to 80/50",
    "i have a fever and my bp is really low and i feel confused",
    # febrile infant
    "my 3 week old has a temperature of 38.5",
    "the baby is burning up with a fever and won't feed, very floppy",
    "our 6-week-old has a temperature and is really sleepy",
    # burns
    "hot fat splashed on my son and his whole leg is burnt",
    "my brother's face got burnt in the bonfire",
    "scalded my hand with boiling water from the kettle and it's blistering badly",
    "the chip pan fire burned her whole back",
    # miscarriage
    "i'm 9 weeks and think i'm miscarrying, soaking a pad every hour and dizzy",
    "passing big clots and i feel faint, i was pregnant",
    # infant choking
    "my baby swallowed a coin and is making no noise",
    "something is stuck in the baby's throat and she's gone silent",
    # thunderclap after another question
    "what is a t2 sequence? also my head suddenly exploded with pain and i'm being sick",
    "what does enhancing mean? i have a terrible headache that came on suddenly and i can't see properly",
    # how to help someone who talks of suicide: they may be at risk now, so the emergency answer
    "if someone says they want to end their life, what should i say?",
    "how do i support my brother, he keeps saying he wants to kill himself",
    # a second probe, written after those fixes and measured once (19 of 25 fired), fixed since
    "bunica nu poate sa vorbeasca si nu isi misca bratul",
    "the left corner of his mouth has dropped down to one side and he's dribbling",
    "i'm on xarelto and tripped, hit my head on the kerb",
    "mum is on warfarin, she cut her leg gardening and it won't stop oozing through the bandage",
    "i took 20 of my sertraline deliberately and now i'm shaking",
    "my flatmate swallowed a strip of her beta blockers on purpose",
    "i've written letters to everyone and tonight is the night",
    "there's no way out, i'm going to do it tonight",
    "my family would be better off if i wasn't around, i've got the rope",
    "i had sesame at lunch and my face is puffy and swallowing hurts and feels blocked",
    "she got the iodine contrast and now she's wheezing and covered in hives",
    "my dad fainted and hasn't come to after three minutes",
    "my 7 year old was knocked out by a cricket ball and is now very sleepy",
    "my husband's on clopidogrel and smacked his head on the cupboard, now he's confused",
    "i've got a chest infection, my temperature is 39.5 and my blood pressure is 75/40",
    "my 2 week old feels hot, temperature 38.2, and isn't interested in feeding",
    "boiling oil from the fryer went over his whole forearm and it's blistering",
    "the barbecue flared and burned her face",
    "i'm losing my pregnancy, i've filled two pads in an hour with clots and feel lightheaded",
    "my infant has a grape stuck in her throat and isn't making any sound",
    "quick question about MRI contrast. actually i just got a sudden awful headache and threw up",
    "my grandma fell, she's on apixaban and her head is bleeding a lot",
    "my son's been out cold since he came off the trampoline",
    "i feel hot and shivery, my heart is racing and my blood pressure is very low",
    "nobody would even miss me, i've made up my mind",
    # a third probe, written after the second was fixed and measured once (9 of 15 fired), fixed since
    "my grandpa's smile is crooked on the right and his words are muddled, happened 10 min ago",
    "she's on heparin and her nose won't stop pouring blood",
    "i've swallowed everything in the medicine cabinet",
    "i'm saying goodbye to you all, it ends tonight",
    "my lip and eyelids ballooned after the peanut sauce and my voice is hoarse",
    "my husband fainted and hasn't opened his eyes for a couple of minutes",
    "my boy fell off the climbing frame, was out for a minute and has thrown up twice",
    "my 10 day old baby is hot to the touch and won't wake for feeds",
    "scalding soup went over my toddler's chest and arms, huge blisters",
    "i'm 11 weeks pregnant, bleeding like a period but much heavier and i'm dizzy",
    "my baby is choking on a piece of banana and can't cry",
    "sorry to bother you, what is an ADC map? my wife suddenly has the worst headache of her life",
    "temperature of 40, my heart is pounding and my skin looks blotchy and mottled",
    "i'm on rivaroxaban and fell down the stairs hitting my head",
    "i want to disappear forever, i have the tablets ready",
]

# Look-alikes of the concepts added after the v6 blind measurement (a flag someone had long ago, care
# already given, a mild passing chest tightness, "suffocating" said of heat or a job, a learning
# question, and the new patterns' own near misses), none of them a v6 sentence; measured once before
# their own fixes (5 of 40 fired)
V6_CONCEPT_LOOKALIKES = [
    "i had heavy bleeding after my second baby 10 years ago, is that relevant?",
    "she had a miscarriage with big clots in 2019, can she get pregnant again?",
    "my mum had a TIA two years ago and is on clopidogrel now",
    "my chest feels slightly tight when i'm anxious but it passes after a few minutes",
    "the humidity in this flat is suffocating",
    "my job is suffocating me",
    "my uncle was admitted with a stroke last week and is doing physio, what is physio?",
    "my son had an asthma attack at school, the nurse treated him and he's back in class",
    "how do i support a friend who is having panic attacks?",
    "he's breathing normally and awake, just a slight temperature",
    "i take warfarin, can i have a tooth out?",
    "i'm on blood thinners, should i stop them before my ct scan?",
    "i bumped my head on the car door, i'm on aspirin, is that fine?",
    "is it safe to take a lot of vitamin d?",
    "i take a lot of tablets for my heart, can you check the interactions?",
    "i deliberately took my tablets early today because of my flight",
    "i can't do this crossword anymore lol",
    "nobody would miss me at the party if i didn't go",
    "i've decided tonight is the night i'll finally clean the garage",
    "i'm going to do it, book me an appointment for the scan",
    "my face blew up with acne last month",
    "swollen glands and it's a bit sore to swallow",
    "my daughter fainted at the concert but came round straight away",
    "he passed out on the sofa after the night shift",
    "my baby has a mild fever after her jabs but is feeding well",
    "what temperature is a fever in a newborn?",
    "my toddler has a temperature of 38 and is playing happily",
    "i burnt my finger on the oven tray",
    "i got a sunburn on my whole back at the beach",
    "what is a blowtorch burn called?",
    "i had a miscarriage last year, what tests should i ask for?",
    "my baby makes no sound when she sleeps, is that normal?",
    "what does hyperintense mean? also i had a bad headache last week, it's gone now",
    "my blood pressure is low normally, 100/60, is that ok?",
    "i had a fever last week and felt confused about the dates",
    "the contrast injection for my mri is tomorrow, can i eat before?",
    "my grandad was knocked out in a boxing match in the 70s",
    "i'm a burden on my wallet with all these prescriptions",
    "i had a head injury in 2015 and take warfarin now, any risk?",
    "how do i help someone who is having a panic attack?",
    "what is suicide prevention training?",
    # a second probe, written after those fixes and measured once (3 of 25 fired), fixed since
    "my mum bled heavily after giving birth to me in 1985",
    "i had a mini stroke in 2020 and my neurologist wants another mri",
    "my chest gets a little tight when i'm nervous before exams, then it's fine",
    "the smog in the city is suffocating",
    "my sister was admitted with pneumonia and is recovering, what is a chest drain?",
    "my dad had a seizure at work, the paramedics treated him and he went home",
    "how do i help someone with a nosebleed?",
    "he's awake, talking and breathing fine, with a low grade temperature",
    "is it dangerous to bang your head when on warfarin?",
    "i take a lot of supplements, is that safe?",
    "i missed my pills on purpose because of the side effects",
    "i can't do this diet anymore, any tips?",
    "my face blew up after a bee sting years ago",
    "i had a burn on my whole arm as a kid, the scar itches",
    "can a newborn have a temperature of 37.5?",
    "my baby was sleepy and not feeding well after her jabs but the gp said she's fine now",
    "i miscarried in 2021, can i see the report?",
    "my low blood pressure makes me dizzy when i stand, i've had it for years",
    "i fainted at the blood test but came round in seconds",
    "she was knocked out by the anaesthetic for her operation",
    "what does a thunderclap headache feel like?",
    "my toddler is silent when he plays, should i worry?",
    "the oven burn on my hand is a small red mark",
    "i'm going to do it, i'll send you the picture of the scan",
    "nobody would miss me if i left this group chat lol",
    # near misses of the medicine names and "out cold", checked after the second probe
    "he took 40 mg of propranolol for his nerves",
    "took my amlodipine on purpose before bed",
    "i was out cold all night after the party",
    # an ordinary count of tablets (an over-broad pattern found while checking the medicine names)
    "I took 2 tablets for my headache",
    "I take 2 tablets a day",
    # a third probe, written after the second was fixed and measured once (2 of 15 fired), fixed since
    "my mum had a massive bleed when she had me in 1990",
    "i was admitted for chest pain last month and they found nothing",
    "my chest feels a bit heavy when i'm tired but it goes away after a rest",
    "the office is suffocating in summer",
    "my friend had a fit at the gym, the first aiders looked after him and he went home fine",
    "how should i help my dad manage his diabetes?",
    "my baby had a fever of 38.5 two weeks ago and is fine now",
    "is it normal for a newborn to sleep a lot?",
    "i burned my arm on the oven door, a small red line",
    "i took a lot of vitamins this morning, is that bad for my kidneys?",
    "nobody would miss me if i skipped the meeting",
    "i can't take this cold weather anymore",
    "my gran's face has drooped since her stroke in 2018",
    "what is the best sunscreen for a sunburnt face?",
    "i had a miscarriage in 2022 with lots of clots, am i at risk next time?",
]
