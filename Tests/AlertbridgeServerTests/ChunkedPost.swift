import Foundation

/// Sends a body with `Transfer-Encoding: chunked` and no Content-Length, so
/// the server cannot reject it before reading: the body limit must still hold.
enum ChunkedPost {
    static func post(to url: String, body: String) async throws -> Int {
        guard let components = URLComponents(string: url) else { throw ProcessError("bad url \(url)") }
        let connection = try RawHTTPConnection(to: url)
        var request =
            "POST \(components.path) HTTP/1.1\r\nHost: alertbridge\r\nContent-Type: application/json\r\nTransfer-Encoding: chunked\r\nConnection: close\r\n\r\n"
        var remaining = Substring(body)
        while !remaining.isEmpty {
            let chunk = remaining.prefix(100)
            remaining = remaining.dropFirst(chunk.count)
            request += String(chunk.utf8.count, radix: 16) + "\r\n" + chunk + "\r\n"
        }
        request += "0\r\n\r\n"
        try connection.send(request)
        guard let response = try connection.responses(1).first else { throw ProcessError("no response") }
        return response.status
    }
}
