-- hookseal SQLite schema, version 2: the inbound gateway.
-- An endpoint with a source forwards that source's inbound events (and only those).
ALTER TABLE endpoints ADD COLUMN source TEXT;
-- An inbound event: its source, the provider's id (sent as webhook-id when
-- forwarded), the provider's content type and, if the source passes them on,
-- its headers (JSON [[name, value], …]); drop_body: empty the payload once every
-- delivery succeeded.
ALTER TABLE messages ADD COLUMN source TEXT;
ALTER TABLE messages ADD COLUMN webhook_id TEXT;
ALTER TABLE messages ADD COLUMN content_type TEXT;
ALTER TABLE messages ADD COLUMN headers TEXT;
ALTER TABLE messages ADD COLUMN drop_body INTEGER NOT NULL DEFAULT 0;
CREATE INDEX messages_source ON messages(source, created_at) WHERE source IS NOT NULL;

-- Sources managed by the API or declared in the config file. The definition
-- (which may hold a shared header value) is sealed like the secrets.
CREATE TABLE sources (
    name        TEXT PRIMARY KEY,
    sealed_def  BLOB NOT NULL,
    from_config INTEGER NOT NULL,
    created_at  INTEGER NOT NULL,
    updated_at  INTEGER NOT NULL
);
CREATE TABLE source_secrets (
    id         INTEGER PRIMARY KEY,
    source     TEXT NOT NULL REFERENCES sources(name) ON DELETE CASCADE,
    sealed     BLOB NOT NULL,
    created_at INTEGER NOT NULL,
    expires_at INTEGER
);
CREATE INDEX source_secrets_source ON source_secrets(source);

-- Durable replay dedup: (source, key) accepted, remembered until expires_at (ms).
CREATE TABLE inbound_seen (
    source     TEXT NOT NULL,
    key        TEXT NOT NULL,
    expires_at INTEGER NOT NULL,
    message_id TEXT NOT NULL,
    PRIMARY KEY (source, key)
) WITHOUT ROWID;
CREATE INDEX inbound_seen_expiry ON inbound_seen(expires_at);

-- Rejection audit: metadata only, never bodies.
CREATE TABLE rejections (
    id        INTEGER PRIMARY KEY,
    at        INTEGER NOT NULL,
    source    TEXT NOT NULL,
    reason    TEXT NOT NULL,
    status    INTEGER NOT NULL,
    remote_ip TEXT,
    detail    TEXT NOT NULL
);
CREATE INDEX rejections_source ON rejections(source, id);
