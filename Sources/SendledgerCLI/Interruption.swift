import Dispatch
import Foundation
import Synchronization

/// SIGTERM and SIGINT ask the job to stop at the next safe point: the file in progress is
/// rolled back, the run record says "interrupted", and the exit status is 75 (try again).
enum Interruption {
    private static let requested = Atomic<Bool>(false)
    private static let sources = Mutex<[DispatchSourceSignal]>([])

    static var isRequested: Bool { requested.load(ordering: .relaxed) }

    /// Replaces the default handlers (which would kill the process mid-write).
    static func install() {
        sources.withLock { installed in
            guard installed.isEmpty else { return }
            for number in [SIGTERM, SIGINT] {
                signal(number, SIG_IGN)
                let source = DispatchSource.makeSignalSource(signal: number, queue: .global())
                source.setEventHandler {
                    requested.store(true, ordering: .relaxed)
                    FileHandle.standardError.write(Data("sendledger: signal \(number) received; stopping after rolling back the file in progress\n".utf8))
                }
                source.resume()
                installed.append(source)
            }
        }
    }
}
