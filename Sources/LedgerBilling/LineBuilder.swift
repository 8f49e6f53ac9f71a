import LedgerCore

/// Builds rounded lines with their daily and bridge breakdowns, checking every sum.
struct LineBuilder {
    let account: Account

    var currency: Currency { account.currency }

    func invariant(_ condition: Bool, _ detail: @autoclosure () -> String) throws(BillingError) {
        if !condition { throw BillingError(account: account.id, .invariant(detail())) }
    }

    func add(_ a: Money, _ b: Money) throws(BillingError) -> Money {
        do { return try a + b } catch { throw BillingError(account: account.id, .overflow) }
    }

    func sum(_ amounts: some Sequence<Money>) throws(BillingError) -> Money {
        var total = Money.zero
        for amount in amounts { total = try add(total, amount) }
        return total
    }

    /// One line per rated line key, sorted; `piece` names the (month, cycle) piece of a day.
    func lines(_ usage: RatedUsage, piece: (LocalDate) -> (CalendarMonth, LocalDate)) throws(BillingError) -> [StatementLine] {
        var result: [StatementLine] = []
        for key in usage.cells.keys.sorted() {
            let cells = usage.cells[key]!.sorted { $0.key < $1.key }
            let entry = usage.entries[key]!
            let exact = try sum(cells.map(\.value.exact))
            // BILLING.md: rounding happens once per statement line.
            let amount = exact.rounded(to: currency, account.rounding)
            let dayAmounts = Money.allocate(amount, overExact: cells.map(\.value.exact), in: currency)
            var days: [DayPart] = []
            for (index, (day, cell)) in cells.enumerated() {
                days.append(DayPart(day: day, messages: cell.messages, units: cell.units, exact: cell.exact, amount: dayAmounts[index]))
            }
            // Pieces: consecutive days grouped by (month, cycle), in order.
            var pieceKeys: [(CalendarMonth, LocalDate)] = []
            var pieceCells: [RatedCell] = []
            for (day, cell) in cells {
                let p = piece(day)
                if let last = pieceKeys.last, last == p {
                    pieceCells[pieceCells.count - 1].messages += cell.messages
                    pieceCells[pieceCells.count - 1].units += cell.units
                    pieceCells[pieceCells.count - 1].exact = try add(pieceCells[pieceCells.count - 1].exact, cell.exact)
                } else {
                    try invariant(!pieceKeys.contains { $0 == p }, "days of piece \(p.0)/\(p.1) are not contiguous")
                    pieceKeys.append(p)
                    pieceCells.append(cell)
                }
            }
            let pieceAmounts = Money.allocate(amount, overExact: pieceCells.map(\.exact), in: currency)
            var pieces: [PiecePart] = []
            for index in pieceKeys.indices {
                pieces.append(PiecePart(month: pieceKeys[index].0, cycle: pieceKeys[index].1, messages: pieceCells[index].messages,
                                        units: pieceCells[index].units, exact: pieceCells[index].exact, amount: pieceAmounts[index]))
            }
            let line = StatementLine(key: key, per: entry.per, unitPrice: entry.price, messages: cells.reduce(0) { $0 + $1.value.messages },
                                     units: cells.reduce(0) { $0 + $1.value.units }, exact: exact, amount: amount, days: days, pieces: pieces)
            try check(line)
            result.append(line)
        }
        return result
    }

