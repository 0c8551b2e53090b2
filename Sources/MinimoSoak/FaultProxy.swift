import Foundation

#if canImport(Glibc)
    import Glibc
#elseif canImport(Darwin)
    import Darwin
#endif

/// A TCP proxy on 127.0.0.1 between the client and the sandbox that breaks connections the way
/// networks do, which an HTTP server cannot do to itself:
/// - drops a request: the connection is reset before the request is passed on (nothing applied);
/// - drops an answer: the request reached the server (a write *was* applied) but the connection
///   is reset before any of the answer comes back;
/// - truncates an answer: half of its first chunk, then a reset.
///
/// Resets are real RSTs (`SO_LINGER` 0). Each roll happens once per request and once per answer
/// (on its first chunk), from a seeded generator. Blocking sockets, a thread per connection: the
/// client keeps a handful of connections open, so this stays small.
final class FaultProxy: @unchecked Sendable {
    struct Rates: Sendable {
        var dropRequest = 0.0
        var dropAnswer = 0.0
        var truncateAnswer = 0.0
    }

    struct Counts: Sendable {
        var connections = 0
        var requests = 0
        var requestsDropped = 0
        var answersDropped = 0
        var answersTruncated = 0
    }

    let port: Int
    private let upstreamPort: Int
    private let listener: Int32
    private let lock = NSLock()
    private var rates = Rates()
    private var counts = Counts()
    private var random: SoakRandom

    init(upstreamPort: Int, seed: UInt64) throws {
        self.upstreamPort = upstreamPort
        self.random = SoakRandom(seed: seed ^ 0x5052_4F58_5950_524F)
        // Close-on-exec everywhere: a worker started later must not hold the proxy's sockets
        // (a reset would then not reach the client, and the listener would outlive the run).
        let fd = socket(AF_INET, Int32(SOCK_STREAM.rawValue) | Int32(SOCK_CLOEXEC.rawValue), 0)
        guard fd >= 0 else { throw SoakError("proxy: socket() failed: errno \(errno)") }
        var yes: Int32 = 1
        setsockopt(fd, SOL_SOCKET, SO_REUSEADDR, &yes, socklen_t(MemoryLayout<Int32>.size))
        var address = Self.loopback(port: 0)
        let bound = withUnsafePointer(to: &address) {
            $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { bind(fd, $0, socklen_t(MemoryLayout<sockaddr_in>.size)) }
        }
        guard bound == 0, listen(fd, 64) == 0 else {
            close(fd)
            throw SoakError("proxy: cannot listen on 127.0.0.1: errno \(errno)")
        }
        var length = socklen_t(MemoryLayout<sockaddr_in>.size)
        _ = withUnsafeMutablePointer(to: &address) {
            $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { getsockname(fd, $0, &length) }
        }
        self.listener = fd
        self.port = Int(UInt16(bigEndian: address.sin_port))
    }

    func start() {
        Thread { [self] in acceptLoop() }.start()
    }

    func setRates(_ rates: Rates) { lock.withLock { self.rates = rates } }

    var snapshot: Counts { lock.withLock { counts } }

    private static func loopback(port: UInt16) -> sockaddr_in {
        var address = sockaddr_in()
        address.sin_family = sa_family_t(AF_INET)
        address.sin_port = port.bigEndian
        address.sin_addr.s_addr = inet_addr("127.0.0.1")
        return address
    }

    private func acceptLoop() {
        while true {
            // (accept4 is not visible from Swift's Glibc: FD_CLOEXEC right after.)
            let client = accept(listener, nil, nil)
            if client >= 0 { _ = fcntl(client, F_SETFD, FD_CLOEXEC) }
            if client < 0 {
                if errno == EINTR { continue }
                return
            }
            lock.withLock { counts.connections += 1 }
            Thread { [self] in serve(client) }.start()
        }
    }

    private enum Roll { case pass, dropRequest, dropAnswer, truncateAnswer }

    private func roll(request: Bool) -> Roll {
        lock.withLock {
            let draw = random.unit()
            if request {
                counts.requests += 1
                if draw < rates.dropRequest {
                    counts.requestsDropped += 1
                    return .dropRequest
                }
                return .pass
            }
            if draw < rates.dropAnswer {
                counts.answersDropped += 1
                return .dropAnswer
            }
            if draw < rates.dropAnswer + rates.truncateAnswer {
                counts.answersTruncated += 1
                return .truncateAnswer
            }
            return .pass
        }
    }

    private func serve(_ client: Int32) {
        let upstream = socket(AF_INET, Int32(SOCK_STREAM.rawValue) | Int32(SOCK_CLOEXEC.rawValue), 0)
        var address = Self.loopback(port: UInt16(upstreamPort))
        let connected = withUnsafePointer(to: &address) {
            $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { connect(upstream, $0, socklen_t(MemoryLayout<sockaddr_in>.size)) }
        }
        guard upstream >= 0, connected == 0 else {
            if upstream >= 0 { close(upstream) }
            Self.reset(client)
            return
        }
        var buffer = [UInt8](repeating: 0, count: 64 * 1024)
        var awaitingRequest = true
        var awaitingAnswer = false
        var fds = [pollfd(fd: client, events: Int16(POLLIN), revents: 0), pollfd(fd: upstream, events: Int16(POLLIN), revents: 0)]
        loop: while true {
            fds[0].revents = 0
            fds[1].revents = 0
            let ready = poll(&fds, 2, -1)
            if ready < 0 {
                if errno == EINTR { continue }
                break
            }
            if fds[0].revents != 0 {
                let count = read(client, &buffer, buffer.count)
                if count <= 0 { break loop }
                if awaitingRequest {
                    awaitingRequest = false
                    awaitingAnswer = true
                    if roll(request: true) == .dropRequest {
                        Self.reset(client)
                        close(upstream)
                        return
                    }
                }
                guard Self.sendAll(upstream, buffer, count) else { break loop }
            }
            if fds[1].revents != 0 {
                let count = read(upstream, &buffer, buffer.count)
                if count <= 0 { break loop }
                if awaitingAnswer {
                    awaitingAnswer = false
                    awaitingRequest = true
                    switch roll(request: false) {
                    case .dropAnswer:
                        Self.reset(client)
                        close(upstream)
                        return
                    case .truncateAnswer:
                        _ = Self.sendAll(client, buffer, max(1, count / 2))
                        Self.reset(client)
                        close(upstream)
                        return
                    default:
                        break
                    }
                }
                guard Self.sendAll(client, buffer, count) else { break loop }
            }
        }
        close(client)
        close(upstream)
    }

    /// Writes all `count` bytes; false when the peer is gone (no SIGPIPE: `MSG_NOSIGNAL`).
    private static func sendAll(_ fd: Int32, _ buffer: [UInt8], _ count: Int) -> Bool {
        var offset = 0
        while offset < count {
            let written = buffer.withUnsafeBytes { bytes in
                send(fd, bytes.baseAddress! + offset, count - offset, Int32(MSG_NOSIGNAL))
            }
            if written < 0, errno == EINTR { continue }
            guard written > 0 else { return false }
            offset += written
        }
        return true
    }

    /// Closes with an RST instead of a FIN.
    private static func reset(_ fd: Int32) {
        var hard = linger(l_onoff: 1, l_linger: 0)
        setsockopt(fd, SOL_SOCKET, SO_LINGER, &hard, socklen_t(MemoryLayout<linger>.size))
        close(fd)
    }
}

struct SoakError: Error, CustomStringConvertible {
    var description: String
    init(_ description: String) { self.description = description }
}
