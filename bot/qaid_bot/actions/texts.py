"""Fixed texts the custom actions send (kept here, not as domain responses, because Rasa's validator
only counts responses that rules or stories use, and these are only ever sent by actions)."""

ATTACH_IMAGE = (
    "I don't see an image attached. Please use the image button to send it, and then ask me about it."
)
IMAGE_NOT_OURS = (
    "I couldn't verify that image as one sent in this conversation, so I haven't looked at it. "
    "Please attach it again with the image button."
)
NEED_IMAGE = (
    "Please send me an image first (use the image button); then I can ask the hospitals' models about it."
)
SERVICE_DOWN = "Sorry, I can't reach the hospital network right now. Please try again in a minute."
WHICH_TERM = "Which term would you like me to explain?"
ASK_NAME = "Sure, I can pass this on to the hospitals so they can contact you. What is your name?"
ASK_CONTACT = "How can the hospital reach you? Please give a phone number or an e-mail address."
INVALID_NAME = "Sorry, that doesn't look like a name. Please tell me your name (letters only)."
INVALID_CONTACT = (
    "That doesn't look like a phone number or an e-mail address. Please try again, "
    "e.g. +40 721 234 567 or ana@example.com."
)
CORE_FALLBACK = (
    "Sorry, I'm not sure how to help with that. You can send an image, ask about it, ask what a "
    "term means, or ask me what I can do."
)
DOCTOR_FOR_THE_REST = (
    'A doctor can answer the rest: say "book an appointment" and a nearby hospital can contact you.'
)
DEMO_MODELS = (
    "Please note: the nearby hospitals here use demo models trained on generated images, not on real "
    "patients' scans. They are not for clinical use: take their answers as a demonstration only."
)
# Hospitals whose image checks are built on one shared pretrained network (capabilities' "backbone").
SHARED_BACKBONE = (
    "The hospitals' image checks are built on one shared pretrained image network (each hospital trained "
    "only its own final layers), so when they agree, that is not fully independent confirmation."
)

# The hub refused the transcript for good (e.g. it fails the schema): no endless retries.
TRANSCRIPT_REFUSED = (
    "I'm sorry: our conversation could not be sent to {hospitals}, and trying again will not help. "
    "Nothing was shared. Please contact the hospital directly; in an emergency call {emergency}."
)
