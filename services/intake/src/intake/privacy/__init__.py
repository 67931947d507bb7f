"""Privacy of complainants (R-INT-7): masked staff lists and field-key rotation."""
