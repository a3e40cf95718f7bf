"""Q&Aid's own Rasa channels for Telegram and Slack, carrying images both ways.

Rasa 3.6's stock connectors drop images (Telegram) or keep only the text (Slack). These channels
store every incoming image in the transcripts hub's image store and hand the hub's JSON to Rasa as
message metadata ``{"image": ...}`` (see ``qaid_bot/nlu/red_flags.py``), exactly like the web chat does.

Enable them in ``credentials.yml`` with the keys ``qaid_bot.channels.telegram.TelegramInput``
and ``qaid_bot.channels.slack.SlackInput``; see docs/channels.md.
"""
