
    -- Each listing's terms (src/storage/grams.h), in a table of its own: counting what a term
    -- finds visits every row it finds, and these rows are small. Terms of more than 2 kB (a
    -- text of a few hundred characters) are toasted, and toast_tuple_target then moves them
    -- all out of line; no search reads them there, since the index answers @> and && exactly.
    CREATE TABLE listings_terms(application_id text COLLATE "C" PRIMARY KEY,
                                terms text[] COLLATE "C" NOT NULL)
        WITH (toast_tuple_target = 128);
    