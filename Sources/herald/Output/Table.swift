/// Renders rows as left-aligned columns separated by two spaces, with an
/// upper-case header: the shape of `docker ps` and `kubectl get`.
struct Table {
    var columns: [String]
    var rows: [[String]] = []

    init(_ columns: String...) {
        self.columns = columns
    }

    mutating func append(_ row: [String]) {
        rows.append(row)
    }

    func render() -> String {
        let all = [columns.map { $0.uppercased() }] + rows
        let widths = columns.indices.map { index in
            all.map { index < $0.count ? $0[index].count : 0 }.max() ?? 0
        }
        return all.map { row in
            columns.indices.map { index in
                let cell = index < row.count ? row[index] : ""
                let isLast = index == columns.count - 1
                return isLast ? cell : cell.padding(toLength: widths[index], withPad: " ", startingAt: 0)
            }
            .joined(separator: "  ")
            .trimmingTrailingSpaces()
        }
        .joined(separator: "\n")
    }
}

/// Renders one record as "key: value" lines with aligned values.
struct Fields {
    var pairs: [(String, String)] = []

    mutating func append(_ key: String, _ value: String) {
        pairs.append((key, value))
    }

    func render() -> String {
        let width = pairs.map(\.0.count).max() ?? 0
        return pairs.map { key, value in
            (key + ":").padding(toLength: width + 1, withPad: " ", startingAt: 0) + " " + value
        }
        .joined(separator: "\n")
        .split(separator: "\n", omittingEmptySubsequences: false)
        .map { String($0).trimmingTrailingSpaces() }
        .joined(separator: "\n")
    }
}

extension String {
    func trimmingTrailingSpaces() -> String {
        var result = self
        while result.last == " " { result.removeLast() }
        return result
    }
}
