#!/usr/bin/env python3
"""Self-test for provider_peer.py's callbacks (not part of the Swift suite).

    python3 Tests/Peers/test_provider_peer_callbacks.py

Starts the peer several times (one per Vonage method and signature method),
with a local listener standing in for the channels' callback endpoint. The
listener checks every signature with its own code (checked first against
Twilio's documented example and Vonage's md5hash vector), answers 200 when it
holds and 403 when not, and the test checks which callbacks came, in which
order, with which fields. Standard library only; exits 0 when all is well.
"""
import base64
import hashlib
import hmac
import importlib.util
import json
import os
import subprocess
import sys
import tempfile
import threading
import time
import urllib.error
import urllib.request
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from urllib.parse import parse_qsl, urlencode, urlsplit

sys.dont_write_bytecode = True  # importing the peer must leave no __pycache__ in Tests/Peers
HERE = os.path.dirname(os.path.abspath(__file__))
PEER = os.path.join(HERE, "provider_peer.py")

TWILIO_SID = "AC0123456789abcdef0123456789abcdef"
TWILIO_TOKEN = "twilio-token-7f3a9c"
VONAGE_KEY = "vonage-key-1"
VONAGE_SECRET = "vonage-secret-5d2e8b"
VONAGE_SIG_SECRET = "vonage-signature-secret-9"
WA_TOKEN = "wa-token"
WA_PHONE_ID = "106540352242922"
WA_SECRET = "meta-app-secret-42"

failures = []


def check(condition, what):
    if not condition:
        failures.append(what)
        print("FAIL: " + what, file=sys.stderr)
    return condition


# Signatures, written independently of the peer's.

def twilio_sig(token, url, pairs):
    text = url
    for name, value in sorted(pairs, key=lambda pair: pair[0]):
        text += name + value
    return base64.b64encode(hmac.new(token.encode(), text.encode(), "sha1").digest()).decode()


def vonage_sig(fields, secret, method):
    names = sorted(name for name in fields if name != "sig")
    text = ""
    for name in names:
        text += "&" + name + "=" + fields[name].replace("&", "_").replace("=", "_")
    if method == "md5hash":
        return hashlib.md5(text.encode() + secret.encode()).hexdigest()
    return hmac.new(secret.encode(), text.encode(), getattr(hashlib, method)).hexdigest().upper()


def whatsapp_sig(secret, body):
    return "sha256=" + hmac.new(secret.encode(), body, hashlib.sha256).hexdigest()


def vectors():
    example = [("CallSid", "CA1234567890ABCDE"), ("Caller", "+12349013030"), ("Digits", "1234"),
               ("From", "+12349013030"), ("To", "+18005551212")]
    url = "https://mycompany.com/myapp.php?foo=1&bar=2"
    expected = "0/KCTR6DLpKmkAf8muzZqo1nDgQ="
    check(twilio_sig("12345", url, example) == expected, "the test's Twilio signature matches Twilio's example")
    fields = {"a": "1", "b": "2", "timestamp": "1461605396"}
    check(vonage_sig(fields, "secret", "md5hash") == "6af838ef94998832dbfc29020b564830",
          "the test's Vonage md5hash matches the vector")
    spec = importlib.util.spec_from_file_location("provider_peer", PEER)
    peer = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(peer)
    check(peer.twilio_signature("12345", url, list(reversed(example))) == expected,
          "the peer's Twilio signature matches Twilio's example")
    check(peer.vonage_signature(fields, "secret") == "6af838ef94998832dbfc29020b564830",
          "the peer's Vonage md5hash matches the vector")
    tricky = {"text": "a&b=c", "timestamp": "1", "sig": "ignored"}
    for method in ("md5hash", "md5", "sha1", "sha256", "sha512"):
        check(peer.vonage_signature(tricky, "k", method) == vonage_sig(tricky, "k", method),
              "Vonage %s agrees with the test's" % method)
    check(peer.whatsapp_signature("s", b"{}") == whatsapp_sig("s", b"{}"), "WhatsApp signature agrees")


# The listener: the channels' callback endpoint, checking signatures.

