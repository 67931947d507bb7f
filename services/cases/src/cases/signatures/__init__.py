"""Electronic signatures (电子签名): a signer's identity bound to the SHA-256 of a document version."""
