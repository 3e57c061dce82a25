#!/usr/bin/env python3
"""A Herald channel in Python, written from proto/ and docs/protocol.md alone.

It registers with the core's channel endpoint (a ZeroMQ DEALER to the core's
ROUTER, one protobuf frame per message), keeps the heartbeat, and "sends" each
delivery by appending it as one JSON line to a file, then answers SENT. Put a
real provider call where `deliver` writes the line.

    python3 herald_channel.py --channel email --provider python-example --out deliveries.jsonl

With --callback-listen HOST:PORT and --callback-secret SECRET it also takes its
imaginary provider's delivery receipts (POST /status, signed with HMAC-SHA256)
and forwards each to the core as a Report, answering the provider 200 once the
core acknowledged it and 503 when it could not (so the provider tries again).

Needs pyzmq and protobuf (`pip install pyzmq protobuf==4.21.12`, the runtime
that matches Debian's protoc 3.21) and protoc: the Python classes are generated
from proto/ at start into a temporary folder, so the contract is the only
input. SIGTERM or SIGINT: it says Goodbye and exits 0. Shutdown from the core
means the core is going away, not this channel: it drops the connection and
registers again, with backoff, until a core welcomes it.
"""

import argparse
import hashlib
import hmac
import http.server
import json
import math
import os
import queue
import select
import signal
import socket
import subprocess
import sys
import tempfile
import threading
import time

import zmq
import zmq.auth

HERE = os.path.dirname(os.path.abspath(__file__))

# How long a provider callback waits for the core's ReportAck before it is answered 503.
REPORT_TIMEOUT = 5.0
# Callback bodies over this are refused (413) unread.
MAX_CALLBACK_BODY = 1 << 20


def load_contract(proto_dir):
    """Generates the Python classes for herald/v1/*.proto and imports them."""
    out = tempfile.mkdtemp(prefix="herald-proto-")
    files = sorted(
        os.path.join("herald", "v1", name)
        for name in os.listdir(os.path.join(proto_dir, "herald", "v1"))
        if name.endswith(".proto"))
    subprocess.run(["protoc", "-I", proto_dir, "--python_out", out, *files], check=True)
    sys.path.insert(0, out)
    from herald.v1 import channel_pb2  # noqa: E402 (generated just now)
    return channel_pb2


class ReportDesk:
    """Where a provider callback waits for the core's answer to the Report it became.

    pyzmq sockets are not thread-safe, so HTTP threads never touch the socket:
    `submit` queues the receipt and wakes the main loop (a byte on a pipe the
    loop polls next to the socket); the loop sends the Report and `resolve`s it
    with the core's ReportAck, or at once when no core is welcomed, or when the
    connection it went out on is lost. Whichever comes first wins: the ack,
    a failure, or the HTTP thread's own timeout.
    """

    def __init__(self):
        self.lock = threading.Lock()
        self.next_id = 1
        self.waiters = {}  # report id -> [threading.Event, outcome]
        self.requests = queue.SimpleQueue()  # (report id, Receipt), HTTP threads -> main loop
        self.closed = False
        # Callbacks refused for their signature since the last heartbeat:
        # Heartbeat.callbacks_refused (a count per heartbeat, not a total).
        self.refused = 0
        self.wake_read, self.wake_write = os.pipe()
        os.set_blocking(self.wake_read, False)
        os.set_blocking(self.wake_write, False)

    def submit(self, receipt, timeout=REPORT_TIMEOUT):
        """HTTP thread: "stored", "core_unavailable" or "timed_out"."""
        waiter = [threading.Event(), None]
        with self.lock:
            if self.closed:
                return "core_unavailable"
            report_id = self.next_id
            self.next_id += 1
            self.waiters[report_id] = waiter
        self.requests.put((report_id, receipt))
        try:
            os.write(self.wake_write, b"!")
        except BlockingIOError:
            pass  # the pipe is full of wake-ups already
        waiter[0].wait(timeout)
        self.resolve(report_id, "timed_out")  # nothing to do if it was resolved first
        return waiter[1]

    def resolve(self, report_id, outcome):
        with self.lock:
            waiter = self.waiters.pop(report_id, None)
            if waiter is None:
                return
            waiter[1] = outcome
        waiter[0].set()

    def take(self):
        """Main loop: the reports handed over since the last call."""
        try:
            while os.read(self.wake_read, 4096):
                pass
        except BlockingIOError:
            pass
        taken = []
        while True:
            try:
                taken.append(self.requests.get_nowait())
            except queue.Empty:
                return taken

    def count_refused(self):
        with self.lock:
            self.refused += 1
            return self.refused

    def take_refused(self):
        """Main loop: the refusals since the last heartbeat, which it sends."""
        with self.lock:
            taken, self.refused = self.refused, 0
            return taken

    def close(self):
        """Stopping: every waiting callback is answered 503, and so is every later one."""
        with self.lock:
            self.closed = True
            waiting = list(self.waiters)
        for report_id in waiting:
            self.resolve(report_id, "core_unavailable")


