import Foundation
import Testing

/// Runs the built `cascadia` binary and captures its output and exit code.
struct CLIResult {
    let status: Int32
    let stdout: String
    let stderr: String
}

enum CLIHarness {
    /// The repository root, found from this file's path.
    static let repoRoot: URL = URL(fileURLWithPath: #filePath)
        .deletingLastPathComponent().deletingLastPathComponent().deletingLastPathComponent()

    /// The `cascadia` binary next to the test bundle.
    static var binary: URL {
        var dir = Bundle.main.bundleURL
        for _ in 0..<4 {
            let candidate = dir.appendingPathComponent("cascadia")
            if FileManager.default.isExecutableFile(atPath: candidate.path) { return candidate }
            dir = dir.deletingLastPathComponent()
        }
        return repoRoot.appendingPathComponent(".build/debug/cascadia")
    }

    /// Runs `cascadia` (or `executable`, e.g. a wrapper that gives it a terminal) in the repository root.
    static func run(_ arguments: [String], stdin: String? = nil, executable: String? = nil) throws -> CLIResult {
        let process = Process()
        process.executableURL = executable.map { URL(fileURLWithPath: $0) } ?? binary
        process.arguments = arguments
        process.currentDirectoryURL = repoRoot
        let out = Pipe(), err = Pipe()
        process.standardOutput = out
        process.standardError = err
        try process.run()
        let outData = out.fileHandleForReading.readDataToEndOfFile()
        let errData = err.fileHandleForReading.readDataToEndOfFile()
        process.waitUntilExit()
        return CLIResult(
            status: process.terminationStatus,
            stdout: String(decoding: outData, as: UTF8.self),
            stderr: String(decoding: errData, as: UTF8.self))
    }
}

@Suite struct CLITests {
    @Test func versionPrints() throws {
        let result = try CLIHarness.run(["--version"])
        #expect(result.status == 0)
        #expect(result.stdout.hasPrefix("cascadia "))
    }

    @Test func unknownCommandIsUsageError() throws {
        let result = try CLIHarness.run(["frobnicate"])
        #expect(result.status == 64)
        #expect(result.stderr.contains("unknown command 'frobnicate'"))
    }

    @Test func noArgumentsIsUsageError() throws {
        let result = try CLIHarness.run([])
        #expect(result.status == 64)
    }
}
