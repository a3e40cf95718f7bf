"""The hospital kit: one command a hospital runs on its own machine to serve its HIP and inbox and
join the Q&Aid network (``python -m hospital_kit --help``; README "How a hospital joins")."""
