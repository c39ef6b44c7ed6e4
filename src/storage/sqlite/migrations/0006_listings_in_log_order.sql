
    DROP VIEW listings_folded;
    DROP TABLE listings_fts;
    CREATE TABLE listings_new(rid INTEGER PRIMARY KEY, application_id TEXT NOT NULL UNIQUE,
                              number TEXT NOT NULL, status TEXT NOT NULL, industry TEXT NOT NULL,
                              holders TEXT NOT NULL, text TEXT NOT NULL, item TEXT NOT NULL);
    -- In the order the log put them: by the log index of the examination that accepted the
    -- application for notice (the first "decision": "accept" in the record's history), as a
    -- replay of the log would; listings without such a record (none that dipr wrote) first, in
    -- the order lists had.
    INSERT INTO listings_new(application_id, number, status, industry, holders, text, item)
        SELECT l.application_id, l.number, l.status, l.industry, l.holders, l.text, l.item
        FROM listings l LEFT JOIN records r ON r.kind = 'application' AND r.id = l.application_id
        ORDER BY (SELECT min(json_extract(h.value, '$.index')) FROM json_each(r.doc, '$.history') h
                  WHERE json_extract(h.value, '$.decision') = 'accept'),
                 l.listed, l.application_id DESC;
    DROP TABLE listings;
    ALTER TABLE listings_new RENAME TO listings;
    -- The listings of some statuses (and an industry): the status filter's sets.
    CREATE INDEX listings_by_status ON listings(status, industry);
    -- As in version 3.
    CREATE VIEW listings_folded(rid, text, holders) AS
        SELECT rid, lower(text), lower(holders) FROM listings;
    CREATE VIRTUAL TABLE listings_fts USING fts5(text, holders, content='listings_folded',
                                                 content_rowid='rid',
                                                 tokenize='trigram case_sensitive 1');
    INSERT INTO listings_fts(listings_fts) VALUES('rebuild');
    CREATE TRIGGER listings_fts_insert AFTER INSERT ON listings BEGIN
      INSERT INTO listings_fts(rowid, text, holders)
          VALUES (new.rid, lower(new.text), lower(new.holders));
    END;
    CREATE TRIGGER listings_fts_delete AFTER DELETE ON listings BEGIN
      INSERT INTO listings_fts(listings_fts, rowid, text, holders)
          VALUES ('delete', old.rid, lower(old.text), lower(old.holders));
    END;
    CREATE TRIGGER listings_fts_update AFTER UPDATE OF text, holders ON listings
        WHEN old.text IS NOT new.text OR old.holders IS NOT new.holders BEGIN
      INSERT INTO listings_fts(listings_fts, rowid, text, holders)
          VALUES ('delete', old.rid, lower(old.text), lower(old.holders));
      INSERT INTO listings_fts(rowid, text, holders)
          VALUES (new.rid, lower(new.text), lower(new.holders));
    END;
    -- How many listings each status and industry has: exact totals for searches by filters
    -- only, and which way a search takes its status filter. Kept by PutListing/RemoveListing.
    CREATE TABLE listing_counts(status TEXT NOT NULL, industry TEXT NOT NULL,
                                n INTEGER NOT NULL, PRIMARY KEY (status, industry)) WITHOUT ROWID;
    INSERT INTO listing_counts SELECT status, industry, count(*) FROM listings
        GROUP BY status, industry;
    -- The terms again, under the new rids and without the status.
    INSERT INTO listings_terms(listings_terms) VALUES('delete-all');
    