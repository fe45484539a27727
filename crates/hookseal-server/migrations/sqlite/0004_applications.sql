-- hookseal SQLite schema, version 4: applications (a provider's customers).
-- Every endpoint and every published message belongs to one; a message fans
-- out to its application's endpoints only. What existed before lands in the
-- `default` application, so nothing queued is lost or sent twice.
CREATE TABLE applications (
    id         TEXT PRIMARY KEY,
    uid        TEXT,                       -- the provider's own id for its customer
    name       TEXT NOT NULL,
    metadata   TEXT NOT NULL DEFAULT '{}', -- JSON object of strings
    rate_limit INTEGER,                    -- deliveries per second, all its endpoints together
    created_at INTEGER NOT NULL,
    updated_at INTEGER NOT NULL
);
CREATE UNIQUE INDEX applications_uid ON applications(uid) WHERE uid IS NOT NULL;
INSERT INTO applications (id, uid, name, created_at, updated_at)
VALUES ('app_default', 'default', 'Default application',
        CAST((julianday('now') - 2440587.5) * 86400000 AS INTEGER),
        CAST((julianday('now') - 2440587.5) * 86400000 AS INTEGER));

-- Endpoints: their application ('' for a source's forwards, which belong to
-- the operator, not to a customer), the provider's id for them, the channels
-- they take (JSON array; NULL: every channel), metadata.
ALTER TABLE endpoints ADD COLUMN app_id TEXT NOT NULL DEFAULT 'app_default';
UPDATE endpoints SET app_id = '' WHERE source IS NOT NULL;
ALTER TABLE endpoints ADD COLUMN uid TEXT;
ALTER TABLE endpoints ADD COLUMN channels TEXT;
ALTER TABLE endpoints ADD COLUMN metadata TEXT NOT NULL DEFAULT '{}';
CREATE INDEX endpoints_app ON endpoints(app_id);
CREATE UNIQUE INDEX endpoints_uid ON endpoints(app_id, uid) WHERE uid IS NOT NULL;

-- Messages: their application (NULL for inbound events, which belong to a
-- source), the publisher's id for them (idempotency: unique per application;
-- a published message's old id is its event id), their channels.
ALTER TABLE messages ADD COLUMN app_id TEXT;
ALTER TABLE messages ADD COLUMN event_id TEXT;
ALTER TABLE messages ADD COLUMN channels TEXT;
UPDATE messages SET app_id = 'app_default', event_id = id WHERE source IS NULL;
CREATE UNIQUE INDEX messages_event ON messages(app_id, event_id) WHERE event_id IS NOT NULL;
CREATE INDEX messages_app ON messages(app_id, id) WHERE app_id IS NOT NULL;

-- Who asked for an attempt: 0 the schedule, 1 an operator (resend, recover).
ALTER TABLE attempts ADD COLUMN manual INTEGER NOT NULL DEFAULT 0;
ALTER TABLE deliveries ADD COLUMN manual INTEGER NOT NULL DEFAULT 0;
-- (attempts_delivery, on delivery_id, already orders each delivery's
-- attempts by id: the id is the rowid.)

-- The event-type catalog.
CREATE TABLE event_types (
    name         TEXT PRIMARY KEY,
    description  TEXT NOT NULL DEFAULT '',
    archived     INTEGER NOT NULL DEFAULT 0,
    deprecated   INTEGER NOT NULL DEFAULT 0,
    schemas      TEXT,                      -- JSON object: version → JSON Schema
    feature_flag TEXT,
    created_at   INTEGER NOT NULL,
    updated_at   INTEGER NOT NULL
);

-- Tokens scoped to one application (stored as SHA-256).
CREATE TABLE app_tokens (
    id          TEXT PRIMARY KEY,
    app_id      TEXT NOT NULL,
    hash        BLOB NOT NULL UNIQUE,
    description TEXT NOT NULL DEFAULT '',
    created_at  INTEGER NOT NULL,
    expires_at  INTEGER,
    revoked_at  INTEGER
);
CREATE INDEX app_tokens_app ON app_tokens(app_id);

-- Answers to POSTs with an idempotency-key (the Svix API), kept 12 hours.
CREATE TABLE idempotency (
    key        BLOB PRIMARY KEY,            -- SHA-256 of credential, key and URI
    request    BLOB NOT NULL,               -- SHA-256 of the request's body
    status     INTEGER NOT NULL,
    body       BLOB NOT NULL,
    created_at INTEGER NOT NULL
) WITHOUT ROWID;
