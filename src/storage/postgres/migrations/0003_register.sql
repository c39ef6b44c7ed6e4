
    CREATE EXTENSION IF NOT EXISTS pg_trgm;
    CREATE TABLE records(due bigint, version bigint NOT NULL, kind text COLLATE "C" NOT NULL,
                         id text COLLATE "C" NOT NULL, owner text NOT NULL, parent text NOT NULL,
                         status text NOT NULL, number text NOT NULL, doc text NOT NULL,
                         PRIMARY KEY (kind, id));
    CREATE INDEX records_by_owner ON records(kind, owner, version DESC, id);
    CREATE INDEX records_by_parent ON records(kind, parent, id);
    CREATE INDEX records_due ON records(due) WHERE due IS NOT NULL;
    CREATE INDEX records_by_number ON records(number) WHERE number <> '';
    CREATE TABLE listings(listed bigint NOT NULL, application_id text COLLATE "C" PRIMARY KEY,
                          number text NOT NULL, status text NOT NULL, industry text NOT NULL,
                          holders text NOT NULL, text text NOT NULL, item text NOT NULL);
    -- The order of lists, and (covering) the filters on status and industry: counting a filtered
    -- list reads this index rather than the table.
    CREATE INDEX listings_by_listed ON listings(listed DESC, application_id)
        INCLUDE (status, industry);
    CREATE INDEX listings_text_trgm ON listings USING gin (lower(text COLLATE "C") gin_trgm_ops);
    CREATE INDEX listings_holders_trgm ON listings
        USING gin (lower(holders COLLATE "C") gin_trgm_ops);
    CREATE TABLE numbers(number text COLLATE "C" PRIMARY KEY, record_id text NOT NULL);
    CREATE TABLE sidecars(idx bigint PRIMARY KEY, data bytea NOT NULL);
    