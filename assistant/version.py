"""The one Rasa version whose internals the speed fixes replace, checked before anything is patched."""

CHECKED_RASA_VERSION = "3.6.21"


class UnsupportedRasaVersion(RuntimeError):
    """The installed Rasa is not the version the patches were checked against."""


def check_rasa_version(installed: str) -> None:
    """Raise when ``installed`` is not the Rasa version the patches in this package were checked against.

    The patches replace Rasa internals (``RemoteAction._validate_action_result``,
    ``Event.resolve_by_type``, the processor's graph runner, ``RulePolicy`` internals); on
    another version they could change the assistant's behaviour silently.
    """
    if installed != CHECKED_RASA_VERSION:
        raise UnsupportedRasaVersion(
            f"Rasa {installed} is installed, but the assistant's patches (assistant/speedups.py, "
            f"assistant/graph_runner.py, assistant/rules.py) were checked against Rasa {CHECKED_RASA_VERSION} "
            f"only. Install rasa=={CHECKED_RASA_VERSION} (requirements/assistant.txt), or check the patches "
            f"against Rasa {installed} (tests/assistant/) and change CHECKED_RASA_VERSION in assistant/version.py."
        )
