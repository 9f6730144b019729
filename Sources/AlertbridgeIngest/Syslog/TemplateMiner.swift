import AlertbridgeCore

/// Online log-template miner after Drain (He et al., ICWS 2017) as implemented by
/// logparser and drain3: messages are grouped by token count, then by their leading
/// tokens in a fixed-depth prefix tree, then by token-wise similarity within a leaf.
///
/// Why this shape: the tree bounds the work per message to one short path plus the
/// clusters of one leaf, so mining is cheap enough to run inline on every syslog line;
/// the similarity threshold turns varying tokens into `<*>` without any per-source
/// configuration. Memory is bounded by `maxClusters` with LRU eviction (drain3's
/// `max_clusters`): a flood of unique lines evicts stale templates instead of growing
/// without limit. Each template is at most as long as the line that created it, which
/// the framer already caps.
///
/// Deterministic and pure: the same messages in the same order give the same clusters
/// and ids; no clocks, no randomness, no Foundation.
public struct TemplateMiner: Sendable {
    public struct Configuration: Sendable, Equatable {
        /// Drain depth including root and leaf; `depth - 3` leading tokens key the tree
        /// (logparser's and drain3's convention, so benchmark settings carry over).
        public var depth: Int
        /// Minimum share of equal tokens for a message to join a cluster.
        public var similarityThreshold: Double
        /// Children per tree node before new tokens go to the `<*>` child.
        public var maxChildren: Int
        /// Clusters kept; the least recently matched one is evicted beyond this.
        public var maxClusters: Int
        /// Route tokens containing a digit to the `<*>` branch (Drain's hasNumbers,
        /// drain3's parametrize_numeric_tokens), so `id=42` and `id=43` meet in one leaf.
        public var parametrizeNumericTokens: Bool
        /// Variable parts replaced by `<*>` before tokenising.
        public var masking: Masking

        public init(depth: Int = 4, similarityThreshold: Double = 0.4, maxChildren: Int = 100,
                    maxClusters: Int = 10_000, parametrizeNumericTokens: Bool = true,
                    masking: Masking = .default) {
            self.depth = max(3, depth)
            self.similarityThreshold = similarityThreshold
            self.maxChildren = max(2, maxChildren)
            self.maxClusters = max(1, maxClusters)
            self.parametrizeNumericTokens = parametrizeNumericTokens
            self.masking = masking
        }
    }

    /// Built-in masks, applied at word boundaries (the neighbours are not letters or
    /// digits), like drain3's default masking instructions but without regular expressions.
    public struct Masking: OptionSet, Sendable, Hashable {
        public let rawValue: UInt32
        public init(rawValue: UInt32) { self.rawValue = rawValue }

        /// `d.d.d.d` with an optional `:port` (a comma-separated list of them is
        /// one variable), and IPv6 literals.
        public static let ipAddresses = Masking(rawValue: 1 << 0)
        /// `8-4-4-4-12` hex UUIDs.
        public static let uuids = Masking(rawValue: 1 << 1)
        /// `0x1F` literals and runs of 8+ hex digits with a letter (ids, hashes, `ffffffff`).
        public static let hexadecimal = Masking(rawValue: 1 << 2)
        /// Decimal numbers, optionally signed or with a fraction: `42`, `-1`, `3.14`.
        public static let numbers = Masking(rawValue: 1 << 3)
        /// Whole whitespace-separated tokens that contain `/` and a digit (`/var/run/1234.pid`).
        public static let pathsWithDigits = Masking(rawValue: 1 << 4)
        /// Whole whitespace-separated tokens that start with `/`, digits or not
        /// (request paths in access logs, where every path is a variable).
        public static let paths = Masking(rawValue: 1 << 5)

        public static let `default`: Masking = [.ipAddresses, .uuids, .hexadecimal, .numbers]
        public static let none: Masking = []
    }

    /// What `add` did with a message.
    public struct Match: Sendable, Equatable {
        /// Stable for the cluster's lifetime in this miner, even as its template generalises.
        public var clusterID: Int
        /// The cluster's template after this message, tokens joined by one space.
        public var template: String
        /// The message started a new cluster.
        public var isNew: Bool

        /// Printable id derived from the template text, see `TemplateMiner.templateID(for:)`.
        public var templateID: String

        public init(clusterID: Int, template: String, isNew: Bool) {
            self.init(clusterID: clusterID, template: template, templateID: TemplateMiner.templateID(for: template), isNew: isNew)
        }

