"""Accounts of coordinators and partner staff: passwords, sign-in, invitations, resets."""
