#!/usr/bin/env bash
# Installs the protocol peers the channel tests talk to, when missing:
#   aiosmtpd          a real SMTP server (STARTTLS, AUTH) for herald-email-smtp
#   standardwebhooks  the reference Standard Webhooks verifier, an independent
#                     check of herald-webhook's signatures
# and openssl, which makes the SMTP server's throwaway certificate.
# The HTTP provider peers (Twilio, Vonage, WhatsApp) are Python standard library.
set -euo pipefail

if ! command -v openssl >/dev/null; then
    sudo=""
    [ "$(id -u)" -ne 0 ] && sudo="sudo"
    $sudo apt-get update -qq
    DEBIAN_FRONTEND=noninteractive $sudo apt-get install -y -qq openssl >/dev/null
fi

python="${PYTHON:-python3}"
command -v "$python" >/dev/null || { echo "install-test-peers: $python is not on PATH" >&2; exit 1; }
if ! "$python" -c 'import aiosmtpd, standardwebhooks' 2>/dev/null; then
    echo "install-test-peers: installing aiosmtpd and standardwebhooks with pip" >&2
    "$python" -m pip install --quiet --disable-pip-version-check --root-user-action=ignore \
        'aiosmtpd==1.4.6' 'standardwebhooks==1.1.0'
fi
