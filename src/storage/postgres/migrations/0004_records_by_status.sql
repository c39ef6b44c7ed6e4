
    -- Work queues: the applications in one status, the longest waiting first.
    CREATE INDEX records_by_status ON records(kind, status, version, id);
    