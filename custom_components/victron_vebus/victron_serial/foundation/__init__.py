"""What both protocol libraries stand on: written once, used by ``vebus`` and ``vedirect``."""
