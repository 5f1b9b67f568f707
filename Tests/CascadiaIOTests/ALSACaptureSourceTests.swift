import CascadiaCore
import Foundation
import Testing
@testable import CascadiaIO

/// Reads a stream until it finishes or `frames` frames arrived; gaps are returned separately.
/// Gives up (and the caller's expectations fail) after `limitSeconds` of wall time.
func drain(_ stream: SampleStream, frames wanted: Int = .max, limitSeconds: Double = 60)
    -> (samples: [Int32], gaps: [GapEvent], finished: Bool)
{
    var samples: [Int32] = []
    var gaps: [GapEvent] = []
    let ring = stream.ring
    let deadline = SystemClock.monotonicNanoseconds() + Int64(limitSeconds * 1e9)
    while samples.count / ring.channelCount < wanted {
        switch ring.acquireRead(maxFrames: 4096) {
        case .samples(let block):
            let take = min(block.frames, wanted - samples.count / ring.channelCount)
            for i in 0..<(take * ring.channelCount) { samples.append(block[i]) }
            ring.commitRead(frames: take)
        case .gap(let gap):
            gaps.append(gap)
        case .finished:
            return (samples, gaps, true)
        case .empty:
            if SystemClock.monotonicNanoseconds() > deadline { return (samples, gaps, false) }
            sched_yield()
        }
    }
    return (samples, gaps, false)
}

/// A capture device that replays a script of read results.
final class ScriptedPCM: PCMCaptureDevice, @unchecked Sendable {
    enum Step {
        case data([Int16])
        case error(Int32)  // a positive errno, returned negated by the read
        case waitTimeout  // snd_pcm_wait times out once
        case waitError(Int32)  // snd_pcm_wait reports an error (positive errno, returned negated)
    }
    /// When set, every wait times out: a device that stopped delivering.
    var stalled = false
    var script: [Step]
    let channels: Int
    var recovered: [Int32] = []
    var closed = false

    init(channels: Int, _ script: [Step]) {
        self.channels = channels
        self.script = script
    }

    func readInterleaved(_ buffer: UnsafeMutableRawPointer, frames: Int) -> Int {
        guard !script.isEmpty else { return -Int(EIO) }
        switch script.removeFirst() {
        case .data(let samples):
            precondition(samples.count / channels <= frames)
            samples.withUnsafeBytes { buffer.copyMemory(from: $0.baseAddress!, byteCount: $0.count) }
            return samples.count / channels
        case .error(let code):
            return -Int(code)
        case .waitTimeout, .waitError:
            preconditionFailure("read without a successful wait")
        }
    }

    /// Whether the fake stream runs: prepared at first and after each recovery, like ALSA.
    var running = false
    var starts = 0
    var waitedWhileStopped = false

    func startCapture() -> Int32 {
        if !running {
            running = true
            starts += 1
        }
        return 0
    }

    func waitReady(timeoutMilliseconds: Int32) -> Int32 {
        if stalled { return 0 }
        if !running { waitedWhileStopped = true }  // real ALSA would never become ready
        switch script.first {
        case .waitTimeout?:
            script.removeFirst()
            return 0
        case .waitError(let code)?:
            script.removeFirst()
            return -code
        default:
            return 1
        }
    }

    func recover(_ errorCode: Int32) -> Int32 {
        recovered.append(errorCode)
        running = false  // snd_pcm_recover leaves the stream prepared
        return 0
    }

    func availableFrames() -> Int { 0 }
    func close() { closed = true }
}

@Suite struct ALSACaptureSourceTests {
    @Test func readErrorsAreClassifiedInOnePlace() {
        #expect(ALSAReadOutcome.classify(128) == .frames(128))
        #expect(ALSAReadOutcome.classify(-Int(EINTR)) == .retry)
        #expect(ALSAReadOutcome.classify(-Int(EAGAIN)) == .retry)
        #expect(ALSAReadOutcome.classify(-Int(EPIPE)) == .xrun(EPIPE))
        #expect(ALSAReadOutcome.classify(-Int(ESTRPIPE)) == .xrun(ESTRPIPE))
        #expect(ALSAReadOutcome.classify(-Int(ENODEV)) == .fatal(ENODEV))
    }

