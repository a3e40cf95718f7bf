"""Q&Aid's NLU component for Rasa's pipeline (``qaid_bot.nlu.red_flags.QaidIntentOverrides``)."""
