"""Red flags: look-alikes that are not emergencies (a red-flag word in the past, negated, in a
question, an idiom...), development cases the clinical rules were built against (the dev sets in
bot/tests/heldout/ are measured in test_heldout.py; the emergencies that must fire are in
test_red_flag_emergencies.py). ``FRESH_LOOKALIKES`` were written on 2026-12-03 after the rules had
been generalised for the v2 set, as new paraphrases by concept, and measured before any fix (70
look-alikes: 13 false alarms); they are development cases now."""

from __future__ import annotations

import pytest
from red_flag_cases_v6 import V6_CONCEPT_LOOKALIKES
from red_flag_cases_v7 import V7_CONCEPT_LOOKALIKES
from red_flag_cases_v8 import V8_CONCEPT_LOOKALIKES
from red_flag_cases_v9 import V9_CONCEPT_LOOKALIKES
from red_flag_cases_v10 import V10_CONCEPT_LOOKALIKES
from red_flag_cases_v11 import V11_CARE_LOOKALIKES, V11_CONCEPT_LOOKALIKES
from red_flag_cases_v12 import V12_CONCEPT_LOOKALIKES
from red_flag_cases_v13 import V13_GUARD_LOOKALIKES

from qaid_bot.nlu.red_flags import assess, is_red_flag

LOOKALIKES = [
    "what is a stroke?",
    "is there a stroke on the scan?",
    "does my mri show a stroke?",
    "my dad had a stroke in 2010 and recovered well",
    "I had a seizure as a child",
    "my seizures have been well controlled for years",
    "I had chest pain two years ago, they said it was a muscle",
    "here is my chest x-ray",
    "can you look at my chest CT",
    "is there any bleeding on the picture",
    "what does haemorrhage mean",
    "what are the symptoms of a heart attack?",
    "how do you treat anaphylaxis",
    "I don't have chest pain",
    "no trouble breathing at all",
    "I'm not suicidal, just stressed",
    "this is not an emergency",
    "my gums bleed a little sometimes",
    "I get a little short of breath on hills, for years now",
    "I have a headache",
    "the waiting is killing me",
    "I'm dying to see the results",
    "my phone is dying",
    "how can I prevent a stroke?",
    "what should I do if someone has a seizure?",
    "my aunt died of a heart attack when I was young",
    "I take medicine for epilepsy",
    "I'm in Cluj",
    "is there a lesion?",
    "book an appointment",
    "hi",
    "my chest x ray from the emergency department",
    "the report mentions an old infarct",
    "I stroked my dog",
    "I had an overdose years ago",
    "what is the emergency number here",
    "that exam nearly gave me a heart attack",
    "I'm afraid of having a heart attack one day",
    "she sometimes stops breathing in her sleep, we have a sleep clinic appointment",
]


FRESH_LOOKALIKES = [
    "i can't walk properly on my sprained ankle, it's been a week",
    "my leg gave way on the stairs last month but i'm fine",
    "my son didn't answer my texts all day, typical teenager",
    "i'm confused about my results, can you explain them",
    "he's confused about the appointment time",
    "my phone battery is dead again",
    "i scalded my tongue on my tea",
    "i took 2 paracetamol this morning for a headache",
    "my sugar was 5.6 this morning, is that good?",
    "can a stroke make you lose vision in one eye?",
    "what should i do if my child swallows a battery?",
    "my grandmother lost the sight in one eye years ago",
    "is numbness on one side of the face a sign of MS?",
    "my dad's left arm has been weak since his stroke in 2018",
    "the rash on my arm faded after a few days",
    "my baby's soft spot, is it normal to see it pulse?",
    "i've been short of breath since covid but it's slowly improving",
    "i bleed a lot when i cut myself because i'm on warfarin, is that a problem for surgery?",
    "my mum used to self harm as a teenager",
    "i'm reading a book about suicide prevention",
    "my chest hurts when i cough, i've had a cold all week",
    "the pills they gave me make me feel sick",
    "i can't stand hospitals",
    "i could die of embarrassment",
    "this traffic isn't moving at all",
    "i'm not answering calls today, too tired",
    "my dog is having seizures, what should i do",
    "the doctor said my heart is fine",
    "what happens if someone takes too many paracetamol?",
    "my mri was normal, the headache went away",
    "what does a stroke look like on a ct?",
    "i had a seizure in my sleep in 2020",
    "is it dangerous to take double dose of vitamin d?",
    "he couldn't move his arm after the injection for a day, is that normal?",
    "my face was numb after the dentist",
    "i've had a sore chest since i started running",
    "my heart skipped a beat when i saw the letter",
    "my daughter faints when she sees blood",
    "i lost my balance on the ice yesterday and fell, just bruised",
    "i almost choked laughing",
    "my dad's chest x-ray from the emergency room is ready, can you read it?",
    "what are the signs of a stroke in women?",
    "my heart attack was 3 years ago and my cardiologist wants a new scan",
    "i used to self harm but i've been ok for years",
    "the nurse said my bleeding after the biopsy is normal and will stop",
    "i have a mild headache after staring at screens all day",
    "my breathing is a bit wheezy when i have a cold",
    "my son had a seizure when he was a baby, he's 8 now",
    "i'm so confused by the results, what does hyperintensity mean?",
    "my mum collapsed last year and had a pacemaker fitted, she's fine",
    "i get chest pain when i'm stressed, my gp said it's anxiety",
    "can you overdose on vitamin c?",
    "my arm goes numb when i sleep on it",
    "what is a TIA?",
    "i can't wait to get my results, i'm dying to know",
    "this bot is killing me with all these questions lol",
    "my friend said she nearly died when she saw the bill",
    "does a ct scan show a heart attack?",
    "we learned about seizures in biology class",
    "my dad had a heart attack a while back, can i see his mri?",
    "my nose bleeds sometimes in winter because the air is dry",
    "how do i know if my child is choking?",
    "i have a stiff neck from my pillow",
    "my hands go blue in the cold, is that raynauds?",
    "is it bad to take two ibuprofen with paracetamol?",
    "i'm allergic to penicillin, is the contrast safe?",
    "my legs feel heavy after long walks",
    "i had a bad fall skiing last winter but nothing broken",
    "my brother's epilepsy is under control with medication",
    "i'm not sure if i'm having a migraine or just a normal headache",
]

