"""Real local servers speaking outside platforms' documented protocols, for the channel tests."""
