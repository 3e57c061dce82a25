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
            ...0503  503 on every request (Vonage sends to it: a failover)
            other    201 with a message sid
  Vonage    ...0001  status "1" (throttled) on the first request for the number, then "0"
            ...0002  status "2" (missing parameters)
            ...0500  HTTP 500
            other    status "0" with a message-id
  WhatsApp  ...0047  400 code 131047 (more than 24 hours since the customer wrote)
            ...0429  429 code 130429 on the first request for the number, then 200
            other    200 with messages[0].id

More Twilio accounts: --twilio-account SID:TOKEN (repeatable); a send must use
one account's SID in its path with that account's credentials, and its receipts
carry that AccountSid and are signed with that account's token.
API keys: --twilio-api-key ACCOUNT_SID:KEY_SID:SECRET (repeatable) lets sends to
that account sign in with the key's SID and secret instead of its auth token.
More Vonage keys: --vonage-account KEY:SECRET (repeatable); a send must carry one
of the known keys with its own secret. More WhatsApp phone numbers:
--whatsapp-account PHONE_ID:TOKEN (repeatable); a send to a phone-number id must
carry that number's token.

Wrong credentials get each provider's authentication error (Twilio 401 code
20003; Vonage status "4"; WhatsApp 401 code 190).

Callbacks
---------
The peer also calls the channel back the way the providers do, signed the way
they sign, but only when told where to:

  Twilio    a send's StatusCallback form parameter (delivery receipts);
            --twilio-inbound-url (inbound messages, see /_peer/inbound)
  Vonage    a send's "callback" form parameter, else --vonage-dlr-url
            (delivery receipts); --vonage-inbound-url (inbound messages);
            both sent as --vonage-dlr-method GET | POST | POST-JSON
            (default POST-JSON: query string, urlencoded form, JSON object)
  WhatsApp  --whatsapp-webhook-url (statuses and inbound messages)

Signatures:

  Twilio    X-Twilio-Signature: base64 HMAC-SHA1 keyed with --twilio-token over
            the callback URL exactly as given followed by every POST
            parameter sorted by name, as name then value. Also sends
            I-Twilio-Idempotency-Token and User-Agent: TwilioProxy/1.1.
  Vonage    only with --vonage-signature-secret S: the fields gain "timestamp"
            (unix seconds), "nonce" (a uuid) and "sig". The signed string is
            "&name=value" for every field but sig, sorted by name, with "&" and
            "=" in values replaced by "_". --vonage-signature-method md5hash
            (default): lowercase hex MD5 of string + S; md5, sha1, sha256,
            sha512: UPPERCASE hex HMAC of the string keyed with S.
  WhatsApp  X-Hub-Signature-256: sha256=<lowercase hex HMAC-SHA256 of the raw
            body keyed with --whatsapp-app-secret (default whatsapp-app-secret)>

Delivery receipts follow a successful send from a background thread, after the
send's answer has been written, about 30 ms apart. The recipient's last four
digits pick them (in this order):

            Twilio MessageStatus       Vonage status/err-code  WhatsApp status
  ...0030   sent, undelivered 30003    failed 12               sent, failed 131026
  ...0031   delivered, delivered       delivered 0,            delivered, delivered
            (identical), sent          delivered 0 (identical) (identical), sent
  ...0032   none                       none                    none
  ...0033   sent, delivered            delivered 0             sent, delivered, read
  ...0034   sent, failed 21610         rejected 9              failed 131050
  other     sent, delivered            delivered 0             sent, delivered

Twilio receipts carry MessageSid, SmsSid, AccountSid, From (the send's From,
else +15550000000), To, MessageStatus, SmsStatus, ApiVersion, MessagingServiceSid
when the send had one, ErrorCode and ErrorMessage on undelivered/failed,
RawDlrDoneDate (YYMMDDhhmm) on delivered/undelivered and ChannelPrefix=sms, a
parameter the channel does not know. Vonage receipts carry msisdn, to,
network-code, messageId, price, status, scts, err-code, api-key, client-ref
(when the send had one) and message-timestamp. WhatsApp statuses come in Meta's
whatsapp_business_account envelope, with conversation and pricing on sent and
delivered and an errors array on failed.

