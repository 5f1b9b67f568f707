import Foundation
import Testing
@testable import CascadiaRuntime

@Suite struct DetectionJSONWriterTests {
    func escapedWindowRecord() throws -> DetectionRecord {
        let clock = ManualDeadlineClock(startNanoseconds: 5_000_000_000)
        let script = try ScriptedExpertRunner(expertCount: 5, trace: [Fixture.row(Fixture.clear, [Fixture.d: Fixture.hazard])], clock: clock)
        let runner = try FaultInjectingRunner(base: script, clock: clock, faults: [FaultInjection(expert: Fixture.a, delayNanoseconds: Fixture.ms(30))])
        let executor = try Executor(schedule: Fixture.hazardSchedule(), runner: runner, clock: clock, thresholds: Fixture.thresholds)
        return executor.process(WindowInfo(index: 42, startNanoseconds: 3_000_000_000, completionNanoseconds: 5_000_000_000, label: 1))
    }

    @Test func lineIsValidJSONWithTheDocumentedFields() throws {
        let record = try escapedWindowRecord()
        let writer = DetectionJSONWriter(expertNames: Fixture.names, classNames: ["background", "vehicle", "foot\"steps"])
        let line = Array(writer.format(record))
        #expect(line.last == UInt8(ascii: "\n"))
        let object = try #require(try JSONSerialization.jsonObject(with: Data(line)) as? [String: Any])
        #expect(object["window"] as? Int == 42)
        #expect(object["start_ns"] as? Int == 3_000_000_000)
        #expect(object["decision"] as? String == "hazard")
        #expect(object["class"] as? String == "vehicle")
        #expect(object["confidence"] as? Double == 0.95)
        #expect(object["escape"] as? Bool == true)
        #expect(object["deadline_met"] as? Bool == true)
        #expect(object["budget_ms"] as? Double == 60)
        #expect(object["label"] as? String == "vehicle")
        #expect(object["k"] is NSNull)
        let experts = try #require(object["experts"] as? [[String: Any]])
        #expect(experts.map { $0["expert"] as? String } == ["A", "C", "D"])
        #expect(experts.map { $0["phase"] as? String } == ["stage", "escape", "escape"])
        #expect(experts.map { $0["answer"] as? String } == ["cancelled", "clear", "hazard"])
        #expect(experts[0]["ms"] as? Double == 26.266)
        #expect(experts[0]["class"] is NSNull)
        let stages = try #require(object["stages"] as? [[String: Any]])
        #expect(stages.map { $0["phase"] as? String } == ["stage", "escape"])
        #expect(stages[1]["ms"] as? Double == 24.141)
        #expect(object["total_ms"] as? Double == 50.407)
    }

    @Test func namesAreEscaped() {
        #expect(String(decoding: DetectionJSONWriter.quoted("a\"b\\c\n"), as: UTF8.self) == "\"a\\\"b\\\\c\\u000a\"")
    }

    @Test func writesWholeLinesToADescriptor() throws {
        let record = try escapedWindowRecord()
        let writer = DetectionJSONWriter(expertNames: Fixture.names, classNames: [])
        var fds: [Int32] = [0, 0]
        #expect(pipe(&fds) == 0)
        defer { close(fds[0]) }
        #expect(writer.write(record, to: fds[1]))
        close(fds[1])
        let data = FileHandle(fileDescriptor: fds[0]).readDataToEndOfFile()
        #expect(data == Data(writer.format(record)))
        // Without class names, classes print as indices.
        let object = try #require(try JSONSerialization.jsonObject(with: data) as? [String: Any])
        #expect(object["class"] as? Int == 1)
    }
}
