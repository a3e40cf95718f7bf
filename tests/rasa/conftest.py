"""Evaluations with the real trained Rasa model (bot venv only; `make test-rasa`)."""

try:  # the platform venv (Python 3.11) has no Rasa: these tests belong to the bot venv only
    import rasa  # noqa: F401
except ImportError:  # pragma: no cover
    collect_ignore_glob = ["test_*.py"]
