"""Joint letters: drafting, versioned text, co-signing by partners, reminders."""
