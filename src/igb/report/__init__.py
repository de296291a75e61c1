"""Report output: the figures of RIVM report 270161002 re-drawn from the report tables."""
