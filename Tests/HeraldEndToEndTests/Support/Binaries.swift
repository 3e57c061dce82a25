import Foundation
import HeraldTesting

/// The executables `swift build` put next to the test bundle (or in `$HERALD_BIN_DIR`).
enum Binaries {
    static var directory: URL { BuiltProducts.directory }
    static var heraldd: URL { BuiltProducts.executable("heraldd") }
    static var herald: URL { BuiltProducts.executable("herald") }
    static var testChannel: URL { BuiltProducts.executable("herald-test-channel") }
    /// A channel program, e.g. `herald-sms-twilio`.
    static func program(_ name: String) -> URL { BuiltProducts.executable(name) }
}
