#!/usr/bin/env python3
"""What the sequencer spends on a listing's search indexes per application, replayed in SQLite.

Reads the listings of a filled registry (bench/registration_load.sh with DATA=...), and replays
them into a scratch database with the register's search schema: per application an insert at
acceptance (status in_notice, no registration number yet) and the update at registration (status,
number appended to the text), in transactions of 50, measuring CPU time. Variants:

  tree          trigram FTS5 (listings_fts) + the term index (listings_terms, storage/grams.h)
  number_out    the registration number kept out of the searched text
  status_apart  status and industry terms in a table of their own
  both          number_out and status_apart

Usage: bench/listing_write_cost.py DATA/dipr.db [VARIANT...]   (docs/PERFORMANCE.md, issue 4)
"""
import os
import sqlite3
import sys
import tempfile
import time

SCHEMA = """
CREATE TABLE listings(rid INTEGER PRIMARY KEY, application_id TEXT NOT NULL UNIQUE,
  number TEXT NOT NULL, status TEXT NOT NULL, industry TEXT NOT NULL, holders TEXT NOT NULL,
  text TEXT NOT NULL, listed INTEGER NOT NULL, item TEXT NOT NULL);
CREATE INDEX listings_by_listed ON listings(listed DESC, application_id, status, industry);
CREATE VIEW listings_folded(rid, text, holders) AS
  SELECT rid, lower(text), lower(holders) FROM listings;
CREATE VIRTUAL TABLE listings_fts USING fts5(text, holders, content='listings_folded',
  content_rowid='rid', tokenize='trigram case_sensitive 1');
CREATE TRIGGER listings_fts_insert AFTER INSERT ON listings BEGIN
  INSERT INTO listings_fts(rowid, text, holders)
    VALUES (new.rid, lower(new.text), lower(new.holders));
END;
CREATE TRIGGER listings_fts_update AFTER UPDATE OF text, holders ON listings
    WHEN old.text IS NOT new.text OR old.holders IS NOT new.holders BEGIN
  INSERT INTO listings_fts(listings_fts, rowid, text, holders)
    VALUES ('delete', old.rid, lower(old.text), lower(old.holders));
  INSERT INTO listings_fts(rowid, text, holders)
    VALUES (new.rid, lower(new.text), lower(new.holders));
END;
CREATE VIRTUAL TABLE listings_terms USING fts5(terms, content='', detail=none, columnsize=0,
  tokenize='ascii');
CREATE VIRTUAL TABLE listing_status USING fts5(terms, content='', detail=none, columnsize=0,
  tokenize='ascii');
"""


def fold(s):
    return "".join(ch.lower() if "A" <= ch <= "Z" else ch for ch in s)


def grams(s):
    """The distinct 1- and 2-character substrings (storage/grams.h ShortGrams)."""
    s = fold(s)
    out = set()
    for i in range(len(s)):
        out.add(s[i])
        if i + 1 < len(s):
            out.add(s[i:i + 2])
    return sorted(out, key=lambda g: g.encode())


def token(tag, value):
    return tag + value.encode().hex()


def terms(text, holders, status, industry, with_status):
    t = [token("t", g) for g in grams(text)] + [token("h", g) for g in grams(holders)]
    if with_status:
        t += [token("s", status), token("i", industry)]
    return " ".join(t)


def replay(rows, variant, batch=50):
    number_out = variant in ("number_out", "both")
    status_apart = variant in ("status_apart", "both")
    with tempfile.TemporaryDirectory() as tmp:
        db = sqlite3.connect(os.path.join(tmp, "replay.db"), isolation_level=None)
        db.execute("PRAGMA journal_mode=WAL")
        db.execute("PRAGMA synchronous=OFF")
        db.executescript(SCHEMA)
        accepted, registered = [], []
        for r in rows:
            application, number, status, industry, holders, text, listed, item = r
            before = text.rsplit("\n", 1)[0]  # the text ends with the registration number
            after = before if number_out else text
            accepted.append((before, terms(before, holders, "in_notice", industry, not status_apart)))
            registered.append((after, terms(after, holders, status, industry, not status_apart)))

        def status_doc(status, industry):
            return token("s", status) + " " + token("i", industry)

        t0 = time.process_time()
        for i in range(0, len(rows), batch):
            db.execute("BEGIN")
            for k in range(i, min(i + batch, len(rows))):
                application, _, _, industry, holders, _, listed, item = rows[k]
                text, doc = accepted[k]
                rid = db.execute(
                    "INSERT INTO listings(application_id, number, status, industry, holders, text,"
                    " listed, item) VALUES(?,?,?,?,?,?,?,?) RETURNING rid",
                    (application, "", "in_notice", industry, holders, text, listed, item)).fetchone()[0]
                db.execute("INSERT INTO listings_terms(rowid, terms) VALUES(?, ?)", (rid, doc))
                if status_apart:
                    db.execute("INSERT INTO listing_status(rowid, terms) VALUES(?, ?)",
                               (rid, status_doc("in_notice", industry)))
            db.execute("COMMIT")
        t1 = time.process_time()
        for i in range(0, len(rows), batch):
            db.execute("BEGIN")
            for k in range(i, min(i + batch, len(rows))):
                application, number, status, industry, _, _, listed, item = rows[k]
                text, doc = registered[k]
                old_doc = accepted[k][1]
                rid = db.execute(
                    "UPDATE listings SET number=?, status=?, text=?, listed=?, item=? "
                    "WHERE application_id=? RETURNING rid",
                    (number, status, text, listed, item, application)).fetchone()[0]
                if doc != old_doc:
                    db.execute("INSERT INTO listings_terms(listings_terms, rowid, terms) "
                               "VALUES('delete', ?, ?)", (rid, old_doc))
                    db.execute("INSERT INTO listings_terms(rowid, terms) VALUES(?, ?)", (rid, doc))
                if status_apart:
                    db.execute("INSERT INTO listing_status(listing_status, rowid, terms) "
                               "VALUES('delete', ?, ?)", (rid, status_doc("in_notice", industry)))
                    db.execute("INSERT INTO listing_status(rowid, terms) VALUES(?, ?)",
                               (rid, status_doc(status, industry)))
            db.execute("COMMIT")
        t2 = time.process_time()
        db.close()
    n = len(rows)
    tokens = sum(len(d.split()) for _, d in registered) / n
    print(f"{variant:13s} accept {1e6 * (t1 - t0) / n:5.0f} us, registration "
          f"{1e6 * (t2 - t1) / n:5.0f} us, both {1e6 * (t2 - t0) / n:5.0f} us per application "
          f"({tokens:.0f} term tokens per listing)", flush=True)


def main():
    if len(sys.argv) < 2:
        sys.exit(__doc__)
    src = sqlite3.connect(f"file:{sys.argv[1]}?mode=ro", uri=True)
    rows = src.execute("SELECT application_id, number, status, industry, holders, text, listed, "
                       "item FROM listings WHERE number <> '' ORDER BY rid").fetchall()
    for variant in sys.argv[2:] or ["tree", "number_out", "status_apart", "both"]:
        replay(rows, variant)


if __name__ == "__main__":
    main()
