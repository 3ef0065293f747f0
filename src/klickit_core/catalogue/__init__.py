"""Catalogue context: products (CAT-1) and reviews with moderation (CAT-2)."""
