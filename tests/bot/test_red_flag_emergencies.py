"""Red flags: emergencies the clinical rules must recognise, development cases they were built
against (the dev sets in bot/tests/heldout/ are measured in test_heldout.py; the look-alikes that
must not fire are in test_red_flag_lookalikes.py). ``FRESH_EMERGENCIES`` were written on 2026-12-03
after the rules had been generalised for the v2 set, as new paraphrases by concept, and measured
before any fix (70 emergencies: 15 missed); they are development cases now."""

from __future__ import annotations

import pytest
from red_flag_cases_v6 import V6_CONCEPT_EMERGENCIES
from red_flag_cases_v7 import V7_CONCEPT_EMERGENCIES
from red_flag_cases_v8 import V8_CONCEPT_EMERGENCIES
from red_flag_cases_v9 import V9_CONCEPT_EMERGENCIES
from red_flag_cases_v10 import V10_CONCEPT_EMERGENCIES
from red_flag_cases_v11 import (
    GUARD_WORD_EMERGENCIES,
    V11_CARE_EMERGENCIES,
    V11_CONCEPT_EMERGENCIES,
)
from red_flag_cases_v12 import V12_CONCEPT_EMERGENCIES
from red_flag_cases_v13 import V13_GUARD_EMERGENCIES

from qaid_bot.nlu.red_flags import assess, decide

EMERGENCIES = [
    # cardiac
    "I have chest pain",
    "chest pains since lunch",
    "there's a heavy feeling in my chest and my jaw aches",
    "my grandad says his chest is tight and his arm hurts",
    "Pain across my chest, I feel clammy and sick",
    "crushing chest pressure",
    "i think my wife is having a heart attack",
    "my chest pian is getting worse",
    # stroke
    "my dad had a stroke",
    "i think she is having a stroke",
    "her face is drooping on the left",
    "he can't lift his right arm and his speech is slurred",
    "my mother suddenly can't speak properly",
    "my speech went strange half an hour ago",
    "weakness down one side of his body",
    "she lost the sight in one eye suddenly",
    # breathing
    "i cant breathe",
    "I can't breathe",
    "my son can barely breathe",
    "she's gasping",
    "he stopped breathing",
    "having real difficulty breathing right now",
    "my lips are turning blue",
    "shortness of breath",
    "my baby is choking",
    # bleeding
    "I'm bleeding a lot from my head",
    "the cut won't stop bleeding",
    "blood is spurting from his arm",
    "my dad is vomiting blood",
    # suicide
    "I'm thinking about suicide",
    "I want to kill myself",
    "i dont want to live anymore, i have a plan",
    "I want to die",
    "my friend says she will take her own life",
    "I've been harming myself and it's getting worse",
    # anaphylaxis
    "my lips are swelling up after eating sesame",
    "her tongue is swollen and she can't swallow",
    "I'm having an allergic reaction and struggling to breathe",
    # seizure
    "my son is having a seizure",
    "she's fitting on the floor",
    "he is convulsing",
    # overdose
    "I took 20 tablets of paracetamol",
    "my brother overdosed",
    "my daughter swallowed some bleach",
    "i took too many pills",
    # unconscious
    "she is unconscious",
    "he passed out",
    "my husband collapsed in the garden",
    "she won't wake up",
    "my mum isn't responding to me",
    # head
    "I've got the worst headache of my life",
    "he hit his head and keeps vomiting and is confused",
    # other
    "Ana Popescu, chest pain",
    "call an ambulance",
    "help, this is an emergency",
    "my toddler has a rash that doesn't fade under a glass",
    # in context
    "I know you asked for a phone number but my chest is killing me and my left arm is numb",
    "I had a stroke in 2019, but now my face is drooping again",
    "his speech went all muddled an hour ago",
    "I want everything to stop, the tablets are ready",
    "I'm scared that I'm having a heart attack",
    "I think I'm having a stroke, what is it?",
    "my son is having a seizure",
]


