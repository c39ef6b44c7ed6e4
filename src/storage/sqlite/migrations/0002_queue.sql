
    CREATE TABLE pending(id INTEGER PRIMARY KEY AUTOINCREMENT, entry BLOB NOT NULL,
                         sidecar BLOB NOT NULL);
    CREATE TABLE pending_results(id INTEGER PRIMARY KEY, idx INTEGER NOT NULL,
                                 code INTEGER NOT NULL, message TEXT NOT NULL);
    