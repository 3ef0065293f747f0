"""Cart context: the cart, its pricing and its signed cookie (CRT-1, CRT-2, CRT-3, SES-2)."""
