
    -- An industry's listings, newest first (with the row id, in row id order): a list by
    -- industry walks these rather than the whole table.
    CREATE INDEX listings_by_industry ON listings(industry);
    