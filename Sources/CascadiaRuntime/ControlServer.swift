import Foundation
import Synchronization

#if canImport(Glibc)
import Glibc
#endif

/// The control socket of a running node: a UNIX stream socket speaking line-delimited JSON
/// (`ControlRequest` / `ControlReply`), served by one thread with `poll(2)`.
///
/// * The socket file is created mode 0660 (group `cascadia` when that group exists), so
///   operators in that group can use `cascadia ctl`; a stale socket file is replaced, a
///   live one (another instance answering) is an error.
/// * A request longer than `maximumRequestBytes` gets a `too-large` error reply and the rest
///   of its line is skipped; a malformed one gets a `malformed` reply. Neither reaches the
///   `ControlTarget`, and neither closes the connection.
/// * Subscribers get window events through a bounded queue; a slow subscriber loses events
///   (and is told how many) instead of holding the pipeline or the other clients back.
///   A client that disconnects (even mid-subscribe) is dropped without disturbing anyone.
///
/// Threading: `start`/`stop` from the service group's thread; the target is called only
/// from the server thread; the window handler given to the target only appends to a queue
/// under a short lock and writes one byte to a pipe.
public final class ControlServer: Service, @unchecked Sendable {
    public let name = "control socket"
    /// The socket path (`/run/cascadia/control.sock` by default).
    public let path: String
    public let maximumRequestBytes: Int
    public let maximumClients: Int
    /// Unsent bytes a client may accumulate before its events are dropped.
    public let maximumPendingBytes: Int

    /// The default socket path.
    public static let defaultPath = "/run/cascadia/control.sock"

    /// Counters for logs and tests.
    public struct Counters: Sendable, Equatable {
        public var clients = 0
        public var subscribers = 0
        public var requests = 0
        public var errorReplies = 0
        /// Window events queued to subscribers (one per subscriber per window).
        public var eventsDelivered = 0
        /// Window events a slow subscriber lost.
        public var eventsDropped = 0
        /// Times reading from a client paused because its unsent replies reached the limit.
        public var readPauses = 0
        /// The most unsent bytes any client had.
        public var largestPendingBytes = 0
    }

    private let target: any ControlTarget
    private let log: Log
    private let groupName: String?
    private let countersLock = NSCondition()
    private var counters = Counters()
    private let subscriberCount = Atomic<Int>(0)
    private let queuedEvents = Mutex<(lines: [String], overflow: Int)>(([], 0))
    /// Replies produced off the server thread (tuning results), by client serial number.
    private let lateReplies = Mutex<[(client: UInt64, reply: ControlReply)]>([])
    private var nextSerial: UInt64 = 0
    private let maximumQueuedEvents = 4096
    private let stopRequested = Atomic<Bool>(false)
    private let finished = DispatchSemaphore(value: 0)

    // Owned by the server thread once started.
    private var listenFD: Int32 = -1
    private var wakeRead: Int32 = -1
    private var wakeWrite: Int32 = -1
    private var clients: [Int32: Client] = [:]
    private var largestPendingSeen = 0
    private var subscription: (any ControlSubscription)?
    private var thread: Thread?

    private final class Client {
        let fd: Int32
        var serial: UInt64 = 0
        var inbound: [UInt8] = []
        var skippingOversized = false
        var outbound: [UInt8] = []
        var subscribed = false
        var dropped = 0
        var closing = false
        var readingPaused = false
        init(fd: Int32) { self.fd = fd }
    }

    /// - Parameters:
    ///   - groupName: group given to the socket file when it exists (`cascadia`); nil keeps
    ///     the creating process's group.
    public init(
        path: String = ControlServer.defaultPath, target: any ControlTarget, log: Log,
        groupName: String? = "cascadia", maximumRequestBytes: Int = 4096, maximumClients: Int = 16,
        maximumPendingBytes: Int = 256 * 1024
    ) {
        self.path = path
        self.target = target
        self.log = log
        self.groupName = groupName
        self.maximumRequestBytes = maximumRequestBytes
        self.maximumClients = maximumClients
        self.maximumPendingBytes = maximumPendingBytes
    }

    // MARK: Service

