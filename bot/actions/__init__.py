"""Q&Aid custom actions (run by the Rasa SDK action server: ``rasa run actions --actions actions``).

The action server is a separate Python 3.10 process: it cannot import the platform package, so it
talks to the hub and the hospitals' HIP services over HTTP only (see ``clients``).
"""
