"""What a VE.Bus unit is, reports and lets an owner change, as data and rules without I/O:
its states and readings, its product, the controls of the owner and what a written value
must be."""
