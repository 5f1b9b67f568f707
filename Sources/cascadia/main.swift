// The `cascadia` command line: parse → validate → run → exit code.
import CascadiaCore

#if canImport(Glibc)
import Glibc
#endif

CLI.main(Array(CommandLine.arguments.dropFirst()))
