"""Red flags: development cases the clinical rules were built against. The dev sets in
bot/tests/heldout/ are measured in test_heldout.py. ``FRESH_*`` were written on 2026-12-03 after the
rules had been generalised for the v2 set, as new paraphrases by concept, and measured before any fix
(70 emergencies: 15 missed; 70 look-alikes: 13 false alarms); they are development cases now."""

from __future__ import annotations

import pytest

from qaid_bot.nlu.red_flag_rules import CATEGORIES
from qaid_bot.nlu.red_flags import assess, clauses, decide, is_red_flag, normalise

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


@pytest.mark.parametrize("text", EMERGENCIES + FRESH_EMERGENCIES + V3_CONCEPT_EMERGENCIES)
def test_red_flags_fire(text: str) -> None:
    found = assess(text)
    assert found.emergency, (text, found)
    assert decide(text, {}, {"name": "describe_symptoms", "confidence": 0.3}, []) == "emergency"


@pytest.mark.parametrize("text", LOOKALIKES + FRESH_LOOKALIKES + V3_CONCEPT_LOOKALIKES)
def test_lookalikes_are_not_emergencies(text: str) -> None:
    assert not is_red_flag(text), (text, assess(text))


def test_typos_in_key_words_are_corrected() -> None:
    assert normalise("I cant breth, my chest pian") == "i can't breath, my chest pain"
    assert normalise("Im unconcious") == "i'm unconscious"
    assert normalise("I stroked the cat") == "i stroked the cat"


def test_clauses_split_on_but_and_now() -> None:
    assert clauses("I had a stroke in 2019, but now my face droops. Help!") == [
        "i had a stroke in 2019",
        "now my face droops",
        "help",
    ]


def test_every_category_names_its_source() -> None:
    names = [c.name for c in CATEGORIES]
    assert len(names) == len(set(names))
    assert all(any(org in c.source for org in ("NHS", "NICE", "AHA")) for c in CATEGORIES)


def test_classifier_emergency_on_a_defused_mention_falls_to_runner_up() -> None:
    ranking = [{"name": "emergency", "confidence": 0.7}, {"name": "describe_symptoms", "confidence": 0.2}]
    assert decide("I had a stroke in 2019", {}, ranking[0], ranking) == "describe_symptoms"


def test_classifier_emergency_without_any_flag_word_is_kept() -> None:
    # DIET may catch an emergency the rules have no words for; it keeps its say
    assert decide("please come quickly", {}, {"name": "emergency", "confidence": 0.9}, []) is None


def test_metadata_decides_image_and_location() -> None:
    assert decide("what is this?", {"image": {"image_id": "x"}}, {"name": "ask_image_question"}, []) == (
        "share_image"
    )
    assert decide("here", {"location": {"lat": 1, "lon": 2}}, {"name": "greet"}, []) == "share_location"
    assert decide("hello", {}, {"name": "greet", "confidence": 0.99}, []) is None
    # an emergency beats an attached image
    assert decide("help he's not breathing", {"image": {"image_id": "x"}}, {"name": "greet"}, []) == (
        "emergency"
    )


def test_reminder_intent_is_never_predicted_from_text() -> None:
    assert decide("EXTERNAL_inactivity", {}, {"name": "EXTERNAL_inactivity", "confidence": 0.9}, []) == (
        "nlu_fallback"
    )


def test_an_unsure_classifier_on_a_long_image_question_gets_the_question_sentence() -> None:
    text = (
        "Sorry, long story. My GP sent me for this MRI after months of tingling, the clinic is closed "
        "and my husband says to wait. Does it show any lesion?"
    )
    assert decide(text, {}, {"name": "nlu_fallback", "confidence": 0.45}, []) == "ask_image_question"
    assert decide("hmm ok whatever", {}, {"name": "nlu_fallback", "confidence": 0.4}, []) is None


@pytest.mark.parametrize(
    "text",
    ["does the clinic have an emergency department?", "my laptop is dying, hurry", "what is an emergency?"],
)
def test_a_defused_topic_word_without_a_flag_is_a_mention(text: str) -> None:
    # the classifier's "emergency" on such a message falls to its runner-up
    ranking = [{"name": "emergency", "confidence": 0.6}, {"name": "ask_capabilities", "confidence": 0.3}]
    assert not assess(text).emergency and assess(text).mentioned
    assert decide(text, {}, ranking[0], ranking) == "ask_capabilities"


@pytest.mark.parametrize(
    ("text", "emergency"),
    [
        ("I read about suicide online and I want to kill myself", True),
        ("the doctor said it is nothing, I want to kill myself", True),
        ("if the results are bad I'll end my life", True),
        ("I am reading a book about suicide prevention", False),
        ("I want to know more about seizure triggers", False),
    ],
)
def test_suicidal_statements_are_defused_only_by_negation_the_past_or_learning(
    text: str, emergency: bool
) -> None:
    assert assess(text).emergency is emergency, assess(text)
