"""Fault drills on the real network (demo/faults.py): a HIP killed or hanging mid-conversation, the
action server killed, the hub killed while a webhook is in flight. The launcher restarts what was
killed, so each drill also proves the network heals. The Rasa-restart drill is slow (model load)
and runs in ``bench/faults.py``.
"""

from __future__ import annotations

from demo import faults
from qaid.config import Settings


def test_a_killed_hip_is_left_out_and_the_patient_is_told(network: Settings) -> None:
    result = faults.hip_killed(network)  # raises unless the launcher brought the HIP back
    assert result.ok, result.detail


def test_a_hanging_hip_is_left_out_after_the_timeout(network: Settings) -> None:
    result = faults.hip_hangs(network)
    assert result.ok, result.detail


def test_the_conversation_survives_an_action_server_restart(network: Settings) -> None:
    result = faults.restarted_mid_conversation(network, "actions")
    assert result.ok, result.detail


def test_no_transcript_is_lost_when_the_hub_dies_during_delivery(network: Settings) -> None:
    result = faults.hub_killed_during_delivery(network, conversations=2)
    assert result.ok, result.detail
