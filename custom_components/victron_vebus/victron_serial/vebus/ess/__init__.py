"""The ESS mode 3 setpoint: kept alive and released (one per phase master), and the control
that drives it from a grid meter or to a state of charge."""
