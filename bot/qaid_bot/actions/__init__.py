"""Q&Aid custom actions (run by the Rasa SDK action server: ``python -m qaid_bot.action_server``).

The action server is a separate Python 3.10 process: it imports only the cross-runtime contracts
(``qaid_contracts``) and talks to the hub and the hospitals' HIP services over HTTP only (see ``clients``).
"""
