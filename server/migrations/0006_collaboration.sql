-- Collaborating technicians (issue 15, seed 004). Portable between SQLite and PostgreSQL
-- like 0002: TEXT ids made in Rust, BIGINT 0/1 flags, BIGINT Unix milliseconds.

-- The External tab's two options, per technician group; off until an admin turns them on
-- (seed 004: "inviting external technicians must be activated for the technician group").
ALTER TABLE technician_groups ADD COLUMN can_invite_approved BIGINT NOT NULL DEFAULT 0;
ALTER TABLE technician_groups ADD COLUMN can_invite_unlisted BIGINT NOT NULL DEFAULT 0;

-- The admin's list of approved external technicians (people without an account here).
CREATE TABLE approved_technicians (
    id         TEXT   PRIMARY KEY,
    name       TEXT   NOT NULL,
    email      TEXT   NOT NULL,
    -- Lower-cased, so that one address is listed once whatever its case.
    email_key  TEXT   NOT NULL UNIQUE,
    created_at BIGINT NOT NULL
);

-- One invitation to collaborate on a live session, and after its single use the seat of
-- the technician who redeemed it. The PIN lives in its own namespace (a customer PIN never
-- redeems here, nor the reverse); the link token and the seat's credential are stored only
-- as SHA-256, like every other token.
CREATE TABLE invitations (
    id                 TEXT   PRIMARY KEY,
    session_id         TEXT   NOT NULL REFERENCES sessions (id) ON DELETE CASCADE,
    -- Who invited (the lead, or a collaborator allowed to invite), for the log.
    invited_by         TEXT   NOT NULL,
    -- 'internal' (technician_id set), 'approved' (approved_id set) or 'unlisted'.
    kind               TEXT   NOT NULL CHECK (kind IN ('internal', 'approved', 'unlisted')),
    technician_id      BIGINT REFERENCES technicians (id) ON DELETE CASCADE,
    approved_id        TEXT,
    name               TEXT   NOT NULL,
    email              TEXT,
    -- The four permissions, 0 or 1 each.
    can_talk           BIGINT NOT NULL,
    can_control_camera BIGINT NOT NULL,
    can_invite         BIGINT NOT NULL,
    can_read_log       BIGINT NOT NULL,
    note               TEXT   NOT NULL,
    method             TEXT   NOT NULL CHECK (method IN ('pin', 'email', 'link')),
    pin                TEXT,
    token_hash         TEXT   UNIQUE,
    created_at         BIGINT NOT NULL,
    expires_at         BIGINT NOT NULL,
    redeemed_at        BIGINT,
    -- The credential of the collaborator's console once redeemed (HttpOnly cookie).
    seat_token_hash    TEXT   UNIQUE,
    -- Left, removed, timed out, or its session ended or moved: nothing redeems or
    -- connects with it any more.
    ended_at           BIGINT
);
CREATE INDEX invitations_by_pin ON invitations (pin, created_at);
CREATE INDEX invitations_by_session ON invitations (session_id);