class Listener:
    def __init__(self, vonage_secret=None, vonage_method="md5hash"):
        self.vonage_secret = vonage_secret
        self.vonage_method = vonage_method
        self.arrivals = []
        self.lock = threading.Condition()
        self.flaky = {}
        listener = self

        class Handler(BaseHTTPRequestHandler):
            protocol_version = "HTTP/1.1"

            def log_message(self, *args):
                pass

            def do_GET(self):
                self.handle_one()

            def do_POST(self):
                self.handle_one()

            def handle_one(self):
                length = int(self.headers.get("Content-Length") or 0)
                body = self.rfile.read(length) if length else b""
                arrival = listener.judge(self.command, self.path, {k.lower(): v for k, v in self.headers.items()}, body)
                with listener.lock:  # before answering, so it is there when the peer's answer comes
                    listener.arrivals.append(arrival)
                    listener.lock.notify_all()
                if "/slow/" in self.path:
                    time.sleep(2)
                self.send_response(arrival["answer"])
                self.send_header("Content-Length", "0")
                self.end_headers()

        self.server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.server.daemon_threads = True
        self.base = "http://127.0.0.1:%d" % self.server.server_address[1]
        threading.Thread(target=self.server.serve_forever, daemon=True).start()

    def judge(self, method, path, headers, body):
        arrival = {"method": method, "path": path, "headers": headers, "body": body, "time": time.time()}
        if path.startswith("/twilio/"):
            pairs = parse_qsl(body.decode(), keep_blank_values=True)
            arrival["fields"] = dict(pairs)
            arrival["id"] = arrival["fields"].get("MessageSid")
            signature = headers.get("x-twilio-signature")
            arrival["valid"] = signature == twilio_sig(TWILIO_TOKEN, self.base + path, pairs)
        elif path.startswith("/vonage/"):
            if method == "GET":
                fields = dict(parse_qsl(urlsplit(path).query, keep_blank_values=True))
            elif headers.get("content-type") == "application/json":
                fields = json.loads(body)
            else:
                fields = dict(parse_qsl(body.decode(), keep_blank_values=True))
            arrival["fields"] = fields
            arrival["id"] = fields.get("messageId")
            if self.vonage_secret:
                arrival["valid"] = "sig" in fields and all(isinstance(v, str) for v in fields.values()) and \
                    fields["sig"] == vonage_sig(fields, self.vonage_secret, self.vonage_method)
            else:
                arrival["valid"] = not ({"sig", "timestamp", "nonce"} & set(fields))
        else:
            envelope = json.loads(body)
            arrival["envelope"] = envelope
            value = envelope["entry"][0]["changes"][0]["value"]
            arrival["value"] = value
            item = (value.get("statuses") or value.get("messages"))[0]
            arrival["id"] = item["id"]
            arrival["valid"] = headers.get("x-hub-signature-256") == whatsapp_sig(WA_SECRET, body)
        answer = 200 if arrival["valid"] else 403
        if "/flaky/" in path:
            with self.lock:
                seen = self.flaky.get(path, 0)
                self.flaky[path] = seen + 1
            if seen < 2:
                answer = 503
        arrival["answer"] = answer
        return arrival

    def of(self, message_id):
        with self.lock:
            return [a for a in self.arrivals if a["id"] == message_id]

    def wait(self, predicate, timeout=10):
        deadline = time.time() + timeout
        with self.lock:
            while not predicate(self.arrivals):
                left = deadline - time.time()
                if left <= 0:
                    return False
                self.lock.wait(left)
            return True

    def wait_for(self, message_id, count, timeout=10):
        ok = self.wait(lambda arrivals: sum(1 for a in arrivals if a["id"] == message_id) >= count, timeout)
        return self.of(message_id) if ok else self.of(message_id)

    def stop(self):
        self.server.shutdown()
        self.server.server_close()


# The peer