# Concepts added after the v3 blind measurement (suicidal plan, means and time; self-harm with
# severity; CPR; not coming round; head-injury red flags; meningism; deep or chemical burns; obstetric
# emergencies; prolonged seizure; unable to speak in sentences; care already given on an earlier day):
# look-alikes written for these concepts, none of them a v3 sentence.
V3_CONCEPT_LOOKALIKES = [
    "nicked my thumb while cooking dinner, a plaster sorted it",  # "cooking" is not a typo of "choking"
    "i'm saving money for my prescription tablets next month",
    "should i take the tablets all at once or spread them out?",
    "i did a cpr course last week, how many compressions per minute?",
    "my baby didn't feel like moving much, she's 3 months old and teething",
    "i had a stiff neck last week from the pillow, it's gone now",
    "my son has a fever and a runny nose, he's eating fine",
    "i burnt my hand on the kettle, it's a small red mark",
    "i'm 20 weeks pregnant, is it normal to have mild pain in my back?",
    "what does it mean if the umbilical cord is wrapped around the baby's neck on a scan?",
    "my daughter had a seizure for 5 minutes when she was two, she's fine now",
    "i carry an epipen for my peanut allergy, does it expire?",
    "my dad tried to kill himself in 2015 and he's doing well now",
    "my wife fainted yesterday at the gym from not eating, she's fine today",
    "my brother collapsed on saturday at a festival, doctors said dehydration",
    "the ambulance took my grandmother in last night with chest pain, she's stable",
    "i take two puffs of my inhaler before running",
    "our daughter is learning to say two words at a time, is that normal at 18 months?",
    "my face cream left my skin waxy",
    "i'm jumping for joy, my scan is clear",
    "the baby is kicking a lot at night, 30 weeks",
    "my grandad keeps asking the same questions, he has dementia",
    "i had a big burn on my arm as a kid, can the scar be treated?",
    "is it safe to use oven cleaner without gloves?",
    "my kids want to jump on the trampoline, is it safe after a cold?",
    "i'm planning to jump into the sea for a charity swim",
    "i'm pregnant and have terrible heartburn pain after dinner",
    "my toddler has a soft bump on his forehead from yesterday, he's playing normally",
    "i'm saving up my pills box for the trip",
    "my knee has a soft swelling after football",
]


