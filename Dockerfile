# syntax=docker/dockerfile:1
#
# One image for every Herald program: the core (heraldd), the admin CLI
# (herald) and the channel programs. compose.yaml picks the program per
# service with `command:`. Build it with `docker compose build` or
# `docker build -t herald:local .`.
#
# scripts/check-compose.py checks this file in CI (no Docker engine needed):
# every stage a COPY --from names exists, every binary copied is a product of
# Package.swift, the build stage installs the -dev packages of
# scripts/install-deps.sh and the runtime stage the libraries they belong to.

# ---------------------------------------------------------------- build
# Swift 6.3 on Debian 12 (bookworm), the toolchain CI uses; Package.swift
# needs tools 6.2 or newer. The runtime stage below is the same Debian release,
# so the shared libraries the binaries were linked against are the ones there.
FROM swift:6.3-bookworm AS build

# The -dev packages scripts/install-deps.sh installs for a build (protoc and the
# sqlite3 shell are not needed: the generated code is committed).
RUN export DEBIAN_FRONTEND=noninteractive \
    && apt-get update -qq \
    && apt-get install -y -qq --no-install-recommends \
        libzmq3-dev libcurl4-openssl-dev libsqlite3-dev pkg-config \
    && rm -rf /var/lib/apt/lists/*

WORKDIR /src

# Dependencies first, so that a change in our sources does not fetch them again.
# Package.resolved is not committed; resolution picks the newest versions that
# Package.swift allows, as `swift build` on a fresh clone does.
COPY Package.swift ./
RUN swift package resolve

COPY . .

# Release builds with the Swift runtime and Foundation linked in statically,
# one product at a time (SwiftPM builds one --product per call; the modules
# they share are compiled once). The binaries then go to /out/bin.
RUN set -eu; \
    for product in heraldd herald herald-gateway herald-email-smtp herald-sms-twilio herald-sms-vonage herald-webhook herald-whatsapp herald-chat; do \
        swift build -c release --static-swift-stdlib --product "$product"; \
    done; \
    bin="$(swift build -c release --static-swift-stdlib --show-bin-path)"; \
    mkdir -p /out/bin; \
    for product in heraldd herald herald-gateway herald-email-smtp herald-sms-twilio herald-sms-vonage herald-webhook herald-whatsapp herald-chat; do \
        install -m 0755 "$bin/$product" /out/bin/; \
    done

# ---------------------------------------------------------------- runtime
FROM debian:bookworm-slim AS runtime

# Only what the binaries load at run time: libzmq (the bus), libcurl (SMTP and
# HTTPS), SQLite (the store), CA certificates (provider TLS), tzdata (tenant
# time zones), libstdc++ (the C++ parts of the Swift runtime), and the
# sqlite3 shell for online backups (`docker compose exec core sqlite3 ...`).
RUN export DEBIAN_FRONTEND=noninteractive \
    && apt-get update -qq \
    && apt-get install -y -qq --no-install-recommends \
        libzmq5 libcurl4 libsqlite3-0 libstdc++6 ca-certificates tzdata sqlite3 \
    && rm -rf /var/lib/apt/lists/*

# A user of its own, never root. /var/lib/herald holds the database and /keys
# the CURVE key set (named volumes in compose.yaml; Docker copies a directory's
# owner and mode into a new volume, so herald can write there and no one else
# can read the keys).
RUN groupadd --system --gid 10001 herald \
    && useradd --system --uid 10001 --gid herald --home-dir /var/lib/herald --shell /usr/sbin/nologin herald \
    && mkdir -p /var/lib/herald /keys \
    && chown herald:herald /var/lib/herald /keys \
    && chmod 700 /keys

COPY --from=build /out/bin/heraldd /out/bin/herald /out/bin/herald-gateway /usr/local/bin/
COPY --from=build /out/bin/herald-email-smtp /out/bin/herald-sms-twilio /out/bin/herald-sms-vonage /usr/local/bin/
COPY --from=build /out/bin/herald-webhook /out/bin/herald-whatsapp /out/bin/herald-chat /usr/local/bin/

USER herald
WORKDIR /var/lib/herald

# The core, on the data directory, bound to loopback as everywhere else:
# compose.yaml says which addresses to bind inside its network.
CMD ["heraldd", "--db", "/var/lib/herald/herald.db"]
