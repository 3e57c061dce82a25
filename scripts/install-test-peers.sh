#!/usr/bin/env bash
# Installs the protocol peers the channel tests talk to, when missing:
#   aiosmtpd          a real SMTP server (STARTTLS, AUTH) for herald-email-smtp
#   standardwebhooks  the reference Standard Webhooks verifier, an independent
#                     check of herald-webhook's signatures
#   pyzmq, protobuf   what examples/python-channel (a channel written from
#                     proto/ alone) needs; protobuf 4.21.12 is the runtime of
#                     Debian's protoc 3.21
# and openssl, which makes the SMTP server's throwaway certificate; and, for
# scripts/check-compose.py (compose.yaml and the Dockerfile, checked without a
# Docker engine):
#   PyYAML, jsonschema  to read compose.yaml and validate it against the
#                       Compose Specification's schema (2020-12 draft)
# and, for GatewayOpenAPITests (openapi.yaml against the running herald-gateway):
#   schemathesis        property-based tests of an API from its OpenAPI description
# and, for the link pages and the web console opened in a real browser (LinkTests,
# Tests/Peers/link_browser.py; ConsoleTests, Tests/Peers/console_browser.py):
#   chromium, chromium-driver   Debian's headless browser and its WebDriver
#   selenium                    drives it from Python
# and, for the calendar invites (ICalendarTests, Tests/Peers/ical_check.py):
#   icalendar           a real iCalendar (RFC 5545) parser
# The HTTP provider peers (Twilio, Vonage, WhatsApp) are Python standard library.
set -euo pipefail

missing=()
command -v openssl >/dev/null || missing+=(openssl)
command -v chromium >/dev/null || missing+=(chromium)
command -v chromedriver >/dev/null || missing+=(chromium-driver)
if [ ${#missing[@]} -gt 0 ]; then
    echo "install-test-peers: installing ${missing[*]} with apt-get" >&2
    sudo=""
    [ "$(id -u)" -ne 0 ] && sudo="sudo"
    $sudo apt-get update -qq
    DEBIAN_FRONTEND=noninteractive $sudo apt-get install -y -qq "${missing[@]}" >/dev/null
fi

python="${PYTHON:-python3}"
command -v "$python" >/dev/null || { echo "install-test-peers: $python is not on PATH" >&2; exit 1; }
if ! "$python" -c 'import aiosmtpd, standardwebhooks, zmq, google.protobuf' 2>/dev/null; then
    echo "install-test-peers: installing aiosmtpd, standardwebhooks, pyzmq and protobuf with pip" >&2
    "$python" -m pip install --quiet --disable-pip-version-check --root-user-action=ignore \
        'aiosmtpd==1.4.6' 'standardwebhooks==1.1.0' 'pyzmq==26.4.0' 'protobuf==4.21.12'
fi
if ! "$python" -c 'import yaml, jsonschema; jsonschema.Draft202012Validator' 2>/dev/null; then
    echo "install-test-peers: installing PyYAML and jsonschema with pip" >&2
    "$python" -m pip install --quiet --disable-pip-version-check --root-user-action=ignore \
        'PyYAML==6.0.3' 'jsonschema==4.26.0'
fi
if ! "$python" -c 'import schemathesis' 2>/dev/null; then
    echo "install-test-peers: installing schemathesis with pip" >&2
    "$python" -m pip install --quiet --disable-pip-version-check --root-user-action=ignore 'schemathesis==4.32.5'
fi
if ! "$python" -c 'import selenium' 2>/dev/null; then
    echo "install-test-peers: installing selenium with pip" >&2
    "$python" -m pip install --quiet --disable-pip-version-check --root-user-action=ignore 'selenium==4.51.0'
fi
if ! "$python" -c 'import icalendar' 2>/dev/null; then
    echo "install-test-peers: installing icalendar with pip" >&2
    "$python" -m pip install --quiet --disable-pip-version-check --root-user-action=ignore 'icalendar==7.3.2'
fi
