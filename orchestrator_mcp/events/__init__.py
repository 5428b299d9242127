"""Inbound events: the webhook receiver (store first), the processor, polling, and the rules."""
