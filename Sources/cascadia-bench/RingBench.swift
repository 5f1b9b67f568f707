import CascadiaIO
import Foundation

/// `cascadia-bench ring [--samples N] [--block FRAMES] [--capacity FRAMES] [--channels C]`:
/// throughput of the SPSC ring buffer between two threads. The producer writes blocks of sequence
/// numbers (waiting, not dropping, when the ring is full); the consumer reads and checks them.
/// Prints samples per second across the two threads.
enum RingBench {
    static func run(_ arguments: [String]) throws {
        var samples = 1_000_000_000
        var block = 256
        var capacity = 1 << 16
        var channels = 1
        var i = 0
        while i < arguments.count {
            guard i + 1 < arguments.count, let value = Int(arguments[i + 1]), value > 0 else {
                throw RingBenchError(
                    "usage: cascadia-bench ring [--samples N] [--block FRAMES] [--capacity FRAMES] [--channels C]")
            }
            switch arguments[i] {
            case "--samples": samples = value
            case "--block": block = value
            case "--capacity": capacity = value
            case "--channels": channels = value
            default: throw RingBenchError("unknown option \(arguments[i])")
            }
            i += 2
        }
        guard capacity & (capacity - 1) == 0, block <= capacity else {
            throw RingBenchError("--capacity must be a power of two ≥ --block")
        }
        let ring = SPSCRingBuffer<Int32>(capacityFrames: capacity, channelCount: channels)
        let frames = samples / channels
        let blockFrames = block
        let start = SystemClock.monotonicNanoseconds()
        let producer = Thread {
            var next: Int32 = 0
            var done = 0
            while done < frames {
                let n = min(blockFrames, frames - done)
                guard let region = ring.acquireWrite(frames: n) else {
                    sched_yield()  // full: let the consumer run (the cores may be shared)
                    continue
                }
                for j in region.first.indices {
                    region.first[j] = next
                    next &+= 1
                }
                for j in region.second.indices {
                    region.second[j] = next
                    next &+= 1
                }
                ring.commitWrite(frames: n)
                done += n
            }
            ring.finish()
        }
        producer.start()
        var expected: Int32 = 0
        var errors = 0
        var received = 0
        loop: while true {
            switch ring.acquireRead(maxFrames: block * 4) {
            case .samples(let b):
                for x in b.first {
                    if x != expected { errors += 1 }
                    expected &+= 1
                }
                for x in b.second {
                    if x != expected { errors += 1 }
                    expected &+= 1
                }
                received += b.frames * channels
                ring.commitRead(frames: b.frames)
            case .gap: continue
            case .empty: sched_yield()
            case .finished: break loop
            }
        }
        let seconds = Double(SystemClock.monotonicNanoseconds() - start) / 1e9
        let c = ring.counters
        print(
            String(
                format:
                    "ring: %d samples, block %d frames × %d channels, capacity %d frames: %.1f M samples/s (%.2f s), high-water %d frames, %d sequence errors",
                received, block, channels, capacity, Double(received) / seconds / 1e6, seconds, c.highWaterFrames,
                errors))
        if errors > 0 || received != frames * channels { throw RingBenchError("lost or corrupted samples") }
    }
}

/// A benchmark's usage or result error.
struct RingBenchError: Error, CustomStringConvertible {
    let description: String
    init(_ description: String) { self.description = description }
}