        init(clusterID: Int, template: String, templateID: String, isNew: Bool) {
            self.clusterID = clusterID
            self.template = template
            self.templateID = templateID
            self.isNew = isNew
        }
    }

    public static let parameter = "<*>"
    private static let parameterUTF8 = Array(parameter.utf8)

    /// A printable id for a template: FNV-1a 64 of its text, as 16 hex digits.
    ///
    /// Trade-off against `clusterID`: the hash is the same across restarts, replicas and
    /// re-mining, so stored incidents keep pointing at "the same" template; but it changes
    /// whenever the template generalises (one more `<*>`). `clusterID` survives
    /// generalisation but is local to one miner instance. Store both: group live traffic by
    /// cluster id, persist and display the template id.
    public static func templateID(for template: String) -> String {
        var hash: UInt64 = 0xCBF2_9CE4_8422_2325
        for byte in template.utf8 {
            hash ^= UInt64(byte)
            hash = hash &* 0x0000_0100_0000_01B3
        }
        return Fingerprint(rawValue: hash).hex
    }

    struct Cluster: Sendable {
        var tokens: [String]
        var text: String
        /// `templateID(for: text)`, kept with it: every message needs it.
        var id: String
        var size: Int
        var leaf: Int
        var newer: Int?  // LRU links by cluster id
        var older: Int?

        /// Turns the tokens that differ into `<*>`, counts the message, and
        /// returns the template text.
        mutating func absorb(_ message: [String]) -> (text: String, id: String, changed: Bool) {
            var changed = false
            for i in tokens.indices where tokens[i] != message[i] && tokens[i] != TemplateMiner.parameter {
                tokens[i] = TemplateMiner.parameter
                changed = true
            }
            if changed {
                text = tokens.joined(separator: " ")
                id = TemplateMiner.templateID(for: text)
            }
            size += 1
            return (text, id, changed)
        }
    }

    struct Node: Sendable {
        var children: [String: Int] = [:]
        var clusterIDs: [Int] = []
        var parent: Int
        var key: String
        var tokenCount: Int
    }

    /// A message masked and hashed: the part of mining that needs no miner
    /// state, so a caller that shares a miner behind a lock can do it
    /// outside the lock.
    public struct Prepared: Sendable {
        let message: String
        let masked: [UInt8]
        let hash: UInt64
        let masking: Masking
    }

    /// What a masked line last led to, and in which state of the miner.
    struct Remembered: Sendable {
        var masked: [UInt8]
        var clusterID: Int
        var generation: Int
    }

    public let configuration: Configuration
    /// Lines seen recently, by hash. Valid only while `generation` stands: in an
    /// unchanged miner the same masked line takes the same path to the same cluster,
    /// and absorbing it again changes nothing, so the tree walk can be skipped.
    private var remembered: [UInt64: Remembered] = [:]
    private var rememberedBytes = 0
    /// Bound `remembered` (32 KiB a miner): a flood of distinct lines starts it afresh.
    static let rememberedLimitBytes = 32 * 1024
    static let rememberedLimitCount = 256
    /// Off only in tests, to check that remembering changes no result.
    var remembersLines = true
    /// Bumped by whatever can change where a line goes or what its template is:
    /// a new cluster, an eviction, a template that generalised.
    private var generation = 0
    private var nodes: [Node] = []
    private var freeNodes: [Int] = []
    /// First tree level: token count -> node.
    private var lengthNodes: [Int: Int] = [:]
    private var clusters: [Int: Cluster] = [:]
    private var nextClusterID = 1
    private var newest: Int?
    private var oldest: Int?
    public private(set) var evictedClusterCount = 0

    public init(configuration: Configuration = Configuration()) {
        self.configuration = configuration
    }

    public var clusterCount: Int { clusters.count }

    /// The current template of a live cluster.
    public func template(forCluster id: Int) -> String? { clusters[id]?.text }

    // MARK: Mining

    public mutating func add(_ message: String) -> Match {
        add(Self.prepare(message, masking: configuration.masking))
    }

    /// Masks and hashes a message for `add(_:)`.
    public static func prepare(_ message: String, masking: Masking = .default) -> Prepared {
        let masked = maskedBytes(message, masking)
        return Prepared(message: message, masked: masked, hash: hash(masked), masking: masking)
    }