    public func start() throws {
        listenFD = try Self.listen(path: path, groupName: groupName)
        stopRequested.store(false, ordering: .releasing)
        var fds: [Int32] = [0, 0]
        guard pipe(&fds) == 0 else {
            close(listenFD)
            throw ControlError(.socket, path: path, "pipe: \(String(cString: strerror(errno)))")
        }
        wakeRead = fds[0]
        wakeWrite = fds[1]
        for fd in [wakeRead, wakeWrite] { Self.setNonBlocking(fd) }
        subscription = target.subscribeWindows { [weak self] record in self?.publish(record) }
        let thread = Thread { [self] in serve() }
        thread.name = "cascadia-ctl"
        self.thread = thread
        thread.start()
        log.info("control socket listening on \(path)")
    }

    public func stop() {
        subscription?.cancel()
        subscription = nil
        stopRequested.store(true, ordering: .releasing)
        wake()
        if thread != nil { finished.wait() }
        thread = nil
        for fd in clients.keys { close(fd) }
        clients.removeAll()
        // Only a server that bound the path removes it (never another instance's socket).
        if listenFD >= 0 { unlink(path) }
        for fd in [listenFD, wakeRead, wakeWrite] where fd >= 0 { close(fd) }
        listenFD = -1
        wakeRead = -1
        wakeWrite = -1
        updateCounters { $0.clients = 0; $0.subscribers = 0 }
        subscriberCount.store(0, ordering: .relaxed)
    }

    // MARK: Counters

    /// A snapshot of the counters.
    public var currentCounters: Counters {
        countersLock.lock()
        defer { countersLock.unlock() }
        return counters
    }

    /// Waits (on a condition variable, not by sleeping) until `predicate` holds or
    /// `timeoutSeconds` pass; returns whether it holds.
    public func waitUntil(timeoutSeconds: Double = 10, _ predicate: (Counters) -> Bool) -> Bool {
        let deadline = Date(timeIntervalSinceNow: timeoutSeconds)
        countersLock.lock()
        defer { countersLock.unlock() }
        while !predicate(counters) {
            if !countersLock.wait(until: deadline) { return predicate(counters) }
        }
        return true
    }

    private func updateCounters(_ change: (inout Counters) -> Void) {
        countersLock.lock()
        change(&counters)
        countersLock.broadcast()
        countersLock.unlock()
    }

    // MARK: Events from the pipeline

    /// Queues one window record for the subscribers (called by the target's publisher thread).
    private func publish(_ record: String) {
        guard subscriberCount.load(ordering: .relaxed) > 0 else { return }
        let queued = queuedEvents.withLock { queue -> Bool in
            if queue.lines.count >= maximumQueuedEvents {
                queue.overflow += 1
                return false
            }
            queue.lines.append(record)
            return true
        }
        if queued { wake() }
    }

    private func wake() {
        guard wakeWrite >= 0 else { return }
        var byte: UInt8 = 1
        _ = write(wakeWrite, &byte, 1)  // EAGAIN: a wake-up is already pending
    }

    // MARK: The server thread

    private func serve() {
        defer { finished.signal() }
        var pollSet: [pollfd] = []
        while !stopRequested.load(ordering: .acquiring) {
            pollSet.removeAll(keepingCapacity: true)
            pollSet.append(pollfd(fd: listenFD, events: Int16(POLLIN), revents: 0))
            pollSet.append(pollfd(fd: wakeRead, events: Int16(POLLIN), revents: 0))
            for client in clients.values {
                // A client that does not read its replies is not read from either, so its
                // pending output stays bounded (POLLHUP is still reported).
                let pause = client.outbound.count >= maximumPendingBytes
                if pause && !client.readingPaused { updateCounters { $0.readPauses += 1 } }
                client.readingPaused = pause
                var events = pause ? 0 : Int16(POLLIN)
                if !client.outbound.isEmpty { events |= Int16(POLLOUT) }
                pollSet.append(pollfd(fd: client.fd, events: events, revents: 0))
            }
            let ready = poll(&pollSet, nfds_t(pollSet.count), -1)
            if ready < 0 {
                if errno == EINTR { continue }
                log.error("control socket: poll failed: \(String(cString: strerror(errno)))")
                return
            }
            if pollSet[1].revents != 0 { drainWakePipe(); deliverLateReplies(); fanOutEvents() }
            for entry in pollSet.dropFirst(2) where entry.revents != 0 {
                guard let client = clients[entry.fd] else { continue }
                if entry.revents & Int16(POLLIN | POLLHUP | POLLERR) != 0 { readFrom(client) }
                if !client.closing, !client.outbound.isEmpty { flush(client) }
                if client.closing { drop(client) }
            }
            if pollSet[0].revents & Int16(POLLIN) != 0 { acceptClient() }
        }
    }

