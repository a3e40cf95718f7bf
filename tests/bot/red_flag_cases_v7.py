"""Development cases for the red-flag concepts added after the v7 blind measurement (2026-12-04), shared
by test_red_flag_emergencies.py and test_red_flag_lookalikes.py. Fresh wordings in our own words, none
of them a v7 sentence."""

from __future__ import annotations

V7_CONCEPT_EMERGENCIES = [
    # cardiac: an upper-belly or jaw pain with a cold sweat (how heart attacks present in women, diabetics)
    "my mum has an ache in her jaw and upper belly and she's clammy, it began 20 minutes ago",
    "pain in the top of my stomach going up to my jaw and i'm in a cold sweat",
    # bleeding: coughing or vomiting blood, a lot of it; a bleed that will not stop; soaked cloths
    "my father is coughing up a lot of fresh blood",
    "she's vomiting blood, cupfuls of it",
    "there's loads of blood in the toilet after I went and now I feel dizzy",
    "the bleeding just won't stop",
    "cut my hand on glass and it's bleeding through every towel i put on it",
    "his arm is bleeding so badly the kitchen floor is covered",
    # alcohol with a sedative
    "he's had half a bottle of whisky and a handful of diazepam",
    "i drank wine and took a lot of my sleeping pills, feeling very drowsy",
    "she mixed vodka with xanax and now she's slurring and can barely stand",
    # self-harm intent with a means at hand
    "i have the razor and i'm going to use it on myself",
    "I'm holding the knife now and I want to hurt myself with it",
    # anaphylaxis: a food allergen, then hives with vomiting or pallor, or noisy breathing
    "my son ate a sesame bar and now he has hives all over and keeps vomiting",
    "she's allergic to shellfish, had prawns by mistake and her breathing sounds wheezy and noisy",
    "after a bite of the walnut cake he came out in hives, went pale and floppy",
    # a fit now: limbs jerking; someone who will not respond
    "my daughter collapsed and her arms and legs are jerking",
    "he's on the floor jerking and I can't get him to respond",
    "my grandad won't respond when I shake him",
    "she doesn't react when i call her name or touch her",
    # head injury: knocked out, unequal pupils, blood or fluid from the ear, drowsy after a fall
    "my son was knocked out playing rugby",
    "hit his head in the crash and was knocked unconscious for a minute",
    "since the fall her pupils aren't the same size",
    "he hit the back of his head on the ice and there's blood coming out of his ear",
    "HEAD INJURY and she won't stay awake",
    "my baby fell off the sofa onto the tiles and now she's not feeding and is really sleepy",
    # meningitis / sepsis: a spreading dark or purple rash, spots that stay when pressed; cold hands
    # and feet with fever in a child
    "my daughter has a temperature and a rash of small purple spots that is spreading",
    "tiny red-purple dots on his legs that don't go away when you press them",
    "my little boy has a fever, icy cold hands and feet and says his legs hurt",
    # burns: a child's face, a burn said as 'burned badly', severe sunburn making someone ill
    "my toddler pulled a mug of tea over, burns on face and neck",
    "burned badly on my arm from the barbecue",
    "blistering sunburn all over his body and now he's shivering and being sick",
    # pregnancy: pre-eclampsia signs; weeks given without the word pregnant
    "I'm 34 weeks and my vision has gone blurry with a pain under my ribs on the right",
    "30 weeks pregnant, bad headache and flashing lights in my eyes",
    "33 weeks and there's a lot of blood and my belly really hurts",
    # choking: hands at the throat, no sound, while eating
    "he was eating and now he can't make a sound and is grabbing his throat",
    "she's choking on a sweet, can't cough or talk",
]

V7_CONCEPT_LOOKALIKES = [
    # choking, fixed at the time
    "my son choked on a grape at lunch but his dad did back blows and he's fine",
    "my baby choked on a bit of apple but I got it out and she's smiling again",
    # idioms
    "I almost had a heart attack when I saw the bill",
    "nearly had a stroke when they told me the waiting time",
    "I'm suffocating under all this paperwork",
    # someone already cared for in hospital
    "my brother is in intensive care after a heart attack, I want to understand his scan",
    "the ambulance has just taken my mother, she's in good hands now, what should I pack for her?",
    # general questions
    "can antidepressants make teenagers suicidal?",
    "what are nitroglycerin sprays used for in chest pain",
    "how do you help someone who is choking",
    "if I ever feel suicidal in future, who can I call in Romania?",
    "hypothetically, what's the poison control number here",
    # negated
    "my face isn't drooping and my speech is fine, just a twitch in my eyelid",
    "I didn't take too many tablets, I took the normal dose",
    "he's not breathless and has no chest pain, just a cough for a week",
    # fiction, work, testing
    "I'm writing a novel where a character has a heart attack, what would it feel like?",
    "in my short story the heroine overdoses, would she survive?",
    "my character gets knocked out in chapter two, how long would he stay unconscious?",
    "testing the bot: imagine someone says they have chest pain, what do you answer?",
    "I'm a paramedic and we had two overdoses on shift last night",
]
