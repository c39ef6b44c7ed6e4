
    -- Each follower's cursor: how many entries of the log it has applied. Advanced in the same
    -- transaction as the follower's writes.
    CREATE TABLE follower_cursors(name TEXT PRIMARY KEY, position INTEGER NOT NULL) WITHOUT ROWID;
    -- Counters the followers keep (statistics: registry/statistics.h), each under its prefix.
    CREATE TABLE counters(key TEXT PRIMARY KEY, value INTEGER NOT NULL) WITHOUT ROWID;
    