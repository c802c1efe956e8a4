"""Tests for micboard."""
