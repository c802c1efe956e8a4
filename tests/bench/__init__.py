"""Tests of the venue benchmark's own helpers and integrations."""
