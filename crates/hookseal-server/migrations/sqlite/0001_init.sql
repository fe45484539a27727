-- hookseal SQLite schema, version 1. Times are Unix milliseconds.
CREATE TABLE endpoints (
    id              TEXT PRIMARY KEY,
    url             TEXT NOT NULL,
    description     TEXT NOT NULL DEFAULT '',
    event_types     TEXT NOT NULL,            -- JSON array; empty = every event
    headers         TEXT NOT NULL,            -- JSON object sent with every delivery
    scheme          TEXT NOT NULL,            -- JSON signing scheme
    rate_limit      INTEGER,                  -- deliveries per second, NULL = unlimited
    max_concurrency INTEGER,                  -- in-flight deliveries, NULL = unlimited
    enabled         INTEGER NOT NULL,
    disabled_reason TEXT,
    failing_since   INTEGER,
    created_at      INTEGER NOT NULL,
    updated_at      INTEGER NOT NULL
);

CREATE TABLE endpoint_secrets (
    id          INTEGER PRIMARY KEY,
    endpoint_id TEXT NOT NULL REFERENCES endpoints(id) ON DELETE CASCADE,
    sealed      BLOB NOT NULL,                -- AES-256-GCM under the data key
    created_at  INTEGER NOT NULL,
    expires_at  INTEGER                       -- set when rotated out
);
CREATE INDEX endpoint_secrets_endpoint ON endpoint_secrets(endpoint_id);

CREATE TABLE messages (
    id         TEXT PRIMARY KEY,
    event_type TEXT NOT NULL,
    payload    BLOB NOT NULL,
    created_at INTEGER NOT NULL
);

CREATE TABLE deliveries (
    id               TEXT PRIMARY KEY,
    message_id       TEXT NOT NULL REFERENCES messages(id) ON DELETE CASCADE,
    endpoint_id      TEXT NOT NULL REFERENCES endpoints(id) ON DELETE CASCADE,
    status           TEXT NOT NULL,           -- pending | succeeded | failed
    attempts         INTEGER NOT NULL DEFAULT 0,
    next_attempt_at  INTEGER,
    lease_until      INTEGER,
    last_status_code INTEGER,
    created_at       INTEGER NOT NULL,
    updated_at       INTEGER NOT NULL
);
CREATE INDEX deliveries_due ON deliveries(next_attempt_at) WHERE status = 'pending';
CREATE INDEX deliveries_endpoint ON deliveries(endpoint_id, status, updated_at);
CREATE INDEX deliveries_message ON deliveries(message_id);

CREATE TABLE attempts (
    id            INTEGER PRIMARY KEY,
    delivery_id   TEXT NOT NULL REFERENCES deliveries(id) ON DELETE CASCADE,
    at            INTEGER NOT NULL,
    status_code   INTEGER,
    latency_ms    INTEGER NOT NULL,
    response_body TEXT,
    error         TEXT
);
CREATE INDEX attempts_delivery ON attempts(delivery_id);
