-- Portable between SQLite and PostgreSQL (the same file runs on both): `$N` placeholders in
-- the queries, BIGINT/TEXT columns, no AUTOINCREMENT/SERIAL (ids are chosen by the server),
-- no COLLATE NOCASE (e-mail addresses are stored lower-cased). This file was rewritten for
-- portability before any deployment existed; from now on schema changes are new files.
--
-- Times are Unix milliseconds (BIGINT) so that they compare cheaply and map 1:1 onto the
-- protocol's `created_at`.

CREATE TABLE technicians (
    -- Chosen by the server as one more than the largest id (see technicians.rs).
    id            BIGINT  PRIMARY KEY,
    -- Lower-cased by the server, so that UNIQUE is case-insensitive on both engines.
    email         TEXT    NOT NULL UNIQUE,
    display_name  TEXT    NOT NULL,
    -- PHC string from argon2 (algorithm, parameters and salt included).
    password_hash TEXT    NOT NULL,
    created_at    BIGINT  NOT NULL,
    updated_at    BIGINT  NOT NULL
);

-- Console log-ins. Only the SHA-256 of the cookie token is stored, so a leaked database
-- does not hand out live sessions.
CREATE TABLE login_sessions (
    token_hash    TEXT    PRIMARY KEY,
    technician_id BIGINT  NOT NULL REFERENCES technicians (id) ON DELETE CASCADE,
    created_at    BIGINT  NOT NULL,
    expires_at    BIGINT  NOT NULL
);
CREATE INDEX login_sessions_by_expiry ON login_sessions (expires_at);
CREATE INDEX login_sessions_by_technician ON login_sessions (technician_id);

CREATE TABLE sessions (
    id                  TEXT    PRIMARY KEY,
    technician_id       BIGINT  NOT NULL REFERENCES technicians (id) ON DELETE CASCADE,
    customer_name       TEXT    NOT NULL,
    -- Kept after use so that a second join can be told "already used" instead of "not found".
    pin                 TEXT    NOT NULL,
    pin_expires_at      BIGINT  NOT NULL,
    status              TEXT    NOT NULL
        CHECK (status IN ('pending', 'waiting', 'active', 'closed', 'expired')),
    end_reason          TEXT,
    -- Set when a customer redeems the PIN; a PIN is single use.
    customer_token_hash TEXT    UNIQUE,
    eula_version        TEXT,
    created_at          BIGINT  NOT NULL,
    joined_at           BIGINT,
    started_at          BIGINT,
    ended_at            BIGINT
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
