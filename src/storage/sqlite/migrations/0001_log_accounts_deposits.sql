
    CREATE TABLE entries(idx INTEGER PRIMARY KEY, data BLOB NOT NULL);
    -- id = tile level << 56 | tile index
    CREATE TABLE tiles(id INTEGER PRIMARY KEY, data BLOB NOT NULL);
    CREATE TABLE tree_heads(size INTEGER PRIMARY KEY, root BLOB NOT NULL,
                            checkpoint TEXT NOT NULL);
    CREATE TABLE accounts(id TEXT PRIMARY KEY, name TEXT NOT NULL, role TEXT NOT NULL,
                          created INTEGER NOT NULL, log_index INTEGER NOT NULL);
    CREATE TABLE credentials(token_hash BLOB PRIMARY KEY,
                             account_id TEXT NOT NULL REFERENCES accounts(id)) WITHOUT ROWID;
    CREATE TABLE deposits(idx INTEGER PRIMARY KEY, depositor TEXT NOT NULL,
                          digest BLOB NOT NULL, size INTEGER NOT NULL, title TEXT NOT NULL,
                          time INTEGER NOT NULL);
    CREATE UNIQUE INDEX deposits_by_depositor ON deposits(depositor, digest);
    CREATE INDEX deposits_by_digest ON deposits(digest, idx);
    