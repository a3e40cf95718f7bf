"""Fixtures for the bot's action tests (run with the bot venv: .venv-bot/bin/pytest tests/bot)."""

from __future__ import annotations

import pytest

try:  # the platform venv (Python 3.11) has no Rasa: these tests belong to the bot venv only
    import rasa_sdk  # noqa: F401
except ImportError:  # pragma: no cover
    collect_ignore_glob = ["test_*.py", "conversation_image.py", "fake_*.py", "tracker_helpers.py"]
else:
    import pytest_asyncio
    from conversation_image import CONVERSATION_KEY
    from fake_hip import demo_hips
    from fake_hub import Network
    from rasa_sdk.executor import CollectingDispatcher

    @pytest.fixture(autouse=True)
    def _clean_cache() -> None:
        from qaid_bot.actions.capabilities import clear_cache as clear_capabilities_cache
        from qaid_bot.actions.common import clear_directory_cache

        clear_directory_cache()
        clear_capabilities_cache()

    @pytest.fixture(autouse=True)
    def _conversation_key(monkeypatch: pytest.MonkeyPatch) -> None:
        monkeypatch.setenv("QAID_CONVERSATION_KEY", CONVERSATION_KEY)

    @pytest.fixture
    def env(monkeypatch: pytest.MonkeyPatch) -> pytest.MonkeyPatch:
        monkeypatch.setenv("QAID_HUB_SERVICE_TOKEN", "svc-token")
        monkeypatch.setenv("QAID_EMERGENCY_NUMBER", "112")
        # The fakes answer in milliseconds, but in this event loop and on a loaded CI machine: a
        # deadline only the hanging fakes can reach (tests of slow HIPs set their own, shorter one).
        monkeypatch.setenv("QAID_HIP_TIMEOUT_S", "20")
        monkeypatch.setenv("QAID_NEARBY_RADIUS_KM", "25")
        monkeypatch.setenv("QAID_DEFAULT_LAT", "44.4268")
        monkeypatch.setenv("QAID_DEFAULT_LON", "26.1025")
        return monkeypatch

    @pytest_asyncio.fixture
    async def network(env: pytest.MonkeyPatch):
        net = await Network(demo_hips()).start()
        env.setenv("QAID_HUB_URL", net.hub.url)
        yield net
        await net.close()

    @pytest.fixture
    def dispatcher() -> CollectingDispatcher:
        return CollectingDispatcher()