    private func acceptClient() {
        let fd = accept(listenFD, nil, nil)
        guard fd >= 0 else { return }
        Self.setNonBlocking(fd)
        _ = fcntl(fd, F_SETFD, FD_CLOEXEC)
        if clients.count >= maximumClients {
            let line = ControlReply.failure(code: .busy, "too many control clients (\(maximumClients))").encoded + "\n"
            var bytes = Array(line.utf8)
            _ = send(fd, &bytes, bytes.count, Int32(MSG_NOSIGNAL))
            close(fd)
            updateCounters { $0.errorReplies += 1 }
            return
        }
        let client = Client(fd: fd)
        nextSerial += 1
        client.serial = nextSerial
        clients[fd] = client
        updateCounters { $0.clients = clients.count }
    }

    private func drop(_ client: Client) {
        close(client.fd)
        clients[client.fd] = nil
        let subscribers = clients.values.filter(\.subscribed).count
        subscriberCount.store(subscribers, ordering: .relaxed)
        updateCounters {
            $0.clients = clients.count
            $0.subscribers = subscribers
        }
    }

    private func readFrom(_ client: Client) {
        var chunk = [UInt8](repeating: 0, count: 4096)
        while true {
            let count = chunk.withUnsafeMutableBytes { recv(client.fd, $0.baseAddress, $0.count, 0) }
            if count > 0 {
                client.inbound.append(contentsOf: chunk[0..<count])
                processLines(client)
                if count < chunk.count || client.outbound.count >= maximumPendingBytes { return }
            } else if count == 0 {
                client.closing = true  // orderly close (replies to complete lines were queued)
                return
            } else {
                if errno == EINTR { continue }
                if errno != EAGAIN && errno != EWOULDBLOCK { client.closing = true }
                return
            }
        }
    }

    private func processLines(_ client: Client) {
        var start = 0
        let newline = UInt8(ascii: "\n")
        while let end = client.inbound[start...].firstIndex(of: newline) {
            let line = client.inbound[start..<end]
            start = end + 1
            if client.skippingOversized {
                client.skippingOversized = false
                continue
            }
            if line.count > maximumRequestBytes {
                reply(client, tooLarge(line.count))
                continue
            }
            let trimmed = line.last == UInt8(ascii: "\r") ? line.dropLast() : line
            if trimmed.allSatisfy({ $0 == 0x20 || $0 == 0x09 }) { continue }
            handle(trimmed, from: client)
        }
        client.inbound.removeFirst(start)
        if client.inbound.count > maximumRequestBytes {
            if !client.skippingOversized {
                reply(client, tooLarge(client.inbound.count))
                client.skippingOversized = true
            }
            client.inbound.removeAll(keepingCapacity: true)
        }
    }

    private func tooLarge(_ bytes: Int) -> ControlReply {
        .failure(code: .tooLarge, "request exceeds \(maximumRequestBytes) bytes (\(bytes)+ received); skipped to the next newline")
    }

    private func handle(_ line: ArraySlice<UInt8>, from client: Client) {
        switch ControlRequest.parse(line) {
        case .reject(let error):
            reply(client, error)
        case .request(let request, let id):
            updateCounters { $0.requests += 1 }
            if let now = execute(request, id: id, client: client) { reply(client, now) }
        }
    }