    public mutating func add(_ prepared: Prepared) -> Match {
        guard prepared.masking == configuration.masking else {
            // Masked for another configuration: mask it as this miner does.
            return add(Self.prepare(prepared.message, masking: configuration.masking))
        }
        if remembersLines, let line = remembered[prepared.hash], line.generation == generation,
            Self.equal(line.masked, prepared.masked), clusters[line.clusterID] != nil
        {
            clusters[line.clusterID]!.size += 1
            touch(line.clusterID)
            let cluster = clusters[line.clusterID]!
            return Match(clusterID: line.clusterID, template: cluster.text, templateID: cluster.id, isNew: false)
        }
        let tokens = Self.tokenize(prepared.masked)
        if let id = search(tokens), clusters[id] != nil {
            // In place (the dictionary's modify accessor): no copy of the tokens.
            let template = clusters[id]!.absorb(tokens)
            if template.changed { generation += 1 }
            touch(id)
            remember(prepared, clusterID: id)
            return Match(clusterID: id, template: template.text, templateID: template.id, isNew: false)
        }
        generation += 1
        let id = nextClusterID
        nextClusterID += 1
        let leaf = insertPath(tokens)
        nodes[leaf].clusterIDs.append(id)
        let text = tokens.joined(separator: " ")
        let templateID = Self.templateID(for: text)
        clusters[id] = Cluster(tokens: tokens, text: text, id: templateID, size: 1, leaf: leaf)
        pushNewest(id)
        if clusters.count > configuration.maxClusters, let victim = oldest { evict(victim) }
        return Match(clusterID: id, template: text, templateID: templateID, isNew: true)
    }

    private mutating func remember(_ prepared: Prepared, clusterID: Int) {
        guard remembersLines else { return }
        if remembered.count >= Self.rememberedLimitCount || rememberedBytes + prepared.masked.count > Self.rememberedLimitBytes {
            remembered.removeAll(keepingCapacity: true)
            rememberedBytes = 0
        }
        let line = Remembered(masked: prepared.masked, clusterID: clusterID, generation: generation)
        if let replaced = remembered.updateValue(line, forKey: prepared.hash) { rememberedBytes -= replaced.masked.count }
        rememberedBytes += prepared.masked.count
    }

    /// 64-bit multiply-rotate hash over 8-byte words: only to find a remembered
    /// line, whose bytes are then compared in full.
    static func hash(_ bytes: [UInt8]) -> UInt64 {
        bytes.withUnsafeBytes { raw in
            var h: UInt64 = 0x9E37_79B9_7F4A_7C15 ^ UInt64(raw.count)
            var i = 0
            let n = raw.count
            while i + 8 <= n {
                h = (h ^ raw.loadUnaligned(fromByteOffset: i, as: UInt64.self)) &* 0xFF51_AFD7_ED55_8CCD
                h = (h << 29) | (h >> 35)
                i += 8
            }
            var tail: UInt64 = 0
            var shift: UInt64 = 0
            while i < n {
                tail |= UInt64(raw[i]) << shift
                shift += 8
                i += 1
            }
            h = (h ^ tail) &* 0xC4CE_B9FE_1A85_EC53
            return h ^ (h >> 32)
        }
    }

    static func equal(_ a: [UInt8], _ b: [UInt8]) -> Bool {
        guard a.count == b.count else { return false }
        return a.withUnsafeBytes { a in
            b.withUnsafeBytes { b in
                var i = 0
                while i + 8 <= a.count {
                    guard a.loadUnaligned(fromByteOffset: i, as: UInt64.self) == b.loadUnaligned(fromByteOffset: i, as: UInt64.self)
                    else { return false }
                    i += 8
                }
                while i < a.count {
                    guard a[i] == b[i] else { return false }
                    i += 1
                }
                return true
            }
        }
    }

    /// The cluster a message would join, without changing anything.
    public func match(_ message: String) -> Int? {
        search(Self.tokenize(Self.maskedBytes(message, configuration.masking)))
    }

    @inline(__always) func hasDigit(_ token: String) -> Bool {
        token.utf8.contains { $0 &- 0x30 < 10 }
    }

    /// Levels below the token-count node that are keyed by tokens.
    private var tokenLevels: Int { configuration.depth - 3 }

