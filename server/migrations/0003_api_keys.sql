-- Chat and contact-centre systems call the hand-off API with an API key (seed 002). Keys are
-- created by an admin with `lens-server api-key create`, shown once, and stored only as the
-- SHA-256 of the key (256 random bits, so no dictionary to attack; see tokens.rs).
CREATE TABLE api_keys (
    id         TEXT   PRIMARY KEY,
    name       TEXT   NOT NULL UNIQUE,
    key_hash   TEXT   NOT NULL UNIQUE,
    created_at BIGINT NOT NULL,
    -- Set by `lens-server api-key revoke`; a revoked key is refused like an unknown one.
    revoked_at BIGINT
);

-- One remote-assistance dialog of a chat system: it keeps its id while "create another
-- PIN" replaces the Lens session behind it (the old session closes, so its PIN stops
-- working and stays out of circulation like any used PIN).
CREATE TABLE handoffs (
    id         TEXT   PRIMARY KEY,
    api_key_id TEXT   NOT NULL REFERENCES api_keys (id) ON DELETE CASCADE,
    session_id TEXT   NOT NULL REFERENCES sessions (id) ON DELETE CASCADE,
    created_at BIGINT NOT NULL
);
CREATE INDEX handoffs_by_session ON handoffs (session_id);
