import Foundation

#if canImport(Glibc)
    import Glibc
#elseif canImport(Darwin)
    import Darwin
#endif

/// A real HTTP forward proxy on 127.0.0.1 for the proxy tests, as small as it can be and still
/// be one: `CONNECT host:port` opens a tunnel (counted), a request with an absolute URL is
/// forwarded (counted as plain), and with `credentials` set anything without the matching
/// `Proxy-Authorization: Basic` gets a 407. Everything the client sends is kept, so a test can
/// show what a proxy could read. Blocking sockets, a thread per connection.
final class ForwardProxy: @unchecked Sendable {
    struct Counts: Sendable {
        var connections = 0
        var tunnels = 0
        var plainRequests = 0
        var refusedForAuth = 0
        /// The `host:port` of each tunnel.
        var tunnelTargets: [String] = []
    }

    let port: Int
    private let listener: Int32
    private let credentials: (user: String, password: String)?
    private let lock = NSLock()
    private var counts = Counts()
    private var fromClients = Data()
    private var stopped = false

    init(credentials: (user: String, password: String)? = nil) throws {
        self.credentials = credentials
        let fd = socket(AF_INET, Int32(SOCK_STREAM.rawValue) | Int32(SOCK_CLOEXEC.rawValue), 0)
        guard fd >= 0 else { throw ProxyError("socket() failed: errno \(errno)") }
        var yes: Int32 = 1
        setsockopt(fd, SOL_SOCKET, SO_REUSEADDR, &yes, socklen_t(MemoryLayout<Int32>.size))
        var address = Self.loopback(port: 0)
        let bound = withUnsafePointer(to: &address) {
            $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { bind(fd, $0, socklen_t(MemoryLayout<sockaddr_in>.size)) }
        }
        guard bound == 0, listen(fd, 64) == 0 else {
            close(fd)
            throw ProxyError("cannot listen on 127.0.0.1: errno \(errno)")
        }
        var length = socklen_t(MemoryLayout<sockaddr_in>.size)
        _ = withUnsafeMutablePointer(to: &address) {
            $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { getsockname(fd, $0, &length) }
        }
        listener = fd
        port = Int(UInt16(bigEndian: address.sin_port))
        Thread { [self] in acceptLoop() }.start()
    }

    /// `http://[user:password@]127.0.0.1:PORT`.
    var url: String {
        guard let credentials else { return "http://127.0.0.1:\(port)" }
        return "http://\(credentials.user):\(credentials.password)@127.0.0.1:\(port)"
    }

    var snapshot: Counts { lock.withLock { counts } }

    /// Every byte clients sent to the proxy, tunnelled or not.
    var bytesFromClients: Data { lock.withLock { fromClients } }

    func stop() {
        lock.withLock { stopped = true }
        shutdown(listener, Int32(SHUT_RDWR))
        close(listener)
    }

    private static func loopback(port: UInt16) -> sockaddr_in {
        var address = sockaddr_in()
        address.sin_family = sa_family_t(AF_INET)
        address.sin_port = port.bigEndian
        address.sin_addr.s_addr = inet_addr("127.0.0.1")
        return address
    }

    private func acceptLoop() {
        while true {
            let client = accept(listener, nil, nil)
            if client < 0 {
                if errno == EINTR { continue }
                return
            }
            _ = fcntl(client, F_SETFD, FD_CLOEXEC)
            lock.withLock { counts.connections += 1 }
            Thread { [self] in serve(client) }.start()
        }
    }

    private func keep(_ bytes: ArraySlice<UInt8>) { lock.withLock { fromClients.append(contentsOf: bytes) } }

    /// Reads a request head (up to the blank line); returns it and any bytes after it.
    private func readHead(_ fd: Int32) -> (head: String, rest: [UInt8])? {
        var received: [UInt8] = []
        var buffer = [UInt8](repeating: 0, count: 16 * 1024)
        while true {
            if let end = received.firstRange(of: Array("\r\n\r\n".utf8)) {
                return (String(decoding: received[..<end.upperBound], as: UTF8.self), Array(received[end.upperBound...]))
            }
            let count = read(fd, &buffer, buffer.count)
            guard count > 0 else { return nil }
            keep(buffer[..<count])
            received += buffer[..<count]
            if received.count > 64 * 1024 { return nil }
        }
    }