    /// The reply to send now, or nil when it comes later (`deliverLateReplies`).
    private func execute(_ request: ControlRequest, id: Int?, client: Client) -> ControlReply? {
        do {
            switch request {
            case .stats:
                return ControlReply(ok: true, id: id, stats: target.controlStats())
            case .get:
                return ControlReply(ok: true, id: id, settings: target.controlSettings())
            case .setSkipBack(let k):
                try target.setSkipBack(k)
                log.notice("control: k set to \(k)")
            case .setThreshold(let expert, let value):
                try target.setThreshold(expert: expert, value: value)
                log.notice("control: threshold of \(expert) set to \(value)")
            case .loadPlan(let path):
                try target.loadPlan(path: path)
                log.notice("control: plan \(path) loaded")
            case .autoSkipBack(let enabled):
                try target.setAutoSkipBack(enabled)
                log.notice("control: auto-k \(enabled ? "on" : "off")")
            case .tuneSkipBack(let candidates, let windows, let tolerance):
                guard let tuner = target as? any ControlTuningTarget else {
                    return .failure(code: .unsupported, "this pipeline cannot run a k experiment", id: id)
                }
                let serial = client.serial
                try tuner.tuneSkipBack(candidates: candidates, windowsPerCandidate: windows, accuracyTolerance: tolerance) {
                    [weak self] result in
                    let reply: ControlReply
                    switch result {
                    case .success(let report): reply = ControlReply(ok: true, id: id, tune: report)
                    case .failure(let error): reply = .failure(code: .rejected, "\(error)", id: id)
                    }
                    self?.lateReplies.withLock { $0.append((serial, reply)) }
                    self?.wake()
                }
                log.notice("control: k experiment started over \(candidates) × \(windows) windows")
                return nil
            case .subscribe:
                if !client.subscribed {
                    client.subscribed = true
                    let subscribers = clients.values.filter(\.subscribed).count
                    subscriberCount.store(subscribers, ordering: .relaxed)
                    updateCounters { $0.subscribers = subscribers }
                }
                return ControlReply(ok: true, id: id, subscribed: true)
            }
            return ControlReply(ok: true, id: id, settings: target.controlSettings())
        } catch {
            return .failure(code: .rejected, "\(error)", id: id)
        }
    }

    private func reply(_ client: Client, _ reply: ControlReply) {
        if !reply.ok { updateCounters { $0.errorReplies += 1 } }
        client.outbound.append(contentsOf: reply.encoded.utf8)
        client.outbound.append(UInt8(ascii: "\n"))
        notePending(client)
    }

    private func notePending(_ client: Client) {
        let pending = client.outbound.count
        if pending > largestPendingSeen {
            largestPendingSeen = pending
            updateCounters { $0.largestPendingBytes = pending }
        }
    }

    /// Sends replies completed on other threads to their clients (if still connected: the
    /// serial number tells a reused file descriptor apart).
    private func deliverLateReplies() {
        let replies = lateReplies.withLock { list in
            let taken = list
            list.removeAll()
            return taken
        }
        for (serial, late) in replies {
            guard let client = clients.values.first(where: { $0.serial == serial && !$0.closing }) else { continue }
            reply(client, late)
            flush(client)
            if client.closing { drop(client) }
        }
    }

    private func drainWakePipe() {
        var buffer = [UInt8](repeating: 0, count: 256)
        while buffer.withUnsafeMutableBytes({ read(wakeRead, $0.baseAddress, $0.count) }) > 0 {}
    }

