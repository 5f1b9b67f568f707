import Testing
@testable import CascadiaRuntime

@Suite struct ExecutorOptionsTests {
    @Test func parsesExecutorOptionsAndKeepsTheRest() throws {
        let (options, rest) = try ExecutorOptions.parse([
            "rec/", "--k", "2", "--plan", "p.json", "--no-escape", "--inject-delay", "A:30:0.3",
            "--inject-delay", "C:5", "--seed", "9", "--summary", "json", "--fast",
        ])
        #expect(rest == ["rec/", "--plan", "p.json", "--fast"])
        #expect(options.skipBack == .fixed(2))
        #expect(!options.escapeEnabled)
        #expect(options.seed == 9 && options.summary == .json)
        #expect(try options.faults(expertNames: Fixture.names) == [
            FaultInjection(expert: 0, delayNanoseconds: 30_000_000, probability: 0.3),
            FaultInjection(expert: 2, delayNanoseconds: 5_000_000),
        ])
    }

    @Test func defaults() throws {
        let (options, rest) = try ExecutorOptions.parse([])
        #expect(rest.isEmpty && options == ExecutorOptions())
        #expect(options.escapeEnabled && options.skipBack == nil && options.summary == .text && options.seed == 1)
    }

    @Test(arguments: ["learned", "learned:2"])
    func learnedK(text: String) throws {
        let parsed = try ExecutorOptions.parseSkipBack(text)
        #expect(parsed == .learned(maxK: text == "learned" ? 64 : 2))
    }

    @Test(arguments: [["--k"], ["--k", "-1"], ["--k", "soon"], ["--seed", "x"], ["--summary", "xml"], ["--inject-delay"]])
    func rejectsBadValuesAsUsageErrors(arguments: [String]) {
        do {
            _ = try ExecutorOptions.parse(arguments)
            Issue.record("accepted \(arguments)")
        } catch {
            #expect(error.exitCode == .usage)
            #expect(error.description.hasPrefix(arguments[0]))
        }
    }

    @Test func unknownExpertInAFaultIsAUsageError() throws {
        let (options, _) = try ExecutorOptions.parse(["--inject-delay", "Q:1"])
        #expect(throws: ExecutorError.self) { try options.faults(expertNames: Fixture.names) }
    }
}
