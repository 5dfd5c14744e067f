import Foundation

/// An exclusive advisory lock on a file (flock), held while a body runs: how buildx guards its
/// builder store (`.lock`) and how the history store guards its creation (`builds.lock`).
public enum FileLock {
    /// Runs `body` holding an exclusive flock on `path` (created with mode 0600), waiting for
    /// another holder; a failure to open or lock becomes `failure("cannot … PATH: reason")`.
    public static func exclusive<T, E: Error>(
        _ path: String, failure: (String) -> E, _ body: () throws(E) -> T
    ) throws(E) -> T {
        let fd = open(path, O_RDWR | O_CREAT | O_CLOEXEC, 0o600)
        guard fd >= 0 else { throw failure("cannot open \(path): \(String(cString: strerror(errno)))") }
        defer { close(fd) }
        while flock(fd, LOCK_EX) != 0 {
            if errno != EINTR { throw failure("cannot lock \(path): \(String(cString: strerror(errno)))") }
        }
        defer { flock(fd, LOCK_UN) }
        return try body()
    }
}
