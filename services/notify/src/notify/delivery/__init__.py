"""Deliveries (送达): serving one document on its recipient, the attempts and the proof."""
