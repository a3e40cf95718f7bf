"""Helpers shared by the test packages of both runtimes (on ``sys.path`` via pytest's ``pythonpath``).

``bench/`` scripts import :func:`utils.net.free_port` too (they append ``tests/`` to ``sys.path``).

Standard library and test dependencies only: the bot's tests (Python 3.10) import them too.
"""
