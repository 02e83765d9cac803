"""The domain. Services take plain values, own their transaction and never touch the request."""