    private func fanOutEvents() {
        let (lines, overflow) = queuedEvents.withLock { queue in
            let taken = (queue.lines, queue.overflow)
            queue.lines.removeAll(keepingCapacity: true)
            queue.overflow = 0
            return taken
        }
        let subscribers = clients.values.filter { $0.subscribed && !$0.closing }
        guard !subscribers.isEmpty else { return }
        var dropped = 0, delivered = 0
        for client in subscribers {
            client.dropped += overflow
            for record in lines {
                guard let event = ControlCodec.windowEvent(record) else { continue }
                if client.outbound.count + event.utf8.count + 1 > maximumPendingBytes {
                    client.dropped += 1
                    dropped += 1
                    continue
                }
                if client.dropped > 0 {
                    client.outbound.append(contentsOf: #"{"event":"dropped","count":\#(client.dropped)}"#.utf8)
                    client.outbound.append(UInt8(ascii: "\n"))
                    client.dropped = 0
                }
                client.outbound.append(contentsOf: event.utf8)
                client.outbound.append(UInt8(ascii: "\n"))
                delivered += 1
            }
            notePending(client)
            flush(client)
            if client.closing { drop(client) }
        }
        updateCounters {
            $0.eventsDropped += dropped + overflow
            $0.eventsDelivered += delivered
        }
    }

    private func flush(_ client: Client) {
        while !client.outbound.isEmpty {
            let sent = client.outbound.withUnsafeBytes {
                send(client.fd, $0.baseAddress, $0.count, Int32(MSG_NOSIGNAL) | Int32(MSG_DONTWAIT))
            }
            if sent > 0 {
                client.outbound.removeFirst(sent)
            } else if sent < 0 && errno == EINTR {
                continue
            } else if sent < 0 && (errno == EAGAIN || errno == EWOULDBLOCK) {
                return
            } else {
                client.closing = true  // EPIPE / ECONNRESET: the client went away
                return
            }
        }
    }

    // MARK: Socket set-up

    static func setNonBlocking(_ fd: Int32) {
        let flags = fcntl(fd, F_GETFL)
        _ = fcntl(fd, F_SETFL, flags | O_NONBLOCK)
        _ = fcntl(fd, F_SETFD, FD_CLOEXEC)
    }

    /// Fills a `sockaddr_un` for `path`, or throws when the path does not fit.
    static func address(_ path: String) throws(ControlError) -> sockaddr_un {
        var address = sockaddr_un()
        address.sun_family = sa_family_t(AF_UNIX)
        let bytes = Array(path.utf8)
        let capacity = MemoryLayout.size(ofValue: address.sun_path)
        guard !bytes.isEmpty, bytes.count < capacity else {
            throw ControlError(.socket, path: path, "socket path must be 1…\(capacity - 1) bytes long")
        }
        withUnsafeMutableBytes(of: &address.sun_path) { raw in
            for (index, byte) in bytes.enumerated() { raw[index] = byte }
        }
        return address
    }

    /// Creates, binds and listens; replaces a stale socket file, refuses a live one.
    static func listen(path: String, groupName: String?) throws(ControlError) -> Int32 {
        var address = try address(path)
        var info = stat()
        if lstat(path, &info) == 0 {
            guard info.st_mode & S_IFMT == S_IFSOCK else {
                throw ControlError(.socket, path: path, "exists and is not a socket; refusing to replace it")
            }
            if let probe = try? ControlClient.connect(path: path) {
                close(probe)
                throw ControlError(.inUse, path: path, "another cascadia process is serving this socket")
            }
            unlink(path)
        }
        let fd = socket(AF_UNIX, Int32(SOCK_STREAM.rawValue), 0)
        guard fd >= 0 else { throw ControlError(.socket, path: path, "socket: \(String(cString: strerror(errno)))") }
        _ = fcntl(fd, F_SETFD, FD_CLOEXEC)
        // bind creates the file with 0777 & ~umask; connecting needs write permission, so with
        // any usual umask (022, the unit's 0007) nobody outside owner/group can connect before
        // the chmod below. The process-wide umask is not touched (other threads create files).
        let bound = withUnsafePointer(to: &address) {
            $0.withMemoryRebound(to: sockaddr.self, capacity: 1) {
                bind(fd, $0, socklen_t(MemoryLayout<sockaddr_un>.size))
            }
        }
        let bindErrno = errno
        guard bound == 0 else {
            close(fd)
            let hint = bindErrno == ENOENT ? " (does its directory exist? systemd creates /run/cascadia via RuntimeDirectory=)" : ""
            throw ControlError(.socket, path: path, "bind: \(String(cString: strerror(bindErrno)))\(hint)")
        }
        chmod(path, 0o660)
        if let groupName, let group = getgrnam(groupName) {
            _ = chown(path, uid_t.max, group.pointee.gr_gid)
        }
        guard Glibc.listen(fd, 16) == 0 else {
            let message = String(cString: strerror(errno))
            close(fd)
            unlink(path)
            throw ControlError(.socket, path: path, "listen: \(message)")
        }
        setNonBlocking(fd)
        return fd
    }
}