class Peer:
    def __init__(self, *arguments):
        self.directory = tempfile.mkdtemp(prefix="provider-peer-test-")
        self.record = os.path.join(self.directory, "record.jsonl")
        self.process = subprocess.Popen(
            [sys.executable, PEER, "--record", self.record, "--twilio-sid", TWILIO_SID, "--twilio-token", TWILIO_TOKEN,
             "--vonage-key", VONAGE_KEY, "--vonage-secret", VONAGE_SECRET, "--whatsapp-token", WA_TOKEN,
             "--whatsapp-phone-id", WA_PHONE_ID] + list(arguments),
            stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
        line = self.process.stdout.readline()
        if not line.startswith("provider-peer ready port="):
            raise SystemExit("the peer did not start: %r %s" % (line, self.process.stderr.read()))
        self.base = "http://127.0.0.1:%d" % int(line.strip().split("=")[1])

    def stop(self):
        self.process.terminate()
        out, err = self.process.communicate(timeout=10)
        check(out == "", "nothing on stdout after the ready line (got %r)" % out)
        check("Traceback" not in err and "callback failed" not in err, "no errors on stderr: %s" % err)

    def records(self):
        with open(self.record, encoding="utf-8") as file:
            return [json.loads(line) for line in file if line.strip()]

    def callbacks(self):
        return [r for r in self.records() if r.get("kind") == "callback"]

    def call(self, path, data=None, headers=None, json_body=None):
        """(status, parsed JSON answer, seconds taken)."""
        headers = dict(headers or {})
        if json_body is not None:
            data = json.dumps(json_body).encode()
            headers["Content-Type"] = "application/json"
        request = urllib.request.Request(self.base + path, data=data, headers=headers, method="POST")
        start = time.time()
        opener = urllib.request.build_opener(urllib.request.ProxyHandler({}))
        try:
            with opener.open(request, timeout=30) as response:
                return response.status, json.loads(response.read()), time.time() - start
        except urllib.error.HTTPError as error:
            return error.code, json.loads(error.read()), time.time() - start

    def twilio_send(self, to, callback=None, sender="+15005550006", service=None):
        form = {"To": to, "Body": "Hi Ada"}
        if sender:
            form["From"] = sender
        if service:
            form["MessagingServiceSid"] = service
        if callback:
            form["StatusCallback"] = callback
        auth = base64.b64encode(("%s:%s" % (TWILIO_SID, TWILIO_TOKEN)).encode()).decode()
        return self.call("/2010-04-01/Accounts/%s/Messages.json" % TWILIO_SID, urlencode(form).encode(),
                         {"Authorization": "Basic " + auth, "Content-Type": "application/x-www-form-urlencoded"})

    def vonage_send(self, to, callback=None, client_ref=None):
        form = {"api_key": VONAGE_KEY, "api_secret": VONAGE_SECRET, "from": "Herald", "to": to, "text": "Hi Ada"}
        if callback:
            form["callback"] = callback
        if client_ref:
            form["client-ref"] = client_ref
        return self.call("/sms/json", urlencode(form).encode(), {"Content-Type": "application/x-www-form-urlencoded"})

    def whatsapp_send(self, to, kind="text"):
        message = {"messaging_product": "whatsapp", "to": to, "type": kind}
        if kind == "text":
            message["text"] = {"body": "Hi Ada"}
        else:
            message["template"] = {"name": "confirmation", "language": {"code": "en"}}
        return self.call("/v21.0/%s/messages" % WA_PHONE_ID, json.dumps(message).encode(),
                         {"Authorization": "Bearer " + WA_TOKEN, "Content-Type": "application/json"})


NUMBERS = {"default": "15551230077", "0030": "15551230030", "0031": "15551230031", "0032": "15551230032",
           "0033": "15551230033", "0034": "15551230034"}

TWILIO_EXPECTED = {
    "default": [("sent", None), ("delivered", None)],
    "0030": [("sent", None), ("undelivered", "30003")],
    "0031": [("delivered", None), ("delivered", None), ("sent", None)],
    "0032": [],
    "0033": [("sent", None), ("delivered", None)],
    "0034": [("sent", None), ("failed", "21610")],
}
VONAGE_EXPECTED = {
    "default": [("delivered", "0")],
    "0030": [("failed", "12")],
    "0031": [("delivered", "0"), ("delivered", "0")],
    "0032": [],
    "0033": [("delivered", "0")],
    "0034": [("rejected", "9")],
}
WHATSAPP_EXPECTED = {
    "default": [("sent", None), ("delivered", None)],
    "0030": [("sent", None), ("failed", 131026)],
    "0031": [("delivered", None), ("delivered", None), ("sent", None)],
    "0032": [],
    "0033": [("sent", None), ("delivered", None), ("read", None)],
    "0034": [("failed", 131050)],
}


def settle(listener, expected_counts, what):
    """Waits for every message's receipts, then a little longer for any extra."""
    for message_id, count in expected_counts.items():
        listener.wait_for(message_id, count)
    time.sleep(0.6)
    for message_id, count in expected_counts.items():
        got = len(listener.of(message_id))
        check(got == count, "%s %s: %d callbacks, expected %d" % (what, message_id, got, count))


def test_twilio(peer, listener):
    sent = {}
    for case, number in NUMBERS.items():
        status, answer, _ = peer.twilio_send("+" + number, listener.base + "/twilio/status?tag=%s&x=1" % case)
        check(status == 201, "Twilio send to %s answered %d" % (case, status))
        sent[case] = answer["sid"]
    settle(listener, {sent[c]: len(TWILIO_EXPECTED[c]) for c in sent}, "Twilio")
    for case, sid in sent.items():
        arrivals = listener.of(sid)
        got = [(a["fields"]["MessageStatus"], a["fields"].get("ErrorCode")) for a in arrivals]
        check(got == TWILIO_EXPECTED[case], "Twilio %s receipts %s, expected %s" % (case, got, TWILIO_EXPECTED[case]))
        for a in arrivals:
            f, h = a["fields"], a["headers"]
            check(a["valid"] and a["answer"] == 200, "Twilio %s: signature holds" % case)
            check(a["method"] == "POST" and a["path"] == "/twilio/status?tag=%s&x=1" % case, "Twilio %s: URL" % case)
            check(h.get("content-type") == "application/x-www-form-urlencoded", "Twilio form content type")
            check(h.get("user-agent") == "TwilioProxy/1.1" and h.get("i-twilio-idempotency-token"), "Twilio headers")
            check(f["SmsSid"] == sid and f["SmsStatus"] == f["MessageStatus"], "Twilio SmsSid/SmsStatus")
            check(f["AccountSid"] == TWILIO_SID and f["From"] == "+15005550006" and f["To"] == "+" + NUMBERS[case],
                  "Twilio AccountSid/From/To")
            check(f["ApiVersion"] == "2010-04-01" and f["ChannelPrefix"] == "sms", "Twilio ApiVersion, extra parameter")
            dlr = f.get("RawDlrDoneDate", "")
            check((len(dlr) == 10 and dlr.isdigit()) == (f["MessageStatus"] in ("delivered", "undelivered")),
                  "Twilio RawDlrDoneDate on %s: %r" % (f["MessageStatus"], dlr))
            if f["MessageStatus"] in ("undelivered", "failed"):
                check(bool(f.get("ErrorMessage")), "Twilio ErrorMessage")
            else:
                check("ErrorCode" not in f and "ErrorMessage" not in f, "Twilio no error on %s" % f["MessageStatus"])
        if case == "0031" and len(arrivals) == 3:
            check(arrivals[0]["body"] == arrivals[1]["body"] and arrivals[0]["headers"] == arrivals[1]["headers"],
                  "Twilio 0031: the duplicate is identical")
        if case == "0030" and len(arrivals) == 2:
            check(arrivals[1]["fields"]["ErrorMessage"] == "Unreachable destination handset", "Twilio 30003 message")
        if case == "0034" and len(arrivals) == 2:
            check(arrivals[1]["fields"]["ErrorMessage"] == "Attempt to send to unsubscribed recipient", "Twilio 21610")

    # A MessagingServiceSid send: From is the default number; no StatusCallback: no receipts.
    status, answer, _ = peer.twilio_send("+15551230078", listener.base + "/twilio/status", sender=None, service="MG123")
    arrivals = listener.wait_for(answer["sid"], 2)
    check(len(arrivals) == 2 and all(a["fields"]["From"] == "+15550000000" and a["fields"]["MessagingServiceSid"] == "MG123"
                                     for a in arrivals), "Twilio service send: From +15550000000, MessagingServiceSid")
    status, quiet, _ = peer.twilio_send("+15551230079")
    time.sleep(0.3)
    check(not any(quiet["sid"] in r["body"] for r in peer.callbacks()), "Twilio without StatusCallback sends nothing")

    # Existing answers unchanged, and no receipts for failed sends.
    status, answer, _ = peer.twilio_send("+15551230001", listener.base + "/twilio/status")
    check(status == 400 and answer["code"] == 21211, "Twilio 0001 still 400 21211")

    # The send is answered at once even when the listener is slow.
    status, answer, took = peer.twilio_send("+15551230080", listener.base + "/twilio/slow/status")
    check(status == 201 and took < 1.0, "Twilio send not held up by a slow listener (%.2fs)" % took)
    check(len(listener.wait_for(answer["sid"], 2, timeout=15)) == 2, "Twilio slow listener still gets both")

    # Retries: the listener answers 503 twice, the peer sends the same request again.
    status, answer, _ = peer.twilio_send("+15551230081", listener.base + "/twilio/flaky/status")
    arrivals = listener.wait_for(answer["sid"], 4)
    got = [(a["fields"]["MessageStatus"], a["answer"]) for a in arrivals]
    check(got == [("sent", 503), ("sent", 503), ("sent", 200), ("delivered", 200)], "Twilio retries: %s" % got)
    if len(arrivals) == 4:
        check(arrivals[0]["body"] == arrivals[1]["body"] == arrivals[2]["body"] and
              arrivals[0]["headers"] == arrivals[2]["headers"], "Twilio retries are identical")
        pause = arrivals[1]["time"] - arrivals[0]["time"], arrivals[2]["time"] - arrivals[1]["time"]
        check(0.15 < pause[0] < 1.0 and 0.35 < pause[1] < 1.5, "Twilio retry pauses %s" % (pause,))
    deadline = time.time() + 5  # the peer records an attempt just after the listener answers it
    while True:
        records = [r for r in peer.callbacks() if answer["sid"] in r["body"]]
        if len(records) >= 4 or time.time() > deadline:
            break
        time.sleep(0.05)
    check([(r["status"], r["attempt"]) for r in records] == [(503, 1), (503, 2), (200, 3), (200, 1)],
          "Twilio retries recorded: %s" % [(r["status"], r["attempt"]) for r in records])
    return sent


def test_whatsapp(peer, listener):
    sent = {}
    for case, number in NUMBERS.items():
        status, answer, _ = peer.whatsapp_send(number, kind="template" if case == "0033" else "text")
        check(status == 200, "WhatsApp send to %s answered %d" % (case, status))
        sent[case] = answer["messages"][0]["id"]
    settle(listener, {sent[c]: len(WHATSAPP_EXPECTED[c]) for c in sent}, "WhatsApp")
    for case, wamid in sent.items():
        arrivals = listener.of(wamid)
        statuses = [a["value"]["statuses"][0] for a in arrivals]
        got = [(s["status"], s["errors"][0]["code"] if "errors" in s else None) for s in statuses]
        check(got == WHATSAPP_EXPECTED[case], "WhatsApp %s statuses %s, expected %s" % (case, got, WHATSAPP_EXPECTED[case]))
        for a, s in zip(arrivals, statuses):
            check(a["valid"] and a["answer"] == 200, "WhatsApp %s: signature holds" % case)
            check(a["path"] == "/wa/hook" and a["headers"].get("content-type") == "application/json", "WhatsApp URL/type")
            e = a["envelope"]
            check(e["object"] == "whatsapp_business_account" and e["entry"][0]["changes"][0]["field"] == "messages"
                  and e["entry"][0]["id"], "WhatsApp envelope")
            check(a["value"]["messaging_product"] == "whatsapp" and
                  a["value"]["metadata"] == {"display_phone_number": "15550001234", "phone_number_id": WA_PHONE_ID},
                  "WhatsApp metadata")
            check(s["recipient_id"] == NUMBERS[case] and s["timestamp"].isdigit(), "WhatsApp recipient/timestamp")
            if s["status"] in ("sent", "delivered"):
                check("conversation" in s and s["pricing"]["billable"] is True, "WhatsApp conversation/pricing")
            if s["status"] == "failed":
                error = s["errors"][0]
                check(error["title"] and error["message"] and error["error_data"]["details"], "WhatsApp error")
        if case == "0030" and len(statuses) == 2:
            check(statuses[1]["errors"] == [{"code": 131026, "title": "Message undeliverable",
                                             "message": "Message undeliverable",
                                             "error_data": {"details": "Message Undeliverable."}}],
                  "WhatsApp 131026 error exactly")
        if case == "0031" and len(arrivals) == 3:
            check(arrivals[0]["body"] == arrivals[1]["body"], "WhatsApp 0031 duplicate identical")
    status, answer, _ = peer.whatsapp_send("15551230047")
    check(status == 400 and answer["error"]["code"] == 131047, "WhatsApp 0047 still 400 131047")
    return sent


def vonage_field_checks(fields, case, number, what, client_ref=None):
    check(fields["msisdn"] == number and fields["to"] == "Herald", "%s msisdn/to" % what)
    check(fields["network-code"] == "12345" and fields["price"] == "0.03330000", "%s network/price" % what)
    check(fields["api-key"] == VONAGE_KEY, "%s api-key" % what)
    check(len(fields["scts"]) == 10 and fields["scts"].isdigit(), "%s scts" % what)
    check(len(fields["message-timestamp"]) == 19 and fields["message-timestamp"][10] == " ", "%s message-timestamp" % what)
    check(fields.get("client-ref") == client_ref, "%s client-ref %r" % (what, fields.get("client-ref")))
    check(all(isinstance(v, str) for v in fields.values()), "%s: every field a string" % what)


def test_vonage(method, signature_method):
    secret = VONAGE_SIG_SECRET if signature_method else None
    listener = Listener(secret, signature_method or "md5hash")
    arguments = ["--vonage-dlr-method", method, "--vonage-dlr-url", listener.base + "/vonage/dlr-config"]
    if signature_method:
        arguments += ["--vonage-signature-secret", secret, "--vonage-signature-method", signature_method]
    peer = Peer(*arguments)
    what = "Vonage %s %s" % (method, signature_method)
    try:
        sent = {}
        for case, number in NUMBERS.items():
            status, answer, _ = peer.vonage_send(number, listener.base + "/vonage/dlr-param",
                                                 client_ref="ref-" + case if case == "0030" else None)
            check(status == 200 and answer["messages"][0]["status"] == "0", "%s send to %s" % (what, case))
            sent[case] = answer["messages"][0]["message-id"]
        status, answer, _ = peer.vonage_send("15551230082")  # no callback: the configured URL
        configured = answer["messages"][0]["message-id"]
        settle(listener, dict({sent[c]: len(VONAGE_EXPECTED[c]) for c in sent}, **{configured: 1}), what)
        for case, message_id in sent.items():
            arrivals = listener.of(message_id)
            got = [(a["fields"]["status"], a["fields"]["err-code"]) for a in arrivals]
            check(got == VONAGE_EXPECTED[case], "%s %s receipts %s, expected %s" % (what, case, got, VONAGE_EXPECTED[case]))
            for a in arrivals:
                check(a["valid"] and a["answer"] == 200, "%s %s: signature holds" % (what, case))
                check(a["method"] == ("GET" if method == "GET" else "POST"), "%s method" % what)
                check(urlsplit(a["path"]).path == "/vonage/dlr-param", "%s: the callback parameter wins" % what)
                if method == "POST":
                    check(a["headers"].get("content-type") == "application/x-www-form-urlencoded", "%s type" % what)
                if method == "POST-JSON":
                    check(a["headers"].get("content-type") == "application/json", "%s type" % what)
                if secret:
                    check(a["fields"]["timestamp"].isdigit() and len(a["fields"]["nonce"]) == 36, "%s timestamp/nonce" % what)
                    if signature_method == "md5hash":
                        check(a["fields"]["sig"] == a["fields"]["sig"].lower(), "%s md5hash lowercase" % what)
                    else:
                        check(a["fields"]["sig"] == a["fields"]["sig"].upper(), "%s HMAC uppercase" % what)
                vonage_field_checks(a["fields"], case, NUMBERS[case], what, "ref-0030" if case == "0030" else None)
            if case == "0031" and len(arrivals) == 2:
                check(arrivals[0]["path"] == arrivals[1]["path"] and arrivals[0]["body"] == arrivals[1]["body"],
                      "%s 0031 duplicate identical" % what)
        arrivals = listener.of(configured)
        check(len(arrivals) == 1 and urlsplit(arrivals[0]["path"]).path == "/vonage/dlr-config",
              "%s: --vonage-dlr-url used without a callback parameter" % what)
        status, answer, _ = peer.vonage_send("15551230002")
        check(answer["messages"][0]["status"] == "2", "%s: 0002 still status 2" % what)
    finally:
        peer.stop()
        listener.stop()


def test_control(peer, listener, twilio_sent, closed_port):
    # Inbound messages, one per provider.
    status, answer, _ = peer.call("/_peer/inbound", json_body={
        "provider": "twilio", "from": "+15551230001", "to": "+15550009999", "text": "STOP", "opt_out_type": "STOP"})
    check(status == 200 and answer == {"status": 200}, "inbound twilio answered %s %s" % (status, answer))
    a = [x for x in listener.arrivals if x["path"] == "/twilio/inbound"][-1]
    f = a["fields"]
    check(a["valid"], "inbound twilio signed")
    check(f["Body"] == "STOP" and f["OptOutType"] == "STOP" and f["From"] == "+15551230001" and f["To"] == "+15550009999"
          and f["SmsStatus"] == "received" and f["NumMedia"] == "0" and f["NumSegments"] == "1"
          and f["MessageSid"].startswith("SM") and f["SmsSid"] == f["MessageSid"] == f["SmsMessageSid"]
          and f["AccountSid"] == TWILIO_SID and f["FromCountry"] == "US" and f["ApiVersion"] == "2010-04-01",
          "inbound twilio fields %s" % f)
    status, answer, _ = peer.call("/_peer/inbound", json_body={
        "provider": "twilio", "from": "+4915112340000", "to": "+15550009999", "text": "hello there"})
    f = [x for x in listener.arrivals if x["path"] == "/twilio/inbound"][-1]["fields"]
    check(answer == {"status": 200} and "OptOutType" not in f and f["FromCountry"] == "DE", "inbound twilio without opt-out")

    status, answer, _ = peer.call("/_peer/inbound", json_body={
        "provider": "vonage", "from": "+15551230001", "to": "+15550009999", "text": "stop all"})
    check(answer == {"status": 200}, "inbound vonage answered %s" % answer)
    a = [x for x in listener.arrivals if x["path"].startswith("/vonage/inbound")][-1]
    f = a["fields"]
    check(a["valid"] and a["headers"].get("content-type") == "application/json", "inbound vonage signed, POST-JSON")
    check(f["msisdn"] == "15551230001" and f["to"] == "15550009999" and f["text"] == "stop all" and f["type"] == "text"
          and f["keyword"] == "STOP" and f["api-key"] == VONAGE_KEY and f["messageId"] and f["message-timestamp"],
          "inbound vonage fields %s" % f)

    status, answer, _ = peer.call("/_peer/inbound", json_body={
        "provider": "whatsapp", "from": "+15551230001", "text": "Can I move my booking?"})
    check(answer == {"status": 200}, "inbound whatsapp answered %s" % answer)
    a = [x for x in listener.arrivals if x["path"] == "/wa/hook" and "messages" in x["value"]][-1]
    v = a["value"]
    check(a["valid"], "inbound whatsapp signed")
    check(v["contacts"] == [{"profile": {"name": "Customer"}, "wa_id": "15551230001"}], "inbound whatsapp contacts")
    m = v["messages"][0]
    check(m["from"] == "15551230001" and m["id"].startswith("wamid.") and m["timestamp"].isdigit()
          and m["text"] == {"body": "Can I move my booking?"} and m["type"] == "text", "inbound whatsapp message %s" % m)

    # Receipts on demand.
    status, answer, _ = peer.call("/_peer/receipt", json_body={
        "provider": "twilio", "message_id": "SMunknown0001", "status": "undelivered", "error_code": "30005",
        "to": "+15551239999"})
    a = listener.of("SMunknown0001")
    check(answer == {"status": 200} and len(a) == 1 and a[0]["valid"], "receipt twilio to the last StatusCallback")
    if a:
        check(a[0]["path"].startswith("/twilio/") and a[0]["fields"]["ErrorCode"] == "30005"
              and a[0]["fields"]["MessageStatus"] == "undelivered" and a[0]["fields"]["To"] == "+15551239999",
              "receipt twilio fields %s" % a[0]["fields"])
    known = twilio_sent["default"]
    status, answer, _ = peer.call("/_peer/receipt", json_body={
        "provider": "twilio", "message_id": known, "status": "read", "url": listener.base + "/twilio/other"})
    a = [x for x in listener.of(known) if x["path"] == "/twilio/other"]
    check(answer == {"status": 200} and len(a) == 1 and a[0]["valid"] and a[0]["fields"]["MessageStatus"] == "read"
          and a[0]["fields"]["To"] == "+" + NUMBERS["default"], "receipt twilio with url, known message")

    status, answer, _ = peer.call("/_peer/receipt", json_body={
        "provider": "vonage", "message_id": "vonage-unknown-1", "status": "expired", "error_code": "2", "to": "+15551239999"})
    a = listener.of("vonage-unknown-1")
    check(answer == {"status": 200} and len(a) == 1 and a[0]["valid"] and a[0]["fields"]["status"] == "expired"
          and a[0]["fields"]["err-code"] == "2" and a[0]["fields"]["msisdn"] == "15551239999"
          and a[0]["path"] == "/vonage/dlr-config", "receipt vonage %s" % (a and a[0]["fields"]))

    status, answer, _ = peer.call("/_peer/receipt", json_body={
        "provider": "whatsapp", "message_id": "wamid.unknown", "status": "failed", "error_code": "131050"})
    a = listener.of("wamid.unknown")
    check(answer == {"status": 200} and len(a) == 1 and a[0]["valid"]
          and a[0]["value"]["statuses"][0]["errors"][0]["code"] == 131050, "receipt whatsapp")

    # Forged and unsigned: the listener refuses them (403), the peer retries, then says so.
    for provider, message_id in (("twilio", "SMforged"), ("vonage", "vonage-forged"), ("whatsapp", "wamid.forged")):
        for unsigned in (False, True):
            body = {"provider": provider, "message_id": message_id + str(unsigned), "status": "delivered"}
            if unsigned:
                body["unsigned"] = True
            status, answer, _ = peer.call("/_peer/forged", json_body=body)
            a = listener.of(message_id + str(unsigned))
            check(answer == {"status": 403} and len(a) == 4 and not any(x["valid"] for x in a),
                  "forged %s unsigned=%s: %s, %d arrivals" % (provider, unsigned, answer, len(a)))
            if a and unsigned:
                present = ("x-twilio-signature" in a[0]["headers"] or "x-hub-signature-256" in a[0]["headers"]
                           or "sig" in a[0].get("fields", {}))
                check(not present, "unsigned %s carries no signature" % provider)
            if a and not unsigned:
                check("x-twilio-signature" in a[0]["headers"] or "x-hub-signature-256" in a[0]["headers"]
                      or "sig" in a[0].get("fields", {}), "forged %s carries a (wrong) signature" % provider)
    status, answer, _ = peer.call("/_peer/forged", json_body={
        "provider": "twilio", "kind": "inbound", "from": "+15551230001", "text": "STOP"})
    check(answer == {"status": 403}, "forged twilio inbound refused: %s" % answer)

    # Nobody listening: four attempts, status 0.
    start = time.time()
    status, answer, _ = peer.call("/_peer/receipt", json_body={
        "provider": "whatsapp", "message_id": "wamid.nobody", "url": "http://127.0.0.1:%d/nobody" % closed_port})
    took = time.time() - start
    records = [r for r in peer.callbacks() if "wamid.nobody" in r["body"]]
    check(answer == {"status": 0} and [r["status"] for r in records] == [0, 0, 0, 0] and took >= 1.35,
          "unreachable: %s, %s, %.2fs" % (answer, [r["status"] for r in records], took))

    # Malformed requests.
    for body, what in (({"provider": "sms"}, "unknown provider"), ({"provider": "twilio"}, "no message_id")):
        status, answer, _ = peer.call("/_peer/receipt", json_body=body)
        check(status == 400 and "error" in answer, "%s → 400 (%s %s)" % (what, status, answer))
    status, answer, _ = peer.call("/_peer/inbound", json_body={"provider": "twilio", "text": "x"})
    check(status == 400, "inbound without from → 400")
    status, answer, _ = peer.call("/_peer/nothing", json_body={"provider": "twilio"})
    check(status == 404, "unknown control path → 404")


def test_unconfigured(listener_base):
    """A peer with no callback URLs: nothing is called back, and the control
    endpoints say there is nowhere to send."""
    peer = Peer()
    try:
        status, answer, _ = peer.whatsapp_send("15551230077")
        status, answer, _ = peer.vonage_send("15551230077")
        status, answer, _ = peer.twilio_send("+15551230077")
        for provider in ("twilio", "vonage", "whatsapp"):
            status, answer, _ = peer.call("/_peer/inbound", json_body={"provider": provider, "from": "+15551230001",
                                                                      "text": "STOP"})
            check(status == 400 and "error" in answer, "inbound %s without URL → 400 (%s)" % (provider, answer))
            status, answer, _ = peer.call("/_peer/receipt", json_body={"provider": provider, "message_id": "x"})
            check(status == 400 and "error" in answer, "receipt %s without URL → 400 (%s)" % (provider, answer))
        time.sleep(0.3)
        check(peer.callbacks() == [], "no callbacks without URLs")
        records = peer.records()
        check(all(r.get("kind") == "request" and "path" in r for r in records), "request records keep their shape")
        check([r["status"] for r in records[:3]] == [200, 200, 201], "sends answered as before")
    finally:
        peer.stop()


def main():
    vectors()

    listener = Listener(VONAGE_SIG_SECRET, "md5hash")
    closed = ThreadingHTTPServer(("127.0.0.1", 0), BaseHTTPRequestHandler)
    closed_port = closed.server_address[1]
    closed.server_close()
    peer = Peer("--twilio-inbound-url", listener.base + "/twilio/inbound",
                "--vonage-inbound-url", listener.base + "/vonage/inbound",
                "--vonage-dlr-url", listener.base + "/vonage/dlr-config",
                "--vonage-signature-secret", VONAGE_SIG_SECRET,
                "--whatsapp-webhook-url", listener.base + "/wa/hook",
                "--whatsapp-app-secret", WA_SECRET)
    try:
        twilio_sent = test_twilio(peer, listener)
        test_whatsapp(peer, listener)
        test_control(peer, listener, twilio_sent, closed_port)
        records = peer.records()
        callbacks = [r for r in records if r.get("kind") == "callback"]
        requests = [r for r in records if r.get("kind") == "request"]
        check(len(callbacks) + len(requests) == len(records), "every record has a kind")
        check(all({"provider", "url", "method", "headers", "body", "status", "time"} <= set(r) for r in callbacks),
              "callback records carry their fields")
        check(all("path" not in r for r in callbacks), "callback records have no path (request decoders skip them)")
        check(any(r["path"] == "/_peer/inbound" for r in requests), "control requests are recorded")
    finally:
        peer.stop()
        listener.stop()

    for method, signature_method in (("POST-JSON", "md5hash"), ("GET", "sha256"), ("POST", None),
                                     ("POST", "md5"), ("GET", "sha1"), ("POST-JSON", "sha512")):
        test_vonage(method, signature_method)

    test_unconfigured(None)

    if failures:
        print("%d check(s) failed" % len(failures), file=sys.stderr)
        return 1
    print("all provider peer callback checks passed")
    return 0


if __name__ == "__main__":
    sys.exit(main())
