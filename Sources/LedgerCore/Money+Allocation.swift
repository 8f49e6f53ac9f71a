extension Money {
    /// Splits a rounded total over parts by largest remainder (BILLING.md: breakdowns).
    ///
    /// Each part's exact amount is truncated to minor units; the minor units still missing
    /// go one each to the parts with the largest dropped fractions, ties to the earlier part.
    /// A negative total is allocated as the mirror image of the positive one. The result
    /// always sums to `total` exactly.
    public static func allocate(_ total: Money, overExact parts: [Money], in currency: Currency) -> [Money] {
        guard !parts.isEmpty else { return [] }
        let negative = total.micros < 0 || (total.micros == 0 && parts.allSatisfy { $0.micros <= 0 } && parts.contains { $0.micros < 0 })
        let sign: Int64 = negative ? -1 : 1
        let quantum = currency.quantum
        var shares: [Int64] = []
        var remainders: [(index: Int, remainder: Int64)] = []
        shares.reserveCapacity(parts.count)
        for (index, part) in parts.enumerated() {
            let mirrored = part.micros * sign
            // Truncate toward negative infinity so remainders are never negative.
            var whole = mirrored / quantum
            var remainder = mirrored % quantum
            if remainder < 0 { whole -= 1; remainder += quantum }
            shares.append(whole)
            remainders.append((index, remainder))
        }
        let target = total.micros * sign / quantum
        var missing = target - shares.reduce(0, +)
        if missing > 0 {
            remainders.sort { $0.remainder != $1.remainder ? $0.remainder > $1.remainder : $0.index < $1.index }
            var cursor = 0
            while missing > 0 {
                shares[remainders[cursor % remainders.count].index] += 1
                missing -= 1
                cursor += 1
            }
        } else if missing < 0 {
            // The rounded total is below the truncated parts (floor or truncate of a sum can
            // never do this; a caller passing an unrelated total can): take from the smallest
            // remainders, latest first, so the sum still holds.
            remainders.sort { $0.remainder != $1.remainder ? $0.remainder < $1.remainder : $0.index > $1.index }
            var cursor = 0
            while missing < 0 {
                shares[remainders[cursor % remainders.count].index] -= 1
                missing += 1
                cursor += 1
            }
        }
        return shares.map { Money(micros: $0 * quantum * sign) }
    }
}
