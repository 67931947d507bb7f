"""Channel adapters (R-DLV-2): e-mail over SMTP, fax through an e-mail-to-fax gateway with DSN
proof, the WeChat mini-program with its read receipt, and DingTalk government edition with its
send result. `notify.wiring` builds them for the service."""
