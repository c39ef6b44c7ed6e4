
    -- Accounts can be disabled, and hold more than one token for a while after a rotation with
    -- a grace period; a token may expire (micros since the epoch; NULL: until revoked).
    ALTER TABLE accounts ADD COLUMN disabled boolean NOT NULL DEFAULT false;
    ALTER TABLE credentials ADD COLUMN expires bigint;
    CREATE INDEX credentials_by_account ON credentials(account_id);
    CREATE INDEX accounts_by_role ON accounts(role, log_index);
    CREATE INDEX accounts_by_index ON accounts(log_index);
    -- The token hash of each account's creation, kept as that entry's sidecar (as a rotation's
    -- is) so that a migration replays the log's token history; until now an account had one.
    INSERT INTO sidecars(idx, data)
        SELECT a.log_index, c.token_hash FROM accounts a JOIN credentials c ON c.account_id = a.id
        ON CONFLICT DO NOTHING;
    