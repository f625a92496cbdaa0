"""What is read of a unit, and when: one full status chosen by a plan, the slow tier read
now and then, samples several times a second and the energy totals integrated from them."""
