"""Hostile input, special files and planted secrets (issue 15): generator, corpus run, fuzz strategies."""
