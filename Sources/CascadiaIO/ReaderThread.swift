import Foundation

/// A dedicated, joinable POSIX thread that runs one body (a source's reading loop).
final class ReaderThread: @unchecked Sendable {
    private var thread: pthread_t?
    private final class Box {
        let body: () -> Void
        init(_ body: @escaping () -> Void) { self.body = body }
    }

    /// Starts `body` on a new thread; `name` appears in the error if it cannot start.
    init(name: String, body: @escaping @Sendable () -> Void) throws {
        let box = Unmanaged.passRetained(
            Box {
                CaptureThreadSetup.runOnCurrentThread(sourceName: name)
                body()
            }
        ).toOpaque()
        var handle = pthread_t()
        let rc = pthread_create(
            &handle, nil,
            { raw in
                let box = Unmanaged<Box>.fromOpaque(raw!).takeRetainedValue()
                box.body()
                return nil
            }, box)
        guard rc == 0 else {
            Unmanaged<Box>.fromOpaque(box).release()
            throw IOError.system(name, "cannot start reading thread: \(String(cString: strerror(rc)))")
        }
        thread = handle
    }

    /// Waits for the body to return. Call once.
    func join() {
        guard let handle = thread else { return }
        thread = nil
        pthread_join(handle, nil)
    }
}
