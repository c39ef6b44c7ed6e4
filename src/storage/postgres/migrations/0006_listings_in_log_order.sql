
    CREATE SEQUENCE listings_rid AS bigint;
    ALTER TABLE listings ADD COLUMN rid bigint;
    -- In the order the log put them: by the log index of the examination that accepted the
    -- application for notice (the first "decision": "accept" in the record's history), as a
    -- replay of the log would; listings without such a record (none that dipr wrote) first, in
    -- the order lists had.
    UPDATE listings l SET rid = o.n FROM (SELECT l2.application_id, row_number() OVER (ORDER BY
        (SELECT min((h->>'index')::bigint) FROM jsonb_array_elements(r.doc::jsonb->'history') h
         WHERE h->>'decision' = 'accept') NULLS FIRST, l2.listed, l2.application_id DESC) AS n
        FROM listings l2 LEFT JOIN records r ON r.kind = 'application'
                                             AND r.id = l2.application_id) o
        WHERE l.application_id = o.application_id;
    SELECT setval('listings_rid', (SELECT coalesce(max(rid), 0) + 1 FROM listings), false);
    ALTER TABLE listings ALTER COLUMN rid SET DEFAULT nextval('listings_rid'),
                         ALTER COLUMN rid SET NOT NULL;
    ALTER SEQUENCE listings_rid OWNED BY listings.rid;
    DROP INDEX listings_by_listed;
    ALTER TABLE listings DROP COLUMN listed;
    -- The order of lists, and (covering) the filters on status and industry.
    CREATE UNIQUE INDEX listings_by_rid ON listings(rid) INCLUDE (status, industry);
    CREATE INDEX listings_by_status ON listings(status, industry, rid);
    -- How many listings each status and industry has, kept by the triggers below: exact totals
    -- for searches by filters only.
    CREATE TABLE listing_counts(n bigint NOT NULL, status text COLLATE "C" NOT NULL,
                                industry text COLLATE "C" NOT NULL,
                                PRIMARY KEY (status, industry));
    INSERT INTO listing_counts SELECT count(*), status, industry FROM listings
        GROUP BY status, industry;
    CREATE FUNCTION listing_counts_follow() RETURNS trigger LANGUAGE plpgsql AS $$
    BEGIN
      IF TG_OP IN ('UPDATE', 'DELETE') THEN
        UPDATE listing_counts SET n = n - 1 WHERE status = OLD.status AND industry = OLD.industry;
      END IF;
      IF TG_OP IN ('UPDATE', 'INSERT') THEN
        INSERT INTO listing_counts(n, status, industry) VALUES (1, NEW.status, NEW.industry)
            ON CONFLICT (status, industry) DO UPDATE SET n = listing_counts.n + 1;
      END IF;
      RETURN NULL;
    END $$;
    CREATE TRIGGER listings_counted AFTER INSERT OR DELETE ON listings
        FOR EACH ROW EXECUTE FUNCTION listing_counts_follow();
    CREATE TRIGGER listings_recounted AFTER UPDATE OF status, industry ON listings FOR EACH ROW
        WHEN (OLD.status IS DISTINCT FROM NEW.status OR OLD.industry IS DISTINCT FROM NEW.industry)
        EXECUTE FUNCTION listing_counts_follow();
    -- The terms without the status, which is a column beside them instead, with the rid: a
    -- search by terms then needs no other table until its page is known. A status change
    -- updates the status alone (the trigger below), which leaves the terms and their index as
    -- they were (a heap-only tuple: hence the room left on each page).
    ALTER TABLE listings_terms ADD COLUMN rid bigint, ADD COLUMN status text COLLATE "C",
                               SET (fillfactor = 50);
    UPDATE listings_terms t SET rid = l.rid, status = l.status,
        terms = ARRAY(SELECT e FROM unnest(t.terms) e WHERE left(e, 1) <> 's')
        FROM listings l WHERE l.application_id = t.application_id;
    ALTER TABLE listings_terms ALTER COLUMN rid SET NOT NULL, ALTER COLUMN status SET NOT NULL;
    CREATE UNIQUE INDEX listings_terms_by_rid ON listings_terms(rid);
    CREATE FUNCTION listings_terms_follow() RETURNS trigger LANGUAGE plpgsql AS $$
    BEGIN
      UPDATE listings_terms SET status = NEW.status WHERE application_id = NEW.application_id;
      RETURN NULL;
    END $$;
    CREATE TRIGGER listings_terms_status AFTER UPDATE OF status ON listings FOR EACH ROW
        WHEN (OLD.status IS DISTINCT FROM NEW.status) EXECUTE FUNCTION listings_terms_follow();
    