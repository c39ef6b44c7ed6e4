
    CREATE TABLE pending(id bigserial PRIMARY KEY, entry bytea NOT NULL, sidecar bytea NOT NULL);
    CREATE TABLE pending_results(id bigint PRIMARY KEY, idx bigint NOT NULL, code bigint NOT NULL,
                                 message text NOT NULL);
    