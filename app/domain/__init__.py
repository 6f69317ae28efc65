"""Pure business rules: no I/O, no clock, no randomness; stdlib only."""
