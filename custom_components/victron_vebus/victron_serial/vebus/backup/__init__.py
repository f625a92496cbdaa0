"""A settings backup as a versioned JSON document, what differs from the unit, and putting
it back through the unit's rules."""
