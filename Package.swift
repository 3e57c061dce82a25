// swift-tools-version:6.2
import PackageDescription

let package = Package(
    name: "Herald",
    platforms: [.macOS(.v15)],
    products: [
        .executable(name: "heraldd", targets: ["heraldd"]),
        .executable(name: "herald", targets: ["herald"]),
        .executable(name: "herald-gateway", targets: ["herald-gateway"]),
        .executable(name: "herald-email-smtp", targets: ["herald-email-smtp"]),
        .executable(name: "herald-sms-twilio", targets: ["herald-sms-twilio"]),
        .executable(name: "herald-sms-vonage", targets: ["herald-sms-vonage"]),
        .executable(name: "herald-webhook", targets: ["herald-webhook"]),
        .executable(name: "herald-whatsapp", targets: ["herald-whatsapp"]),
        .executable(name: "herald-chat", targets: ["herald-chat"]),
        .library(name: "HeraldBus", targets: ["HeraldBus"]),
        .library(name: "HeraldProto", targets: ["HeraldProto"]),
        .library(name: "HeraldCore", targets: ["HeraldCore"]),
        .library(name: "HeraldChannelKit", targets: ["HeraldChannelKit"]),
    ],
    dependencies: [
        .package(url: "https://github.com/apple/swift-protobuf", from: "1.39.0"),
        .package(url: "https://github.com/apple/swift-argument-parser", from: "1.8.2"),
        .package(url: "https://github.com/apple/swift-log", from: "1.16.2"),
        .package(url: "https://github.com/swift-server/swift-service-lifecycle", from: "2.13.0"),
        .package(url: "https://github.com/groue/GRDB.swift", from: "7.10.0"),
        // The PostgreSQL store (several cores on one database): the brief's choice, on SwiftNIO
        // like Hummingbird, with a connection pool, LISTEN/NOTIFY and binary parameters.
        .package(url: "https://github.com/vapor/postgres-nio", from: "1.33.2"),
        // Message templates: the brief's choice, logic-less and spec-compliant.
        .package(url: "https://github.com/hummingbird-project/swift-mustache", from: "2.1.1"),
        // HMAC-SHA256 for Standard Webhooks signatures (HeraldChannelKit's signer).
        .package(url: "https://github.com/apple/swift-crypto", from: "3.12.3"),
        // `herald up` runs the core and the channels as children: spawning in their own
        // process groups, merged output as lines, signals through pidfds.
        .package(url: "https://github.com/swiftlang/swift-subprocess", from: "1.0.2"),
        // Metrics: libraries speak the swift-metrics API; swift-prometheus is the
        // backend that keeps the values and writes the Prometheus text format.
        .package(url: "https://github.com/apple/swift-metrics", from: "2.13.0"),
        .package(url: "https://github.com/swift-server/swift-prometheus", from: "2.4.1"),
        // The HTTP server of heraldd's /metrics and of herald-gateway. No default traits:
        // they only add swift-configuration support and full Foundation.
        .package(url: "https://github.com/hummingbird-project/hummingbird", from: "2.28.1", traits: []),
        // Test only: property-based fuzzing of every decoder and the RPC dispatcher.
        .package(url: "https://github.com/x-sheep/swift-property-based", exact: "2.0.1"),
    ],
    targets: [
        // System libraries from Debian; the modulemaps link them, apt names the -dev packages.
        // No pkgConfig: Debian's libzmq.pc adds an -isystem flag SwiftPM refuses,
        // and both libraries' headers are on the default include path.
        .systemLibrary(
            name: "CZeroMQ",
            providers: [.apt(["libzmq3-dev"])]
        ),
        .systemLibrary(
            name: "CCurl",
            providers: [.apt(["libcurl4-openssl-dev"])]
        ),
        // Non-variadic wrappers around curl_easy_setopt/getinfo, which Swift cannot call.
        .target(name: "CCurlShims", dependencies: ["CCurl"]),

        .target(
            name: "HeraldProto",
            dependencies: [.product(name: "SwiftProtobuf", package: "swift-protobuf")]
        ),
        // Generated from `service Admin` by protoc-gen-herald-rpc: method names, the
        // server protocol with its routing table, and the typed client.
        .target(
            name: "HeraldAdminRPC",
            dependencies: [
                "HeraldBus",
                "HeraldProto",
                .product(name: "SwiftProtobuf", package: "swift-protobuf"),
            ]
        ),
        // The protoc plugin that writes HeraldAdminRPC (scripts/generate-proto.sh runs it).
        .executableTarget(
            name: "protoc-gen-herald-rpc",
            dependencies: [
                .product(name: "SwiftProtobuf", package: "swift-protobuf"),
                .product(name: "SwiftProtobufPluginLibrary", package: "swift-protobuf"),
            ]
        ),
        // The JSON views of the admin API's messages, shared by the CLI's --json and the gateway.
        .target(name: "HeraldViews", dependencies: ["HeraldProto"]),
        .target(
            name: "HeraldBus",
            dependencies: [
                "CZeroMQ",
                "HeraldProto",
                .product(name: "CoreMetrics", package: "swift-metrics"),
                .product(name: "Logging", package: "swift-log"),
                .product(name: "ServiceLifecycle", package: "swift-service-lifecycle"),
                .product(name: "SwiftProtobuf", package: "swift-protobuf"),
            ]
        ),
        .target(
            name: "HeraldCore",
            dependencies: [
                "HeraldAdminRPC",
                "HeraldBus",
                "HeraldProto",
                .product(name: "CoreMetrics", package: "swift-metrics"),
                // SHA-256 of API keys.
                .product(name: "Crypto", package: "swift-crypto"),
                .product(name: "GRDB", package: "GRDB.swift"),
                .product(name: "Logging", package: "swift-log"),
                .product(name: "Mustache", package: "swift-mustache"),
                .product(name: "PostgresNIO", package: "postgres-nio"),
                .product(name: "Prometheus", package: "swift-prometheus"),
                .product(name: "ServiceLifecycle", package: "swift-service-lifecycle"),
                .product(name: "SwiftProtobuf", package: "swift-protobuf"),
            ]
        ),
        .target(
            name: "HeraldChannelKit",
            dependencies: [
                "CCurlShims",
                "HeraldBus",
                "HeraldProto",
                .product(name: "ArgumentParser", package: "swift-argument-parser"),
                // HMAC-SHA256 for the Standard Webhooks signer in HTTP/, and the
                // providers' callback signatures in Callbacks/.
                .product(name: "Crypto", package: "swift-crypto"),
                // The listener of providers' callbacks (--callback-listen): the
                // project's HTTP server, as in heraldd and the gateway.
                .product(name: "Hummingbird", package: "hummingbird"),
                .product(name: "Logging", package: "swift-log"),
                .product(name: "ServiceLifecycle", package: "swift-service-lifecycle"),
                .product(name: "SwiftProtobuf", package: "swift-protobuf"),
                // SIGHUP rereads the provider accounts file (--accounts).
                .product(name: "UnixSignals", package: "swift-service-lifecycle"),
            ]
        ),
        // A channel that sends nothing: answers each delivery as told (sent, retry,
        // failed, never) after an optional delay. Used by the end-to-end and fault
        // tests and by herald-bench as a worker that acknowledges at once.
        .executableTarget(
            name: "herald-test-channel",
            dependencies: [
                "HeraldChannelKit",
                .product(name: "ArgumentParser", package: "swift-argument-parser"),
                .product(name: "Logging", package: "swift-log"),
            ],
            path: "Plugins/TestChannel"
        ),
        // The channel programs: one per provider, each a HeraldChannelKit plugin.
        // E-mail over SMTP with libcurl (STARTTLS or SMTPS, AUTH).
        .executableTarget(
            name: "herald-email-smtp",
            dependencies: [
                "HeraldChannelKit",
                .product(name: "ArgumentParser", package: "swift-argument-parser"),
                .product(name: "Logging", package: "swift-log"),
            ],
            path: "Plugins/EmailSMTP"
        ),
        // SMS through Twilio's Messages API.
        .executableTarget(
            name: "herald-sms-twilio",
            dependencies: [
                "HeraldChannelKit",
                .product(name: "ArgumentParser", package: "swift-argument-parser"),
                .product(name: "Logging", package: "swift-log"),
            ],
            path: "Plugins/SMSTwilio"
        ),
        // SMS through Vonage's SMS API.
        .executableTarget(
            name: "herald-sms-vonage",
            dependencies: [
                "HeraldChannelKit",
                .product(name: "ArgumentParser", package: "swift-argument-parser"),
                .product(name: "Logging", package: "swift-log"),
            ],
            path: "Plugins/SMSVonage"
        ),
        // Standard Webhooks: signed HTTP POSTs to subscribers.
        .executableTarget(
            name: "herald-webhook",
            dependencies: [
                "HeraldChannelKit",
                .product(name: "ArgumentParser", package: "swift-argument-parser"),
                .product(name: "Logging", package: "swift-log"),
            ],
            path: "Plugins/Webhook"
        ),
        // WhatsApp Cloud API template messages.
        .executableTarget(
            name: "herald-whatsapp",
            dependencies: [
                "HeraldChannelKit",
                .product(name: "ArgumentParser", package: "swift-argument-parser"),
                .product(name: "Logging", package: "swift-log"),
            ],
            path: "Plugins/WhatsApp"
        ),
        // Chat rooms' incoming webhooks (Slack, Mattermost, ...): team notes.
        .executableTarget(
            name: "herald-chat",
            dependencies: [
                "HeraldChannelKit",
                .product(name: "ArgumentParser", package: "swift-argument-parser"),
                .product(name: "Logging", package: "swift-log"),
            ],
            path: "Plugins/Chat"
        ),
        .executableTarget(
            name: "heraldd",
            dependencies: [
                "HeraldAdminRPC",
                "HeraldCore",
                "HeraldBus",
                .product(name: "ArgumentParser", package: "swift-argument-parser"),
                .product(name: "Hummingbird", package: "hummingbird"),
                .product(name: "Logging", package: "swift-log"),
                .product(name: "ServiceLifecycle", package: "swift-service-lifecycle"),
                .product(name: "UnixSignals", package: "swift-service-lifecycle"),
            ]
        ),
        .executableTarget(
            name: "herald",
            dependencies: [
                "HeraldAdminRPC",
                "HeraldBus",
                "HeraldProto",
                "HeraldViews",
                .product(name: "ArgumentParser", package: "swift-argument-parser"),
                .product(name: "Logging", package: "swift-log"),
                .product(name: "Subprocess", package: "swift-subprocess"),
                .product(name: "SwiftProtobuf", package: "swift-protobuf"),
                .product(name: "UnixSignals", package: "swift-service-lifecycle"),
            ]
        ),
        // The HTTP/JSON API for booking apps: translates each call into the core's admin RPC.
        .executableTarget(
            name: "herald-gateway",
            dependencies: [
                "HeraldAdminRPC",
                "HeraldBus",
                "HeraldProto",
                "HeraldViews",
                .product(name: "ArgumentParser", package: "swift-argument-parser"),
                // SHA-256 fingerprints of requests under an Idempotency-Key.
                .product(name: "Crypto", package: "swift-crypto"),
                .product(name: "Hummingbird", package: "hummingbird"),
                .product(name: "Logging", package: "swift-log"),
                // The web console's pages: logic-less templates, HTML-escaped by default.
                .product(name: "Mustache", package: "swift-mustache"),
                .product(name: "ServiceLifecycle", package: "swift-service-lifecycle"),
                .product(name: "SwiftProtobuf", package: "swift-protobuf"),
            ],
            // The console's templates and stylesheet, compiled into the binary: nothing
            // to install beside it, nothing read from disk or the internet at run time.
            resources: [
                .embedInCode("Console/Templates"),
            ]
        ),
        // `swift run -c release herald-bench`: admin RPC throughput and latency of a real heraldd.
        .executableTarget(
            name: "herald-bench",
            dependencies: [
                "HeraldAdminRPC",
                .product(name: "ArgumentParser", package: "swift-argument-parser"),
                "HeraldBus",
                // The callbacks scenario signs Twilio's status callbacks as Twilio does.
                "HeraldChannelKit",
                "HeraldCore",
                "HeraldProto",
                .product(name: "Logging", package: "swift-log"),
                .product(name: "SwiftProtobuf", package: "swift-protobuf"),
            ],
            path: "Benchmarks/HeraldBench"
        ),

        // What every test target shares: bounded waits, child processes (the
        // binaries built next to the tests), free ports, temporary directories.
        // Only test targets depend on it.
        .target(name: "HeraldTesting", path: "Tests/HeraldTesting"),

        .testTarget(
            name: "HeraldBusTests",
            dependencies: [
                "HeraldTesting",
                "HeraldBus",
                "HeraldProto",
                .product(name: "Logging", package: "swift-log"),
                .product(name: "ServiceLifecycle", package: "swift-service-lifecycle"),
            ]
        ),
        .testTarget(
            name: "HeraldChannelKitTests",
            dependencies: [
                "HeraldTesting",
                "HeraldChannelKit",
                "HeraldBus",
                "HeraldProto",
                .product(name: "Logging", package: "swift-log"),
                .product(name: "ServiceLifecycle", package: "swift-service-lifecycle"),
            ]
        ),
        .testTarget(
            name: "HeraldCoreTests",
            dependencies: [
                "HeraldAdminRPC",
                "HeraldTesting",
                "HeraldBus",
                "HeraldCore",
                "HeraldProto",
                .product(name: "GRDB", package: "GRDB.swift"),
                .product(name: "Logging", package: "swift-log"),
                // Property tests of the dispatch state over random interleavings.
                .product(name: "PropertyBased", package: "swift-property-based"),
            ]
        ),
        // Hostile input, bounded in time: random, mutated and truncated frames
        // through every decoder, the dispatcher and the RPC server.
        .testTarget(
            name: "HeraldFuzzTests",
            dependencies: [
                "HeraldTesting",
                "HeraldBus",
                "HeraldChannelKit",
                "HeraldCore",
                "HeraldProto",
                // The RPC fuzz drives the real method table.
                "HeraldAdminRPC",
                .product(name: "Logging", package: "swift-log"),
                .product(name: "PropertyBased", package: "swift-property-based"),
                .product(name: "SwiftProtobuf", package: "swift-protobuf"),
            ]
        ),
        // The gateway's pure parts (the console's sessions, times, wording), tested in process.
        .testTarget(name: "HeraldGatewayTests", dependencies: ["herald-gateway"]),
        // Runs the real heraldd and herald binaries; depends on them so that
        // `swift build --build-tests` builds them first.
        .testTarget(
            name: "HeraldEndToEndTests",
            dependencies: [
                "HeraldTesting",
                "HeraldBus",
                // Its libcurl HTTP client scrapes heraldd's metrics endpoint and calls herald-gateway.
                "HeraldChannelKit",
                "HeraldProto",
                "heraldd",
                "herald",
                "herald-gateway",
                "herald-test-channel",
                "herald-email-smtp",
                "herald-sms-twilio",
                "herald-sms-vonage",
                "herald-webhook",
                "herald-whatsapp",
                "herald-chat",
                .product(name: "Logging", package: "swift-log"),
            ]
        ),
    ],
    swiftLanguageModes: [.v6]
)
