import LedgerCore

/// Unit prices per plan and channel over time (BILLING.md: rating). See docs/billing.md.
public struct PriceBook: Sendable {
    /// What one priced unit is.
    public enum Unit: String, Hashable, Sendable, Codable, CaseIterable {
        /// One per message.
        case message
        /// The record's `units` (segments).
        case segment
        /// Calls: seconds rounded up to whole minutes per call (0 seconds is 0 minutes).
        case minute
        /// Calls: the record's seconds.
        case second
    }

    /// One price in force from a date.
    public struct Entry: Hashable, Sendable, Codable {
        public var plan: String
        /// The channel the entry prices: a base channel or a channel with a sub-type.
        public var channel: Channel
        public var per: Unit
        /// Exact, in the plan's currency, at most 6 decimals.
        public var price: Money
        public var effectiveFrom: LocalDate

        public init(plan: String, channel: Channel, per: Unit? = nil, price: Money, effectiveFrom: LocalDate) {
            self.plan = plan
            self.channel = channel
            self.per = per ?? (channel.base == .call ? .minute : .message)
            self.price = price
            self.effectiveFrom = effectiveFrom
        }

        /// Identity of the entry across price corrections: (channel, effective_from).
        public var id: EntryID { EntryID(channel: channel, effectiveFrom: effectiveFrom) }
    }

    public struct EntryID: Hashable, Sendable, Comparable, Codable {
        public var channel: Channel
        public var effectiveFrom: LocalDate
        public static func < (a: EntryID, b: EntryID) -> Bool {
            a.channel != b.channel ? a.channel < b.channel : a.effectiveFrom < b.effectiveFrom
        }
    }

    public struct Plan: Hashable, Sendable {
        public var name: String
        public var currency: Currency
        /// Entries per priced channel, sorted by effective date.
        public var entries: [Channel: [Entry]]

        public init(name: String, currency: Currency, entries: [Entry]) {
            self.name = name
            self.currency = currency
            var grouped: [Channel: [Entry]] = [:]
            for entry in entries { grouped[entry.channel, default: []].append(entry) }
            self.entries = grouped.mapValues { $0.sorted { $0.effectiveFrom < $1.effectiveFrom } }
        }

        /// The most specific entry in force on `day`: the sub-type's own entry once one has
        /// taken effect, the channel's entry otherwise (BILLING.md).
        public func entry(for channel: Channel, on day: LocalDate) -> Entry? {
            if channel.subtype != nil, let found = entries[channel]?.last(where: { $0.effectiveFrom <= day }) { return found }
            return entries[channel.withoutSubtype]?.last(where: { $0.effectiveFrom <= day })
        }
    }

    public let plans: [String: Plan]

    public init(plans: [Plan]) {
        var byName: [String: Plan] = [:]
        for plan in plans { byName[plan.name] = plan }
        self.plans = byName
    }

    /// Loads a price book TOML file.
    public static func load(path: String) throws(ConfigError) -> PriceBook {
        try parse(TOMLReader.parse(file: path))
    }

    public static func parse(text: String, file: String = "<memory>") throws(ConfigError) -> PriceBook {
        try parse(TOMLReader.parse(text: text, file: file))
    }

    static func parse(_ root: TOMLReader) throws(ConfigError) -> PriceBook {
        var plans: [Plan] = []
        var seen: Set<String> = []
        for table in try root.tables("plan") {
            let name = try table.requiredString("name")
            guard seen.insert(name).inserted else { throw table.error("name", name, .duplicate) }
            let code = try table.requiredString("currency")
            guard let currency = Currency(code: code) else { throw table.error("currency", code, .invalid(expected: "a known ISO 4217 code")) }
            var entries: [Entry] = []
            var keys: Set<EntryID> = []
            for price in try table.tables("price") {
                let channelText = try price.requiredString("channel")
                guard let channel = Channel(channelText) else {
                    throw price.error("channel", channelText, .invalid(expected: "a channel such as SMS or FRIENDTALK:IMAGE"))
                }
                var unit: Unit?
                if let perText = try price.string("per") {
                    guard let parsed = Unit(rawValue: perText.lowercased()) else {
                        throw price.error("per", perText, .invalid(expected: "message, segment, minute or second"))
                    }
                    // Minutes and seconds are call durations; a call has no segments.
                    let isCall = channel.base == .call
                    if (parsed == .minute || parsed == .second) != isCall && parsed != .message {
                        throw price.error("per", perText, .unitNotForChannel(channel.description))
                    }
                    unit = parsed
                }
                guard let amount = try price.decimal("price") else { throw price.error("price", "", .missing) }
                guard !amount.isNegative else { throw price.error("price", amount.description, .invalid(expected: "a price of zero or more")) }
                guard let effective = try price.date("effective_from") else { throw price.error("effective_from", "", .missing) }
                let entry = Entry(plan: name, channel: channel, per: unit, price: amount, effectiveFrom: effective)
                guard keys.insert(entry.id).inserted else { throw price.error("effective_from", effective.description, .duplicate) }
                entries.append(entry)
            }
            plans.append(Plan(name: name, currency: currency, entries: entries))
        }
        return PriceBook(plans: plans)
    }
}
