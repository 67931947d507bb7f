"""Legal documents (法律文书): rendered once, stored immutably with their hash, verifiable by QR."""
