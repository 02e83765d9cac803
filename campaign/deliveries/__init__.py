"""Deliveries: sending a letter or a petition to its targets, and their answers."""
