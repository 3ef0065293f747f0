"""Shipping context: zones, methods and the estimate before checkout (SES-2)."""
