"""Engine, sessions and the unit of work; nothing is created at import time."""
