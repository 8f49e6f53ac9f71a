-- The sqlite3 `.import` anchor's table: the canonical record's columns with the ledger's key,
-- (vendor, message_id), so that the anchor pays for a primary-key index as ours does.
CREATE TABLE deliveries (
    vendor       TEXT NOT NULL,
    account      TEXT NOT NULL,
    message_id   TEXT NOT NULL,
    batch_id     TEXT,
    sent_at      TEXT NOT NULL,
    completed_at TEXT,
    channel      TEXT NOT NULL,
    status       TEXT NOT NULL,
    refundable   TEXT NOT NULL,
    reason_code  TEXT,
    reason_text  TEXT,
    units        INTEGER NOT NULL,
    category     TEXT,
    sender       TEXT,
    recipient    TEXT,
    fallback_of  TEXT,
    vendor_cost  TEXT,
    PRIMARY KEY (vendor, message_id)
);
