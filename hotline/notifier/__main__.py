"""``python -m hotline.notifier``: tell residents about their tickets (settings from the environment)."""

from hotline.notifier.bootstrap import main

if __name__ == "__main__":
    raise SystemExit(main())
