"""Questions about treatment and medicines: never answered with advice. The bot says who can answer
(the patient's doctor or pharmacist), explains a medicine it knows by name (with its source), and
offers to pass the question on to a nearby hospital."""

from __future__ import annotations

import re

from rasa_sdk import Action, Tracker
from rasa_sdk.events import EventType
from rasa_sdk.executor import CollectingDispatcher
from rasa_sdk.types import DomainDict

from .glossary_index import glossary
from .message_parts import other_parts

NO_ADVICE = (
    "I can't give advice about treatment or medicines: the right choice depends on your whole "
    "medical history, so only your doctor (or pharmacist, for medicines) can answer that safely. "
    'If you\'d like a nearby hospital to contact you about it, say "book an appointment".'
)
MAX_DEFINED = 3
# words that make a question one about treatment, whatever the classifier said
TREATMENT = re.compile(
    r"\b(?:treat\w*|therap\w*|medicat\w*|medicine\w*|drugs?|dose\w*|dosage|surgery|operat(?:e|ion)|"
    r"chemo\w*|prescri\w*|should i (?:take|stop|start|switch))\b",
    re.IGNORECASE,
)


class ActionTreatmentQuestion(Action):
    def name(self) -> str:
        return "action_treatment_question"

    async def run(
        self, dispatcher: CollectingDispatcher, tracker: Tracker, domain: DomainDict
    ) -> list[EventType]:
        text = str((tracker.latest_message or {}).get("text") or "")
        parts = other_parts(tracker)
        lines = [*parts.lines, NO_ADVICE]
        context = " ".join(str(e.get("text") or "") for e in tracker.events if e.get("event") == "user")
        named = [e for e in glossary().find_project_terms(text) if e.medicine][:MAX_DEFINED]
        if named:
            lines.append("What I can tell you is what the medicines you named are:")
            lines += [e.in_context(context).reply() for e in named]
        dispatcher.utter_message(text=" ".join(lines))
        return parts.events
