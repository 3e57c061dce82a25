#!/usr/bin/env python3
"""A local stand-in for the Twilio, Vonage and WhatsApp Cloud APIs.

It answers like the providers do, status codes and error bodies included, so
the channel programs can be tested end to end without the real services.
Standard library only.

    provider_peer.py --record requests.jsonl \
        --twilio-sid AC123 --twilio-token secret \
        --vonage-key key --vonage-secret secret \
        --whatsapp-token token --whatsapp-phone-id 1234

It binds 127.0.0.1 on a free port, prints one line "provider-peer ready port=N"
and records every request (method, path, headers, body, the status answered)
as one JSON line in the record file.

Each test picks the provider's behaviour by the destination number, in the
manner of Twilio's magic test numbers (the last four digits count):

  Twilio    ...0001  400 code 21211 (invalid 'To' number)
            ...0004  400 code 21610 (unsubscribed recipient)
            ...0429  429 code 20429 with Retry-After (see --retry-after) on the
                     first request for the number, then 201
            ...0500  500 on every request
            other    201 with a message sid
  Vonage    ...0001  status "1" (throttled) on the first request for the number, then "0"
            ...0002  status "2" (missing parameters)
            ...0500  HTTP 500
            other    status "0" with a message-id
  WhatsApp  ...0047  400 code 131047 (more than 24 hours since the customer wrote)
            ...0429  429 code 130429 on the first request for the number, then 200
            other    200 with messages[0].id

Wrong credentials get each provider's authentication error (Twilio 401 code
20003; Vonage status "4"; WhatsApp 401 code 190).
"""
import argparse
import base64
import json
import sys
import threading
import time
import uuid
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from urllib.parse import parse_qs, urlsplit


class State:
    def __init__(self, options):
        self.options = options
        self.lock = threading.Lock()
        self.seen = {}  # (provider, number) -> requests so far

    def count(self, provider, number):
        """How many requests for this number came before this one."""
        with self.lock:
            key = (provider, number)
            before = self.seen.get(key, 0)
            self.seen[key] = before + 1
            return before

    def record(self, entry):
        line = json.dumps(entry, sort_keys=True)
        with self.lock:
            with open(self.options.record, "a", encoding="utf-8") as file:
                file.write(line + "\n")
                file.flush()


def last4(number):
    digits = "".join(c for c in number if c.isdigit())
    return digits[-4:]


