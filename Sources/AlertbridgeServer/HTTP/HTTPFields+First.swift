import HTTPTypes

extension HTTPFields {
    /// The value of the first field named `name`, or nil.
    ///
    /// `self[name]` joins the values of every field so named through a
    /// generic lazy sequence: 1.9% of a one-alert request's CPU went to the
    /// one lookup of `Content-Type` alone (a profile under the load test),
    /// and intake reads three fields of every request. For fields a request
    /// carries once (`Content-Type`, `Content-Length`).
    func first(_ name: HTTPField.Name) -> String? {
        for field in self where field.name == name { return field.value }
        return nil
    }
}
