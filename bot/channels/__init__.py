"""Q&Aid's own Rasa channels for Telegram and Slack, carrying images both ways.

Rasa 3.6's stock connectors drop images (Telegram) or keep only the text (Slack). These channels
store every incoming image in the transcripts hub's image store and hand the hub's JSON to Rasa as
message metadata ``{"image": ...}`` (see ``addons/red_flags.py``), exactly like the web chat does.

Enable them in ``credentials.yml`` with the keys ``channels.telegram.TelegramInput`` and
``channels.slack.SlackInput`` (Rasa must run from the ``bot`` directory); see docs/channels.md.
"""
