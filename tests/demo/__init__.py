"""Tests of the demo as a user runs it: the real stack, its log, its names, the README."""
