"""Questions sent straight to a HIP's VQA, for the abstention rule (qaid.vqa_questions) on the demo's
question types: paraphrases of the training templates a direct caller might send (none of them a
template verbatim), per type, and questions about findings or matters the demo VQA was never trained
for. Written for issue 15 alongside the rule, so they are development sets, not held-out ones; the
bot's unsupported questions of v9-v11 (bot/corpus/image_questions/, written blind for the bot, never seen
by this rule) are measured too.
"""

from __future__ import annotations

SUPPORTED: dict[str, tuple[str, ...]] = {
    "lesion": (
        "Is there a lesion in this scan?",
        "are there lesions?",
        "Do you see any lesions in the image?",
        "is a lesion present?",
        "Is there any lesion?",
        "can you see a lesion in the picture?",
        "are there nodules?",
        "Is there a nodule in this image?",
    ),
    "abnormal": (
        "Is the image abnormal?",
        "is this scan abnormal?",
        "Does the scan show an abnormality?",
        "Is anything wrong in the image?",
        "is there an abnormality?",
        "Is there anything wrong?",
    ),
    "normal": (
        "Is the image normal?",
        "does the scan look normal?",
        "Is this normal?",
        "Does this picture look normal?",
    ),
    "is_brain": ("Is it a brain MRI?", "is this image a brain scan?", "Is this a brain MRI scan?"),
    "is_chest": (
        "Is it a chest x-ray?",
        "is this image a chest radiograph?",
        "is this picture an x-ray of the chest?",
    ),
    "side": (
        "On which side are the lesions?",
        "What side is the lesion on?",
        "Where are the lesions?",
        "Which side is affected in this image?",
        "where is the lesion in the scan?",
    ),
    "count": (
        "How many lesions can you see?",
        "How many lesions does this image show?",
        "how many nodules are there?",
        "Count the lesions in this image.",
        "How many lesions are in this scan?",
    ),
    "organ": (
        "Which organ is shown?",
        "What organ is this?",
        "What body part is shown in this image?",
        "Which organ is in the picture?",
    ),
    "modality": (
        "What is the modality?",
        "What imaging modality was used?",
        "What kind of image is this?",
        "What type of scan is this?",
        "Which modality is this image?",
    ),
}

UNSUPPORTED: tuple[str, ...] = (
    "is there a fracture?",
    "is there bleeding in my brain?",
    "Is there a tumour?",
    "is there a tumor in my brain?",
    "Do I have cancer?",
    "Is this a stroke?",
    "Is there a brain bleed?",
    "Is the lesion malignant?",
    "Is the lesion benign?",
    "How big is the lesion?",
    "What size is the lesion?",
    "Is the lesion growing?",
    "Has the lesion changed since my last scan?",
    "What caused the lesion?",
    "What does this lesion mean?",
    "What treatment do I need?",
    "Should I have surgery?",
    "Is it serious?",
    "Am I going to die?",
    "What is my prognosis?",
    "What is the diagnosis?",
    "Do I have MS?",
    "Is there pneumonia?",
    "Is there fluid in my lungs?",
    "Is my heart enlarged?",
    "Is there a blood clot?",
    "Is there swelling in the brain?",
    "Is there inflammation?",
    "Is there an aneurysm?",
    "Are my bones broken?",
    "Is the left lung collapsed?",
    "Is this T1 or T2?",
    "When was this scan taken?",
    "Is this a CT scan?",
    "Is this an ultrasound?",
    "How old is the patient?",
    "Is there no lesion?",
    "Isn't this normal?",
    "Are there 3 lesions?",
    "Is there a lesion on the left?",
    "Is there a lesion and is it cancer?",
    "how many tumours are there?",
    "Which side is the tumour on?",
    "What organ is damaged?",
    "What is this?",
)
