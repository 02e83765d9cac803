"""Campaigns and their petitions: signing, confirmation, counts, held signatures."""
