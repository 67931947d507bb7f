"""Container health check: GET http://127.0.0.1:$PORT<path> (default /healthz); exit 0 on 200.

The slim image has no curl; this runs on the image's own Python, with no dependencies.
"""

import os
import sys
import urllib.request

path = sys.argv[1] if len(sys.argv) > 1 else "/healthz"
url = f"http://127.0.0.1:{os.environ.get('PORT', '8000')}{path}"
try:
    with urllib.request.urlopen(url, timeout=3) as response:
        sys.exit(0 if response.status == 200 else 1)
except Exception as exc:  # not listening, 503 not ready, timeout: all unhealthy
    print(f"{url}: {exc}", file=sys.stderr)
    sys.exit(1)
