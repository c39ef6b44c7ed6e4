
    -- Each listing's terms (src/storage/grams.h) as a document whose rowid is its rid: every term
    -- one token, its tag letter and then its bytes in lower-case hex, which the ascii tokenizer
    -- keeps whole. Contentless (PutListing and RemoveListing compute the terms and keep the index
    -- in step), detail=none (which rows hold a token, no positions): that is all a search asks.
    CREATE VIRTUAL TABLE listings_terms USING fts5(terms, content='', detail=none, columnsize=0,
                                                   tokenize='ascii');
    