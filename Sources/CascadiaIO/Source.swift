/// A live or replayed stream of samples (ALSA, ADC, Raspberry Shake, file replay).
///
/// Life cycle: `init` validates the configuration; `open()` acquires the device or file and fixes
/// the `stream`'s description (it throws `DeviceError` (69) or `IOError` (65/78)); `start()` starts a
/// dedicated reading thread that is the single producer of `stream.ring`; `stop()` asks that thread to
/// end, joins it and calls `ring.finish()`. A source that runs out of data (a replay at end of file)
/// finishes its ring by itself. `stop()` is idempotent and safe before `start()`.
///
/// The reading thread never blocks on the consumer: when the ring is full it drops and counts (see
/// `SPSCRingBuffer`); device losses become gap events via `SampleStream.recordXrun`.
public protocol Source: AnyObject, Sendable {
    /// The spec it was built from, e.g. `alsa:default` or `file:/data/site1.flac`.
    var name: String { get }
    /// The stream the reading thread fills. Its description is fixed once `open()` returned.
    var stream: SampleStream { get }
    /// Acquires the device or file and checks it delivers `stream.description`.
    func open() throws
    /// Starts the reading thread. Requires a successful `open()`.
    func start() throws
    /// Stops the reading thread, joins it and finishes the ring.
    func stop()
}

extension Source {
    /// The stream's counters (overruns, xruns, dropped samples, gaps with their last timestamp).
    public var counters: SourceCounters { stream.counters }
    public var streamDescription: StreamDescription { stream.description }
}
