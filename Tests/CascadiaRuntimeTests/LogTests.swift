import Testing
@testable import CascadiaRuntime

#if canImport(Glibc)
import Glibc
#endif

@Suite struct LogTests {
    @Test func journalLinesCarrySyslogPriorityPrefixes() {
        let log = Log(threshold: .debug, journalPrefixes: true)
        #expect(log.format(.error, "cannot open hw:CARD=Device") == "<3>cannot open hw:CARD=Device\n")
        #expect(log.format(.warning, "x") == "<4>x\n")
        #expect(log.format(.info, "a\nb") == "<6>a b\n")
        #expect(Log.Priority.allCases.map(\.rawValue) == Array(0...7))
    }

    @Test func terminalLinesCarryWords() {
        let log = Log(threshold: .debug, journalPrefixes: false)
        #expect(log.format(.error, "bad") == "error: bad\n")
        #expect(log.format(.warning, "slow") == "warning: slow\n")
        #expect(log.format(.info, "ready") == "ready\n")
    }

    @Test func linesBelowTheThresholdAreDroppedAndOthersWrittenWhole() throws {
        var fds: [Int32] = [0, 0]
        #expect(pipe(&fds) == 0)
        defer { close(fds[0]) }
        let log = Log(threshold: .notice, journalPrefixes: true, fileDescriptor: fds[1])
        log.debug("not shown")
        log.info("not shown either")
        log.notice("ready")
        log.error("xrun on hw:0")
        close(fds[1])
        var bytes = [UInt8](repeating: 0, count: 256)
        var text = ""
        while true {
            let count = bytes.withUnsafeMutableBytes { read(fds[0], $0.baseAddress, $0.count) }
            if count <= 0 { break }
            text += String(decoding: bytes[0..<count], as: UTF8.self)
        }
        #expect(text == "<5>ready\n<3>xrun on hw:0\n")
    }
}
