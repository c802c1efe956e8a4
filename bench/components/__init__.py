"""Home Assistant integrations the venue benchmark adds to its own configuration."""
