"""Orders context: the order, its life cycle and its support requests (CHK-4, ORD-1, ORD-2)."""
