"""The coalition statement every partner agrees to, versioned: an application records the
version its organization agreed to."""

from __future__ import annotations

STATEMENT_VERSION = "2026-11"

STATEMENT = (
    "We stand together for more research to promote recovery and resilience, and ultimately "
    "to cure and prevent mental illnesses. Partnering is a non-financial show of support "
    "between organizations that do not compete for members and that keep their own paths of "
    "service. We speak with one voice on mental-health research, recovery and the advocacy "
    "toward them, and we keep talking between campaigns."
)

FOCUS_AREAS = {
    "depression": "Depression",
    "anxiety": "Anxiety",
    "serious-mental-illness": "Serious mental illness",
    "youth": "Youth",
    "veterans": "Veterans",
    "suicide-prevention": "Suicide prevention",
    "substance-use": "Substance use",
    "family-support": "Family support",
    "research": "Research",
}

CONSTITUENCY_SIZES = {
    "under-1k": "Fewer than 1,000 people",
    "1k-10k": "1,000 to 10,000 people",
    "10k-100k": "10,000 to 100,000 people",
    "over-100k": "More than 100,000 people",
}
