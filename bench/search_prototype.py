#!/usr/bin/env python3
"""A prototype of a public search whose cost does not grow with the register (issue 4).

Copies the listings of a filled registry (bench/registration_load.sh with DATA=...) into a scratch
database laid out for it, runs the queries the load run used (DATA.bench/queries.txt, page 1) both
ways, checks that they return the same page (and the same total, up to the cap), and prints the
CPU time per query by kind:

  exact    the search as of the 05:05 tree: an exact total (listings_fts count, then a walk of
           listings_by_listed or a read of every row found, for the status filter), LIKE for 1-2
           character texts, the page sorted or walked. Runs on the registry's own database.
  ordered  listings numbered in list order, so that a match is read newest first from the FTS
           index (ORDER BY rowid DESC LIMIT 20); status and industry as single tokens of the
           documents (the default statuses as NOT of the rare ones); 1-2 character texts from a
           term index like listings_terms; totals counted up to a cap, and from a counts table
           for status/industry-only queries.

Usage: bench/search_prototype.py DATA/dipr.db DATA.bench/queries.txt [CAP...]
"""
import collections
import os
import sqlite3
import sys
import tempfile
import time
import urllib.parse

DEFAULT = ["registered", "expired", "cancelled", "revoked"]
ALL = DEFAULT + ["in_notice", "refused"]
KINDS = ["zh3", "en", "zh2", "holder", "industry", "browse"]


def fold(s):
    return "".join(ch.lower() if "A" <= ch <= "Z" else ch for ch in s)


def grams(s):
    s = fold(s)
    out = set()
    for i in range(len(s)):
        out.add(s[i])
        if i + 1 < len(s):
            out.add(s[i:i + 2])
    return out


def token(tag, value):
    return tag + value.encode().hex()


def phrase(column, s):
    return column + ' : "' + fold(s).replace('"', '""') + '"'


def exact_search(db, q, holder, industry):
    """The SQL of SqliteStore::SearchListings as of 05:05 (exact totals)."""
    fts, where, args = [], "", []
    for column, s in (("text", q), ("holders", holder)):
        if not s:
            continue
        if len(s) >= 3:
            fts.append(phrase(column, s))
        else:
            where += f" AND l.{column} LIKE ? ESCAPE '\\'"
            args.append("%" + s + "%")
    if industry:
        where += " AND l.industry = ?"
        args.append(industry)
    where += " AND l.status IN (?,?,?,?)"
    args += DEFAULT
    fts = " AND ".join(fts)
    found = 0
    if fts:
        found = db.execute("SELECT count(*) FROM listings_fts WHERE listings_fts MATCH ?",
                           (fts,)).fetchone()[0]
        if found == 0:
            return 0, []
    index = "NOT INDEXED" if fts and found <= 2000 else "INDEXED BY listings_by_listed"
    found_in = " AND l.rid IN (SELECT rowid FROM listings_fts WHERE listings_fts MATCH ?)" if fts else ""
    frm = f"FROM listings l {index} WHERE 1{found_in}{where}"
    a = ([fts] if fts else []) + args
    total = db.execute("SELECT count(*) " + frm, a).fetchone()[0]
    rows = db.execute("SELECT l.item " + frm + " ORDER BY l.listed DESC, l.application_id LIMIT 20",
                      a).fetchall()
    return total, [r[0] for r in rows]


def build(src, path):
    rows = src.execute("SELECT application_id, number, status, industry, holders, text, listed, item "
                       "FROM listings ORDER BY listed ASC, application_id DESC").fetchall()
    db = sqlite3.connect(path, isolation_level=None)
    db.executescript("""
    CREATE TABLE listings(rid INTEGER PRIMARY KEY, application_id TEXT NOT NULL UNIQUE,
      number TEXT NOT NULL, status TEXT NOT NULL, industry TEXT NOT NULL, holders TEXT NOT NULL,
      text TEXT NOT NULL, listed INTEGER NOT NULL, item TEXT NOT NULL);
    CREATE INDEX listings_by_listed ON listings(listed DESC, application_id, status, industry);
    -- status and industry as one trigram each: the first 3 letters of the status, "[x]"
    CREATE VIRTUAL TABLE tri USING fts5(text, holders, status, industry, content='',
      tokenize='trigram case_sensitive 1');
    CREATE VIRTUAL TABLE short_terms USING fts5(terms, content='', detail=none, columnsize=0,
      tokenize='ascii');
    CREATE TABLE listing_counts(status TEXT NOT NULL, industry TEXT NOT NULL, n INTEGER NOT NULL,
      PRIMARY KEY (status, industry)) WITHOUT ROWID;
    """)
    db.execute("BEGIN")
    for rid, r in enumerate(rows, 1):
        application, number, status, industry, holders, text, listed, item = r
        db.execute("INSERT INTO listings VALUES(?,?,?,?,?,?,?,?,?)", (rid,) + tuple(r))
        db.execute("INSERT INTO tri(rowid, text, holders, status, industry) VALUES(?,?,?,?,?)",
                   (rid, fold(text), fold(holders), status[:3], "[" + industry.lower() + "]"))
        doc = ([token("t", g) for g in grams(text)] + [token("h", g) for g in grams(holders)] +
               [token("s", status), token("i", industry)])
        db.execute("INSERT INTO short_terms(rowid, terms) VALUES(?, ?)", (rid, " ".join(doc)))
    db.execute("INSERT INTO listing_counts SELECT status, industry, count(*) FROM listings "
               "GROUP BY 1, 2")
    db.execute("COMMIT")
    return db


