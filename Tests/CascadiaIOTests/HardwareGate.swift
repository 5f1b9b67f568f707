import Foundation

/// Hardware tests run only when CASCADIA_HW=1; the specs come from CASCADIA_ADS1256 /
/// CASCADIA_ADS1115 (defaults: the wiring in docs/devices.md).
enum HardwareGate {
    static let enabled = ProcessInfo.processInfo.environment["CASCADIA_HW"] == "1"
    static func spec(_ variable: String, default fallback: String) -> String {
        ProcessInfo.processInfo.environment[variable] ?? fallback
    }
    static func absent(_ path: String) -> Bool { !FileManager.default.fileExists(atPath: path) }
}
