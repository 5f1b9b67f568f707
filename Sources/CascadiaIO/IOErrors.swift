import CascadiaCore

/// A capture device is missing, busy or failed (exit 69).
public struct DeviceError: CascadiaError, Equatable {
    /// The device as the user named it (`alsa:hw:CARD=USB,DEV=0`, `/dev/spidev0.0`).
    public var device: String
    /// What went wrong, e.g. `no such device`, `device busy`.
    public var reason: String
    /// Devices that would work, listed in the message (ALSA capture devices, gpiochips, …).
    public var available: [String]

    public init(device: String, reason: String, available: [String] = []) {
        self.device = device
        self.reason = reason
        self.available = available
    }

    public var exitCode: ExitCode { .unavailable }

    public var description: String {
        var text = "\(device): \(reason)"
        if !available.isEmpty {
            text += "; available capture devices: " + available.joined(separator: ", ")
        } else if reason.contains("no such") || reason.contains("busy") {
            text += "; no capture devices found"
        }
        return text
    }
}

/// A recording, label file or configuration is unusable, or a file system call failed.
public struct IOError: CascadiaError, Equatable {
    public enum Kind: Sendable, Equatable {
        /// Bad data: wrong rate/channels/encoding, truncated or corrupt file (exit 65).
        case badData
        /// Bad configuration: a source spec, option or board field (exit 78).
        case config
        /// A file or directory cannot be opened or written (exit 1 unless a device: see DeviceError).
        case system
    }

    public var kind: Kind
    /// The file, directory or field the error is about.
    public var subject: String
    public var reason: String

    public init(_ kind: Kind, _ subject: String, _ reason: String) {
        self.kind = kind
        self.subject = subject
        self.reason = reason
    }

    public static func badData(_ file: String, _ reason: String) -> IOError { IOError(.badData, file, reason) }
    public static func config(_ field: String, _ reason: String) -> IOError { IOError(.config, field, reason) }
    public static func system(_ path: String, _ reason: String) -> IOError { IOError(.system, path, reason) }

    public var exitCode: ExitCode {
        switch kind {
        case .badData: .data
        case .config: .config
        case .system: .failure
        }
    }

    public var description: String { "\(subject): \(reason)" }
}