def start_receipt_listener(host, port, secret, provider, pb, desk):
    """Serves POST /status on HOST:PORT in a thread; returns the server.

    The body is JSON: {"message_id", "status" (sent, delivered, undelivered,
    read), "error_code", "error_message", "timestamp" (Unix seconds)}, signed in
    X-Example-Signature: sha256=<lowercase hex HMAC-SHA256 of the raw body>.
    """
    statuses = {
        "sent": pb.DELIVERY_STATUS_SENT,
        "undelivered": pb.DELIVERY_STATUS_UNDELIVERED,
        "delivered": pb.DELIVERY_STATUS_DELIVERED,
        "read": pb.DELIVERY_STATUS_READ,
    }
    key = secret.encode("utf-8")
    refusals = {"window": 0.0, "logged": 0}

    def log_refusal(total):
        # A few lines a minute at most: a flood of forged callbacks must not flood the log.
        now = time.monotonic()
        if now - refusals["window"] >= 60:
            refusals["window"], refusals["logged"] = now, 0
        if refusals["logged"] < 10:
            refusals["logged"] += 1
            print("callback refused: missing or wrong X-Example-Signature (%d since the last heartbeat)" % total,
                  file=sys.stderr, flush=True)

    def receipt_from(body):
        """The Receipt a callback body describes; ValueError says what is wrong with it."""
        try:
            fields = json.loads(body.decode("utf-8"))
        except ValueError:  # UnicodeDecodeError and JSONDecodeError alike
            raise ValueError("the body is not JSON")
        if not isinstance(fields, dict):
            raise ValueError("the body is not a JSON object")
        message_id = fields.get("message_id")
        if not isinstance(message_id, str) or not 1 <= len(message_id) <= 200:
            raise ValueError("message_id: a string of 1-200 characters")
        word = fields.get("status")
        if not isinstance(word, str) or word not in statuses:
            raise ValueError("status: one of " + ", ".join(statuses))
        texts = {}
        for name in ("error_code", "error_message"):
            value = fields.get(name)
            if value is not None and not isinstance(value, str):
                raise ValueError(name + ": a string")
            texts[name] = value or ""
        timestamp = fields.get("timestamp")
        occurred_at_ms = 0  # unsaid: the core uses the time it got the report
        if timestamp is not None:
            if (isinstance(timestamp, bool) or not isinstance(timestamp, (int, float))
                    or not math.isfinite(timestamp) or not 0 <= timestamp < 1e11):
                raise ValueError("timestamp: Unix seconds")
            occurred_at_ms = int(round(timestamp * 1000))
        return pb.Receipt(
            provider=provider, provider_message_id=message_id, status=statuses[word],
            provider_status=word, occurred_at_ms=occurred_at_ms,
            error_code=texts["error_code"], error_message=texts["error_message"])

    class Handler(http.server.BaseHTTPRequestHandler):
        protocol_version = "HTTP/1.1"
        server_version = "herald-python-example"

        def do_POST(self):
            if self.path.split("?", 1)[0] != "/status":
                return self.answer(404, "not found")
            try:
                length = int(self.headers.get("Content-Length", ""))
            except ValueError:
                return self.answer(411, "Content-Length needed")
            if length < 0:
                return self.answer(400, "bad Content-Length")
            if length > MAX_CALLBACK_BODY:
                return self.answer(413, "body over %d bytes" % MAX_CALLBACK_BODY)
            body = self.rfile.read(length)
            given = self.headers.get("X-Example-Signature", "").encode("utf-8", "replace")
            expected = ("sha256=" + hmac.new(key, body, hashlib.sha256).hexdigest()).encode("ascii")
            if not hmac.compare_digest(given, expected):
                log_refusal(desk.count_refused())
                return self.answer(403, "forbidden")
            try:
                receipt = receipt_from(body)
            except ValueError as error:
                return self.answer(400, str(error))
            # Answered only once the core has it: a receipt it never got is sent again.
            outcome = desk.submit(receipt)
            if outcome == "stored":
                return self.answer(200, "")
            if outcome == "timed_out":
                return self.answer(503, "the core did not answer in time; try again")
            return self.answer(503, "the core is not connected; try again")

        def answer(self, status, text):
            data = text.encode("utf-8")
            self.send_response(status)
            self.send_header("Content-Type", "text/plain; charset=utf-8")
            self.send_header("Content-Length", str(len(data)))
            self.send_header("Connection", "close")
            self.end_headers()
            self.wfile.write(data)
            self.close_connection = True

        def log_message(self, format, *args):  # noqa: A002 (the base class's name)
            pass  # no line per request; refusals are logged above

    class Server(http.server.ThreadingHTTPServer):
        address_family = socket.AF_INET6 if ":" in host else socket.AF_INET
        daemon_threads = True

    server = Server((host, port), Handler)
    threading.Thread(target=server.serve_forever, name="receipts", daemon=True).start()
    return server


