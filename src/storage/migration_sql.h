// The schema migrations' SQL, one file each beside its backend (sqlite/migrations/,
// postgres/migrations/: NNNN_name.sql, and NNNN_name.then.sql for SQL that runs after the
// migration's backfill), compiled in by src/storage/CMakeLists.txt. A backend runs them in number
// order, each with its backfill step (C++, keyed by number) in one transaction; the schema
// version is the number of the last one run.
//
// Append only: a migration that has shipped is never edited (databases that ran it would differ
// from ones that run it later); store_backends_test.cc checks their bytes.
#pragma once

#include <span>

namespace dipr::storage {

struct MigrationSql {
  int number = 0;              // 1, 2, ... : the schema version once it has run
  const char* name = nullptr;  // the file's name after the number
  const char* sql = nullptr;
  const char* then = nullptr;  // after the backfill step; nullptr: none
};

// In number order, numbered 1 to size() (the build fails on a gap).
std::span<const MigrationSql> SqliteMigrationSql();
std::span<const MigrationSql> PostgresMigrationSql();

}  // namespace dipr::storage
