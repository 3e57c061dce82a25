#!/usr/bin/env python3
"""A real SMTP server for herald-email-smtp's tests, built on aiosmtpd.

    smtp_peer.py --dir DIR --cert CERT --key KEY [--user U --password P]
                 [--mode starttls|smtps|plain]

Binds 127.0.0.1 on a free port and prints one line, "smtp-peer ready port=N",
once it accepts connections.

  starttls  STARTTLS offered and required before MAIL and AUTH (default)
  smtps     TLS from the first byte (implicit TLS, as on port 465)
  plain     no TLS at all: a client that requires it must not send anything

With --user, AUTH (PLAIN or LOGIN) is required before MAIL.

Recipients choose how they are answered by their local part:
  reject...         550 for RCPT
  tempfail-once...  451 for the first RCPT of that address, accepted after
  tempfail...       451 for RCPT, always

Every RCPT is appended to DIR/rcpt.log as "<code> <address>". Every accepted
message is written as DIR/<n>.eml (the raw bytes as received, dot-unstuffed)
and DIR/<n>.json (envelope plus what Python's email parser makes of it),
the .json written first and the .eml renamed into place last, so a test that
sees the .eml can read both.
"""
import argparse
import asyncio
import email
import email.policy
import json
import os
import ssl
import sys

from aiosmtpd.smtp import SMTP, AuthResult, LoginPassword


class Handler:
    def __init__(self, directory):
        self.directory = directory
        self.count = 0
        self.seen = {}

    def _log_rcpt(self, code, address):
        with open(os.path.join(self.directory, "rcpt.log"), "a") as log:
            log.write(f"{code} {address}\n")

    async def handle_RCPT(self, server, session, envelope, address, rcpt_options):
        local = address.split("@")[0].lower()
        self.seen[address] = self.seen.get(address, 0) + 1
        if local.startswith("reject"):
            self._log_rcpt(550, address)
            return f"550 5.1.1 <{address}>: mailbox unavailable (test peer)"
        if local.startswith("tempfail-once") and self.seen[address] == 1:
            self._log_rcpt(451, address)
            return "451 4.3.0 temporary failure, try again (test peer)"
        if local.startswith("tempfail") and not local.startswith("tempfail-once"):
            self._log_rcpt(451, address)
            return "451 4.3.0 temporary failure, try again (test peer)"
        self._log_rcpt(250, address)
        envelope.rcpt_tos.append(address)
        return "250 2.1.5 OK"

    async def handle_DATA(self, server, session, envelope):
        self.count += 1
        raw = envelope.original_content or envelope.content
        if isinstance(raw, str):
            raw = raw.encode("utf-8", "surrogateescape")
        base = os.path.join(self.directory, f"{self.count:04d}")
        with open(base + ".json", "w") as out:
            json.dump(
                {"mail_from": envelope.mail_from, "rcpt_tos": envelope.rcpt_tos, **parse(raw)},
                out, ensure_ascii=False, indent=2)
        with open(base + ".eml.tmp", "wb") as out:
            out.write(raw)
        os.rename(base + ".eml.tmp", base + ".eml")
        return f"250 2.0.0 accepted as {self.count:04d}"


def parse(raw):
    """What an independent parser (Python's email package) reads in the message."""
    message = email.message_from_bytes(raw, policy=email.policy.default)
    headers = {}
    for name in message.keys():
        headers.setdefault(name.lower(), []).append(str(message[name]))
    parts = []
    for part in message.walk():
        if part.is_multipart():
            continue
        content = part.get_content()
        if isinstance(content, bytes):  # an attachment (invite.ics): its text
            content = content.decode("utf-8", "replace")
        parts.append({
            "content_type": part.get_content_type(),
            "charset": part.get_content_charset(),
            "transfer_encoding": part.get("Content-Transfer-Encoding", ""),
            "content": content,
            "method": part.get_param("method"),
            "filename": part.get_filename(),
        })
    addresses = {}
    for name in ("from", "to", "reply-to"):
        if message[name] is not None:
            addresses[name] = [{"name": a.display_name, "address": a.addr_spec} for a in message[name].addresses]
    return {
        "headers": headers,
        "addresses": addresses,
        "content_type": message.get_content_type(),
        "parts": parts,
        "defects": [str(d) for d in message.defects],
    }


def make_authenticator(user, password):
    def authenticate(server, session, envelope, mechanism, auth_data):
        ok = (isinstance(auth_data, LoginPassword)
              and auth_data.login == user.encode() and auth_data.password == password.encode())
        return AuthResult(success=ok, handled=False)
    return authenticate


async def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("--dir", required=True)
    parser.add_argument("--cert")
    parser.add_argument("--key")
    parser.add_argument("--user")
    parser.add_argument("--password")
    parser.add_argument("--mode", choices=["starttls", "smtps", "plain"], default="starttls")
    args = parser.parse_args()
    os.makedirs(args.dir, exist_ok=True)

    context = None
    if args.mode != "plain":
        context = ssl.create_default_context(ssl.Purpose.CLIENT_AUTH)
        context.load_cert_chain(args.cert, args.key)

    handler = Handler(args.dir)
    kwargs = {"hostname": "peer.test", "ident": "herald test peer"}
    if args.user:
        kwargs.update(authenticator=make_authenticator(args.user, args.password or ""), auth_required=True)
    if args.mode == "starttls":
        kwargs.update(tls_context=context, require_starttls=True, auth_require_tls=True)
    else:
        # smtps: the whole connection is TLS already; plain: there is no TLS to require.
        kwargs.update(auth_require_tls=False)

    loop = asyncio.get_running_loop()
    server = await loop.create_server(
        lambda: SMTP(handler, **kwargs), host="127.0.0.1", port=0,
        ssl=context if args.mode == "smtps" else None)
    port = server.sockets[0].getsockname()[1]
    print(f"smtp-peer ready port={port}", flush=True)
    await server.serve_forever()


if __name__ == "__main__":
    try:
        asyncio.run(main())
    except KeyboardInterrupt:
        sys.exit(0)
