"""Core tests: pure and fast. This directory must never import Django."""
