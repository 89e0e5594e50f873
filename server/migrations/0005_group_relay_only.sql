-- Relay-only privacy per technician group (issue 14): when 1, both sides of the group's
-- calls use TURN relay candidates only, so neither learns the other's IP address. Off for
-- every existing group. Portable between SQLite and PostgreSQL like 0002.
ALTER TABLE technician_groups ADD COLUMN relay_only BIGINT NOT NULL DEFAULT 0;
