"""Marketing: member analysis (stages, segments, RFM) and its settings."""
