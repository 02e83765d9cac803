"""Contacts: one person across campaigns, their email preferences, and the suppression list."""
