import Foundation

/// An RFC 4180 CSV file read whole: a header row and string cells.
///
/// Loghub's structured files quote every cell that holds a comma or a quote (`""`
/// inside), so a split on commas would cut a third of the Android and OpenStack
/// messages apart.
struct CSVTable {
    var header: [String]
    var rows: [[String]]

    enum ReadError: Error, CustomStringConvertible {
        case empty(String)
        case missingColumn(String, file: String)
        case ragged(row: Int, file: String)

        var description: String {
            switch self {
            case .empty(let file): "\(file): no header row"
            case .missingColumn(let column, let file): "\(file): no column \"\(column)\""
            case .ragged(let row, let file): "\(file): row \(row) has a different number of cells than the header"
            }
        }
    }

    init(contentsOf url: URL) throws {
        let data = try Data(contentsOf: url)
        var records = Self.records([UInt8](data))
        guard !records.isEmpty else { throw ReadError.empty(url.path) }
        header = records.removeFirst()
        rows = records
        for (index, row) in rows.enumerated() where row.count != header.count {
            throw ReadError.ragged(row: index + 2, file: url.path)
        }
    }

    /// The cells of `name`, in row order.
    func column(_ name: String, file: String) throws -> [String] {
        guard let index = header.firstIndex(of: name) else { throw ReadError.missingColumn(name, file: file) }
        return rows.map { $0[index] }
    }

    /// Records of `bytes`; CRLF or LF ends a record outside quotes; a final empty line is no record.
    static func records(_ bytes: [UInt8]) -> [[String]] {
        let quote: UInt8 = 0x22, comma: UInt8 = 0x2C, cr: UInt8 = 0x0D, lf: UInt8 = 0x0A
        var records: [[String]] = []
        var record: [String] = []
        var cell: [UInt8] = []
        var inQuotes = false
        var i = bytes.starts(with: [0xEF, 0xBB, 0xBF]) ? 3 : 0
        func endCell() {
            record.append(String(decoding: cell, as: UTF8.self))
            cell.removeAll(keepingCapacity: true)
        }
        while i < bytes.count {
            let b = bytes[i]
            if inQuotes {
                if b == quote {
                    if i + 1 < bytes.count, bytes[i + 1] == quote {
                        cell.append(quote)
                        i += 1
                    } else {
                        inQuotes = false
                    }
                } else {
                    cell.append(b)
                }
            } else if b == quote, cell.isEmpty {
                inQuotes = true
            } else if b == comma {
                endCell()
            } else if b == lf || b == cr {
                if b == cr, i + 1 < bytes.count, bytes[i + 1] == lf { i += 1 }
                endCell()
                records.append(record)
                record.removeAll(keepingCapacity: true)
            } else {
                cell.append(b)
            }
            i += 1
        }
        if !cell.isEmpty || !record.isEmpty {
            endCell()
            records.append(record)
        }
        return records
    }
}
