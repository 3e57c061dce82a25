#!/usr/bin/env python3
"""A Herald channel in Python, written from proto/ and docs/protocol.md alone.

It registers with the core's channel endpoint (a ZeroMQ DEALER to the core's
ROUTER, one protobuf frame per message), keeps the heartbeat, and "sends" each
delivery by appending it as one JSON line to a file, then answers SENT. Put a
real provider call where `deliver` writes the line.

    python3 herald_channel.py --channel email --provider python-example --out deliveries.jsonl

Needs pyzmq and protobuf (`pip install pyzmq protobuf==4.21.12`, the runtime
that matches Debian's protoc 3.21) and protoc: the Python classes are generated
from proto/ at start into a temporary folder, so the contract is the only
input. SIGTERM or SIGINT: it says Goodbye and exits 0. Shutdown from the core
means the core is going away, not this channel: it drops the connection and
registers again, with backoff, until a core welcomes it.
"""

import argparse
import json
import os
import signal
import socket
import subprocess
import sys
import tempfile
import time

import zmq
import zmq.auth

HERE = os.path.dirname(os.path.abspath(__file__))


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


class Channel:
    def __init__(self, options, pb):
        self.options = options
        self.pb = pb
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
        elif kind == "shutdown":
            # The core is going away (stopped or restarting), not us: keep running
            # and register again once a core is back on the endpoint.
            self.reconnect_later("the core is shutting down (%s)" % message.shutdown.reason, goodbye=True)
        # A heartbeat from the core only counts as a sign of life (done above).

    def run(self):
        self.connect()
        while not self.stopping:
            if self.socket is None:
                # Waiting out the backoff before the next Register.
                time.sleep(min(0.2, max(0.0, self.reconnect_at - time.monotonic())))
                if time.monotonic() >= self.reconnect_at:
                    self.connect()
                continue
            ready = dict(self.poller.poll(timeout=int(min(self.heartbeat_interval * 1000 / 2, 500))))
            if self.socket in ready:
                self.handle(self.socket.recv())
            if self.socket is None:
                continue
            now = time.monotonic()
            if self.welcomed and now - self.last_sent >= self.heartbeat_interval:
                self.send(heartbeat=self.pb.Heartbeat(sent_at_ms=int(time.time() * 1000)))
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
    options = parser.parse_args()
    if bool(options.curve_secret_key) != bool(options.curve_server_key):
        parser.error("--curve-secret-key and --curve-server-key go together")

    channel = Channel(options, load_contract(options.proto))

    def stop(_signal, _frame):
        channel.stopping = True
    signal.signal(signal.SIGTERM, stop)
    signal.signal(signal.SIGINT, stop)
    # A parent may have started us with these signals blocked (the mask is
    # inherited across exec); unblock them or a graceful stop never arrives.
    signal.pthread_sigmask(signal.SIG_UNBLOCK, {signal.SIGTERM, signal.SIGINT})
    channel.run()


if __name__ == "__main__":
    main()
