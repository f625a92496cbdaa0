"""Fixtures for every test: hypothesis profiles, sockets with or without Home Assistant.

Nothing here imports Home Assistant: the library and simulator tests (tests/vebus,
tests/sim) run in a venv without it (scripts/test does so once).
"""

from __future__ import annotations

import os

from hypothesis import HealthCheck, settings
import pytest

try:
    import pytest_socket  # noqa: F401  (Home Assistant's test plugin brings it)
except ImportError:

    @pytest.fixture
    def socket_enabled() -> None:
        """Without pytest-socket nothing blocks sockets: TCP to the simulator just works."""


# --- hypothesis profiles ---
# `scripts/test` sets HYPOTHESIS_PROFILE: "default" keeps the normal run fast, "fuzz"
# (`scripts/test --fuzz`) runs every property of tests/test_fuzz.py 100,000 times
# (HYPOTHESIS_FUZZ_EXAMPLES=N changes that, e.g. for a quicker look).
settings.register_profile(
    "default", max_examples=200, deadline=None, suppress_health_check=[HealthCheck.too_slow]
)
settings.register_profile(
    "fuzz",
    max_examples=int(os.environ.get("HYPOTHESIS_FUZZ_EXAMPLES", "100000")),
    deadline=None,
    suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large],
    print_blob=True,
)
settings.load_profile(os.environ.get("HYPOTHESIS_PROFILE", "default"))

# Commands the tests start see stdout as a user's pipe does (`vebus ess ... | tee log`): block
# buffered. A shell that sets PYTHONUNBUFFERED would hide a line a command forgot to flush.
os.environ.pop("PYTHONUNBUFFERED", None)


@pytest.fixture(autouse=True)
def _state_folder(
    monkeypatch: pytest.MonkeyPatch, tmp_path_factory: pytest.TempPathFactory
) -> None:
    """The command lines keep their record of memory writes under $XDG_STATE_HOME: each
    test gets a folder of its own (never the user's), and the commands it starts too."""
    monkeypatch.setenv("XDG_STATE_HOME", str(tmp_path_factory.mktemp("state")))
