import Foundation
import Synchronization
import Testing
@testable import CascadiaIO

/// The capture-thread hook runs on the source's own reading thread, before its loop.
@Suite(.serialized) struct CaptureThreadSetupTests {
    @Test func hookRunsOnTheReadingThreadOfEverySourceStarted() throws {
        let dir = try TemporaryDirectory()
        let path = dir.path + "/hook.wav"
        try TestRecordings.writeSound(path, .wav, rateHz: 8000, channels: 1, samples: TestRecordings.randomPCM16(frames: 800, channels: 1, seed: 1))
        let calls = Mutex<[(name: String, thread: pthread_t)]>([])
        CaptureThreadSetup.install { name in calls.withLock { $0.append((name, pthread_self())) } }
        defer { CaptureThreadSetup.install(nil) }
        let source = try ReplaySource(path: path)
        try source.open()
        try source.start()
        _ = drain(source.stream)
        source.stop()
        let mine = calls.withLock { $0.filter { $0.name == source.name } }
        #expect(mine.count == 1)
        #expect(mine.first.map { pthread_equal($0.thread, pthread_self()) == 0 } == true, "not the starting thread")
        // Removed: later sources run no hook.
        CaptureThreadSetup.install(nil)
        let again = try ReplaySource(path: path)
        try again.open()
        try again.start()
        _ = drain(again.stream)
        again.stop()
        #expect(calls.withLock { $0.filter { $0.name == source.name }.count } == 1)
    }
}
