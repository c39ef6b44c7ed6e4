
    -- An industry's listings, newest first: a list by industry walks these rather than the
    -- whole list.
    CREATE INDEX listings_by_industry ON listings(industry, rid);
    