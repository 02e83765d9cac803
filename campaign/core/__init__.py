"""Shared plumbing: database helpers, refusals, audit, links, markup, tokens, throttles."""