    /// Every breakdown of a line adds up to it exactly (units, exact and rounded amounts).
    func check(_ line: StatementLine) throws(BillingError) {
        let name = "\(line.key.channel) \(line.key.kind) \(line.key.entry.effectiveFrom)"
        try invariant(line.amount.isWhole(in: currency), "line \(name) not rounded to minor units")
        try invariant(line.days.reduce(0) { $0 + $1.units } == line.units, "daily units of \(name) do not add up")
        try invariant(try sum(line.days.map(\.exact)) == line.exact, "daily exact amounts of \(name) do not add up")
        try invariant(try sum(line.days.map(\.amount)) == line.amount, "daily amounts of \(name) do not add up")
        try invariant(line.pieces.reduce(0) { $0 + $1.units } == line.units, "bridge units of \(name) do not add up")
        try invariant(line.pieces.reduce(0) { $0 + $1.messages } == line.messages, "bridge messages of \(name) do not add up")
        try invariant(try sum(line.pieces.map(\.exact)) == line.exact, "bridge exact amounts of \(name) do not add up")
        try invariant(try sum(line.pieces.map(\.amount)) == line.amount, "bridge amounts of \(name) do not add up")
        for part in line.days { try invariant(part.amount.isWhole(in: currency), "daily amount of \(name) not in minor units") }
    }

    /// The lines' pieces summed per (month, cycle), in order.
    func bridge(_ lines: [StatementLine]) throws(BillingError) -> [PiecePart] {
        var byKey: [String: PiecePart] = [:]
        for line in lines {
            for piece in line.pieces {
                let id = "\(piece.month)|\(piece.cycle)"
                if var existing = byKey[id] {
                    existing.messages += piece.messages
                    existing.units += piece.units
                    existing.exact = try add(existing.exact, piece.exact)
                    existing.amount = try add(existing.amount, piece.amount)
                    byKey[id] = existing
                } else {
                    byKey[id] = piece
                }
            }
        }
        return byKey.values.sorted { ($0.month, $0.cycle) < ($1.month, $1.cycle) }
    }

    /// The lines' days summed per day.
    func daily(_ lines: [StatementLine]) throws(BillingError) -> [DayPart] {
        var byDay: [LocalDate: DayPart] = [:]
        for line in lines {
            for part in line.days {
                if var existing = byDay[part.day] {
                    existing.messages += part.messages
                    existing.units += part.units
                    existing.exact = try add(existing.exact, part.exact)
                    existing.amount = try add(existing.amount, part.amount)
                    byDay[part.day] = existing
                } else {
                    byDay[part.day] = part
                }
            }
        }
        return byDay.values.sorted { $0.day < $1.day }
    }

    /// Status counts and per-channel summaries.
    func summaries(_ usage: RatedUsage, lines: [StatementLine]) throws(BillingError) -> ([StatusCount], [ChannelSummary]) {
        let counts = usage.statuses.sorted { $0.key < $1.key }.map { key, totals in
            StatusCount(channel: key.channel, status: key.status, refundable: key.refundable, isFallback: key.isFallback,
                        final: key.final, billed: key.billed, messages: totals.messages, units: totals.units)
        }
        var channels: [Channel: ChannelSummary] = [:]
        func blank(_ channel: Channel) -> ChannelSummary {
            ChannelSummary(channel: channel, sent: 0, delivered: 0, failed: 0, failedRefundable: 0, excluded: 0, pending: 0,
                           fallbackDelivered: 0, fallbackFailed: 0, uncertainBilled: 0, uncertainFree: 0, billedUnits: 0, amount: .zero)
        }
        for count in counts {
            var summary = channels[count.channel] ?? blank(count.channel)
            let n = count.messages
            if count.status.countsAsSent { summary.sent += n }
            switch count.status {
            case .delivered:
                summary.delivered += n
                if count.isFallback { summary.fallbackDelivered += n }
            case .failed:
                summary.failed += n
                if count.refundable { summary.failedRefundable += n }
                if count.isFallback { summary.fallbackFailed += n }
            case .excluded:
                summary.excluded += n
            case .pending:
                summary.pending += n
                if count.final { if count.billed { summary.uncertainBilled += n } else { summary.uncertainFree += n } }
            case .scheduled, .cancelled:
                break
            }
            channels[count.channel] = summary
        }
        for line in lines {
            var summary = channels[line.key.channel] ?? blank(line.key.channel)
            summary.billedUnits += line.units
            summary.amount = try add(summary.amount, line.amount)
            channels[line.key.channel] = summary
        }
        return (counts, channels.values.sorted { $0.channel < $1.channel })
    }
}