    private func serve(_ client: Int32) {
        defer { close(client) }
        guard let (head, rest) = readHead(client) else { return }
        let lines = head.components(separatedBy: "\r\n")
        let requestLine = lines[0].split(separator: " ").map(String.init)
        guard requestLine.count == 3 else { return }
        if let credentials {
            let expected = "Basic " + Data("\(credentials.user):\(credentials.password)".utf8).base64EncodedString()
            let given = lines.dropFirst().first { $0.lowercased().hasPrefix("proxy-authorization:") }
                .map { String($0.dropFirst("proxy-authorization:".count)).trimmingCharacters(in: .whitespaces) }
            guard given == expected else {
                lock.withLock { counts.refusedForAuth += 1 }
                _ = Self.sendAll(client, Array("HTTP/1.1 407 Proxy Authentication Required\r\nProxy-Authenticate: Basic realm=\"test\"\r\nContent-Length: 0\r\nConnection: close\r\n\r\n".utf8))
                return
            }
        }
        if requestLine[0] == "CONNECT" {
            guard let upstream = Self.connectTo(requestLine[1]) else {
                _ = Self.sendAll(client, Array("HTTP/1.1 502 Bad Gateway\r\nContent-Length: 0\r\n\r\n".utf8))
                return
            }
            lock.withLock {
                counts.tunnels += 1
                counts.tunnelTargets.append(requestLine[1])
            }
            guard Self.sendAll(client, Array("HTTP/1.1 200 Connection established\r\n\r\n".utf8)) else { close(upstream); return }
            if !rest.isEmpty { _ = Self.sendAll(upstream, rest) }
            pump(client, upstream)
            return
        }
        // A plain request: GET http://host:port/path HTTP/1.1, forwarded in origin form.
        guard let url = URLComponents(string: requestLine[1]), let host = url.host,
            let upstream = Self.connectTo("\(host):\(url.port ?? 80)")
        else {
            _ = Self.sendAll(client, Array("HTTP/1.1 502 Bad Gateway\r\nContent-Length: 0\r\n\r\n".utf8))
            return
        }
        lock.withLock { counts.plainRequests += 1 }
        let path = url.percentEncodedPath.isEmpty ? "/" : url.percentEncodedPath + (url.percentEncodedQuery.map { "?" + $0 } ?? "")
        let forwarded = (["\(requestLine[0]) \(path) \(requestLine[2])"] + lines.dropFirst().filter {
            !$0.lowercased().hasPrefix("proxy-")
        }).joined(separator: "\r\n")
        _ = Self.sendAll(upstream, Array(forwarded.utf8) + rest)
        pump(client, upstream)
    }

    /// Copies both ways until either side closes.
    private func pump(_ client: Int32, _ upstream: Int32) {
        defer { close(upstream) }
        var buffer = [UInt8](repeating: 0, count: 64 * 1024)
        var fds = [pollfd(fd: client, events: Int16(POLLIN), revents: 0), pollfd(fd: upstream, events: Int16(POLLIN), revents: 0)]
        while !lock.withLock({ stopped }) {
            fds[0].revents = 0
            fds[1].revents = 0
            let ready = poll(&fds, 2, 500)
            if ready < 0 {
                if errno == EINTR { continue }
                return
            }
            if fds[0].revents != 0 {
                let count = read(client, &buffer, buffer.count)
                if count <= 0 { return }
                keep(buffer[..<count])
                guard Self.sendAll(upstream, Array(buffer[..<count])) else { return }
            }
            if fds[1].revents != 0 {
                let count = read(upstream, &buffer, buffer.count)
                if count <= 0 { return }
                guard Self.sendAll(client, Array(buffer[..<count])) else { return }
            }
        }
    }

    /// Connects to `127.0.0.1:PORT` (the tests' only upstream; any other host is refused).
    private static func connectTo(_ target: String) -> Int32? {
        guard let colon = target.lastIndex(of: ":"), let port = UInt16(target[target.index(after: colon)...]) else { return nil }
        let host = target[..<colon].trimmingCharacters(in: CharacterSet(charactersIn: "[]"))
        guard host == "127.0.0.1" || host == "localhost" else { return nil }
        let fd = socket(AF_INET, Int32(SOCK_STREAM.rawValue) | Int32(SOCK_CLOEXEC.rawValue), 0)
        guard fd >= 0 else { return nil }
        var address = loopback(port: port)
        let connected = withUnsafePointer(to: &address) {
            $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { connect(fd, $0, socklen_t(MemoryLayout<sockaddr_in>.size)) }
        }
        guard connected == 0 else {
            close(fd)
            return nil
        }
        return fd
    }

    private static func sendAll(_ fd: Int32, _ bytes: [UInt8]) -> Bool {
        var offset = 0
        while offset < bytes.count {
            let written = bytes.withUnsafeBytes { send(fd, $0.baseAddress! + offset, bytes.count - offset, Int32(MSG_NOSIGNAL)) }
            if written < 0, errno == EINTR { continue }
            guard written > 0 else { return false }
            offset += written
        }
        return true
    }
}

struct ProxyError: Error, CustomStringConvertible {
    var description: String
    init(_ description: String) { self.description = description }
}
