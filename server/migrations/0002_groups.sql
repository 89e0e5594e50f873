-- Technician groups, their permissions and timeouts; the admin role; the session log.
-- Portable between SQLite and PostgreSQL (see the brief's conventions): TEXT ids made in
-- Rust, BIGINT 0/1 flags, BIGINT Unix milliseconds, no driver-specific types.

CREATE TABLE technician_groups (
    id                     TEXT    PRIMARY KEY,
    -- Stored lower-cased in name_key so that "Support" and "support" are one group.
    name                   TEXT    NOT NULL,
    name_key               TEXT    NOT NULL UNIQUE,
    -- Permissions (seeds 001 and 003), 0 or 1 (BIGINT: decoded as i64 on both databases).
    can_start_lens          BIGINT  NOT NULL DEFAULT 1,
    can_start_private       BIGINT  NOT NULL DEFAULT 1,
    can_use_pin             BIGINT  NOT NULL DEFAULT 1,
    can_use_email           BIGINT  NOT NULL DEFAULT 1,
    can_use_link            BIGINT  NOT NULL DEFAULT 1,
    can_invite              BIGINT  NOT NULL DEFAULT 1,
    -- Per-group timeouts in milliseconds; NULL follows the server's setting
    -- (--pin-ttl-secs, --waiting-timeout-secs, --idle-timeout-secs).
    pin_ttl_ms             BIGINT,
    waiting_timeout_ms     BIGINT,
    idle_timeout_ms        BIGINT,
    created_at             BIGINT  NOT NULL
);

-- Installs from before groups existed: every technician could do everything, so they all
-- land in a group that allows everything.
INSERT INTO technician_groups (id, name, name_key, created_at) VALUES ('default', 'Default', 'default', 0);

-- No REFERENCES here: SQLite refuses a foreign key with a non-NULL default on ADD COLUMN;
-- groups.rs refuses to delete a group that still has members and checks ids on write.
ALTER TABLE technicians ADD COLUMN group_id TEXT NOT NULL DEFAULT 'default';
ALTER TABLE technicians ADD COLUMN is_admin BIGINT NOT NULL DEFAULT 0;
-- Before the admin role existed, whoever ran the server managed it; its existing accounts
-- keep that power.
UPDATE technicians SET is_admin = 1;
CREATE INDEX technicians_by_group ON technicians (group_id);

-- How the PIN was handed over ('pin', 'email', 'link'). Every session a technician starts
-- is a private session (seeds 001/003: only its technician sees and starts it), so there is
-- no column for that until sessions can go to a group's queue.
ALTER TABLE sessions ADD COLUMN method TEXT NOT NULL DEFAULT 'pin';
-- Set while the technician has the session on hold (media paused, session kept); the
-- stored status stays 'active' so that the one-active-session rule still holds.
ALTER TABLE sessions ADD COLUMN held_at BIGINT;

-- Every step of a session with its time, for the console's log panel and the API.
CREATE TABLE session_log (
    session_id TEXT   NOT NULL REFERENCES sessions (id) ON DELETE CASCADE,
    -- Strictly increasing within the server (microseconds), so entries of the same
    -- millisecond keep their order.
    seq        BIGINT NOT NULL,
    at         BIGINT NOT NULL,
    event      TEXT   NOT NULL,
    detail     TEXT,
    PRIMARY KEY (session_id, seq)
);
