-- A record's parties (issue 11): the accounts it belongs to by role (holder, objector; later
-- licensee, pledgee, ...), so that "the records where this account is <role>" needs no column per
-- kind. PutRecord replaces a record's parties with its own. The records already there have one
-- each: an application its holder, an objection its objector, both the record's owner.
CREATE TABLE record_parties(kind text COLLATE "C" NOT NULL, record_id text COLLATE "C" NOT NULL,
                            role text COLLATE "C" NOT NULL, party text COLLATE "C" NOT NULL,
                            PRIMARY KEY (kind, record_id, role, party));
CREATE INDEX record_parties_by_party ON record_parties(kind, role, party);
INSERT INTO record_parties(kind, record_id, role, party)
    SELECT kind, id, CASE kind WHEN 'application' THEN 'holder' ELSE 'objector' END, owner
    FROM records WHERE kind IN ('application', 'objection') AND owner <> '';
