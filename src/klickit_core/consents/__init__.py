"""Consents context: the proof of what a person agreed to, and when (CHK-2, PRV-5)."""
