import Testing
@testable import CascadiaRuntime

@Suite struct FaultInjectionTests {
    @Test func parsesNamesIndicesAndProbabilities() throws {
        #expect(try FaultInjection.parse("C:12.5", expertNames: Fixture.names) == FaultInjection(expert: 2, delayNanoseconds: 12_500_000))
        #expect(try FaultInjection.parse("4:3:0.25", expertNames: Fixture.names) == FaultInjection(expert: 4, delayNanoseconds: 3_000_000, probability: 0.25))
    }

    @Test(arguments: ["C", "Z:5", "C:-1", "C:x", "C:5:0", "C:5:1.5", "C:5:0.5:1", "9:5"])
    func rejectsMalformedSpecs(spec: String) {
        #expect(throws: ExecutorError.self) { try FaultInjection.parse(spec, expertNames: Fixture.names) }
        let error = try? FaultInjection.parse(spec, expertNames: Fixture.names)
        #expect(error == nil)
    }

    @Test func errorNamesTheOptionAndMapsToUsage() {
        do {
            _ = try FaultInjection.parse("Z:5", expertNames: Fixture.names)
            Issue.record("no error")
        } catch {
            #expect(error.exitCode == .usage)
            #expect(error.description.contains("--inject-delay 'Z:5'"))
        }
    }

    @Test func splitMixIsDeterministicAndUniformEnough() {
        var a = SplitMix64(seed: 42)
        var b = SplitMix64(seed: 42)
        #expect((0..<5).map { _ in a.next() } == (0..<5).map { _ in b.next() })
        // Reference value: first output of SplitMix64 seeded with 0.
        var zero = SplitMix64(seed: 0)
        #expect(zero.next() == 0xE220_A839_7B1D_CDAF)
        var r = SplitMix64(seed: 7)
        let hits = (0..<10_000).filter { _ in r.nextUnit() < 0.3 }.count
        #expect(hits > 2800 && hits < 3200)
    }

    @Test func delayAdvancesTheManualClockAndHonoursCancellation() throws {
        let clock = ManualDeadlineClock()
        let script = try ScriptedExpertRunner(expertCount: 5, trace: [Fixture.row()], clock: clock)
        let runner = try FaultInjectingRunner(base: script, clock: clock, faults: [FaultInjection(expert: 0, delayNanoseconds: 7_000_000)])
        let window = Fixture.window(0, completionNanoseconds: 0)
        #expect(runner.run(expert: 0, window: window, cancelAtNanoseconds: .max) == Fixture.clear)
        #expect(clock.nowNanoseconds() == 7_000_000 + Fixture.tcet[0])
        let before = clock.nowNanoseconds()
        #expect(runner.run(expert: 0, window: window, cancelAtNanoseconds: before + 5_000_000).cancelled)
        #expect(clock.nowNanoseconds() == before + 5_000_000)
        // Other experts are untouched.
        #expect(runner.run(expert: 1, window: window, cancelAtNanoseconds: .max) == Fixture.clear)
        #expect(runner.injected == [2, 0, 0, 0, 0])
        #expect(throws: ExecutorError.self) {
            try FaultInjectingRunner(base: script, clock: clock, faults: [FaultInjection(expert: 5, delayNanoseconds: 1)])
        }
    }
}
