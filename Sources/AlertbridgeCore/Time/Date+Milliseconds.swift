public import Foundation

extension Date {
    /// A date at a whole number of milliseconds since 1970-01-01T00:00:00Z.
    public init(unixMilliseconds: Int64) {
        self.init(timeIntervalSince1970: Double(unixMilliseconds) / 1000)
    }

    /// Milliseconds since 1970, rounded to the nearest: the unit of the desk
    /// store and the precision alertbridge keeps.
    public var unixMilliseconds: Int64 {
        Int64((timeIntervalSince1970 * 1000).rounded())
    }

    /// This date rounded to whole milliseconds.
    public var roundedToMilliseconds: Date {
        Date(unixMilliseconds: unixMilliseconds)
    }
}
