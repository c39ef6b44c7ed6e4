
    -- A smaller pending list than the default 4 MB: every search reads all of it. Much smaller
    -- makes writers merge it into the index too often (64 kB: 3 times the cost per listing).
    CREATE INDEX listings_terms_gin ON listings_terms USING gin (terms)
        WITH (gin_pending_list_limit = 1024);
    