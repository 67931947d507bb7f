"""A partner regulator's webhook endpoint, as small as it can be: it verifies each push from
publish per Standard Webhooks 1.0 with the reference package (`pip install standardwebhooks`),
prints what it accepted as one JSON line and answers 204; an unverifiable push gets 400.

    WEBHOOK_SECRET=whsec_... python docs/examples/partner_receiver.py --port 9000

A real endpoint also drops a `webhook-id` it has seen (publish retries with the same id) and
answers within publish's WEBHOOK_TIMEOUT_SECONDS.
"""

from __future__ import annotations

import argparse
import json
import os
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

from standardwebhooks import Webhook, WebhookVerificationError


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__,
                                     formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--host", default="127.0.0.1")
    parser.add_argument("--port", type=int, default=9000)
    args = parser.parse_args()
    webhook = Webhook(os.environ["WEBHOOK_SECRET"])  # the webhook_secret publish returned once

    class Handler(BaseHTTPRequestHandler):
        def do_POST(self) -> None:
            body = self.rfile.read(int(self.headers.get("content-length", 0)))
            try:
                payload = webhook.verify(body, dict(self.headers))
            except WebhookVerificationError as exc:
                print(json.dumps({"refused": str(exc)}), flush=True)
                self.send_response(400)
            else:
                print(json.dumps({"webhook-id": self.headers["webhook-id"], "payload": payload},
                                 ensure_ascii=False), flush=True)
                self.send_response(204)
            self.end_headers()

        def log_message(self, *args: object) -> None:
            return None

    server = ThreadingHTTPServer((args.host, args.port), Handler)
    print(json.dumps({"listening": f"http://{args.host}:{server.server_address[1]}"}), flush=True)
    server.serve_forever()


if __name__ == "__main__":
    main()
