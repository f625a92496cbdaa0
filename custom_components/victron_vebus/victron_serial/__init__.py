"""Async clients for Victron's serial protocols, importing nothing from Home Assistant.

``vebus``: VE.Bus inverter/chargers (MultiPlus, Quattro, Phoenix) through an MK2/MK3
interface. ``vedirect``: VE.Direct devices (Blue Smart chargers). ``foundation``: what both
stand on. Only relative imports inside, so these same files are the integration's bundled
copy and the ``victron-serial`` distribution (docs/design.md §1).
"""
