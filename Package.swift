// swift-tools-version:6.0
import PackageDescription

let package = Package(
    name: "Fieldbook",
    platforms: [.macOS(.v15)],
    products: [
        .executable(name: "fieldbook", targets: ["fieldbook"]),
        .executable(name: "fieldbook-server", targets: ["fieldbook-server"]),
        .executable(name: "fieldbook-bench", targets: ["fieldbook-bench"]),
        .library(name: "FieldbookCore", targets: ["FieldbookCore"]),
        .library(name: "FieldbookProtocol", targets: ["FieldbookProtocol"]),
        .library(name: "FieldbookStore", targets: ["FieldbookStore"]),
        .library(name: "Fieldbook", targets: ["Fieldbook"]),
    ],
    dependencies: [
        .package(url: "https://github.com/apple/swift-argument-parser", from: "1.8.2"),
        .package(url: "https://github.com/apple/swift-log", from: "1.16.2"),
        .package(url: "https://github.com/apple/swift-metrics", from: "2.13.0"),
        .package(url: "https://github.com/groue/GRDB.swift", from: "7.10.0"),
        .package(url: "https://github.com/hummingbird-project/hummingbird", from: "2.28.1"),
        .package(url: "https://github.com/swift-server/async-http-client", from: "1.37.0"),
        .package(url: "https://github.com/apple/swift-nio", from: "2.101.3"),
        .package(url: "https://github.com/apple/swift-nio-ssl", from: "2.37.6"),
        .package(url: "https://github.com/swift-server/swift-service-lifecycle", from: "2.13.0"),
        .package(url: "https://github.com/swift-server/swift-prometheus", from: "2.4.1"),
        .package(url: "https://github.com/vapor/postgres-nio", from: "1.33.2"),
        .package(url: "https://github.com/apple/swift-crypto", "3.12.3"..<"5.0.0"),
        .package(url: "https://github.com/hummingbird-project/swift-mustache", from: "2.1.1"),
        .package(url: "https://github.com/hummingbird-project/hummingbird-auth", from: "2.5.0"),
    ],
    targets: [
        // zlib from the system (zlib1g-dev): deflate/inflate and CRC-32 for the wire format.
        .systemLibrary(name: "CZlib", path: "Sources/CZlib", pkgConfig: "zlib", providers: [.apt(["zlib1g-dev"])]),

        // Pure core: clocks, IDs, changes, vectors, merge rules, signed stream chains. No I/O.
        .target(name: "FieldbookCore", dependencies: [.product(name: "Crypto", package: "swift-crypto")]),

        // Wire format: binary codec, compression, sync round state machine.
        .target(
            name: "FieldbookProtocol",
            dependencies: ["FieldbookCore", "CZlib"],
            path: "Protocol",
            exclude: ["PROTOCOL.md", "vectors"],
            sources: ["Sources"]
        ),

        // SQLite replica store (GRDB).
        .target(
            name: "FieldbookStore",
            dependencies: [
                "FieldbookCore",
                .product(name: "GRDB", package: "GRDB.swift"),
                .product(name: "GRDBSQLite", package: "GRDB.swift"),
                .product(name: "Logging", package: "swift-log"),
            ]
        ),

        // The NPQ domain on top of the store.
        .target(
            name: "Fieldbook",
            dependencies: ["FieldbookCore", "FieldbookStore", "FieldbookProtocol"]
        ),

        // Client side of sync: session driver and HTTP transport.
        .target(
            name: "FieldbookSync",
            dependencies: [
                "FieldbookCore", "FieldbookStore", "FieldbookProtocol", "Fieldbook",
                .product(name: "AsyncHTTPClient", package: "async-http-client"),
                .product(name: "GRDB", package: "GRDB.swift"),
                .product(name: "Logging", package: "swift-log"),
                // TLS: the trusted CA, and a look at a certificate the handshake refused.
                .product(name: "NIOCore", package: "swift-nio"),
                .product(name: "NIOPosix", package: "swift-nio"),
                .product(name: "NIOSSL", package: "swift-nio-ssl"),
            ]
        ),

        // What the two command-line tools share: one-line errors, exit codes, output.
        .target(
            name: "FieldbookCommandLine",
            dependencies: [
                "Fieldbook", "FieldbookCore", .product(name: "ArgumentParser", package: "swift-argument-parser"),
            ]
        ),

        // The sync server as a library, so tests build the same application as `main`.
        .target(
            name: "FieldbookServer",
            dependencies: [
                "FieldbookCore", "FieldbookStore", "FieldbookProtocol", "Fieldbook", "CZlib",
                .product(name: "Hummingbird", package: "hummingbird"),
                .product(name: "HummingbirdCore", package: "hummingbird"),
                .product(name: "HummingbirdTLS", package: "hummingbird"),
                .product(name: "NIOSSL", package: "swift-nio-ssl"),
                .product(name: "Logging", package: "swift-log"),
                .product(name: "Metrics", package: "swift-metrics"),
                .product(name: "Prometheus", package: "swift-prometheus"),
                .product(name: "ServiceLifecycle", package: "swift-service-lifecycle"),
                .product(name: "PostgresNIO", package: "postgres-nio"),
                .product(name: "Crypto", package: "swift-crypto"),
                .product(name: "Mustache", package: "swift-mustache"),
                .product(name: "HummingbirdBcrypt", package: "hummingbird-auth"),
            ],
            path: "Server/FieldbookServer"
        ),
        .executableTarget(
            name: "fieldbook-server",
            dependencies: [
                "FieldbookServer", "Fieldbook", "FieldbookCore", "FieldbookCommandLine",
                .product(name: "ArgumentParser", package: "swift-argument-parser"),
            ],
            path: "Server/Main"
        ),
        // The laptop's tool links no server code (no Hummingbird, no PostgresNIO): `demo`
        // starts the `fieldbook-server` executable as a child process.
        .executableTarget(
            name: "fieldbook",
            dependencies: [
                "Fieldbook", "FieldbookSync", "FieldbookCore", "FieldbookProtocol", "FieldbookCommandLine",
                .product(name: "ArgumentParser", package: "swift-argument-parser"),
            ],
            path: "Client"
        ),
        .executableTarget(
            name: "fieldbook-bench",
            dependencies: [
                "Fieldbook", "FieldbookSync", "FieldbookServer", "FieldbookCore", "FieldbookStore", "FieldbookProtocol",
                // OffPoolExecutor: P8's 200 laptops do blocking SQLite work off the server's threads.
                "FieldbookTestSupport",
                .product(name: "GRDB", package: "GRDB.swift"),
                .product(name: "PostgresNIO", package: "postgres-nio"),
                .product(name: "ArgumentParser", package: "swift-argument-parser"),
            ],
            path: "Bench"
        ),

        .target(
            name: "FieldbookTestSupport",
            dependencies: [
                "FieldbookCore", "FieldbookStore", "Fieldbook", "FieldbookServer",
                .product(name: "PostgresNIO", package: "postgres-nio"),
            ],
            path: "Tests/FieldbookTestSupport"
        ),
        .testTarget(name: "FieldbookCoreTests", dependencies: ["FieldbookCore", "FieldbookTestSupport"]),
        .testTarget(
            name: "FieldbookSyncTests",
            dependencies: ["FieldbookSync", "FieldbookCore", "FieldbookProtocol", "Fieldbook"]
        ),
        .testTarget(
            name: "FieldbookProtocolTests",
            dependencies: ["FieldbookProtocol", "FieldbookCore", "FieldbookTestSupport"]
        ),
        .testTarget(
            name: "FieldbookStoreTests",
            dependencies: [
                "FieldbookStore", "FieldbookCore", "FieldbookTestSupport",
                .product(name: "GRDB", package: "GRDB.swift"),
            ]
        ),
        .testTarget(
            name: "FieldbookTests",
            dependencies: [
                "Fieldbook", "FieldbookCore", "FieldbookStore", "FieldbookTestSupport",
                .product(name: "GRDB", package: "GRDB.swift"),
            ],
            // A replica file written by the build before values were kept exactly.
            exclude: ["Fixtures"]
        ),
        .testTarget(
            name: "FieldbookServerTests",
            dependencies: [
                "FieldbookServer", "FieldbookSync", "FieldbookTestSupport", "fieldbook", "fieldbook-server",
                "Fieldbook", "FieldbookCore", "FieldbookProtocol", "FieldbookStore",
                .product(name: "HummingbirdTesting", package: "hummingbird"),
            ]
        ),
        // One suite, run against every SyncStore implementation (SQLite, PostgreSQL).
        .testTarget(
            name: "SyncStoreTests",
            dependencies: [
                "FieldbookServer", "FieldbookSync", "FieldbookTestSupport", "Fieldbook", "FieldbookCore",
                "FieldbookProtocol", .product(name: "HummingbirdTesting", package: "hummingbird"),
            ]
        ),
        // Whole sync sessions under simulated faults, driven by one seed.
        .testTarget(
            name: "SimulationTests",
            dependencies: [
                "Fieldbook", "FieldbookCore", "FieldbookProtocol", "FieldbookServer", "FieldbookStore", "FieldbookSync",
                "FieldbookTestSupport", .product(name: "GRDB", package: "GRDB.swift"),
                .product(name: "Logging", package: "swift-log"),
                .product(name: "Hummingbird", package: "hummingbird"),
                .product(name: "ServiceLifecycle", package: "swift-service-lifecycle"),
            ]
        ),
        // Depends on the executables so `swift test` builds them; the tests run them as a user would.
        .testTarget(
            name: "EndToEndTests",
            dependencies: [
                "FieldbookTestSupport", "fieldbook", "fieldbook-server", "Fieldbook", "FieldbookStore", "FieldbookCore",
                "FieldbookCommandLine",
            ]
        ),
    ]
)
