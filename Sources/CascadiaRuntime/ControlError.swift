/// Errors of the control socket, on either side.
public struct ControlError: CascadiaError, Equatable {
    public enum Kind: String, Sendable {
        /// The socket path is unusable (too long, directory missing, permission denied).
        case socket
        /// Another process already serves the socket.
        case inUse
        /// The service is not reachable (no socket, connection refused).
        case unreachable
        /// The reply was not understood or the connection closed early.
        case protocolViolation
        /// The server answered with an error.
        case rejected
    }

    public let kind: Kind
    /// The socket path concerned.
    public let path: String
    public let message: String

    public init(_ kind: Kind, path: String, _ message: String) {
        self.kind = kind
        self.path = path
        self.message = message
    }

    public var description: String { "\(path): \(message)" }

    public var exitCode: ExitCode {
        switch kind {
        case .socket: .config
        case .inUse, .unreachable: .unavailable
        case .protocolViolation, .rejected: .failure
        }
    }
}
