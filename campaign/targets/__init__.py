"""Targets: the decision makers campaigns and letters address, imported from CSV."""
