
    CREATE TABLE entries(idx bigint PRIMARY KEY, data bytea NOT NULL);
    CREATE TABLE tiles(level smallint NOT NULL, idx bigint NOT NULL, data bytea NOT NULL,
                       PRIMARY KEY (level, idx));
    -- Tile blobs are hashes: compressing them is wasted work.
    ALTER TABLE tiles ALTER COLUMN data SET STORAGE EXTERNAL;
    CREATE TABLE tree_heads(size bigint PRIMARY KEY, root bytea NOT NULL,
                            checkpoint text NOT NULL);
    CREATE TABLE accounts(created bigint NOT NULL, log_index bigint NOT NULL,
                          id text PRIMARY KEY, name text NOT NULL, role text NOT NULL);
    CREATE TABLE credentials(token_hash bytea PRIMARY KEY,
                             account_id text NOT NULL REFERENCES accounts(id));
    CREATE TABLE deposits(idx bigint PRIMARY KEY, size bigint NOT NULL, time bigint NOT NULL,
                          depositor text NOT NULL, digest bytea NOT NULL, title text NOT NULL);
    CREATE UNIQUE INDEX deposits_by_depositor ON deposits(depositor, digest);
    CREATE INDEX deposits_by_digest ON deposits(digest, idx);
    