Every callback is one HTTP request (timeout 5 s); a non-2xx answer or no
answer is retried with the same request (body, headers, signature) after 200,
400 and 800 ms. Each attempt is one line in the record file:
{"kind": "callback", "provider", "url", "method", "headers", "body", "status"
(0 when unreachable), "attempt", "time"}. Request lines carry "kind": "request".

Control endpoints (on the peer's own port, JSON in, JSON out, recorded like
any request; each answers {"status": <the listener's last answer, 0 if none>}
once the callback is done, retries included; 400 {"error": ...} when it has
nowhere to send or the request is malformed):

  POST /_peer/inbound  {"provider": "twilio"|"vonage"|"whatsapp", "from": "+1555...",
                       "to": "+1555..." (optional), "text": "STOP",
                       "opt_out_type": "STOP" (optional, Twilio only),
                       "messaging_service_sid": "MG..." (optional, Twilio only)}
                       sends the provider's inbound-message webhook.
  POST /_peer/receipt  {"provider", "message_id", "status" (default delivered),
                       "error_code" (optional), "url" (optional), "to" (optional)}
                       sends one receipt for that message id (known or not) to
                       "url", else where the message's receipts went, else (Twilio)
                       the last StatusCallback seen, (Vonage) --vonage-dlr-url or
                       the last "callback" seen, (WhatsApp) --whatsapp-webhook-url.
  POST /_peer/forged   as /_peer/receipt but signed with a wrong secret, or with
                       "unsigned": true not signed at all; with "kind": "inbound"
                       it forges /_peer/inbound's webhook instead.
"""
import argparse
import base64
import hashlib
import hmac
import http.client
import json
import random
import sys
import threading
import time
import urllib.error
import urllib.request
import uuid
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from urllib.parse import parse_qs, urlencode, urlsplit


class State:
    def __init__(self, options):
        self.options = options
        self.lock = threading.Lock()
        self.seen = {}  # (provider, number) -> requests so far
        self.messages = {}  # message id -> what its receipts need (see remember)
        self.last_url = {}  # provider -> the last receipt URL a send gave

    def count(self, provider, number):
        """How many requests for this number came before this one."""
        with self.lock:
            key = (provider, number)
            before = self.seen.get(key, 0)
            self.seen[key] = before + 1
            return before

    def remember(self, message_id, **info):
        """What later receipts for a message need: provider, to, from, url, ..."""
        with self.lock:
            self.messages[message_id] = info
            if info.get("url") and info.get("provider") in ("twilio", "vonage"):
                self.last_url[info["provider"]] = info["url"]

    def message(self, message_id):
        with self.lock:
            return dict(self.messages.get(message_id) or {})

    def last(self, provider):
        with self.lock:
            return self.last_url.get(provider)

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
        later = []  # callbacks to start once the answer is written
        status, headers, answer = self.route(state, path, body, later)
        payload = json.dumps(answer).encode()
        state.record({
            "kind": "request",
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
        self.wfile.flush()
        for job in later:
            threading.Thread(target=run_quietly, args=(job,), daemon=True).start()

    def route(self, state, path, body, later):
        parts = path.strip("/").split("/")
        if len(parts) == 4 and parts[:2] == ["2010-04-01", "Accounts"] and parts[3] == "Messages.json" and self.command == "POST":
            return twilio(state, self.headers, parts[2], body, later)
        if path == "/sms/json" and self.command == "POST":
            return vonage(state, body, later)
        if len(parts) == 3 and parts[2] == "messages" and self.command == "POST":
            return whatsapp(state, self.headers, parts[1], body, later)
        if parts[0] == "_peer" and len(parts) == 2 and self.command == "POST":
            return control(state, parts[1], body)
        return 404, {}, {"error": "no such resource: %s %s" % (self.command, path)}


def twilio_error(status, code, message):
    return status, {}, {
        "code": code,
        "message": message,
        "more_info": "https://www.twilio.com/docs/errors/%d" % code,
        "status": status,
    }


def twilio_tokens(options):
    """Every Twilio account the peer knows (--twilio-sid and each --twilio-account), by SID."""
    tokens = {options.twilio_sid: options.twilio_token}
    for pair in options.twilio_account or []:
        sid, _, token = pair.partition(":")
        tokens[sid] = token
    return tokens


def twilio(state, headers, account, body, later):
    options = state.options
    token = twilio_tokens(options).get(account)
    # The account's SID and auth token, or one of its API keys (SID and secret).
    logins = [(account, token)] if token is not None else []
    for triple in options.twilio_api_key or []:
        owner, key_sid, secret = triple.split(":", 2)
        if owner == account:
            logins.append((key_sid, secret))
    accepted = {"Basic " + base64.b64encode(("%s:%s" % login).encode()).decode() for login in logins}
    if token is None or headers.get("Authorization") not in accepted:
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
    if case == "0503":
        return twilio_error(503, 20503, "Service Unavailable")
    sid = "SM" + uuid.uuid4().hex
    if form.get("StatusCallback"):
        state.remember(sid, provider="twilio", to=to, sender=form.get("From") or DEFAULT_FROM,
                       service=form.get("MessagingServiceSid"), url=form["StatusCallback"], account=account)
        later.append(lambda: send_receipts(state, sid, TWILIO_PLANS.get(case, TWILIO_PLANS["other"])))
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


def vonage(state, body, later):
    options = state.options
    form = {k: v[0] for k, v in parse_qs(body.decode(), keep_blank_values=True).items()}
    secrets = {options.vonage_key: options.vonage_secret}
    secrets.update(pair.partition(":")[::2] for pair in options.vonage_account or [])
    if form.get("api_key") not in secrets or form.get("api_secret") != secrets[form.get("api_key")]:
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
    message_id = str(uuid.uuid4())
    url = form.get("callback") or options.vonage_dlr_url
    if url:
        state.remember(message_id, provider="vonage", to=to, sender=form["from"], url=url,
                       client_ref=form.get("client-ref"))
        later.append(lambda: send_receipts(state, message_id, VONAGE_PLANS.get(case, VONAGE_PLANS["other"])))
    return 200, {}, {
        "message-count": "1",
        "messages": [{
            "to": to,
            "message-id": message_id,
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


def whatsapp(state, headers, phone_id, body, later):
    options = state.options
    tokens = {options.whatsapp_phone_id: options.whatsapp_token}
    tokens.update(pair.partition(":")[::2] for pair in options.whatsapp_account or [])
    authorization = headers.get("Authorization")
    if authorization not in {"Bearer " + token for token in tokens.values()}:
        return graph_error(401, 190, "Invalid OAuth access token - Cannot parse access token")
    # Another number's token: to Meta, that number's object does not exist for it.
    if authorization != "Bearer " + tokens.get(phone_id, ""):
        return graph_error(400, 100, "Unsupported post request. Object with ID '%s' does not exist, cannot be loaded due to missing permissions" % phone_id, 33)
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
    if options.whatsapp_webhook_url:
        wamid = answer["messages"][0]["id"]
        state.remember(wamid, provider="whatsapp", to=to, url=options.whatsapp_webhook_url,
                       category="utility" if kind == "template" else "service",
                       conversation=uuid.uuid4().hex)
        later.append(lambda: send_receipts(state, wamid, WHATSAPP_PLANS.get(case, WHATSAPP_PLANS["other"])))
    return 200, {}, answer


# Callbacks: what the providers send back to the channel (see "Callbacks" above).

DEFAULT_FROM = "+15550000000"  # Twilio's From when a send named only a MessagingServiceSid
DEFAULT_TO = "+15550009999"  # a receipt's recipient when nobody said who it was
WABA_ID = "102290129340398"  # the WhatsApp Business Account the statuses come from
DISPLAY_NUMBER = "15550001234"  # the business's WhatsApp number as Meta shows it
PROVIDERS = ("twilio", "vonage", "whatsapp")

CALLBACK_GAP = 0.03  # seconds before each receipt of one message, so order shows
CALLBACK_TIMEOUT = 5  # seconds per attempt
RETRY_PAUSES = (0.2, 0.4, 0.8)  # before the 2nd, 3rd and 4th attempt

SIGNED, FORGED, UNSIGNED = "signed", "forged", "unsigned"
AGAIN = "again"  # a plan step: the previous callback once more, byte for byte

# Receipts per last four digits of the recipient: (status, error code) in order.
TWILIO_PLANS = {
    "0030": [("sent", None), ("undelivered", "30003")],
    "0031": [("delivered", None), AGAIN, ("sent", None)],
    "0032": [],
    "0034": [("sent", None), ("failed", "21610")],
    "other": [("sent", None), ("delivered", None)],
}
VONAGE_PLANS = {
    "0030": [("failed", "12")],
    "0031": [("delivered", "0"), AGAIN],
    "0032": [],
    "0034": [("rejected", "9")],
    "other": [("delivered", "0")],
}
WHATSAPP_PLANS = {
    "0030": [("sent", None), ("failed", 131026)],
    "0031": [("delivered", None), AGAIN, ("sent", None)],
    "0032": [],
    "0033": [("sent", None), ("delivered", None), ("read", None)],
    "0034": [("failed", 131050)],
    "other": [("sent", None), ("delivered", None)],
}

TWILIO_ERRORS = {
    "21610": "Attempt to send to unsubscribed recipient",
    "30003": "Unreachable destination handset",
    "30005": "Unknown destination handset",
    "30006": "Landline or unreachable carrier",
    "30007": "Message filtered",
    "30008": "Unknown error",
}
WHATSAPP_ERRORS = {  # code -> (title, error_data.details)
    131026: ("Message undeliverable", "Message Undeliverable."),
    131047: ("Re-engagement message", "Message failed to send because more than 24 hours have passed "
                                      "since the customer last replied to this number."),
    131050: ("User has stopped marketing messages", "Unable to deliver the message. This recipient has chosen "
                                                    "to stop receiving marketing messages on WhatsApp from your business."),
}
COUNTRIES = {"1": "US", "31": "NL", "33": "FR", "34": "ES", "39": "IT", "41": "CH", "43": "AT", "44": "GB",
             "49": "DE", "61": "AU"}


class PeerError(Exception):
    """A control request the peer cannot carry out: answered 400 with the message."""


class Callback:
    """One HTTP request to the channel, sent again unchanged on every retry."""

    def __init__(self, provider, method, url, headers, body=b""):
        self.provider = provider
        self.method = method
        self.url = url
        self.headers = headers
        self.body = body


class NoRedirect(urllib.request.HTTPRedirectHandler):
    def redirect_request(self, *args, **kwargs):
        return None  # a 3xx is an answer like any other non-2xx


OPENER = urllib.request.build_opener(urllib.request.ProxyHandler({}), NoRedirect())


def attempt(callback):
    """Sends the request once: (the status answered or 0, why there was none)."""
    request = urllib.request.Request(callback.url, data=callback.body if callback.method != "GET" else None,
                                     headers=callback.headers, method=callback.method)
    try:
        with OPENER.open(request, timeout=CALLBACK_TIMEOUT) as response:
            response.read()
            return response.status, None
    except urllib.error.HTTPError as error:
        try:
            error.read()
            error.close()
        except (OSError, http.client.HTTPException):
            pass
        return error.code, None
    except (urllib.error.URLError, http.client.HTTPException, OSError, ValueError) as error:
        return 0, "%s: %s" % (type(error).__name__, error)


def deliver(state, callback):
    """Sends a callback, retrying as the providers do; records every attempt and
    answers the last status (0: nobody answered)."""
    headers = {name.lower(): value for name, value in callback.headers.items()}
    if callback.method != "GET":
        headers["content-length"] = str(len(callback.body))
    status = 0
    for number in range(1 + len(RETRY_PAUSES)):
        if number:
            time.sleep(RETRY_PAUSES[number - 1])
        status, error = attempt(callback)
        entry = {
            "kind": "callback",
            "provider": callback.provider,
            "url": callback.url,
            "method": callback.method,
            "headers": headers,
            "body": callback.body.decode("utf-8", "replace"),
            "status": status,
            "attempt": number + 1,
            "time": time.time(),
        }
        if error:
            entry["error"] = error
        state.record(entry)
        if 200 <= status < 300:
            break
    return status


def run_quietly(job):
    try:
        job()
    except Exception as error:  # a background thread has nobody to tell but stderr
        print("provider-peer: callback failed: %r" % (error,), file=sys.stderr, flush=True)


def send_receipts(state, message_id, plan):
    """A sent message's receipts, one after the other, as its plan says."""
    info = state.message(message_id)
    previous = None
    for step in plan:
        time.sleep(CALLBACK_GAP)
        if step == AGAIN:
            callback = previous
        else:
            status, error_code = step
            callback = receipt(state, info["provider"], message_id, info, status, error_code, info["url"], SIGNED)
        deliver(state, callback)
        previous = callback


def digits(number):
    return "".join(c for c in str(number) if c.isdigit())


def country(number):
    number = digits(number)
    for length in (2, 1):
        if number[:length] in COUNTRIES:
            return COUNTRIES[number[:length]]
    return "US"


def new_wamid():
    return "wamid." + base64.b64encode(uuid.uuid4().bytes).decode().rstrip("=")


def receipt(state, provider, message_id, info, status, error_code, url, signing):
    """The callback telling `url` that `message_id` reached `status`."""
    options = state.options
    if provider == "twilio":
        token = twilio_tokens(options).get(info.get("account") or options.twilio_sid, options.twilio_token)
        return twilio_callback(options, url, twilio_receipt(options, message_id, info, status, error_code), signing,
                               token=token)
    if provider == "vonage":
        return vonage_callback(options, url, vonage_receipt(options, message_id, info, status, error_code), signing)
    value = whatsapp_value(options, statuses=[whatsapp_status(message_id, info, status, error_code)])
    return whatsapp_callback(options, url, value, signing)


# Twilio

def twilio_signature(token, url, params):
    """X-Twilio-Signature for POST parameters [(name, value)] sent to url."""
    message = url + "".join(name + value for name, value in sorted(params, key=lambda param: param[0]))
    return base64.b64encode(hmac.new(token.encode(), message.encode(), hashlib.sha1).digest()).decode()


def twilio_callback(options, url, params, signing, token=None):
    headers = {
        "Content-Type": "application/x-www-form-urlencoded",
        "Accept": "*/*",
        "User-Agent": "TwilioProxy/1.1",
        "I-Twilio-Idempotency-Token": str(uuid.uuid4()),
    }
    if signing != UNSIGNED:
        token = token or options.twilio_token
        token = token if signing == SIGNED else "forged-" + token
        headers["X-Twilio-Signature"] = twilio_signature(token, url, params)
    return Callback("twilio", "POST", url, headers, urlencode(params).encode())


def twilio_receipt(options, sid, info, status, error_code):
    if error_code in (None, "") and status in ("undelivered", "failed"):
        error_code = "30008"
    params = []
    if error_code not in (None, ""):
        error_code = str(error_code)
        params += [("ErrorCode", error_code), ("ErrorMessage", TWILIO_ERRORS.get(error_code, "Unknown error"))]
    params += [
        ("SmsSid", sid),
        ("SmsStatus", status),
        ("MessageStatus", status),
        ("ChannelPrefix", "sms"),  # one Twilio adds without notice; the channel must not mind
        ("To", info.get("to") or DEFAULT_TO),
    ]
    if info.get("service"):
        params.append(("MessagingServiceSid", info["service"]))
    if status in ("delivered", "undelivered"):
        params.append(("RawDlrDoneDate", time.strftime("%y%m%d%H%M", time.gmtime())))
    params += [
        ("MessageSid", sid),
        ("AccountSid", info.get("account") or options.twilio_sid),
        ("From", info.get("sender") or DEFAULT_FROM),
        ("ApiVersion", "2010-04-01"),
    ]
    return params


def twilio_inbound(options, sender, to, text, request):
    sid = "SM" + uuid.uuid4().hex
    params = [
        ("ToCountry", country(to)),
        ("ToState", ""),
        ("SmsMessageSid", sid),
        ("NumMedia", "0"),
        ("ToCity", ""),
        ("FromZip", ""),
        ("SmsSid", sid),
        ("FromState", ""),
        ("SmsStatus", "received"),
        ("FromCity", ""),
        ("Body", text),
        ("FromCountry", country(sender)),
        ("To", to),
    ]
    if request.get("messaging_service_sid"):
        params.append(("MessagingServiceSid", str(request["messaging_service_sid"])))
    if request.get("opt_out_type"):
        params.append(("OptOutType", str(request["opt_out_type"]).upper()))
    params += [
        ("ToZip", ""),
        ("NumSegments", "1"),
        ("ReferralNumMedia", "0"),
        ("MessageSid", sid),
        ("AccountSid", options.twilio_sid),
        ("From", sender),
        ("ApiVersion", "2010-04-01"),
    ]
    return params


# Vonage

def vonage_signature(fields, secret, method="md5hash"):
    """Vonage's "sig" over every field but sig itself."""
    text = "".join("&%s=%s" % (name, str(fields[name]).replace("&", "_").replace("=", "_"))
                   for name in sorted(fields) if name != "sig")
    if method == "md5hash":
        return hashlib.md5((text + secret).encode()).hexdigest()
    return hmac.new(secret.encode(), text.encode(), method).hexdigest().upper()


def vonage_callback(options, url, fields, signing):
    fields = dict(fields)
    secret = options.vonage_signature_secret
    if signing == FORGED:
        secret = "forged-" + (secret or "secret")
    if signing != UNSIGNED and secret:
        fields["timestamp"] = str(int(time.time()))
        fields["nonce"] = str(uuid.uuid4())
        fields["sig"] = vonage_signature(fields, secret, options.vonage_signature_method)
    headers = {"User-Agent": "Vonage-Callbacks/1.0 (provider-peer)"}
    method = options.vonage_dlr_method
    if method == "GET":
        separator = "?" if "?" not in url else ("" if url.endswith(("?", "&")) else "&")
        return Callback("vonage", "GET", url + separator + urlencode(fields), headers)
    if method == "POST":
        headers["Content-Type"] = "application/x-www-form-urlencoded"
        return Callback("vonage", "POST", url, headers, urlencode(fields).encode())
    headers["Content-Type"] = "application/json"
    return Callback("vonage", "POST", url, headers, json.dumps(fields).encode())


def vonage_receipt(options, message_id, info, status, error_code):
    if error_code in (None, ""):
        error_code = "0" if status in ("delivered", "accepted", "buffered") else "99"
    now = time.gmtime()
    fields = {
        "msisdn": digits(info.get("to") or DEFAULT_TO),
        "to": info.get("sender") or digits(DEFAULT_FROM),
        "network-code": "12345",
        "messageId": message_id,
        "price": "0.03330000",
        "status": status,
        "scts": time.strftime("%y%m%d%H%M", now),
        "err-code": str(error_code),
        "api-key": options.vonage_key,
    }
    if info.get("client_ref"):
        fields["client-ref"] = info["client_ref"]
    fields["message-timestamp"] = time.strftime("%Y-%m-%d %H:%M:%S", now)
    return fields


def vonage_inbound(options, sender, to, text):
    words = text.split()
    return {
        "msisdn": digits(sender),
        "to": digits(to),
        "messageId": uuid.uuid4().hex[:16].upper(),
        "text": text,
        "type": "text",
        "keyword": words[0].upper() if words else "",
        "api-key": options.vonage_key,
        "message-timestamp": time.strftime("%Y-%m-%d %H:%M:%S", time.gmtime()),
    }


# WhatsApp

def whatsapp_signature(secret, body):
    return "sha256=" + hmac.new(secret.encode(), body, hashlib.sha256).hexdigest()


def whatsapp_value(options, display=DISPLAY_NUMBER, **parts):
    value = {
        "messaging_product": "whatsapp",
        "metadata": {"display_phone_number": display, "phone_number_id": options.whatsapp_phone_id},
    }
    value.update(parts)
    return value


def whatsapp_callback(options, url, value, signing):
    envelope = {
        "object": "whatsapp_business_account",
        "entry": [{"id": WABA_ID, "changes": [{"value": value, "field": "messages"}]}],
    }
    body = json.dumps(envelope, separators=(",", ":")).encode()
    headers = {"Content-Type": "application/json", "User-Agent": "facebookexternalua"}
    if signing != UNSIGNED:
        secret = options.whatsapp_app_secret if signing == SIGNED else "forged-" + options.whatsapp_app_secret
        headers["X-Hub-Signature-256"] = whatsapp_signature(secret, body)
    return Callback("whatsapp", "POST", url, headers, body)


def whatsapp_status(message_id, info, status, error_code):
    now = int(time.time())
    entry = {"id": message_id, "status": status, "timestamp": str(now),
             "recipient_id": digits(info.get("to") or DEFAULT_TO)}
    category = info.get("category") or "service"
    if status in ("sent", "delivered"):
        conversation = {"id": info.get("conversation") or uuid.uuid4().hex, "origin": {"type": category}}
        if status == "sent":
            conversation["expiration_timestamp"] = str(now + 24 * 3600)
        entry["conversation"] = conversation
        entry["pricing"] = {"billable": True, "pricing_model": "CBP", "category": category}
    if status == "failed" or error_code not in (None, ""):
        try:
            code = int(error_code) if error_code not in (None, "") else 131026
        except (TypeError, ValueError):
            raise PeerError("error_code must be a number for WhatsApp")
        title, details = WHATSAPP_ERRORS.get(code, ("Message undeliverable", "Message Undeliverable."))
        entry["errors"] = [{"code": code, "title": title, "message": title, "error_data": {"details": details}}]
    return entry


def whatsapp_inbound(options, sender, to, text, request):
    wa_id = digits(sender)
    return whatsapp_value(
        options, display=digits(to) if to else DISPLAY_NUMBER,
        contacts=[{"profile": {"name": str(request.get("name") or "Customer")}, "wa_id": wa_id}],
        messages=[{"from": wa_id, "id": new_wamid(), "timestamp": str(int(time.time())),
                   "text": {"body": text}, "type": "text"}])


# Control endpoints

def control(state, name, body):
    if name not in ("inbound", "receipt", "forged"):
        return 404, {}, {"error": "no such resource: POST /_peer/%s" % name}
    try:
        try:
            request = json.loads(body.decode("utf-8") or "{}")
        except ValueError:
            raise PeerError("the body is not JSON")
        if not isinstance(request, dict):
            raise PeerError("the body is not a JSON object")
        provider = request.get("provider")
        if provider not in PROVIDERS:
            raise PeerError("\"provider\" must be one of %s" % ", ".join(PROVIDERS))
        signing = SIGNED
        if name == "forged":
            signing = UNSIGNED if request.get("unsigned") else FORGED
        if name == "inbound" or (name == "forged" and request.get("kind") == "inbound"):
            callback = inbound(state, provider, request, signing)
        else:
            callback = one_receipt(state, provider, request, signing)
    except PeerError as error:
        return 400, {}, {"error": str(error)}
    return 200, {}, {"status": deliver(state, callback)}


def inbound(state, provider, request, signing):
    options = state.options
    sender, text, to = request.get("from"), request.get("text"), request.get("to")
    if not isinstance(sender, str) or not sender:
        raise PeerError("\"from\" is required")
    if not isinstance(text, str):
        raise PeerError("\"text\" is required")
    if to is not None and not isinstance(to, str):
        raise PeerError("\"to\" must be a string")
    if provider == "twilio":
        if not options.twilio_inbound_url:
            raise PeerError("no Twilio inbound URL: start the peer with --twilio-inbound-url")
        params = twilio_inbound(options, sender, to or DEFAULT_FROM, text, request)
        return twilio_callback(options, options.twilio_inbound_url, params, signing)
    if provider == "vonage":
        if not options.vonage_inbound_url:
            raise PeerError("no Vonage inbound URL: start the peer with --vonage-inbound-url")
        fields = vonage_inbound(options, sender, to or DEFAULT_FROM, text)
        return vonage_callback(options, options.vonage_inbound_url, fields, signing)
    if not options.whatsapp_webhook_url:
        raise PeerError("no WhatsApp webhook URL: start the peer with --whatsapp-webhook-url")
    value = whatsapp_inbound(options, sender, to, text, request)
    return whatsapp_callback(options, options.whatsapp_webhook_url, value, signing)


def one_receipt(state, provider, request, signing):
    options = state.options
    message_id = request.get("message_id")
    if message_id in (None, ""):
        raise PeerError("\"message_id\" is required")
    message_id = str(message_id)
    info = state.message(message_id)
    if info.get("provider") != provider:
        info = {}
    if request.get("to"):
        info["to"] = str(request["to"])
    if provider == "twilio":
        fallback = state.last("twilio")
    elif provider == "vonage":
        fallback = options.vonage_dlr_url or state.last("vonage")
    else:
        fallback = options.whatsapp_webhook_url
    url = request.get("url") or info.get("url") or fallback
    if not url:
        where = {
            "twilio": "no StatusCallback has been seen yet",
            "vonage": "no --vonage-dlr-url and no callback has been seen yet",
            "whatsapp": "no --whatsapp-webhook-url",
        }[provider]
        raise PeerError("nowhere to send the %s receipt: give \"url\" (%s)" % (provider, where))
    status = str(request.get("status") or "delivered")
    error_code = request.get("error_code")
    return receipt(state, provider, message_id, info, status, error_code, str(url), signing)


def main():
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--record", required=True, help="append one JSON line per request here")
    parser.add_argument("--twilio-sid", default="AC00000000000000000000000000000000")
    parser.add_argument("--twilio-token", default="twilio-token")
    parser.add_argument("--twilio-account", action="append", metavar="SID:TOKEN",
                        help="another Twilio account the peer accepts (its receipts are signed with its token)")
    parser.add_argument("--twilio-api-key", action="append", metavar="ACCOUNT_SID:KEY_SID:SECRET",
                        help="an API key of a known Twilio account, which sends sign in with instead of its token")
    parser.add_argument("--vonage-account", action="append", metavar="KEY:SECRET",
                        help="another Vonage API key the peer accepts, with its secret")
    parser.add_argument("--whatsapp-account", action="append", metavar="PHONE_ID:TOKEN",
                        help="another WhatsApp phone-number id the peer accepts, with its access token")
    parser.add_argument("--vonage-key", default="vonage-key")
    parser.add_argument("--vonage-secret", default="vonage-secret")
    parser.add_argument("--whatsapp-token", default="whatsapp-token")
    parser.add_argument("--whatsapp-phone-id", default="1000000000")
    parser.add_argument("--retry-after", type=int, default=1, help="seconds in Retry-After of 429 answers")
    parser.add_argument("--twilio-inbound-url", help="where /_peer/inbound sends Twilio's inbound messages")
    parser.add_argument("--vonage-dlr-url", help="where Vonage's delivery receipts go when a send has no callback")
    parser.add_argument("--vonage-inbound-url", help="where /_peer/inbound sends Vonage's inbound messages")
    parser.add_argument("--vonage-dlr-method", type=str.upper, choices=["GET", "POST", "POST-JSON"], default="POST-JSON",
                        help="how Vonage's callbacks are sent")
    parser.add_argument("--vonage-signature-secret", help="sign Vonage's callbacks with this secret")
    parser.add_argument("--vonage-signature-method", type=str.lower,
                        choices=["md5hash", "md5", "sha1", "sha256", "sha512"], default="md5hash")
    parser.add_argument("--whatsapp-webhook-url", help="where WhatsApp's statuses and inbound messages go")
    parser.add_argument("--whatsapp-app-secret", default="whatsapp-app-secret",
                        help="the Meta app secret that signs WhatsApp's webhooks")
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
