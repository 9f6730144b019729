@testable import AlertbridgeServer
import HTTPTypes
import NIOCore
import NIOEmbedded
import NIOHTTP1
import NIOHTTPTypes
import NIOHTTPTypesHTTP1
import Testing

/// OriginFormServerCodec stands in for the library's HTTP1ToHTTPServerCodec
/// in every HTTP connection: it must hand Hummingbird exactly what the
/// library would, for every kind of request target.
@Suite struct OriginFormServerCodecTests {
    static let heads: [HTTPRequestHead] = [
        head(.POST, "/api/v2/alerts", ["Host": "alertbridge:9095", "Content-Type": "application/json", "Content-Length": "2"]),
        head(.GET, "/api/v1/incidents?status=open&q=a%20b", ["Host": "alertbridge"]),
        head(.GET, "//double/slash?x", ["Host": "alertbridge"]),
        head(.GET, "/", []),
        head(.GET, "/a b", ["Host": "alertbridge"]),
        head(.GET, "/", [("Host", "first"), ("host", "second"), ("Cookie", "a=1; b=2"), ("X-Custom", "v")]),
        head(.POST, "http://alertbridge:9095/api/v2/alerts?x=1", ["Host": "alertbridge:9095"]),
        head(.GET, "http://alertbridge", ["Host": "alertbridge"]),
        head(.OPTIONS, "*", ["Host": "alertbridge"]),
        head(.CONNECT, "alertbridge:443", ["Host": "alertbridge:443"]),
        head(.RAW(value: "PURGE"), "/cache", ["Host": "alertbridge"]),
        head(.RAW(value: "NOT A METHOD"), "/", ["Host": "alertbridge"]),
    ]

    static func head(_ method: HTTPMethod, _ uri: String, _ headers: [(String, String)]) -> HTTPRequestHead {
        HTTPRequestHead(version: .http1_1, method: method, uri: uri, headers: HTTPHeaders(headers))
    }

    static func head(_ method: HTTPMethod, _ uri: String, _ headers: KeyValuePairs<String, String>) -> HTTPRequestHead {
        head(method, uri, headers.map { ($0.key, $0.value) })
    }

    /// What a codec passes on for one request (head, body, end), or the error it raises.
    static func converted(_ head: HTTPRequestHead, by handler: any ChannelHandler) -> Result<[HTTPRequestPart], any Error> {
        Result {
            let channel = EmbeddedChannel(handler: handler)
            defer { _ = try? channel.finish() }
            try channel.writeInbound(HTTPServerRequestPart.head(head))
            try channel.writeInbound(HTTPServerRequestPart.body(ByteBuffer(string: "[]")))
            try channel.writeInbound(HTTPServerRequestPart.end(HTTPHeaders([("Trailer-Field", "t")])))
            var parts: [HTTPRequestPart] = []
            while let part = try channel.readInbound(as: HTTPRequestPart.self) { parts.append(part) }
            return parts
        }
    }

    @Test("request heads, bodies and trailers come out as the library's codec makes them", arguments: heads)
    func sameRequests(head: HTTPRequestHead) {
        let expected = Self.converted(head, by: HTTP1ToHTTPServerCodec(secure: false))
        let actual = Self.converted(head, by: OriginFormServerCodec())
        switch (expected, actual) {
        case (.success(let expected), .success(let actual)):
            #expect(actual == expected, "\(head.method) \(head.uri)")
            #expect(actual.count == 3)
        case (.failure(let expected), .failure(let actual)):
            #expect("\(actual)" == "\(expected)", "\(head.method) \(head.uri)")
        default:
            Issue.record("\(head.method) \(head.uri): the library gave \(expected), this codec \(actual)")
        }
    }

    @Test("responses go out as the library's codec writes them")
    func sameResponses() throws {
        var response = HTTPResponse(status: .accepted)
        response.headerFields.append(HTTPField(name: .contentType, value: "application/json"))
        let parts: [HTTPResponsePart] = [.head(response), .body(ByteBuffer(string: "{}")), .end(nil)]
        func written(by handler: any ChannelHandler) throws -> [HTTPServerResponsePart] {
            let channel = EmbeddedChannel(handler: handler)
            defer { _ = try? channel.finish() }
            for part in parts { try channel.writeOutbound(part) }
            var written: [HTTPServerResponsePart] = []
            while let part = try channel.readOutbound(as: HTTPServerResponsePart.self) { written.append(part) }
            return written
        }
        let expected = try written(by: HTTP1ToHTTPServerCodec(secure: false))
        #expect(try written(by: OriginFormServerCodec()) == expected)
        #expect(expected.count == 3)
    }
}
