
    -- Each follower's cursor: how many entries of the log it has applied. Advanced in the same
    -- transaction as the follower's writes.
    CREATE TABLE follower_cursors(position bigint NOT NULL, name text COLLATE "C" PRIMARY KEY);
    -- Counters the followers keep (statistics: registry/statistics.h), each under its prefix.
    CREATE TABLE counters(value bigint NOT NULL, key text COLLATE "C" PRIMARY KEY);
    