-- Hand-off API keys act only for technicians of the groups they are bound to (issue 9,
-- finding 13): a chat system's key can no longer open a session in any technician's
-- console. A key with no row here (every key made before this migration) acts for nobody
-- until an admin scopes it with `lens-server api-key scope --name … --group …`.
CREATE TABLE api_key_groups (
    api_key_id TEXT NOT NULL REFERENCES api_keys (id) ON DELETE CASCADE,
    group_id   TEXT NOT NULL REFERENCES technician_groups (id) ON DELETE CASCADE,
    PRIMARY KEY (api_key_id, group_id)
);