    /// The real libasound reads a known raw file through a `type file` PCM (slave `null`, `infile`
    /// the file) defined in a private configuration; what arrives is bit-identical.
    @Test func capturesAKnownFileBitIdenticallyThroughLibasound() throws {
        let dir = try TemporaryDirectory()
        let frames = 20_000
        var rng = SplitMix64(seed: 7)
        let expected = (0..<(frames * 2)).map { _ in Int16(truncatingIfNeeded: rng.next()) }
        let raw = dir.path + "/in.raw"
        try expected.withUnsafeBytes { Data($0) }.write(to: URL(fileURLWithPath: raw))
        var options = ALSACaptureOptions()
        options.sampleRateHz = 8000
        options.channelCount = 2
        options.periodFrames = 256
        options.bufferFrames = 1024
        options.ringCapacityFrames = 32768
        options.configuration = """
            pcm.cascadia_test {
                type file
                slave.pcm { type null }
                file "/dev/null"
                infile "\(raw)"
                format "raw"
            }
            """
        let source = try ALSACaptureSource(deviceName: "cascadia_test", options: options)
        try source.open()
        #expect(source.hardwareParameters?.periodFrames == 256)
        try source.start()
        let got = drain(source.stream, frames: frames)
        source.stop()
        #expect(got.gaps.isEmpty)
        #expect(got.samples.count == expected.count)
        #expect(got.samples == expected.map { Int32($0) })
        // (Past the end of the file the plugin keeps delivering the null slave's frames, which may
        // fill the ring before stop(); only the file's frames are checked.)
        #expect(source.counters.xruns == 0)
        #expect(source.stream.timebase != nil)
        #expect(source.failure == nil)
    }

    @Test func aMissingDeviceIsAOneLineErrorListingCaptureDevices() throws {
        let source = try ALSACaptureSource(deviceName: "cascadia_no_such_pcm")
        do {
            try source.open()
            Issue.record("opened a device that does not exist")
        } catch let error as DeviceError {
            #expect(error.exitCode == .unavailable)
            #expect(error.available == ALSACaptureSource.captureDeviceNames())
            let text = error.description
            #expect(text.hasPrefix("alsa:cascadia_no_such_pcm: no such capture device ("))
            #expect(!text.contains("\n"))
            if error.available.isEmpty {
                #expect(text.hasSuffix("; no capture devices found"))
            } else {
                #expect(text.contains("; available capture devices: " + error.available.joined(separator: ", ")))
            }
        }
    }

    @Test func impossibleOptionsAreAConfigError() {
        var options = ALSACaptureOptions()
        options.channelCount = 0
        #expect(throws: IOError.self) { try ALSACaptureSource(deviceName: "default", options: options) }
        options = ALSACaptureOptions()
        options.sampleRateHz = 1_000_000_000  // would need a 32 GB ring
        #expect(throws: IOError.self) { try ALSACaptureSource(deviceName: "default", options: options) }
    }

    /// -EPIPE and -ESTRPIPE (from a read or from snd_pcm_wait) are recovered with snd_pcm_recover,
    /// counted and marked as gaps; frames around them arrive intact and in order; -EINTR and wait
    /// timeouts are retried; a fatal error ends the stream without exiting.
    @Test(arguments: [EPIPE, ESTRPIPE])
    func xrunsAreRecoveredCountedAndMarkedAsGaps(code: Int32) throws {
        let pcm = ScriptedPCM(
            channels: 1,
            [
                .data([1, 2, 3, 4]), .waitTimeout, .error(EINTR), .error(code), .error(code), .data([5, 6]),
                .waitError(code),
                .data([7]), .error(EIO),
            ])
        var options = ALSACaptureOptions()
        options.periodFrames = 4
        let source = try ALSACaptureSource(deviceName: "fake", options: options, device: pcm)
        try source.start()
        let got = drain(source.stream)
        source.stop()
        #expect(got.finished)
        #expect(got.samples == [1, 2, 3, 4, 5, 6, 7])
        #expect(got.gaps.count == 2)
        #expect(
            got.gaps.map(\.cause) == [.xrun, .xrun] && got.gaps.map(\.startFrame) == [4, 6 + got.gaps[0].lengthFrames])
        #expect(pcm.recovered == [code, code, code])
        #expect(pcm.starts == 4 && !pcm.waitedWhileStopped)  // started at first and after each recovery
        // Two xruns in a row are two xruns but one gap.
        #expect(source.counters.xruns == 3 && source.counters.gaps == 2)
        #expect(source.failure?.description.hasPrefix("alsa:fake: capture failed: ") == true)
        #expect(pcm.closed)
    }
}

extension ALSACaptureSourceTests {
    /// A device that stops delivering (every wait times out) does not keep stop() from returning.
    @Test func stopEndsCaptureEvenWhenTheDeviceStalls() throws {
        let pcm = ScriptedPCM(channels: 1, [])
        pcm.stalled = true
        let source = try ALSACaptureSource(deviceName: "stalled", options: ALSACaptureOptions(), device: pcm)
        try source.start()
        source.stop()  // returns within one 100 ms wait
        #expect(pcm.closed)
        if case .finished = source.stream.ring.acquireRead(maxFrames: 1) {} else { Issue.record("ring not finished") }
    }
}

/// A fresh directory under the system temporary directory, removed on deinit.
final class TemporaryDirectory {
    let path: String
    init() throws {
        var template = Array((NSTemporaryDirectory() + "/cascadia-io-XXXXXX").utf8CString)
        guard let made = mkdtemp(&template) else { throw IOError.system("mkdtemp", "failed") }
        path = String(cString: made)
    }
    deinit { try? FileManager.default.removeItem(atPath: path) }
}
