"""Visitor sessions (SES-1) and recently viewed products (CAT-3)."""