FRESH_EMERGENCIES = [
    "my father's chest feels like it's being crushed and he's drenched in sweat",
    "there's a burning pressure behind my breastbone and my jaw hurts, started 10 minutes ago",
    "my wife grabbed her chest and fell to the floor",
    "pain in my chest going up to my throat and i feel really sick",
    "my mum's left arm went limp and she can't get her words out",
    "suddenly i can't see anything out of my right eye",
    "his face has gone lopsided and he's dribbling from one side of his mouth",
    "my grandad can't hold a pen anymore since this morning and his speech is funny",
    "i woke up and the right side of my body feels dead",
    "my son is wheezing so badly he can't talk",
    "my partner is turning blue and making a rattling noise",
    "the baby stopped breathing for a moment and went limp",
    "he's coughing and can't get any air in, something went down the wrong way",
    "there's blood squirting from his arm where the glass cut him",
    "my daughter's nosebleed has been pouring for an hour and she's pale",
    "i'm 20 weeks pregnant and there's a lot of blood",
    "i just swallowed my whole bottle of sleeping pills",
    "she took loads of her dad's heart tablets about half an hour ago",
    "my toddler drank some of the dishwasher liquid",
    "my grandson got into my medicine cabinet and ate some of my pills",
    "i have nothing left to live for and i've got the tablets here",
    "i'm going to take my own life tonight",
    "i keep cutting myself and tonight it won't stop",
    "i'm on the roof and i'm going to jump",
    "she says she's going to hang herself",
    "my lips and eyes are puffing up after the new medicine and my throat feels tight",
    "i got stung and now i can't swallow and my voice is weird",
    "he's having a fit and it's been going on for 6 minutes",
    "my daughter is shaking uncontrollably and her eyes are rolling",
    "my dad won't wake up and his breathing is weird",
    "the old man next door is lying on the pavement and won't respond",
    "my friend took something at the party and now she won't wake up",
    "i fell and banged my head and now i keep being sick and i'm very sleepy",
    "my child has a rash that doesn't go away when i press a glass on it and a high fever",
    "i burnt my whole arm with boiling water, the skin is peeling off",
    "my back is agony and i can't feel my legs or control my bladder",
    "my husband suddenly doesn't know where he is and is talking gibberish",
    "please send an ambulance, my mother fell and can't get up and is bleeding",
    "my heart is racing at 200 and i feel like i'm going to pass out",
    "i think i've been poisoned, i'm vomiting and can't stop shaking",
    "sorry to bother u but my dad is sweating loads and says his chest feels heavy, he's 66",
    "my mums face looks wonky and she cant get her words out right",
    "husband cant move his right side since 20 mins, what do i do",
    "i cant breathe properly, its like breathing through a straw and getting worse",
    "my little girl's lips have gone blue and she's really struggling for breath",
    "theres blood everywhere, my husband cut his hand on the saw",
    "i'm bleeding really heavily down below and i'm 12 weeks pregnant",
    "my girlfriend took a load of her antidepressants after we argued",
    "i swallowed a bunch of pills an hour ago and now i regret it",
    "i don't see the point in living anymore, tonight is the night",
    "my son said he wants to end his life and he's not picking up",
    "i've got a knife and i want to hurt myself",
    "we're at a restaurant and my wife's tongue is swelling, she ate prawns",
    "my boy is fitting and won't stop",
    "my nan collapsed in the kitchen and isn't responding",
    "my friend is out cold and we can't wake him up",
    "my toddler hit his head on the coffee table and now he's really drowsy and being sick",
    "the worst headache i've ever had came on in seconds",
    "my neighbour fell off his roof, he's not moving",
    "she's got a temperature and a rash that won't fade under a glass",
    "my dads speech is all jumbled since lunchtime and his arm is dead",
    "i think i'm having a stroke, my arm is numb and my face feels strange",
    "im having a panic attack or a heart attack, my chest is so tight and my left arm hurts",
    "baby is 2 months old and not breathing right, grunting with every breath",
    "my brother drank a bottle of vodka and swallowed his sleeping pills, he's hard to wake",
    "i feel like i'm going to die, the chest pain is unbearable",
    "help my grandad has collapsed and is breathing funny",
    "my wife is confused and very drowsy after her insulin",
    "i was stabbed and it's bleeding through my shirt",
    "he's been hit by a bus and isn't moving",
]

