"""Code the three servers share: settings and secrets, HTTP, errors, logging, the store.

Nothing here knows Instantly or Stripe; the API packages build on it.
"""
