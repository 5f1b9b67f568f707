// Thin wrappers over libgpiod v1.6 (gpiod_chip_*, gpiod_line_*). Every gpiod call in Cascadia is
// in this file.
import CGPIOD
import Foundation

/// A GPIO line requested for falling-edge events through libgpiod v1.6.
///
/// `gpiod_chip_open_by_name` → `gpiod_chip_get_line` → `gpiod_line_request_falling_edge_events_flags`
/// (pull-up bias; plain `gpiod_line_request_falling_edge_events` on kernels without bias support);
/// waiting polls the line's event fd (`gpiod_line_event_get_fd`) together with a wake pipe and
/// reads with `gpiod_line_event_read_multiple`. One thread waits; `interrupt()` from any thread.
public final class LibgpiodEdgeLine: GPIOEdgeLine, @unchecked Sendable {
    public let name: String
    private let chip: OpaquePointer
    private let line: OpaquePointer
    private let lineFD: Int32
    private let wakeRead: Int32
    private let wakeWrite: Int32
    private let cEvents: UnsafeMutablePointer<gpiod_line_event>
    private let capacity = GPIOEdgeEvent.kernelQueueCapacity

    /// Opens `chipName` (`gpiochip0`) and requests line `offset` for falling edges as `consumer`.
    /// A missing chip, an offset beyond the chip or a busy line → DeviceError (exit 69).
    public init(chipName: String, offset: UInt32, consumer: String = "cascadia") throws(DeviceError) {
        name = "\(chipName):\(offset)"
        guard let chip = gpiod_chip_open_by_name(chipName) else {
            let reason = "cannot open /dev/\(chipName): " + String(cString: strerror(errno))
            throw DeviceError(device: name, reason: reason, available: LinuxDeviceFile.present(prefix: "gpiochip"))
        }
        let lines = gpiod_chip_num_lines(chip)
        guard offset < lines, let line = gpiod_chip_get_line(chip, offset) else {
            gpiod_chip_close(chip)
            throw DeviceError(
                device: name, reason: "no line \(offset) on \(chipName) (it has \(lines) lines: 0-\(Int(lines) - 1))")
        }
        // Internal pull-up: ADS1115 ALERT/RDY is open-drain; ADS1256 DRDY (push-pull) ignores it.
        // Kernels without bias support (< 5.5) refuse the flag; then request without it.
        var requested = gpiod_line_request_falling_edge_events_flags(
            line, consumer, Int32(GPIOD_LINE_REQUEST_FLAG_BIAS_PULL_UP))
        if requested != 0 && errno != EBUSY { requested = gpiod_line_request_falling_edge_events(line, consumer) }
        if requested != 0 {
            let code = errno
            var reason = "cannot request falling-edge events: " + String(cString: strerror(code))
            if code == EBUSY, let user = gpiod_line_consumer(line) { reason += " (held by \(String(cString: user)))" }
            gpiod_chip_close(chip)
            throw DeviceError(device: name, reason: reason)
        }
        let wake: (read: Int32, write: Int32)
        do throws(DeviceError) {
            wake = try LinuxDeviceFile.makeWakePipe(for: name)
        } catch {
            gpiod_line_release(line)
            gpiod_chip_close(chip)
            throw error
        }
        self.chip = chip
        self.line = line
        self.lineFD = gpiod_line_event_get_fd(line)
        self.wakeRead = wake.read
        self.wakeWrite = wake.write
        self.cEvents = .allocate(capacity: capacity)
    }

    deinit {
        gpiod_line_release(line)
        gpiod_chip_close(chip)
        Glibc.close(wakeRead)
        Glibc.close(wakeWrite)
        cEvents.deallocate()
    }

    /// - Note: Real-time safe.
    public func waitForEvents(
        into buffer: UnsafeMutableBufferPointer<GPIOEdgeEvent>, timeoutMilliseconds: Int32
    ) throws(DeviceError) -> Int {
        let outcome = try LinuxDeviceFile.waitReadable(
            lineFD, wake: wakeRead, timeoutMilliseconds: timeoutMilliseconds, device: name)
        guard outcome == .readable else { return 0 }
        let wanted = UInt32(min(buffer.count, capacity))
        let got = gpiod_line_event_read_multiple(line, cEvents, wanted)
        if got < 0 {
            if errno == EINTR || errno == EAGAIN { return 0 }
            throw DeviceError(
                device: name, reason: "gpiod_line_event_read_multiple failed: " + String(cString: strerror(errno)))
        }
        for index in 0..<Int(got) {
            let event = cEvents[index]
            buffer[index] = GPIOEdgeEvent(
                timestampNanoseconds: Int64(event.ts.tv_sec) * 1_000_000_000 + Int64(event.ts.tv_nsec),
                isRising: event.event_type == Int32(GPIOD_LINE_EVENT_RISING_EDGE))
        }
        return Int(got)
    }

    public func interrupt() { LinuxDeviceFile.wake(wakeWrite) }
}

/// Read-only look at a GPIO line through libgpiod v1.6, for `cascadia boards check`.
enum LibgpiodProbe {
    /// Whether `chipName` exists and has line `offset`, with the chip label and the line's user.
    /// The line is not requested.
    static func describeLine(chipName: String, offset: UInt32) -> (present: Bool, detail: String) {
        guard let chip = gpiod_chip_open_by_name(chipName) else {
            let chips = LinuxDeviceFile.present(prefix: "gpiochip")
            let known = chips.isEmpty ? "no gpiochips" : "gpiochips: " + chips.joined(separator: ", ")
            return (false, "cannot open /dev/\(chipName): \(String(cString: strerror(errno))) (\(known))")
        }
        defer { gpiod_chip_close(chip) }
        let label = gpiod_chip_label(chip).map { String(cString: $0) } ?? "?"
        let lines = gpiod_chip_num_lines(chip)
        guard offset < lines, let line = gpiod_chip_get_line(chip, offset) else {
            return (false, "\(chipName) [\(label)] has \(lines) lines; no line \(offset)")
        }
        let lineName = gpiod_line_name(line).map { String(cString: $0) } ?? "unnamed"
        if gpiod_line_is_used(line) {
            let user = gpiod_line_consumer(line).map { String(cString: $0) } ?? "the kernel"
            return (false, "\(chipName) [\(label)] line \(offset) '\(lineName)' is in use by \(user)")
        }
        return (true, "\(chipName) [\(label)] line \(offset) '\(lineName)', free")
    }
}
