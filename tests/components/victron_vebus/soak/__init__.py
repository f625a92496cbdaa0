"""The long run (scripts/soak): skipped unless VEBUS_SOAK_SECONDS is set."""
