import CascadiaCore
import Foundation

/// A `cascadia` subcommand. Each lives in its own file and is listed in `CLI.commands`.
protocol Command {
    /// The word after `cascadia` (`plan`, `replay`, …).
    static var name: String { get }
    /// One line for the top-level help.
    static var summary: String { get }
    /// Runs with the remaining arguments; returns the exit code. Throws `CascadiaError`s.
    static func run(_ arguments: [String]) throws -> ExitCode
}

/// A command-line usage error (exit 64).
struct UsageError: CascadiaError {
    let message: String
    init(_ message: String) { self.message = message }
    var description: String { message }
    var exitCode: ExitCode { .usage }
}

enum CLI {
    /// Every subcommand, in the order `cascadia --help` lists them.
    static var commands: [any Command.Type] {
        [
            VersionCommand.self,
            PlanCommand.self,
            ModelCommand.self,
            RecordCommand.self,
            BoardsCommand.self,
            CtlCommand.self,
            ReplayCommand.self,
        ]
    }

    static let version = "0.1.0"

    static var usage: String {
        var text = "usage: cascadia <command> [options]\n\ncommands:\n"
        for command in commands {
            text += "  " + command.name.padding(toLength: 10, withPad: " ", startingAt: 0) + command.summary + "\n"
        }
        text += "\nRun 'cascadia <command> --help' for a command's options.\n"
        return text
    }

    static func main(_ arguments: [String]) -> Never {
        guard let first = arguments.first else {
            writeStderr(usage)
            exit(ExitCode.usage.rawValue)
        }
        if first == "--help" || first == "-h" || first == "help" {
            print(usage, terminator: "")
            exit(0)
        }
        if first == "--version" {
            print("cascadia \(version)")
            exit(0)
        }
        guard let command = commands.first(where: { $0.name == first }) else {
            writeStderr("cascadia: unknown command '\(first)'\n" + usage)
            exit(ExitCode.usage.rawValue)
        }
        do {
            let code = try command.run(Array(arguments.dropFirst()))
            exit(code.rawValue)
        } catch let error as any CascadiaError {
            writeStderr("cascadia \(command.name): \(error.description)\n")
            exit(error.exitCode.rawValue)
        } catch {
            writeStderr("cascadia \(command.name): \(error)\n")
            exit(ExitCode.failure.rawValue)
        }
    }
}

/// Writes to standard error without buffering.
func writeStderr(_ text: String) {
    FileHandle.standardError.write(Data(text.utf8))
}

enum VersionCommand: Command {
    static let name = "version"
    static let summary = "print the version"
    static func run(_ arguments: [String]) throws -> ExitCode {
        if arguments.contains("--help") {
            print("usage: cascadia version\n\nPrints the version of this build.")
            return .ok
        }
        print("cascadia \(CLI.version)")
        return .ok
    }
}