    private func search(_ tokens: [String]) -> Int? {
        guard var node = lengthNodes[tokens.count] else { return nil }
        var level = 0
        for token in tokens {
            if level >= tokenLevels { break }
            if let child = nodes[node].children[token] {
                node = child
            } else if let wildcard = nodes[node].children[Self.parameter] {
                node = wildcard
            } else {
                return nil
            }
            level += 1
        }
        return fastMatch(nodes[node].clusterIDs, tokens)
    }

    /// The most similar cluster of a leaf, if similar enough. Ties go to the template
    /// with more parameters, as in Drain.
    private func fastMatch(_ ids: [Int], _ tokens: [String]) -> Int? {
        var best: Int?
        var bestSimilarity = -1.0
        var bestParameters = -1
        for id in ids {
            guard let cluster = clusters[id] else { continue }
            var equal = 0
            var parameters = 0
            for (templateToken, token) in zip(cluster.tokens, tokens) {
                if templateToken == Self.parameter { parameters += 1 } else if templateToken == token { equal += 1 }
            }
            let similarity = tokens.isEmpty ? 1.0 : Double(equal) / Double(tokens.count)
            if similarity > bestSimilarity || (similarity == bestSimilarity && parameters > bestParameters) {
                best = id
                bestSimilarity = similarity
                bestParameters = parameters
            }
        }
        return bestSimilarity >= configuration.similarityThreshold ? best : nil
    }

    /// Drain's addSeqToPrefixTree: follow or create the path for a new cluster. Beyond
    /// `maxChildren` distinct tokens a node sends new tokens to its `<*>` child.
    private mutating func insertPath(_ tokens: [String]) -> Int {
        var node: Int
        if let existing = lengthNodes[tokens.count] {
            node = existing
        } else {
            node = newNode(parent: -1, key: "", tokenCount: tokens.count)
            lengthNodes[tokens.count] = node
        }
        var level = 0
        for token in tokens {
            if level >= tokenLevels { break }
            if let child = nodes[node].children[token] {
                node = child
            } else if configuration.parametrizeNumericTokens && hasDigit(token) {
                node = child(of: node, Self.parameter)
            } else {
                let count = nodes[node].children.count
                if nodes[node].children[Self.parameter] != nil {
                    node = count < configuration.maxChildren ? child(of: node, token) : child(of: node, Self.parameter)
                } else if count + 1 < configuration.maxChildren {
                    node = child(of: node, token)
                } else {
                    node = child(of: node, Self.parameter)
                }
            }
            level += 1
        }
        return node
    }

    private mutating func child(of parent: Int, _ key: String) -> Int {
        if let existing = nodes[parent].children[key] { return existing }
        let created = newNode(parent: parent, key: key, tokenCount: nodes[parent].tokenCount)
        nodes[parent].children[key] = created
        return created
    }

    private mutating func newNode(parent: Int, key: String, tokenCount: Int) -> Int {
        let node = Node(parent: parent, key: key, tokenCount: tokenCount)
        if let slot = freeNodes.popLast() {
            nodes[slot] = node
            return slot
        }
        nodes.append(node)
        return nodes.count - 1
    }

    // MARK: LRU

    private mutating func pushNewest(_ id: Int) {
        clusters[id]?.older = newest
        clusters[id]?.newer = nil
        if let previous = newest { clusters[previous]?.newer = id }
        newest = id
        if oldest == nil { oldest = id }
    }

    private mutating func unlink(_ id: Int) {
        guard let cluster = clusters[id] else { return }
        if let newer = cluster.newer { clusters[newer]?.older = cluster.older } else { newest = cluster.older }
        if let older = cluster.older { clusters[older]?.newer = cluster.newer } else { oldest = cluster.newer }
    }

    private mutating func touch(_ id: Int) {
        guard newest != id else { return }
        unlink(id)
        pushNewest(id)
    }

    /// Drops a cluster and prunes tree nodes left without clusters or children, so the
    /// tree shrinks with the cluster set.
    private mutating func evict(_ id: Int) {
        guard let cluster = clusters[id] else { return }
        unlink(id)
        clusters[id] = nil
        evictedClusterCount += 1
        generation += 1
        var node = cluster.leaf
        nodes[node].clusterIDs.removeAll { $0 == id }
        while nodes[node].clusterIDs.isEmpty, nodes[node].children.isEmpty {
            let parent = nodes[node].parent
            if parent >= 0 {
                nodes[parent].children[nodes[node].key] = nil
            } else {
                lengthNodes[nodes[node].tokenCount] = nil
            }
            nodes[node] = Node(parent: -1, key: "", tokenCount: 0)
            freeNodes.append(node)
            guard parent >= 0 else { break }
            node = parent
        }
    }

