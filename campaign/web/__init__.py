"""Blueprints per audience."""
