"""Accounts context: customer accounts and their credentials (CHK-3)."""