    // MARK: Tokens and masks

    @inline(__always) static func isSpace(_ b: UInt8) -> Bool { b == 0x20 || (b >= 0x09 && b <= 0x0D) }

    /// Whitespace split, as Drain's `str.split()`.
    static func tokenize(_ bytes: [UInt8]) -> [String] {
        bytes.withUnsafeBufferPointer { buffer in
            var tokens: [String] = []
            tokens.reserveCapacity(32)
            var i = 0
            let n = buffer.count
            while i < n {
                while i < n, isSpace(buffer[i]) { i += 1 }
                guard i < n else { break }
                let start = i
                while i < n, !isSpace(buffer[i]) { i += 1 }
                // Whitespace is ASCII, so a split never cuts a UTF-8 sequence.
                tokens.append(String(decoding: UnsafeBufferPointer(rebasing: buffer[start..<i]), as: UTF8.self))
            }
            return tokens
        }
    }

    @inline(__always) static func isAlnum(_ b: UInt8) -> Bool {
        b &- 0x30 < 10 || (b | 0x20) &- 0x61 < 26
    }

    @inline(__always) static func isHex(_ b: UInt8) -> Bool {
        b &- 0x30 < 10 || (b | 0x20) &- 0x61 < 6
    }

    /// Replaces variable parts with `<*>` in one forward pass over the bytes.
    public static func mask(_ text: String, _ masking: Masking) -> String {
        String(decoding: maskedBytes(text, masking), as: UTF8.self)
    }

    /// ``mask(_:_:)`` as UTF-8, which is what tokenising wants.
    static func maskedBytes(_ text: String, _ masking: Masking) -> [UInt8] {
        if masking.isEmpty { return Array(text.utf8) }
        let pathMasks = masking.intersection([.pathsWithDigits, .paths])
        let wordMasks = masking.subtracting(pathMasks)
        if pathMasks.isEmpty {
            // The default: the words are masked straight from the string's
            // own UTF-8, without copying it into an array first.
            if let masked = text.utf8.withContiguousStorageIfAvailable({ maskWords($0, wordMasks) }) { return masked }
            return Array(text.utf8).withUnsafeBufferPointer { maskWords($0, wordMasks) }
        }
        let bytes = maskPaths(
            Array(text.utf8), withDigits: pathMasks.contains(.pathsWithDigits), startingWithSlash: pathMasks.contains(.paths))
        if wordMasks.isEmpty { return bytes }
        return bytes.withUnsafeBufferPointer { bytes in maskWords(bytes, wordMasks) }
    }

    private static func maskWords(_ bytes: UnsafeBufferPointer<UInt8>, _ wordMasks: Masking) -> [UInt8] {
        var out: [UInt8] = []
        out.reserveCapacity(bytes.count + 16)
        var i = 0
        let n = bytes.count
        while i < n {
            let atBoundary = i == 0 || !isAlnum(bytes[i - 1])
            // Every variable starts with a hex digit, a sign or a colon: most
            // words (`upstream`, `timed`) are passed over without trying one.
            if atBoundary, mayStartVariable(bytes[i]), let end = matchVariable(bytes, i, wordMasks),
                end == n || !isAlnum(bytes[end])
            {
                out.append(contentsOf: parameterUTF8)
                i = end
                continue
            }
            // Copy the rest of this alphanumeric run (it did not match) and what follows.
            if isAlnum(bytes[i]) {
                let start = i
                while i < n, isAlnum(bytes[i]) { i += 1 }
                out.append(contentsOf: UnsafeBufferPointer(rebasing: bytes[start..<i]))
            } else {
                out.append(bytes[i])
                i += 1
            }
        }
        return out
    }

    @inline(__always) static func mayStartVariable(_ b: UInt8) -> Bool {
        isHex(b) || b == 0x2D || b == 0x2B || b == 0x3A
    }

