
    CREATE TABLE records(kind TEXT NOT NULL, id TEXT NOT NULL, owner TEXT NOT NULL,
                         parent TEXT NOT NULL, status TEXT NOT NULL, number TEXT NOT NULL,
                         due INTEGER, doc TEXT NOT NULL, version INTEGER NOT NULL,
                         PRIMARY KEY (kind, id));
    CREATE INDEX records_by_owner ON records(kind, owner, version DESC, id);
    CREATE INDEX records_by_parent ON records(kind, parent, id);
    CREATE INDEX records_due ON records(due) WHERE due IS NOT NULL;
    CREATE INDEX records_by_number ON records(number) WHERE number <> '';
    -- rid is the full-text index's row id: an INTEGER PRIMARY KEY, so that VACUUM keeps it.
    CREATE TABLE listings(rid INTEGER PRIMARY KEY, application_id TEXT NOT NULL UNIQUE,
                          number TEXT NOT NULL, status TEXT NOT NULL, industry TEXT NOT NULL,
                          holders TEXT NOT NULL, text TEXT NOT NULL, listed INTEGER NOT NULL,
                          item TEXT NOT NULL);
    -- The order of lists, and (covering) the filters on status and industry.
    CREATE INDEX listings_by_listed ON listings(listed DESC, application_id, status, industry);
    -- Substring search: the trigrams of text and holders with their ASCII letters in lower case
    -- (SQLite's lower() changes no others), case-sensitively, so that a phrase of the query's
    -- trigrams matches exactly the rows whose text contains it ASCII-case-insensitively. The
    -- text itself stays in listings (external content, read through the view), and the
    -- triggers keep the index in step with it.
    CREATE VIEW listings_folded(rid, text, holders) AS
        SELECT rid, lower(text), lower(holders) FROM listings;
    CREATE VIRTUAL TABLE listings_fts USING fts5(text, holders, content='listings_folded',
                                                 content_rowid='rid',
                                                 tokenize='trigram case_sensitive 1');
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
    CREATE TABLE numbers(number TEXT PRIMARY KEY, record_id TEXT NOT NULL) WITHOUT ROWID;
    CREATE TABLE sidecars(idx INTEGER PRIMARY KEY, data BLOB NOT NULL);
    