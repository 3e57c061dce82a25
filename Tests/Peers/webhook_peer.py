#!/usr/bin/env python3
"""A webhook subscriber that checks Standard Webhooks signatures with the
reference `standardwebhooks` library (an independent check of herald-webhook).

    webhook_peer.py --record requests.jsonl --secret-file secret.txt
    webhook_peer.py --record requests.jsonl

Without --secret-file it checks no signature ("verified" is null) and stands
in for a chat service's incoming webhook (herald-chat's tests).

It binds 127.0.0.1 on a free port, prints "webhook-peer ready port=N", and
records every request as one JSON line: method, path, headers, body, whether
the signature verified (and why not), and the status it answered. The secret
is read from --secret-file on each request, so a test can create the
subscription (which makes the secret) after the peer is up.

The path says how to answer: /hook/<plan>, where plan is a comma-separated
list of answers used one per request to that path, the last one repeating.
An answer is a status, optionally with a retry-after: "200", "410",
"429:2" (429 with retry-after: 2), "500". So /hook/500,200 fails once, then
succeeds. Anything else answers 200. A 3xx answer carries
"Location: http://169.254.169.254/latest/meta-data/", for tests that a
redirect is not followed.
"""
import argparse
import json
import sys
import threading
import time
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from urllib.parse import urlsplit

from standardwebhooks.webhooks import Webhook


class State:
    def __init__(self, options):
        self.options = options
        self.lock = threading.Lock()
        self.seen = {}

    def next_answer(self, path):
        plan = [answer for answer in path.split("/")[-1].split(",") if answer] if path.startswith("/hook/") else []
        if not plan:
            return 200, None
        with self.lock:
            index = self.seen.get(path, 0)
            self.seen[path] = index + 1
        answer = plan[min(index, len(plan) - 1)]
        status, _, retry_after = answer.partition(":")
        return int(status), (retry_after or None)

    def record(self, entry):
        line = json.dumps(entry, sort_keys=True)
        with self.lock:
            with open(self.options.record, "a", encoding="utf-8") as file:
                file.write(line + "\n")
                file.flush()


class Handler(BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"
    server_version = "webhook-peer"

    def log_message(self, format, *args):
        pass

    def do_POST(self):
        state = self.server.state
        length = int(self.headers.get("Content-Length") or 0)
        body = self.rfile.read(length) if length else b""
        headers = {k.lower(): v for k, v in self.headers.items()}
        if state.options.secret_file:
            verified, error = verify(state.options.secret_file, body, headers)
        else:
            verified, error = None, None
        path = urlsplit(self.path).path
        status, retry_after = state.next_answer(path)
        state.record({
            "time": time.time(),
            "method": self.command,
            "path": self.path,
            "headers": headers,
            "body": body.decode("utf-8", "replace"),
            "verified": verified,
            "verify_error": error,
            "status": status,
        })
        payload = b'{"ok": true}' if status < 300 else b'{"ok": false}'
        self.send_response(status)
        if retry_after is not None:
            self.send_header("retry-after", retry_after)
        if 300 <= status < 400:
            # Where a server-side request forgery would like to be sent next.
            self.send_header("Location", "http://169.254.169.254/latest/meta-data/")
        self.send_header("Content-Type", "application/json")
        self.send_header("Content-Length", str(len(payload)))
        self.end_headers()
        self.wfile.write(payload)


def verify(secret_file, body, headers):
    try:
        with open(secret_file, encoding="utf-8") as file:
            secret = file.read().strip()
    except OSError as error:
        return False, "no secret: %s" % error
    try:
        Webhook(secret).verify(body, headers)
        return True, None
    except Exception as error:  # the library's error, or a malformed header
        return False, "%s: %s" % (type(error).__name__, error)


def main():
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--record", required=True)
    parser.add_argument("--secret-file")
    options = parser.parse_args()
    open(options.record, "a").close()
    server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    server.daemon_threads = True
    server.state = State(options)
    print("webhook-peer ready port=%d" % server.server_address[1], flush=True)
    try:
        server.serve_forever()
    except KeyboardInterrupt:
        pass


if __name__ == "__main__":
    sys.exit(main())
