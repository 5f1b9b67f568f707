import Dispatch
import Foundation
import Synchronization
import Testing
@testable import CascadiaRuntime

#if canImport(Glibc)
import Glibc
#endif

/// A system that refuses with fixed errno values and records what was asked.
final class RefusingSystem: RealTimeSystem {
    let calls = Mutex<[String]>([])
    let schedulerErrno: Int32, affinityErrno: Int32, lockErrno: Int32
    init(scheduler: Int32 = 0, affinity: Int32 = 0, lock: Int32 = 0) {
        schedulerErrno = scheduler
        affinityErrno = affinity
        lockErrno = lock
    }
    func setCurrentThreadFIFO(priority: Int32) -> Int32 {
        calls.withLock { $0.append("fifo \(priority)") }
        return schedulerErrno
    }
    func setCurrentThreadAffinity(cpus: [Int]) -> Int32 {
        calls.withLock { $0.append("affinity \(cpus)") }
        return affinityErrno
    }
    func lockAllMemory() -> Int32 {
        calls.withLock { $0.append("mlockall") }
        return lockErrno
    }
    func setCurrentThreadName(_ name: String) -> Int32 {
        calls.withLock { $0.append("name \(name)") }
        return 0
    }
}

/// Runs `body` on a fresh thread (so scheduling changes die with it) and returns its result.
func onThrowawayThread<T: Sendable>(_ body: @escaping @Sendable () -> T) -> T {
    let result = Mutex<T?>(nil)
    let done = DispatchSemaphore(value: 0)
    let thread = Thread {
        result.withLock { $0 = body() }
        done.signal()
    }
    thread.start()
    done.wait()
    return result.withLock { $0! }
}

@Suite struct RealTimeTests {
    @Test func defaultsChangeNothing() {
        let system = RefusingSystem(scheduler: EPERM, affinity: EINVAL, lock: ENOMEM)
        #expect(RealTime.applyToProcess(RealTimeOptions(), system: system) == [])
        #expect(RealTime.applyToCurrentThread(name: "processing", RealTimeOptions(), system: system) == [])
        #expect(system.calls.withLock { $0 } == ["name processing"])
    }

    @Test func refusalsAreWarningsWithRemedies() {
        let system = RefusingSystem(scheduler: EPERM, affinity: EINVAL, lock: ENOMEM)
        let options = RealTimeOptions(fifoPriority: 80, cpuAffinity: [2, 3], lockMemory: true, prefaultStackBytes: 64 * 1024)
        let process = RealTime.applyToProcess(options, system: system)
        #expect(process.map(\.description) == [
            "mlockall(MCL_CURRENT|MCL_FUTURE) not applied (ENOMEM): set LimitMEMLOCK=infinity in the unit (or ulimit -l unlimited); continuing without it"
        ])
        let thread = RealTime.applyToCurrentThread(name: "processing", options, system: system)
        #expect(thread.count == 2)
        #expect(thread[0].setting == "thread 'processing': CPU affinity {2,3}")
        #expect(thread[0].errorNumber == EINVAL)
        #expect(thread[1].description
            == "thread 'processing': SCHED_FIFO priority 80 not applied (EPERM): set LimitRTPRIO=80 or higher and RestrictRealtime=false in the unit; continuing without it")
        #expect(system.calls.withLock { $0 } == ["mlockall", "name processing", "affinity [2, 3]", "fifo 80"])
    }

    @Test func validationNamesTheField() {
        #expect(throws: RealTimeError(field: "boards/rpi5.json: threads.capture", problem: "SCHED_FIFO priority 0 is outside 1…99")) {
            try RealTimeOptions(fifoPriority: 0).validate(field: "boards/rpi5.json: threads.capture")
        }
        #expect(throws: RealTimeError.self) { try RealTimeOptions(cpuAffinity: [-1]).validate(field: "f") }
        #expect(throws: RealTimeError.self) { try RealTimeOptions(prefaultStackBytes: 64 << 20).validate(field: "f") }
        #expect((try? RealTimeOptions(fifoPriority: 99, cpuAffinity: [0, 3], prefaultStackBytes: 1 << 20).validate(field: "f")) != nil)
        #expect(RealTimeError(field: "f", problem: "p").exitCode == .config)
    }

    /// The first CPU this process may use, from /proc/self/status.
    func firstAllowedCPU() throws -> Int {
        let status = try String(contentsOfFile: "/proc/self/status", encoding: .utf8)
        let line = try #require(status.split(separator: "\n").first { $0.hasPrefix("Cpus_allowed_list:") })
        let list = line.split(separator: ":")[1].trimmingCharacters(in: .whitespaces)
        return try #require(Int(list.prefix { $0.isNumber }))
    }

    @Test func realAffinityToAnAllowedCPUApplies() throws {
        let cpu = try firstAllowedCPU()
        let warnings = onThrowawayThread {
            RealTime.applyToCurrentThread(name: "rt-test", RealTimeOptions(cpuAffinity: [cpu], prefaultStackBytes: 256 * 1024))
        }
        #expect(warnings == [])
        let name = onThrowawayThread { () -> String in
            _ = LinuxRealTimeSystem().setCurrentThreadName("cascadia-capture-long-name")
            let comm = try? String(contentsOfFile: "/proc/thread-self/comm", encoding: .utf8)
            return (comm ?? "").trimmingCharacters(in: .newlines)
        }
        #expect(name == "cascadia-captur")  // the kernel keeps 15 bytes
    }

    @Test func realAffinityToAnAbsentCPUIsAWarning() {
        let warnings = onThrowawayThread {
            RealTime.applyToCurrentThread(name: "rt-test", RealTimeOptions(cpuAffinity: [RealTime.maximumCPUs - 1]))
        }
        #expect(warnings.map(\.errorNumber) == [EINVAL])
    }

    @Test func realFIFORequestEitherAppliesOrWarnsWithEPERM() {
        let (warnings, policy) = onThrowawayThread { () -> ([RealTimeWarning], Int32) in
            let warnings = RealTime.applyToCurrentThread(name: "rt-test", RealTimeOptions(fifoPriority: 1))
            var parameters = sched_param()
            var policy: Int32 = -1
            pthread_getschedparam(pthread_self(), &policy, &parameters)
            return (warnings, policy)
        }
        if warnings.isEmpty {
            #expect(policy == SCHED_FIFO)
        } else {
            #expect(warnings.map(\.errorNumber) == [EPERM])
            #expect(policy == SCHED_OTHER)
        }
    }

    @Test func errnoNames() {
        #expect(RealTime.errnoName(EPERM) == "EPERM")
        #expect(RealTime.errnoName(ENOMEM) == "ENOMEM")
        #expect(RealTime.errnoName(9999) == "errno 9999")
    }
}