# Look-alikes for the concepts added after the v4 blind measurement (care already given or under
# way; a general question about anyone; a helpline asked for a possible future; what a finding means;
# a spare adrenaline pen) and for the new patterns' words: fresh wordings, none of them a v4 sentence.
# Before the fix 7 of the first 32 fired.
V4_CONCEPT_LOOKALIKES = [
    "my mum had a bad chest pain this morning, the paramedics took her and she's on the heart ward now",
    "my uncle overdosed on saturday but he's in intensive care now and stable",
    "my son collapsed at football, but the ambulance crew are with him now",
    # the same person named twice, in other words
    "my mother collapsed at church, the ambulance already took my mum to hospital",
    # v5 concepts' look-alikes: care given in other words, questions, idioms, a local cause
    "my uncle fainted at the wedding but he's with the paramedics and chatting",
    "my son's asthma flared up yesterday, the gp checked him and sent us home",
    "the baby choked on some milk, i did back blows and it came out",
    "we came home from a&e after my wife's allergic reaction, she's fine",
    "is a racing heart always a heart attack?",
    "can we overdose on vitamin d?",
    "i could die of shame, i sent that photo to the wrong doctor",
    "i got choked up when the nurse said the scan was clear",
    "my lip is numb on one side since the root canal this afternoon",
    "i wrote my note to the school about his appointment",
    "the live wire in the garage needs an electrician",
    "is it normal for the baby to move less at 39 weeks? she's still kicking",
    "my mother collapsed at church, the ambulance already took my mum to hospital",
    "my wife's asthma attack was treated in a&e and she's home",
    "my niece choked on a crisp, i patted her back and it came out",
    "the paramedics already took my dad, which hospital is closest?",
    "how can you tell if a person is having a stroke?",
    "how would i know if someone had overdosed?",
    "are most seizures in children caused by fever?",
    "if i ever get the urge to cut myself again, which helpline can i ring?",
    "could these dark spots on the x-ray mean a bleed?",
    "should i keep a spare epipen at school?",
    "the pharmacy forgot her epipen refill",
    "my eyelid twitches when i'm tired",
    "my legs jerk sometimes as i fall asleep",
    "my neck is stiff from sitting at the desk, and i have a mild headache",
    "does chemo make you run a temperature?",
    "i finished chemo in 2022 and my scan is clear",
    "i cook with hot oil every day, is it bad for the skin?",
    "i burned my finger on the iron, a small blister",
    "is it dangerous to touch an electric fence?",
    "i'm 30 weeks pregnant, are braxton hicks contractions normal at this stage?",
    "i'm 40 weeks and having contractions every ten minutes",
    "i'm pregnant and my gums bleed when i brush",
    "i can't cough up the phlegm from my cold",
    "my oxygen reads 98 on the watch",
    "i take warfarin, can i have a flu jab?",
    "we picked wild mushrooms, how can we tell if they're safe?",
    "my lips are dry and cracked from the wind",
    "i'm confused about my insulin dose, is it 10 or 12 units?",
    "no one would notice if i missed the appointment, right?",
    "i sent a farewell card to my colleague who is retiring",
    "i said goodbye to my sister at the airport",
    # a probe of the new patterns' reach, written after them (7 of 22 fired, then narrowed by concept)
    "my son won't wake up for school on time, any tips?",
    "i burnt my lip on hot pizza",
    "my grandma is diabetic and is confused about the new tablets",
    "my teenager can't bend his neck after football, no fever",
    "i'm 34 weeks, what do contractions feel like?",
    "my lips are huge after the filler, is that normal?",
    "my daughter bit into a pod of peas",
    "i'm 12 weeks pregnant and had a little spotting, no pain, midwife said it's normal",
    "my husband hit his head on the door frame, no vomiting, he's fine",
    "i sent my goodbye email to the team on my last day",
    # a probe written after the fix, measured once before being fixed too (25 emergencies: 19 fired;
    # 25 look-alikes: 4 fired); development cases since
    "my toddler twitches in her sleep, is that normal?",
    "my neighbour was cold this morning so i gave him a blanket",
    "i bumped my head on the cupboard, it's a bit sore",
    "how can you tell if someone is having a seizure?",
    "are most burns caused by kettles?",
    "i finished my chemo in march, when will my hair grow back?",
    "my grandad fell, the paramedics checked him and he's fine",
    "my mum had a stroke last night, she's in the stroke unit now",
    "she choked on a sweet but i did back slaps and it came out",
    "i burned my tongue on hot soup",
    "i'm 39 weeks and having some tightening",
    "is it normal to have spotting at 6 weeks pregnant?",
    "my oxygen is 97, is that okay?",
    "can warfarin make you bleed more when shaving?",
    "are the berries on the rowan tree poisonous?",
    "my baby chewed the cardboard of the dishwasher box",
    "i'm allergic to contrast, should i tell the radiographer before my scan?",
    "my lips are swollen after the dentist injection",
    "i said goodbye to my grandad in the hospice yesterday",
    "nobody cares about my opinion at work",
    "if i ever feel suicidal again, who should i talk to?",
    "how do i know if my baby has meningitis? asking for the future",
    "my husband had a seizure in the ambulance and is now in the neuro ward",
    "what does a stiff neck and fever mean in children?",
    "the live wire in my house needs fixing, who do i call?",
]


@pytest.mark.parametrize(
    "text",
    LOOKALIKES
    + FRESH_LOOKALIKES
    + V3_CONCEPT_LOOKALIKES
    + V4_CONCEPT_LOOKALIKES
    + V6_CONCEPT_LOOKALIKES
    + V7_CONCEPT_LOOKALIKES
    + V8_CONCEPT_LOOKALIKES
    + V9_CONCEPT_LOOKALIKES
    + V10_CONCEPT_LOOKALIKES
    + V11_CONCEPT_LOOKALIKES
    + V11_CARE_LOOKALIKES
    + V12_CONCEPT_LOOKALIKES
    + V13_GUARD_LOOKALIKES,
)
def test_lookalikes_are_not_emergencies(text: str) -> None:
    assert not is_red_flag(text), (text, assess(text))
