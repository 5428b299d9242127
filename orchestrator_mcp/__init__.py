"""Composite tools across Instantly and Stripe, backed by the unified-contacts store."""