class Channel:
    def __init__(self, options, pb, desk):
        self.options = options
        self.pb = pb
        self.desk = desk
        # Reports sent on the current connection and not yet acknowledged: lost with it.
        self.reports_in_flight = set()
        self.context = zmq.Context()
        self.socket = None
        self.welcomed = False
        self.heartbeat_interval = 5.0
        self.last_heard = time.monotonic()
        self.last_sent = 0.0
        self.stopping = False
        # Reconnecting: wait 1 s, doubling to 32 s, back to 1 s on Welcome.
        self.backoff = 1.0
        self.reconnect_at = None
        self.register_sent_at = 0.0

    # The wire: one serialized WorkerMessage per frame, one CoreMessage back.
    def send(self, **body):
        message = self.pb.WorkerMessage(**body)
        self.socket.send(message.SerializeToString())
        self.last_sent = time.monotonic()

    def connect(self):
        if self.socket is not None:
            self.socket.close(linger=0)
            self.fail_reports_in_flight()
        self.socket = self.context.socket(zmq.DEALER)
        self.socket.setsockopt(zmq.LINGER, 1000)
        if self.options.curve_secret_key:
            # CURVE (docs/security.md): our key pair from a key file, and the core's public key.
            public, secret = zmq.auth.load_certificate(self.options.curve_secret_key)
            server = self.options.curve_server_key
            if os.path.exists(server):
                server = zmq.auth.load_certificate(server)[0]
            self.socket.curve_publickey = public
            self.socket.curve_secretkey = secret
            self.socket.curve_serverkey = server if isinstance(server, bytes) else server.encode()
        self.socket.connect(self.options.core)
        self.poller = zmq.Poller()
        self.poller.register(self.socket, zmq.POLLIN)
        self.poller.register(self.desk.wake_read, zmq.POLLIN)
        self.welcomed = False
        self.last_heard = time.monotonic()
        self.reconnect_at = None
        self.register_sent_at = time.monotonic()
        self.send(register=self.pb.Register(
            protocol_version=self.pb.PROTOCOL_VERSION_1,
            channel=self.options.channel,
            provider=self.options.provider,
            instance_id=self.options.instance,
            plugin_version="0.1.0",
            max_in_flight=16))

    def reconnect_later(self, why, goodbye=False):
        """Drops the connection and schedules the next Register after the backoff."""
        print("%s; reconnecting in %.0f s" % (why, self.backoff), file=sys.stderr, flush=True)
        if goodbye:
            # Answers the core's Shutdown, so that it can close without waiting out
            # its grace; the linger lets the frame leave after close.
            self.send(goodbye=self.pb.Goodbye(reason="the core is shutting down"))
            self.socket.close(linger=1000)
        else:
            self.socket.close(linger=0)
        self.socket = None
        self.welcomed = False
        self.fail_reports_in_flight()
        self.reconnect_at = time.monotonic() + self.backoff
        self.backoff = min(self.backoff * 2, 32.0)

    def deliver(self, delivery):
        """The provider call: here, one JSON line per delivery."""
        record = {
            "delivery_id": delivery.delivery_id,
            "attempt": delivery.attempt,
            "kind": self.pb.NotificationKind.Name(delivery.kind),
            "channel": delivery.channel,
            "recipient": {"name": delivery.recipient.name, "email": delivery.recipient.email,
                          "phone": delivery.recipient.phone},
            "subject": delivery.message.subject,
            "text": delivery.message.text_body,
        }
        with open(self.options.out, "a", encoding="utf-8") as file:
            file.write(json.dumps(record, ensure_ascii=False) + "\n")
            file.flush()
            os.fsync(file.fileno())
        # Pass delivery_id to a real provider as its idempotency key: a delivery
        # can come again (attempt + 1) if this answer is lost.
        self.send(result=self.pb.Result(
            delivery_id=delivery.delivery_id,
            attempt=delivery.attempt,
            outcome=self.pb.OUTCOME_SENT,
            provider=self.options.provider,
            provider_message_id="line:" + delivery.delivery_id))

    def forward_reports(self):
        """Sends the receipts the listener took, each as one Report; only on a
        welcomed connection (the core refuses reports before Register, and one
        held for later would outlive the provider's wait for an answer)."""
        for report_id, receipt in self.desk.take():
            if self.socket is None or not self.welcomed or self.stopping:
                self.desk.resolve(report_id, "core_unavailable")
                continue
            self.reports_in_flight.add(report_id)
            self.send(report=self.pb.Report(report_id=report_id, receipts=[receipt]))

    def fail_reports_in_flight(self):
        """The reports on a connection now gone may or may not have been stored:
        their callbacks are answered 503, and the provider's retry is harmless."""
        for report_id in self.reports_in_flight:
            self.desk.resolve(report_id, "core_unavailable")
        self.reports_in_flight.clear()

    def handle(self, frame):
        message = self.pb.CoreMessage()
        try:
            message.ParseFromString(frame)
        except Exception as error:  # a frame that is not a CoreMessage
            print("dropped an undecodable frame: %s" % error, file=sys.stderr)
            return
        self.last_heard = time.monotonic()
        kind = message.WhichOneof("body")
        if kind == "welcome":
            self.welcomed = True
            self.backoff = 1.0
            self.heartbeat_interval = max(0.1, message.welcome.heartbeat_interval_ms / 1000.0)
            print("registered: channel=%s provider=%s instance=%s" % (
                self.options.channel, self.options.provider, self.options.instance), flush=True)
        elif kind == "reject":
            if not self.welcomed:
                print("the core rejected us: %s" % message.reject.reason, file=sys.stderr)
                sys.exit(1)
            # A core that restarted no longer knows us: register again.
            self.connect()
        elif kind == "delivery":
            self.deliver(message.delivery)
        elif kind == "report_ack":
            report_id = message.report_ack.report_id
            if report_id in self.reports_in_flight:
                self.reports_in_flight.discard(report_id)
                self.desk.resolve(report_id, "stored")
        elif kind == "shutdown":
            # The core is going away (stopped or restarting), not us: keep running
            # and register again once a core is back on the endpoint.
            self.reconnect_later("the core is shutting down (%s)" % message.shutdown.reason, goodbye=True)
        # A heartbeat from the core only counts as a sign of life (done above).

    def run(self):
        self.connect()
        while not self.stopping:
            if self.socket is None:
                # Waiting out the backoff before the next Register (receipts
                # that come meanwhile are answered 503 at once).
                select.select([self.desk.wake_read], [], [],
                              min(0.2, max(0.0, self.reconnect_at - time.monotonic())))
                self.forward_reports()
                if time.monotonic() >= self.reconnect_at:
                    self.connect()
                continue
            ready = dict(self.poller.poll(timeout=int(min(self.heartbeat_interval * 1000 / 2, 500))))
            if self.socket in ready:
                self.handle(self.socket.recv())
            self.forward_reports()
            if self.socket is None:
                continue
            now = time.monotonic()
            if self.welcomed and now - self.last_sent >= self.heartbeat_interval:
                self.send(heartbeat=self.pb.Heartbeat(
                    sent_at_ms=int(time.time() * 1000), callbacks_refused=self.desk.take_refused()))
            if not self.welcomed and now - self.register_sent_at > 5.0:
                # No Welcome or Reject within 5 s: the core is not there (yet).
                self.reconnect_later("no answer to Register")
            elif self.welcomed and now - self.last_heard > 3 * self.heartbeat_interval:
                self.reconnect_later("the core is silent")
        if self.socket is not None:
            if self.welcomed:
                self.send(goodbye=self.pb.Goodbye(reason="stopping"))
            # Goodbye gets no reply: linger so that it leaves before the process does.
            self.socket.close(linger=1000)
        self.fail_reports_in_flight()
        self.desk.close()
        self.forward_reports()
        self.context.term()


