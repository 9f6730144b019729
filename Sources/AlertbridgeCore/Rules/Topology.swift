/// Configuration items and what each depends on, from a topology file:
///
/// ```yaml
/// items:
///   - name: core-switch-1
///   - name: db-1
///     depends_on: [core-switch-1]
///   - name: api-1
///     depends_on: [db-1]
/// ```
///
/// Alerts on items that are connected through dependencies belong together:
/// when `core-switch-1` fails, `db-1` and `api-1` alert too, and the item
/// to look at first is the deepest dependency that is alerting.
public struct Topology: Sendable {
    /// Each item's direct dependencies.
    public let dependencies: [String: [String]]
    /// Each item's connected component, named by its first item in file order.
    let component: [String: String]

    /// Builds a topology; throws a message naming an unknown dependency or a cycle.
    public init(items: [(name: String, dependsOn: [String])]) throws(TopologyError) {
        var dependencies: [String: [String]] = [:]
        for item in items {
            guard dependencies[item.name] == nil else { throw TopologyError(message: "item \"\(item.name)\" is listed twice") }
            dependencies[item.name] = item.dependsOn
        }
        for item in items {
            for dependency in item.dependsOn where dependencies[dependency] == nil {
                throw TopologyError(message: "item \"\(item.name)\" depends on \"\(dependency)\", which is not an item")
            }
        }
        if let cycle = Self.cycle(in: dependencies, order: items.map(\.name)) {
            throw TopologyError(message: "dependency cycle: \(cycle.joined(separator: " -> "))")
        }
        self.dependencies = dependencies

        // Components: union-find over both directions of every dependency.
        var parent: [String: String] = [:]
        func find(_ item: String) -> String {
            var root = item
            while let next = parent[root], next != root { root = next }
            parent[item] = root
            return root
        }
        var rank: [String: Int] = [:]
        for (index, item) in items.enumerated() {
            parent[item.name] = item.name
            rank[item.name] = index
        }
        for item in items {
            for dependency in item.dependsOn {
                let (a, b) = (find(item.name), find(dependency))
                guard a != b else { continue }
                // The root is the item that comes first in the file.
                if rank[a]! < rank[b]! { parent[b] = a } else { parent[a] = b }
            }
        }
        var component: [String: String] = [:]
        for item in items { component[item.name] = find(item.name) }
        self.component = component
    }

    public func contains(_ item: String) -> Bool { dependencies[item] != nil }

    /// The component `item` belongs to, or nil when it is not an item.
    public func componentName(of item: String) -> String? { component[item] }

    /// Whether `item` depends on `other`, directly or through other items.
    public func dependsOn(_ item: String, _ other: String) -> Bool {
        var seen: Set<String> = []
        var stack = dependencies[item] ?? []
        while let next = stack.popLast() {
            if next == other { return true }
            if seen.insert(next).inserted { stack.append(contentsOf: dependencies[next] ?? []) }
        }
        return false
    }

    /// Among `alerting` items, the root cause candidate: one that depends on
    /// no other alerting item, and on which the most alerting items depend;
    /// ties go to the name that sorts first.
    public func rootCause(among alerting: Set<String>) -> String? {
        let candidates = alerting.filter { item in !alerting.contains { $0 != item && dependsOn(item, $0) } }
        return candidates.max { a, b in
            let (dependentsA, dependentsB) = (
                alerting.count { dependsOn($0, a) }, alerting.count { dependsOn($0, b) }
            )
            return dependentsA != dependentsB ? dependentsA < dependentsB : a > b
        }
    }

    private static func cycle(in dependencies: [String: [String]], order: [String]) -> [String]? {
        enum Mark { case visiting, done }
        var marks: [String: Mark] = [:]
        var path: [String] = []
        func visit(_ item: String) -> [String]? {
            if marks[item] == .done { return nil }
            if marks[item] == .visiting {
                let start = path.firstIndex(of: item)!
                return Array(path[start...]) + [item]
            }
            marks[item] = .visiting
            path.append(item)
            for dependency in dependencies[item] ?? [] {
                if let cycle = visit(dependency) { return cycle }
            }
            path.removeLast()
            marks[item] = .done
            return nil
        }
        for item in order {
            if let cycle = visit(item) { return cycle }
        }
        return nil
    }
}

public struct TopologyError: Error, Sendable, Equatable {
    public var message: String
}
