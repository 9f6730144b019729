@testable import AlertbridgeServer
import HTTPTypes
import Testing

@Suite struct MediaTypeTests {
    @Test(
        "JSON and plain text are accepted in any case, parameters and blanks aside",
        arguments: [
            "", " ", "application/json", "Application/JSON; charset=utf-8", " application/json ;x=y", "\tapplication/json\t",
            "application/vnd.api+json", "APPLICATION/PROBLEM+JSON", "text/plain; charset=UTF-8", "TEXT/PLAIN", "text/json",
            "+json",
        ])
    func accepted(contentType: String) {
        #expect(Intake.isAcceptableMediaType(contentType))
    }

    @Test(
        "anything else is refused, however close",
        arguments: [
            "application/x-www-form-urlencoded", " Application/X-WWW-Form-Urlencoded ; Charset=UTF-8", "application/jso",
            "application/jsonx", "application/json-seq", "xapplication/json", "text/plainx", "text/html", "json",
            "application/json+", "multipart/form-data; boundary=x", "application/ json", "text/plain\u{0}",
        ])
    func refused(contentType: String) {
        #expect(!Intake.isAcceptableMediaType(contentType))
    }

    @Test("the refusal names the type as lower case, without its parameters")
    func refusalNamesTheType() {
        #expect(throws: APIError.self) { try Intake.checkMediaType([.contentType: " Text/HTML ; charset=utf-8"]) }
        #expect(Intake.mediaType(of: " Text/HTML ; charset=utf-8") == "text/html")
        #expect(throws: Never.self) { try Intake.checkMediaType([.contentType: "application/json"]) }
        #expect(throws: Never.self) { try Intake.checkMediaType([:]) }
    }
}
