"""What is computed from a wave: tables, maturity stages, exploratory statistics."""
