import Foundation

/// Sends a body with `Transfer-Encoding: chunked` and no Content-Length over
/// a raw socket, so the server cannot reject it before reading: the body
/// limit must still hold.
enum ChunkedPost {
    static func post(to url: String, body: String) async throws -> Int {
        guard let components = URLComponents(string: url), let host = components.host, let port = components.port else {
            throw ProcessError("bad url \(url)")
        }
        let socket = Foundation.socket(AF_INET, Int32(SOCK_STREAM.rawValue), 0)
        guard socket >= 0 else { throw ProcessError("socket failed") }
        defer { close(socket) }
        var address = sockaddr_in()
        address.sin_family = sa_family_t(AF_INET)
        address.sin_port = in_port_t(UInt16(port).bigEndian)
        inet_pton(AF_INET, host, &address.sin_addr)
        let connected = withUnsafePointer(to: &address) {
            $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { connect(socket, $0, socklen_t(MemoryLayout<sockaddr_in>.size)) }
        }
        guard connected == 0 else { throw ProcessError("connect failed") }
        var request = "POST \(components.path) HTTP/1.1\r\nHost: \(host)\r\nContent-Type: application/json\r\nTransfer-Encoding: chunked\r\nConnection: close\r\n\r\n"
        var remaining = Substring(body)
        while !remaining.isEmpty {
            let chunk = remaining.prefix(100)
            remaining = remaining.dropFirst(chunk.count)
            request += String(chunk.utf8.count, radix: 16) + "\r\n" + chunk + "\r\n"
        }
        request += "0\r\n\r\n"
        _ = request.withCString { send(socket, $0, strlen($0), Int32(MSG_NOSIGNAL)) }
        var response = [UInt8](repeating: 0, count: 4096)
        let count = recv(socket, &response, response.count, 0)
        guard count > 12 else { throw ProcessError("no response") }
        let statusLine = String(decoding: response[0..<count], as: UTF8.self)
        guard let status = Int(statusLine.dropFirst(9).prefix(3)) else { throw ProcessError("bad response \(statusLine)") }
        return status
    }
}
