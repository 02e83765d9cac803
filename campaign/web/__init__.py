"""Blueprints per audience."""

from werkzeug.wrappers import Response

# What a view returns: a page, a redirect, or a page with its status code.
Page = str | Response | tuple[str, int]
