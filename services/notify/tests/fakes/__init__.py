"""Real local servers speaking outside platforms' protocols, for the channel tests."""
