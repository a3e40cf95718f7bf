"""The Q&Aid assistant's Python code for Rasa 3.6 (bot runtime, Python 3.10).

- ``actions``: the custom actions the action server runs (HIP fan-out, consensus, consent, transcript);
- ``nlu``: the NLU component that puts red flags and message metadata above the classifier;
- ``channels``: the web chat (REST, socket.io), Telegram and Slack input channels;
- ``action_server``: rasa_sdk's action server with authentication.

The Rasa project itself (config, domain, training data) is the ``bot/`` directory around it.
"""