def ordered_search(db, q, holder, industry, cap):
    tri, short = [], []
    for column, tag, s in (("text", "t", q), ("holders", "h", holder)):
        if not s:
            continue
        if len(s) >= 3:
            tri.append(phrase(column, s))
        else:
            short.append('"' + token(tag, fold(s)) + '"')
    if not tri and not short:
        where, args = " AND l.status IN (?,?,?,?)", list(DEFAULT)
        if industry:
            where += " AND l.industry = ?"
            args.append(industry)
        total = db.execute("SELECT sum(n) FROM listing_counts WHERE status IN (?,?,?,?)" +
                           (" AND industry = ?" if industry else ""), args).fetchone()[0] or 0
        rows = db.execute("SELECT l.item FROM listings l INDEXED BY listings_by_listed WHERE 1" +
                          where + " ORDER BY l.listed DESC, l.application_id LIMIT 20",
                          args).fetchall()
        return total, [r[0] for r in rows]
    excluded = [s for s in ALL if s not in DEFAULT]
    if tri:
        e = " AND ".join(tri)
        if industry:
            e += f' AND industry : "[{industry.lower()}]"'
        e += "".join(f' NOT status : "{s[:3]}"' for s in excluded)
        sql, args = "SELECT rowid FROM tri WHERE tri MATCH ?", [e]
        if short:
            sql += " AND rowid IN (SELECT rowid FROM short_terms WHERE short_terms MATCH ?)"
            args.append(" AND ".join(short))
    else:
        e = " AND ".join(short)
        if industry:
            e += f' AND "{token("i", industry)}"'
        e += "".join(f' NOT "{token("s", s)}"' for s in excluded)
        sql, args = "SELECT rowid FROM short_terms WHERE short_terms MATCH ?", [e]
    total = db.execute(f"SELECT count(*) FROM ({sql} LIMIT {cap + 1})", args).fetchone()[0]
    if total == 0:
        return 0, []
    ids = [r[0] for r in db.execute(sql + " ORDER BY rowid DESC LIMIT 20", args)]
    rows = db.execute(f"SELECT item FROM listings WHERE rid IN ({','.join('?' * len(ids))}) "
                      "ORDER BY rid DESC", ids).fetchall()
    return total, [r[0] for r in rows]


def report(name, times):
    every = []
    print(f"== {name}: CPU ms per query (p50 / p90 / p99 / max)")
    for kind in KINDS:
        v = sorted(times[kind])
        every += v
        if v:
            n = len(v)
            print(f"  {kind:8s} n={n:4d}  {1e3 * v[n // 2]:7.2f} {1e3 * v[int(n * .9)]:7.2f} "
                  f"{1e3 * v[min(n - 1, int(n * .99))]:7.2f} {1e3 * v[-1]:7.2f}")
    every.sort()
    n = len(every)
    print(f"  {'all':8s} n={n:4d}  {1e3 * every[n // 2]:7.2f} {1e3 * every[int(n * .9)]:7.2f} "
          f"{1e3 * every[int(n * .99)]:7.2f} {1e3 * every[-1]:7.2f}   mean {1e3 * sum(every) / n:.2f}")


def main():
    if len(sys.argv) < 3:
        sys.exit(__doc__)
    caps = [int(c) for c in sys.argv[3:]] or [1000, 100]
    src = sqlite3.connect(f"file:{sys.argv[1]}?mode=ro", uri=True)
    src.execute("PRAGMA cache_size=-8192")  # as dipr's readers
    queries = []
    for line in open(sys.argv[2], encoding="utf-8"):
        kind, target = line.split()
        qs = dict(urllib.parse.parse_qsl(urllib.parse.urlparse(target).query))
        if qs.get("page", "1") == "1":
            queries.append((kind, qs.get("q", ""), qs.get("holder", ""), qs.get("industry", "")))
    with tempfile.TemporaryDirectory() as tmp:
        proto = build(src, os.path.join(tmp, "prototype.db"))
        proto.execute("PRAGMA cache_size=-8192")
        expected = {}
        times = collections.defaultdict(list)
        for kind, q, holder, industry in queries:
            t0 = time.process_time()
            expected[(q, holder, industry)] = exact_search(src, q, holder, industry)
            times[kind].append(time.process_time() - t0)
        report("exact (05:05)", times)
        for cap in caps:
            times = collections.defaultdict(list)
            differ = 0
            for kind, q, holder, industry in queries:
                t0 = time.process_time()
                total, page = ordered_search(proto, q, holder, industry, cap)
                times[kind].append(time.process_time() - t0)
                want_total, want_page = expected[(q, holder, industry)]
                if page != want_page or min(total, cap + 1) != min(want_total, cap + 1):
                    differ += 1
            report(f"ordered, totals capped at {cap} ({differ} of {len(queries)} differ)", times)


if __name__ == "__main__":
    main()