# Concepts added after the v3 blind measurement (suicidal plan, means and time; self-harm with
# severity; CPR; not coming round; head-injury red flags; meningism; deep or chemical burns; obstetric
# emergencies; prolonged seizure; unable to speak in sentences; care already given on an earlier day):
# fresh wordings written for these concepts, none of them a v3 sentence.
V3_CONCEPT_EMERGENCIES = [
    "i've stockpiled my sleeping pills and i'm going to swallow the lot tonight",
    "he says he's going to jump from the bridge after work",
    "i slit my wrist, there's blood on the floor",
    "my husband isn't breathing and i've started chest compressions",
    "grandad collapsed in the garden and isn't coming round",
    "she banged her head on the pavement and has thrown up twice, now she's really sleepy",
    "after the fall there's clear liquid running from his ear",
    "my teenager has a fever, a stiff neck and bright light is hurting his eyes",
    "my son has a stiff neck and a high temperature and a headache",
    "the baby's fontanelle looks tense and raised and he's floppy",
    "my dad has pneumonia and he's become confused and breathing fast",
    "hot oil went on her hand and the skin is white and leathery",
    "i got oven cleaner in my eyes and they're burning",
    "he has a huge burn across his chest from the bonfire",
    "i'm 10 weeks pregnant and have sharp pain low on the left and feel like i'm going to pass out",
    "36 weeks pregnant and i haven't felt the baby move since yesterday",
    "my wife's waters went and i can feel the cord",
    "my partner is in labour, the baby is crowning and the midwife isn't here",
    "he took too many pills last night",
    "she passed out last night and still feels faint",
    "his seizure has lasted 6 minutes and he's still jerking",
    "my asthma is terrible, i can only say two words at a time",
    "my nebuliser isn't doing anything and my chest is so tight",
    "there's a heavy weight sitting on my chest and i feel sweaty",
    "he got stung by a bee and now he feels faint and is covered in hives",
    "my flatmate breathed in a lot of smoke from the fire and is coughing black stuff",
]

# Concepts added after the v4 blind measurement (seizure signs: jerking, stiffness, froth; someone
# lying cold and still; head-injury and raised-pressure signs; meningism; neutropenic fever; burns by
# site, size and cause; pregnancy bleeding, trauma and preterm labour; a blocked airway; low oxygen
# readings; bleeding on anticoagulants; poisonous ingestions; contrast reactions; suicidal farewells
# and worthlessness): fresh wordings written for these concepts, none of them a v4 sentence. Before
# the fix 4 of the first 44 fired.
V4_CONCEPT_EMERGENCIES = [
    "my nephew went rigid and now his arms are jerking",
    "her whole body keeps twitching and she isn't answering",
    "he collapsed at the bus stop and there's froth around his lips",
    "my sister is lying on the kitchen floor, cold and not moving",
    "my flatmate is lying in bed cold to the touch and won't wake",
    "he took a football to the head at practice and now he keeps throwing up",
    "she slipped and hit the back of her head, now she's slurring and seeing double",
    "my headache keeps getting worse and i've vomited three times",
    "the toddler tumbled off the sofa and has been sick four times since",
    "my son can't touch his chin to his chest and has a raging headache",
    "my girlfriend has a stiff neck and keeps being sick",
    "i'm on chemotherapy and my temperature is 38.4",
    "dad had chemo last week and now he has a fever and the shivers",
    "the kettle tipped over and scalded her face",
    "the pan caught fire and his sleeve went up in flames",
    "she spilled hot coffee all over her lap and there are huge blisters",
    "bleach splashed into his eye while cleaning",
    "my toddler chewed through a wire and has a burn on his lip",
    "she touched a live cable at work and now her chest feels strange",
    "most of his arm got burnt when the bonfire flared up",
    "the iron fell on her leg and the skin there is white and numb",
    "i'm 26 weeks pregnant and have cramping pain and spotting blood",
    "i'm 24 weeks pregnant and was punched in the stomach",
    "i'm only 31 weeks and my waters have gone",
    "contractions every three minutes and i'm 33 weeks",
    "my little girl is gagging on a sweet and can't cough",
    "he's clutching his throat and can't make a sound",
    "there's a chunk of apple lodged in her throat and she's drooling",
    "i'm fighting for air",
    "my pulse oximeter reads 84 percent",
    "her sats are 86 on the monitor at home",
    "i'm having an asthma attack",
    "i take rivaroxaban and this cut on my shin is pouring",
    "my nose has been bleeding for 40 minutes",
    "i think i gave my son two doses of insulin and he's clammy and confused",
    "my grandad is diabetic and he's sweaty and confused",
    "we ate some wild mushrooms we picked and now we're both being sick",
    "my baby sucked on a dishwasher tablet",
    "she's been given the contrast dye and her throat is getting tight",
    "after the contrast injection i'm covered in hives and can't breathe well",
    "his lips have gone massive after the peanut butter",
    "no one would even notice if i was gone",
    "i sent my family a goodbye message",
    "she messaged farewell to everyone and won't pick up",
    # care under way does not cover what is still going on or asked about now
    "he's in hospital and his chest pain is getting worse, the nurses aren't coming",
    "the ambulance is on its way but she's stopped breathing, what do i do",
    "how do i know if my husband is having a stroke? his face is drooping",
    "she had chemo on monday and her temperature is 38.9",
    "my wife is at the hospital with our son and i have crushing chest pain",
    "my dad was in hospital last month and now he's collapsed in the hall",
    # a probe written after the fix, measured once before being fixed too (25 emergencies: 19 fired;
    # 25 look-alikes: 4 fired); development cases since
    "my son's arms and legs are jerking and his lips look blue",
    "she went all stiff on the floor and now she's twitching",
    "my uncle is slumped on the sofa, cold and not breathing",
    "my daughter headbutted the wall by accident and now she's vomiting over and over",
    "he got kicked in the head at rugby and he's acting confused",
    "the pain in my head is getting worse by the hour and i keep throwing up",
    "my friend can't put his chin on his chest, has a temperature and is vomiting",
    "i'm having chemotherapy and i've got a temperature of 38.7",
    "the chip pan caught fire and burnt her face",
    "boiling water went over his arm and the skin is peeling off",
    "drain cleaner splashed in my eye",
    "my boy stuck a fork in the socket and there's a burn on his hand, he's pale",
    "i'm 29 weeks and having contractions every five minutes",
    "i'm 20 weeks pregnant and i'm bleeding with bad cramps",
    "pregnant and i fell down the stairs onto my bump",
    "my baby has something in her mouth and can't cry, she's going red",
    "he's grabbing his throat and can't speak",
    "my oxygen level on the finger thing is 85",
    "my dad is on warfarin and his leg wound is pouring blood",
    "my son ate some red berries from the bushes and is being sick",
    "my toddler chewed a dishwasher pod",
    "after the iv contrast my lips and tongue swelled up",
    "i've written my goodbye letters to my kids",
    "everyone would be better off if i was dead",
    "she texted a goodbye to her mum and now her phone is off",
]