    /// Masks whole tokens that hold a `/` and a digit (`withDigits`), or that
    /// start with `/` (`startingWithSlash`).
    static func maskPaths(_ bytes: [UInt8], withDigits: Bool, startingWithSlash: Bool) -> [UInt8] {
        var out: [UInt8] = []
        out.reserveCapacity(bytes.count)
        var i = 0
        while i < bytes.count {
            if isSpace(bytes[i]) {
                out.append(bytes[i])
                i += 1
                continue
            }
            var j = i
            var slash = false, digit = false
            while j < bytes.count, !isSpace(bytes[j]) {
                if bytes[j] == 0x2F { slash = true } else if bytes[j] &- 0x30 < 10 { digit = true }
                j += 1
            }
            if (withDigits && slash && digit) || (startingWithSlash && bytes[i] == 0x2F) {
                out.append(contentsOf: parameter.utf8)
            } else {
                out.append(contentsOf: bytes[i..<j])
            }
            i = j
        }
        return out
    }

    /// End of a variable starting at `i`, trying the most specific shapes first.
    static func matchVariable(_ b: UnsafeBufferPointer<UInt8>, _ i: Int, _ masking: Masking) -> Int? {
        let n = b.count
        if masking.contains(.uuids), i + 36 <= n {
            var ok = true
            for k in 0..<36 {
                let c = b[i + k]
                if k == 8 || k == 13 || k == 18 || k == 23 { if c != 0x2D { ok = false; break } } else if !isHex(c) { ok = false; break }
            }
            if ok { return i + 36 }
        }
        if masking.contains(.ipAddresses) {
            if var end = matchIPv4Port(b, i) {
                // A comma-separated list (a proxy's X-Forwarded-For) is one
                // variable: one client or a chain of proxies is the same event.
                while end + 1 < n, b[end] == 0x2C, let next = matchIPv4Port(b, end + 1) { end = next }
                return end
            }
            if let end = matchIPv6(b, i) { return end }
        }
        if masking.contains(.hexadecimal) {
            if i + 2 < n, b[i] == 0x30, b[i + 1] | 0x20 == 0x78, isHex(b[i + 2]) {
                var p = i + 2
                while p < n, isHex(b[p]) { p += 1 }
                return p
            }
            // Runs of 8+ hex digits with a letter: ids, hashes, masks
            // (`ffffffff`); no English word of 8 letters is spelt with a to f
            // alone. All digits is a number, `.numbers`' to mask or keep.
            var p = i
            var letters = false
            while p < n, isHex(b[p]) {
                if b[p] &- 0x30 >= 10 { letters = true }
                p += 1
            }
            if p - i >= 8, letters { return p }
        }
        if masking.contains(.numbers) {
            var p = i
            if p < n, b[p] == 0x2D || b[p] == 0x2B, p == 0 || !isAlnum(b[p - 1]) { p += 1 }
            let digitsStart = p
            while p < n, b[p] &- 0x30 < 10 { p += 1 }
            if p > digitsStart {
                if p + 1 < n, b[p] == 0x2E, b[p + 1] &- 0x30 < 10 {
                    p += 1
                    while p < n, b[p] &- 0x30 < 10 { p += 1 }
                }
                return p
            }
        }
        return nil
    }

    /// `d.d.d.d` with an optional `:port`.
    static func matchIPv4Port(_ b: UnsafeBufferPointer<UInt8>, _ i: Int) -> Int? {
        guard let end = matchIPv4(b, i) else { return nil }
        let n = b.count
        guard end + 1 < n, b[end] == 0x3A, b[end + 1] &- 0x30 < 10 else { return end }
        var p = end + 1
        while p < n, b[p] &- 0x30 < 10 { p += 1 }
        return p
    }

    static func matchIPv4(_ b: UnsafeBufferPointer<UInt8>, _ i: Int) -> Int? {
        var p = i
        for part in 0..<4 {
            let start = p
            while p < b.count, p - start < 3, b[p] &- 0x30 < 10 { p += 1 }
            guard p > start else { return nil }
            if part < 3 {
                guard p < b.count, b[p] == 0x2E else { return nil }
                p += 1
            }
        }
        return p
    }

    static func matchIPv6(_ b: UnsafeBufferPointer<UInt8>, _ i: Int) -> Int? {
        var p = i
        var colons = 0
        var digits = false
        while p < b.count, isHex(b[p]) || b[p] == 0x3A {
            if b[p] == 0x3A { colons += 1 } else if b[p] &- 0x30 < 10 { digits = true }
            p += 1
        }
        // At least two colons and a digit, and not ending on a lone colon (`key:` text).
        guard colons >= 2, digits, p > i, b[p - 1] != 0x3A || (p - i >= 2 && b[p - 2] == 0x3A) else { return nil }
        return p
    }
}
