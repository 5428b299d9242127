"""Sandbox simulation: make the sandbox world move, and report what the orchestrator did about it."""