# Concepts added after the v5 blind measurement (a face hanging, a limb fallen limp, suddenly not
# understanding; barely getting air; bleeding "a lot" a few words on, a toilet full of blood; a thick
# tongue, a known food allergy then the food and a reaction; a seizure happening; an explosion, a live
# wire touched, a large area scalded; weeks pregnant with a baby not moving or a rock-hard belly;
# chills and unable to stand; a fall from a balcony or roof, a dented skull; a note written; an
# overdose "already taken" inside a question): fresh wordings, none of them a v5 sentence.
V5_CONCEPT_EMERGENCIES = [
    "my husband's face is sagging on the right and he's mumbling",
    "her left leg just went limp and she's on the floor",
    "dad suddenly doesn't understand anything we say to him",
    "there's a grape stuck and he can hardly get air in",
    "i'm bleeding from down below really a lot and feel faint",
    "the bath water is full of blood from his leg",
    "my throat feels thick and tight after the shellfish",
    "she has a sesame allergy and just ate a bun with seeds, now she's wheezing",
    "a tonic clonic seizure is happening to my flatmate",
    "the gas heater exploded and his hands are black",
    "my son grabbed a live wire and there's a burn on his palm",
    "hot tea spilled on my baby, a big patch on his chest is red and blistering",
    "i'm 30 weeks and the baby has stopped moving since yesterday",
    "28 weeks pregnant and my tummy is rock hard and hurts constantly",
    "i'm shivering with chills and i can hardly stand up",
    "my nephew fell off the roof of the shed onto the patio",
    "there's a dent on his head after the fall and he's not making sense",
    "i wrote my goodbye note and put it on the table",
    "how much ibuprofen is safe, i already took 30 and my stomach is burning",
]


# Care given to someone else does not cover a flag about this person (left open by the v4 review):
# both name people and no one is the same.
CARE_FOR_SOMEONE_ELSE = [
    "my mum has crushing chest pain, the ambulance took my dad earlier",
    "my wife can't lift her arm and her face is drooping, the paramedics are with my son in resus",
    "i can't breathe properly, my husband is in hospital already",
    "my daughter is fitting on the floor, but my son was treated at a&e this morning",
]


@pytest.mark.parametrize(
    "text",
    EMERGENCIES
    + FRESH_EMERGENCIES
    + V3_CONCEPT_EMERGENCIES
    + V4_CONCEPT_EMERGENCIES
    + V6_CONCEPT_EMERGENCIES
    + V7_CONCEPT_EMERGENCIES
    + V8_CONCEPT_EMERGENCIES
    + V9_CONCEPT_EMERGENCIES
    + V10_CONCEPT_EMERGENCIES
    + V11_CONCEPT_EMERGENCIES
    + V11_CARE_EMERGENCIES
    + V12_CONCEPT_EMERGENCIES
    + V13_GUARD_EMERGENCIES
    + GUARD_WORD_EMERGENCIES
    + CARE_FOR_SOMEONE_ELSE,
)
def test_red_flags_fire(text: str) -> None:
    found = assess(text)
    assert found.emergency, (text, found)
    assert decide(text, {}, {"name": "describe_symptoms", "confidence": 0.3}, []) == "emergency"
