"""Exit codes of `vebus` and `vedirect`: 0 done, 1 failed, 128 + n ended by signal n."""

EXIT_FAILURE = 1
EXIT_INTERRUPTED = 130
EXIT_SIGNAL_BASE = 128
