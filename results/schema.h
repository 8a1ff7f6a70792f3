// The results schema as an ordered list of forward migrations. Version N's SQL turns a version
// N-1 database into a version N one; the `schema_version` table records each step applied.
#pragma once

#include "results/sqlite.h"

#include <span>
#include <string_view>

namespace astraea::results {

struct Migration {
  int version;
  std::string_view description;
  std::string_view sql;
};

// All migrations, oldest first; versions are 1, 2, ... without gaps.
std::span<const Migration> migrations();

// The newest version this build knows.
int latest_schema_version();

// The version recorded in the file without writing to it: 0 for an empty database. Refuses an
// SQLite file that has tables but is not a results database.
int read_schema_version(Database& db);

// Brings the file to the latest version and returns it. Refuses (touching nothing) a file newer
// than this build, and an older one opened read-only. All missing steps run in one IMMEDIATE
// transaction, so a failure leaves the file as it was; read-write files then switch to WAL.
int prepare_schema(Database& db);

}  // namespace astraea::results
