import Foundation

/// A plain TCP connection to the server for what an HTTP client library
/// will not send: several requests in one write (pipelining), a chunked
/// body without a length, a body cut off by a disconnect.
final class RawHTTPConnection {
    private let socket: Int32

    init(to baseURL: String) throws {
        guard let components = URLComponents(string: baseURL), let host = components.host, let port = components.port else {
            throw ProcessError("bad url \(baseURL)")
        }
        socket = Foundation.socket(AF_INET, Int32(SOCK_STREAM.rawValue), 0)
        guard socket >= 0 else { throw ProcessError("socket failed") }
        var address = sockaddr_in()
        address.sin_family = sa_family_t(AF_INET)
        address.sin_port = in_port_t(UInt16(port).bigEndian)
        inet_pton(AF_INET, host, &address.sin_addr)
        let connected = withUnsafePointer(to: &address) {
            $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { connect(socket, $0, socklen_t(MemoryLayout<sockaddr_in>.size)) }
        }
        guard connected == 0 else {
            close(socket)
            throw ProcessError("connect failed")
        }
        // A server that never answers fails the test instead of hanging it.
        var timeout = timeval(tv_sec: 20, tv_usec: 0)
        setsockopt(socket, SOL_SOCKET, SO_RCVTIMEO, &timeout, socklen_t(MemoryLayout<timeval>.size))
    }

    deinit { close(socket) }

    func send(_ text: String) throws {
        let bytes = Array(text.utf8)
        var sent = 0
        while sent < bytes.count {
            let count = bytes[sent...].withUnsafeBytes { Foundation.send(socket, $0.baseAddress, $0.count, Int32(MSG_NOSIGNAL)) }
            guard count > 0 else { throw ProcessError("send failed: errno \(errno)") }
            sent += count
        }
    }

    /// A POST with a JSON body and its Content-Length.
    static func post(_ path: String, _ body: String, headers: String = "") -> String {
        "POST \(path) HTTP/1.1\r\nHost: alertbridge\r\nContent-Type: application/json\r\n\(headers)Content-Length: \(body.utf8.count)\r\n\r\n\(body)"
    }

    static func get(_ path: String) -> String {
        "GET \(path) HTTP/1.1\r\nHost: alertbridge\r\n\r\n"
    }

    struct Response {
        var status: Int
        var headers: [(String, String)]
        var body: String

        func header(_ name: String) -> String? {
            headers.first { $0.0.lowercased() == name.lowercased() }?.1
        }
    }

    private var received: [UInt8] = []
    private(set) var peerClosed = false

    /// The next `count` responses (each with a Content-Length), in the order
    /// they arrive; fewer if the server closes the connection first.
    func responses(_ count: Int) throws -> [Response] {
        var responses: [Response] = []
        while responses.count < count {
            if let response = try parseOne() {
                responses.append(response)
                continue
            }
            guard !peerClosed else { break }
            try receiveMore()
        }
        return responses
    }

    /// Reads until the server closes the connection; throws if it does not.
    func waitForClose() throws {
        while !peerClosed { try receiveMore() }
    }

    private func receiveMore() throws {
        var buffer = [UInt8](repeating: 0, count: 65_536)
        let count = recv(socket, &buffer, buffer.count, 0)
        if count < 0 { throw ProcessError("recv failed: errno \(errno) (a timeout is errno \(EAGAIN))") }
        if count == 0 { peerClosed = true }
        received += buffer[0..<count]
    }

    private func parseOne() throws -> Response? {
        let separator: [UInt8] = Array("\r\n\r\n".utf8)
        guard let headEnd = received.indices.first(where: { received[$0...].starts(with: separator) }) else { return nil }
        let lines = String(decoding: received[..<headEnd], as: UTF8.self).components(separatedBy: "\r\n")
        guard let statusLine = lines.first, let status = Int(statusLine.dropFirst(9).prefix(3)) else {
            throw ProcessError("bad status line in \(lines)")
        }
        let headers = lines.dropFirst().compactMap { line -> (String, String)? in
            guard let colon = line.firstIndex(of: ":") else { return nil }
            return (String(line[..<colon]), line[line.index(after: colon)...].trimmingCharacters(in: .whitespaces))
        }
        let length = Int(headers.first { $0.0.lowercased() == "content-length" }?.1 ?? "0") ?? 0
        let bodyStart = headEnd + separator.count
        guard received.count >= bodyStart + length else { return nil }
        let body = String(decoding: received[bodyStart..<(bodyStart + length)], as: UTF8.self)
        received.removeFirst(bodyStart + length)
        return Response(status: status, headers: headers, body: body)
    }
}
