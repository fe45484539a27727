-- hookseal SQLite schema, version 3: hardening.
-- Endpoints declared in the config file (a source's forward list). Only these
-- may reach ingress.forward_allow_cidrs, and the API cannot change their
-- shape: the privilege follows what the operator wrote, not an id's prefix.
ALTER TABLE endpoints ADD COLUMN from_config INTEGER NOT NULL DEFAULT 0;
UPDATE endpoints SET from_config = 1 WHERE id LIKE 'ep_cfg_%';
-- 1 when the payload (and the inbound headers) are sealed under the data key
-- (store.encrypt_payloads).
ALTER TABLE messages ADD COLUMN sealed INTEGER NOT NULL DEFAULT 0;
-- The readiness probe's row: /readyz rewrites it through the writer.
CREATE TABLE probe (
    id INTEGER PRIMARY KEY CHECK (id = 1),
    at INTEGER NOT NULL,
    filler BLOB NOT NULL
);
-- The SHA-256 of the body an inbound id was accepted with: the same id with
-- the same body again is a provider's retry (answered 2xx, stored once); with
-- another body it is refused as a replay. NULL for records from version 2.
ALTER TABLE inbound_seen ADD COLUMN digest BLOB;
-- Failed deliveries across endpoints, newest change first (partial: the hot
-- path's updates of pending and succeeded rows do not maintain it).
CREATE INDEX deliveries_failed ON deliveries(updated_at) WHERE status = 'failed';
