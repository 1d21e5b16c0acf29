#pragma once
// The run database's schema, as an ordered list of migrations. Version N is reached by applying migrations
// 1..N in order; a database records its version in PRAGMA user_version. Never edit a published migration:
// append a new one.

namespace memoscope {

class Database;

int latestSchemaVersion();
int schemaVersion(Database& db);

// Brings the database up to `target` (default: the latest). Throws StoreError when the file is newer than
// this build understands.
void migrate(Database& db, int target = -1);

} // namespace memoscope
