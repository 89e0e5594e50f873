-- Times are Unix milliseconds (INTEGER) so that they compare cheaply and map 1:1 onto the
-- protocol's `created_at`.

CREATE TABLE technicians (
    id            INTEGER PRIMARY KEY,
    email         TEXT    NOT NULL UNIQUE COLLATE NOCASE,
    display_name  TEXT    NOT NULL,
    -- PHC string from argon2 (algorithm, parameters and salt included).
    password_hash TEXT    NOT NULL,
    created_at    INTEGER NOT NULL,
    updated_at    INTEGER NOT NULL
);

-- Console log-ins. Only the SHA-256 of the cookie token is stored, so a leaked database
-- does not hand out live sessions.
CREATE TABLE login_sessions (
    token_hash    TEXT    PRIMARY KEY,
    technician_id INTEGER NOT NULL REFERENCES technicians (id) ON DELETE CASCADE,
    created_at    INTEGER NOT NULL,
    expires_at    INTEGER NOT NULL
);
CREATE INDEX login_sessions_by_expiry ON login_sessions (expires_at);
CREATE INDEX login_sessions_by_technician ON login_sessions (technician_id);

CREATE TABLE sessions (
    id                  TEXT    PRIMARY KEY,
    technician_id       INTEGER NOT NULL REFERENCES technicians (id) ON DELETE CASCADE,
    customer_name       TEXT    NOT NULL,
    -- Kept after use so that a second join can be told "already used" instead of "not found".
    pin                 TEXT    NOT NULL,
    pin_expires_at      INTEGER NOT NULL,
    status              TEXT    NOT NULL
        CHECK (status IN ('pending', 'waiting', 'active', 'closed', 'expired')),
    end_reason          TEXT,
    -- Set when a customer redeems the PIN; a PIN is single use.
    customer_token_hash TEXT    UNIQUE,
    eula_version        TEXT,
    created_at          INTEGER NOT NULL,
    joined_at           INTEGER,
    started_at          INTEGER,
    ended_at            INTEGER
);
CREATE INDEX sessions_by_pin ON sessions (pin, created_at);
CREATE INDEX sessions_by_technician ON sessions (technician_id, created_at);
-- The expiry sweep looks only at unredeemed PINs.
CREATE INDEX sessions_unredeemed_by_expiry ON sessions (pin_expires_at)
    WHERE status = 'pending' AND joined_at IS NULL;
-- A technician handles one active Lens session at a time; the server checks this before
-- starting, and this index makes a race between two Starts fail instead of slipping through.
CREATE UNIQUE INDEX sessions_one_active_per_technician ON sessions (technician_id)
    WHERE status = 'active';