class Handler(BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"
    server_version = "provider-peer"

    def log_message(self, format, *args):  # quiet: the record file says it all
        pass

    def do_GET(self):
        self.handle_request()

    def do_POST(self):
        self.handle_request()

    def handle_request(self):
        state = self.server.state
        length = int(self.headers.get("Content-Length") or 0)
        body = self.rfile.read(length) if length else b""
        path = urlsplit(self.path).path
        status, headers, answer = self.route(state, path, body)
        payload = json.dumps(answer).encode()
        state.record({
            "time": time.time(),
            "method": self.command,
            "path": self.path,
            "headers": {k.lower(): v for k, v in self.headers.items()},
            "body": body.decode("utf-8", "replace"),
            "status": status,
        })
        self.send_response(status)
        for name, value in headers.items():
            self.send_header(name, value)
        self.send_header("Content-Type", "application/json")
        self.send_header("Content-Length", str(len(payload)))
        self.end_headers()
        self.wfile.write(payload)

    def route(self, state, path, body):
        parts = path.strip("/").split("/")
        if len(parts) == 4 and parts[:2] == ["2010-04-01", "Accounts"] and parts[3] == "Messages.json" and self.command == "POST":
            return twilio(state, self.headers, parts[2], body)
        if path == "/sms/json" and self.command == "POST":
            return vonage(state, body)
        if len(parts) == 3 and parts[2] == "messages" and self.command == "POST":
            return whatsapp(state, self.headers, parts[1], body)
        return 404, {}, {"error": "no such resource: %s %s" % (self.command, path)}


def twilio_error(status, code, message):
    return status, {}, {
        "code": code,
        "message": message,
        "more_info": "https://www.twilio.com/docs/errors/%d" % code,
        "status": status,
    }


def twilio(state, headers, account, body):
    options = state.options
    expected = "Basic " + base64.b64encode(("%s:%s" % (options.twilio_sid, options.twilio_token)).encode()).decode()
    if headers.get("Authorization") != expected or account != options.twilio_sid:
        return twilio_error(401, 20003, "Authenticate")
    form = {k: v[0] for k, v in parse_qs(body.decode(), keep_blank_values=True).items()}
    to = form.get("To", "")
    if not to:
        return twilio_error(400, 21604, "A 'To' phone number is required.")
    if not form.get("From") and not form.get("MessagingServiceSid"):
        return twilio_error(400, 21603, "A 'From' or 'MessagingServiceSid' parameter is required to send a message.")
    if not form.get("Body"):
        return twilio_error(400, 21602, "Message body is required.")
    case = last4(to)
    if case == "0001":
        return twilio_error(400, 21211, "The 'To' number %s is not a valid phone number." % to)
    if case == "0004":
        return twilio_error(400, 21610, "Attempt to send to unsubscribed recipient")
    if case == "0429" and state.count("twilio", to) == 0:
        status, _, answer = twilio_error(429, 20429, "Too Many Requests")
        return status, {"Retry-After": str(options.retry_after)}, answer
    if case == "0500":
        return twilio_error(500, 20500, "Internal Server Error")
    sid = "SM" + uuid.uuid4().hex
    return 201, {}, {
        "account_sid": account,
        "api_version": "2010-04-01",
        "body": form["Body"],
        "direction": "outbound-api",
        "error_code": None,
        "error_message": None,
        "from": form.get("From"),
        "messaging_service_sid": form.get("MessagingServiceSid"),
        "num_segments": "1",
        "sid": sid,
        "status": "queued",
        "to": to,
        "uri": "/2010-04-01/Accounts/%s/Messages/%s.json" % (account, sid),
    }


def vonage_error(status, text):
    return 200, {}, {"message-count": "1", "messages": [{"status": status, "error-text": text}]}


def vonage(state, body):
    options = state.options
    form = {k: v[0] for k, v in parse_qs(body.decode(), keep_blank_values=True).items()}
    if form.get("api_key") != options.vonage_key or form.get("api_secret") != options.vonage_secret:
        return vonage_error("4", "Bad Credentials")
    for field in ("from", "to", "text"):
        if not form.get(field):
            return vonage_error("2", "Missing %s param" % field)
    to = form["to"]
    if not to.isdigit():
        return vonage_error("3", "Invalid to param")
    case = last4(to)
    if case == "0001" and state.count("vonage", to) == 0:
        return vonage_error("1", "Throughput Rate Exceeded - please wait [ 1000 ] and retry")
    if case == "0002":
        return vonage_error("2", "Missing to param")
    if case == "0500":
        return 500, {}, {"type": "https://developer.nexmo.com/api-errors#internal-error", "title": "Internal Error"}
    return 200, {}, {
        "message-count": "1",
        "messages": [{
            "to": to,
            "message-id": str(uuid.uuid4()),
            "status": "0",
            "remaining-balance": "3.14159265",
            "message-price": "0.03330000",
            "network": "12345",
            "client-ref": form.get("client-ref", ""),
        }],
    }


def graph_error(status, code, message, subcode=None, details=None):
    error = {"message": message, "type": "OAuthException", "code": code, "fbtrace_id": "A" + uuid.uuid4().hex[:22]}
    if subcode is not None:
        error["error_subcode"] = subcode
    if details:
        error["error_data"] = {"messaging_product": "whatsapp", "details": details}
    return status, {}, {"error": error}


def whatsapp(state, headers, phone_id, body):
    options = state.options
    if headers.get("Authorization") != "Bearer " + options.whatsapp_token:
        return graph_error(401, 190, "Invalid OAuth access token - Cannot parse access token")
    if phone_id != options.whatsapp_phone_id:
        return graph_error(400, 100, "Unsupported post request. Object with ID '%s' does not exist" % phone_id, 33)
    try:
        message = json.loads(body)
    except ValueError:
        return graph_error(400, 100, "Invalid parameter")
    if message.get("messaging_product") != "whatsapp":
        return graph_error(400, 100, "The parameter messaging_product is required.")
    to = message.get("to", "")
    kind = message.get("type")
    if not to or kind not in ("template", "text"):
        return graph_error(400, 100, "Invalid parameter")
    case = last4(to)
    if case == "0047":
        return graph_error(400, 131047, "Re-engagement message", 2494010,
                           "Message failed to send because more than 24 hours have passed since the customer last replied to this number.")
    if case == "0429" and state.count("whatsapp", to) == 0:
        status, _, answer = graph_error(429, 130429, "Rate limit hit", None, "Cloud API message throughput has been reached.")
        return status, {"Retry-After": str(options.retry_after)}, answer
    answer = {
        "messaging_product": "whatsapp",
        "contacts": [{"input": to, "wa_id": to}],
        "messages": [{"id": "wamid." + base64.b64encode(uuid.uuid4().bytes).decode().rstrip("=")}],
    }
    if kind == "template":
        answer["messages"][0]["message_status"] = "accepted"
    return 200, {}, answer


def main():
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--record", required=True, help="append one JSON line per request here")
    parser.add_argument("--twilio-sid", default="AC00000000000000000000000000000000")
    parser.add_argument("--twilio-token", default="twilio-token")
    parser.add_argument("--vonage-key", default="vonage-key")
    parser.add_argument("--vonage-secret", default="vonage-secret")
    parser.add_argument("--whatsapp-token", default="whatsapp-token")
    parser.add_argument("--whatsapp-phone-id", default="1000000000")
    parser.add_argument("--retry-after", type=int, default=1, help="seconds in Retry-After of 429 answers")
    options = parser.parse_args()
    open(options.record, "a").close()
    server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    server.daemon_threads = True
    server.state = State(options)
    print("provider-peer ready port=%d" % server.server_address[1], flush=True)
    try:
        server.serve_forever()
    except KeyboardInterrupt:
        pass


if __name__ == "__main__":
    sys.exit(main())
