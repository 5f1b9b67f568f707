import CascadiaCore
import CascadiaIO
import Foundation

/// `cascadia boards check FILE…` — validates board files and probes the devices they name.
enum BoardsCommand: Command {
    static let name = "boards"
    static let summary = "validate a board file and probe its devices"

    static let help = """
        usage: cascadia boards check FILE... [--root DIR]

        Validates each board file (boards/*.json; schema in docs/devices.md) and probes what it
        names without opening anything for capture: the ALSA card (/proc/asound), spidev and
        i2c-dev nodes, the DRDY/ALERT GPIO line (libgpiod: chip label, line name, whether it is
        in use), the Raspberry Shake UDP port (bound for a moment), the plan, and replayed files
        (loaded and checked against the stream's rate and channel count).

          --root DIR   look for /dev and /proc under DIR instead of / (for testing)

        exit status: 0 everything present, 69 something missing, 65 a recording unusable at the
        board's rate, 78 an invalid board file, 64 bad usage.
        """

    static func run(_ arguments: [String]) throws -> ExitCode {
        if arguments.contains("--help") || arguments.contains("-h") {
            print(help)
            return .ok
        }
        guard arguments.first == "check" else {
            throw UsageError("boards: expected 'check FILE...' (see cascadia boards --help)")
        }
        var files: [String] = []
        var root = ""
        var rest = arguments.dropFirst()
        while let argument = rest.popFirst() {
            if argument == "--root" {
                guard let value = rest.popFirst() else { throw UsageError("boards check: --root needs a directory") }
                root = value
            } else if argument.hasPrefix("-") {
                throw UsageError("boards check: unknown option '\(argument)'")
            } else {
                files.append(argument)
            }
        }
        guard !files.isEmpty else { throw UsageError("boards check: name at least one board file") }
        var missing = 0
        var unusable = 0
        for file in files {
            let config = try BoardConfig.load(path: file)
            print(summary(config))
            let findings = BoardProbe(root: root).probe(config)
            let roleWidth = findings.map(\.role.count).max() ?? 0
            let subjectWidth = findings.map(\.subject.count).max() ?? 0
            for finding in findings {
                print(
                    "  " + finding.status.rawValue.padding(toLength: 8, withPad: " ", startingAt: 0)
                        + finding.role.padding(toLength: roleWidth + 2, withPad: " ", startingAt: 0)
                        + finding.subject.padding(toLength: subjectWidth + 2, withPad: " ", startingAt: 0)
                        + finding.detail)
            }
            let absent = findings.filter { $0.status == .missing }.count
            let present = findings.filter { $0.status == .present }.count
            let bad = findings.filter { $0.status == .unusable }.count
            print("  \(present) present, \(absent) missing" + (bad > 0 ? ", \(bad) unusable" : ""))
            missing += absent
            unusable += bad
        }
        return missing > 0 ? .unavailable : unusable > 0 ? .data : .ok
    }

    static func summary(_ c: BoardConfig) -> String {
        var lines = ["\(c.path): valid board '\(c.board)'" + (c.description.map { " — \($0)" } ?? "")]
        for (role, stream) in [("acoustic", c.acoustic), ("seismic", c.seismic)] {
            guard let stream else { continue }
            var line = "  \(role): \(stream.sourceText) at \(rate(stream.sampleRateHz)) Hz"
            if stream.channels != 1 { line += ", \(stream.channels) channels" }
            if let period = stream.periodFrames { line += ", period \(period) frames" }
            if let buffer = stream.bufferFrames { line += ", buffer \(buffer) frames" }
            lines.append(line)
        }
        lines.append(
            "  window \(rate(c.window.lengthSeconds)) s, hop \(rate(c.window.hopSeconds)) s, \(c.window.intervals) intervals;"
                + " budget \(rate(c.budgetMilliseconds)) ms; plan \(c.planPath)")
        lines.append(
            "  threads: capture \(thread(c.captureThread)); processing \(thread(c.processingThread)); mlockall \(c.mlockall ? "on" : "off")"
        )
        return lines.joined(separator: "\n")
    }

    static func thread(_ t: BoardConfig.Thread) -> String {
        let cpus = t.cpus.isEmpty ? "any CPU" : "CPU " + t.cpus.map(String.init).joined(separator: ",")
        let policy = t.rtPriority.map { "SCHED_FIFO \($0)" } ?? "SCHED_OTHER"
        return "\(cpus), \(policy)"
    }

    static func rate(_ value: Double) -> String {
        value == value.rounded() ? String(Int(value)) : String(value)
    }
}
