/// One edge event from a GPIO line (a `struct gpiod_line_event`).
public struct GPIOEdgeEvent: Sendable, Equatable {
    /// When the kernel saw the edge, in nanoseconds on CLOCK_MONOTONIC (Linux ≥ 5.7 stamps
    /// line events with the monotonic clock).
    public var timestampNanoseconds: Int64
    /// True for a rising edge, false for a falling one.
    public var isRising: Bool

    public init(timestampNanoseconds: Int64, isRising: Bool = false) {
        self.timestampNanoseconds = timestampNanoseconds
        self.isRising = isRising
    }

    /// Line events the kernel queues per requested line before it drops new ones
    /// (the GPIO character device's kfifo of 16 entries).
    public static let kernelQueueCapacity = 16
}

/// A GPIO input line requested for edge events — an ADC's data-ready (DRDY, ALERT/RDY) pin.
///
/// The real implementation is `LibgpiodEdgeLine` (libgpiod v1.6); tests use a fake. One thread
/// waits on a line; `interrupt()` may be called from any other thread.
public protocol GPIOEdgeLine: AnyObject {
    /// The line as the user named it: `gpiochip0:17`.
    var name: String { get }

    /// Waits up to `timeoutMilliseconds` (0 = poll, no wait) for events, then reads as many queued
    /// events as fit in `buffer`. Returns the count; 0 on timeout or after `interrupt()`.
    ///
    /// - Note: Real-time safe (poll(2) and read(2) into the caller's buffer).
    func waitForEvents(
        into buffer: UnsafeMutableBufferPointer<GPIOEdgeEvent>, timeoutMilliseconds: Int32
    ) throws(DeviceError) -> Int

    /// Wakes a thread blocked in `waitForEvents` (it returns 0). Safe from any thread.
    func interrupt()
}

/// Accounts for data-ready edges: which conversion a read returns, and how many were lost.
///
/// An ADC that signals "conversion ready" on a GPIO keeps converting whether or not we read it;
/// its data register holds only the latest result. The kernel queues at most 16 edge events per
/// line and drops newer ones when the queue is full, so after a stall the events we read are old.
/// The tracker therefore works from event timestamps, not event counts:
///
/// * `P` is the conversion period, starting at the nominal one and following the ADC's real clock
///   (each event interval within ½P…1½P moves P by 1/16 of the difference, bounded to ±15 % of
///   nominal — the ADS1115's oscillator is only ±10 %).
/// * The conversion our read will return is `c = e_last + ⌊(now − e_last) / P⌋ · P`, where
///   `e_last` is the newest falling edge read: if we woke late, later conversions have already
///   replaced that one.
/// * `n = round((c − c_prev) / P)` conversions happened since the last read conversion `c_prev`;
///   `n ≤ 0` means the data was already read (its event was still queued), so nothing is read;
///   otherwise the read is sample `c` and the `n − 1` conversions before it are lost (a gap).
/// * Edges the kernel dropped: the intervals between consecutive events, divided by `P`, imply
///   `round(Δ / P)` edges each; whatever exceeds the events actually delivered was lost. A batch
///   of 16 events (a full queue) also counts as a queue overflow.
///
/// - Note: Real-time safe (no allocation, integer arithmetic only).
public struct DataReadyTracker: Sendable {
    /// What to do after a batch of events.
    public struct Decision: Equatable, Sendable {
        /// Read the ADC now: its data register holds a conversion not read before.
        public var read: Bool
        /// CLOCK_MONOTONIC time of the conversion the read returns.
        public var conversionNanoseconds: Int64
        /// Conversions lost just before this one (a gap of this many frames).
        public var lostConversions: UInt64
    }

    /// The nominal conversion period in nanoseconds.
    public let nominalPeriodNanoseconds: Int64
    /// The tracked conversion period in nanoseconds.
    public private(set) var periodNanoseconds: Int64
    /// Edges implied by timestamps but never delivered (kernel queue overflow).
    public private(set) var lostEdges: UInt64 = 0
    /// Conversions never read (each also part of a reported gap).
    public private(set) var lostConversions: UInt64 = 0
    /// Batches that filled the kernel queue (16 events): evidence of overflow.
    public private(set) var queueOverflows: UInt64 = 0
    /// Falling edges delivered.
    public private(set) var edges: UInt64 = 0
    /// Conversions read.
    public private(set) var conversionsRead: UInt64 = 0

    private var lastEdgeNanoseconds: Int64?
    private var lastConversionNanoseconds: Int64?

    public init(nominalPeriodNanoseconds: Int64) {
        precondition(nominalPeriodNanoseconds > 0, "conversion period must be positive")
        self.nominalPeriodNanoseconds = nominalPeriodNanoseconds
        self.periodNanoseconds = nominalPeriodNanoseconds
    }

    /// `round(numerator / denominator)` for a positive denominator, halves away from zero.
    @inline(__always)
    static func roundedQuotient(_ numerator: Int64, _ denominator: Int64) -> Int64 {
        numerator >= 0 ? (numerator + denominator / 2) / denominator : -((-numerator + denominator / 2) / denominator)
    }

    /// Accounts for one batch of events read at `nowNanoseconds` (CLOCK_MONOTONIC).
    ///
    /// - Note: Real-time safe.
    public mutating func account(
        _ events: UnsafeBufferPointer<GPIOEdgeEvent>, nowNanoseconds: Int64
    ) -> Decision {
        var newest: Int64? = nil
        var delivered: Int64 = 0
        var implied: Int64 = 0
        for event in events where !event.isRising {
            delivered += 1
            if let previous = lastEdgeNanoseconds {
                let delta = event.timestampNanoseconds - previous
                let period = periodNanoseconds
                if delta > period / 2 && delta < period + period / 2 {
                    var updated = period + (delta - period) / 16
                    let bound = nominalPeriodNanoseconds * 15 / 100
                    updated = min(max(updated, nominalPeriodNanoseconds - bound), nominalPeriodNanoseconds + bound)
                    periodNanoseconds = updated
                }
                implied += max(1, Self.roundedQuotient(delta, periodNanoseconds))
            } else {
                implied += 1
            }
            lastEdgeNanoseconds = event.timestampNanoseconds
            newest = event.timestampNanoseconds
        }
        if events.count >= GPIOEdgeEvent.kernelQueueCapacity { queueOverflows += 1 }
        edges += UInt64(delivered)
        if implied > delivered { lostEdges += UInt64(implied - delivered) }
        guard let newestEdge = newest else {
            return Decision(read: false, conversionNanoseconds: lastConversionNanoseconds ?? 0, lostConversions: 0)
        }
        let period = periodNanoseconds
        let late = max(0, nowNanoseconds - newestEdge)
        let conversion = newestEdge + (late / period) * period
        var lost: Int64 = 0
        if let previous = lastConversionNanoseconds {
            let count = Self.roundedQuotient(conversion - previous, period)
            if count <= 0 {
                return Decision(read: false, conversionNanoseconds: previous, lostConversions: 0)
            }
            lost = count - 1
        }
        lastConversionNanoseconds = conversion
        lostConversions += UInt64(lost)
        conversionsRead += 1
        return Decision(read: true, conversionNanoseconds: conversion, lostConversions: UInt64(lost))
    }
}