def main():
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--core", default=os.environ.get("HERALD_CHANNEL_ENDPOINT", "tcp://127.0.0.1:7401"))
    parser.add_argument("--channel", default="email", help="the channel to serve (email, sms, whatsapp, webhook, ...)")
    parser.add_argument("--provider", default="python-example", help="the provider name results report")
    parser.add_argument("--instance", default="python-%s-%d" % (socket.gethostname(), os.getpid()))
    parser.add_argument("--out", required=True, help="the file each delivery is appended to, as JSON")
    parser.add_argument("--proto", default=os.path.join(HERE, "..", "..", "proto"), help="the proto/ folder")
    parser.add_argument("--curve-secret-key", default=os.environ.get("HERALD_CURVE_SECRET_KEY"),
                        help="this channel's CURVE key file (herald keys generate); needs --curve-server-key")
    parser.add_argument("--curve-server-key", default=os.environ.get("HERALD_CURVE_SERVER_KEY"),
                        help="the core's CURVE public key, or its .pub file")
    parser.add_argument("--callback-listen", default=os.environ.get("HERALD_CALLBACK_LISTEN"),
                        metavar="HOST:PORT", help="serve the provider's delivery receipts (POST /status) here")
    parser.add_argument("--callback-secret", default=os.environ.get("HERALD_CALLBACK_SECRET"),
                        help="the key of the receipts' HMAC-SHA256 signature (better: HERALD_CALLBACK_SECRET)")
    options = parser.parse_args()
    if bool(options.curve_secret_key) != bool(options.curve_server_key):
        parser.error("--curve-secret-key and --curve-server-key go together")
    if bool(options.callback_listen) != bool(options.callback_secret):
        parser.error("--callback-listen and --callback-secret go together")
    listen = None
    if options.callback_listen:
        host, _, port = options.callback_listen.rpartition(":")
        if host.startswith("[") and host.endswith("]"):
            host = host[1:-1]
        if not host or not port.isdigit() or int(port) > 65535:
            parser.error("--callback-listen takes HOST:PORT, e.g. 127.0.0.1:8080")
        listen = (host, int(port))

    pb = load_contract(options.proto)
    desk = ReportDesk()
    server = None
    if listen:
        try:
            server = start_receipt_listener(listen[0], listen[1], options.callback_secret, options.provider, pb, desk)
        except OSError as error:
            print("cannot listen on %s: %s" % (options.callback_listen, error), file=sys.stderr, flush=True)
            sys.exit(1)
        host, port = server.server_address[:2]
        print("python-example: taking receipts on http://%s:%d" % ("[%s]" % host if ":" in host else host, port),
              file=sys.stderr, flush=True)
    channel = Channel(options, pb, desk)

    def stop(_signal, _frame):
        channel.stopping = True
    signal.signal(signal.SIGTERM, stop)
    signal.signal(signal.SIGINT, stop)
    # A parent may have started us with these signals blocked (the mask is
    # inherited across exec); unblock them or a graceful stop never arrives.
    signal.pthread_sigmask(signal.SIG_UNBLOCK, {signal.SIGTERM, signal.SIGINT})
    channel.run()
    if server is not None:
        server.shutdown()
        server.server_close()


if __name__ == "__main__":
    main()
