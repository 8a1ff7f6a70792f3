// A thin RAII layer over the sqlite3 C API: a connection, prepared statements with bound values,
// and transactions that roll back unless committed. Every failure throws astraea::Error of kind
// kStorage whose one-line message names the database file and carries SQLite's own message.
#pragma once

#include <cstdint>
#include <filesystem>
#include <optional>
#include <string>
#include <string_view>

struct sqlite3;
struct sqlite3_stmt;

namespace astraea::results {

enum class OpenMode {
  kReadOnly,         // SQLITE_OPEN_READONLY: any write fails
  kReadWrite,        // the file must already exist
  kReadWriteCreate,  // a missing file is created
};

class Statement;

class Database {
 public:
  // Opens (never creates unless mode says so). Checks existence and readability first so that the
  // error names the real problem; does not read or write the file's contents.
  Database(std::filesystem::path path, OpenMode mode, int busy_timeout_ms);
  ~Database();
  Database(const Database&) = delete;
  Database& operator=(const Database&) = delete;

  const std::filesystem::path& path() const { return path_; }
  bool read_only() const { return mode_ == OpenMode::kReadOnly; }
  sqlite3* handle() const { return db_; }

  // Runs SQL text that has no values in it (pragmas, DDL, BEGIN/COMMIT); `doing` names the step.
  void exec(std::string_view sql, std::string_view doing);
  Statement prepare(std::string_view sql);
  // Rows changed by the most recent INSERT/UPDATE/DELETE.
  int changes() const;
  std::int64_t last_insert_rowid() const;

  // Throws kStorage: "results database '<path>': <what>".
  [[noreturn]] void fail(std::string_view what) const;
  // Throws kStorage with SQLite's message for `rc` and a hint for the common cases.
  [[noreturn]] void fail_sqlite(int rc, std::string_view doing) const;

 private:
  std::filesystem::path path_;
  OpenMode mode_;
  int busy_timeout_ms_;
  sqlite3* db_ = nullptr;
};

// A prepared statement. Parameters are 1-based, as in SQLite; columns are 0-based.
class Statement {
 public:
  Statement(Database& db, std::string_view sql);
  ~Statement();
  Statement(Statement&& other) noexcept;
  Statement& operator=(Statement&&) = delete;
  Statement(const Statement&) = delete;
  Statement& operator=(const Statement&) = delete;

  Statement& bind(int index, std::int64_t value);
  Statement& bind(int index, int value) { return bind(index, static_cast<std::int64_t>(value)); }
  Statement& bind(int index, double value);
  Statement& bind(int index, std::string_view text);
  Statement& bind(int index, const char* text) { return bind(index, std::string_view(text)); }
  Statement& bind(int index, const std::string& text) { return bind(index, std::string_view(text)); }
  Statement& bind(int index, std::nullopt_t);
  Statement& bind_blob(int index, std::string_view bytes);
  template <typename T>
  Statement& bind(int index, const std::optional<T>& value) {
    return value ? bind(index, *value) : bind(index, std::nullopt);
  }
  // Binds values to parameters 1..N in order.
  template <typename... Values>
  Statement& bind_all(const Values&... values) {
    int index = 0;
    (bind(++index, values), ...);
    return *this;
  }

  // Advances; true while a row is available.
  bool step();
  // Steps to completion, ignoring any rows; returns the number of rows changed.
  int run();
  void reset();

  bool is_null(int column) const;
  std::int64_t int64(int column) const;
  double real(int column) const;
  std::string text(int column) const;
  std::string blob(int column) const;
  std::optional<std::int64_t> optional_int64(int column) const;
  std::optional<std::string> optional_text(int column) const;

 private:
  void check_bind(int rc, int index);

  Database* db_;
  sqlite3_stmt* stmt_ = nullptr;
};

enum class TransactionKind {
  kDeferred,   // a read snapshot; becomes a writer on the first write
  kImmediate,  // takes the write lock at BEGIN (waiting up to busy_timeout): every write uses this
};

// Rolls back in the destructor unless commit() ran.
class Transaction {
 public:
  Transaction(Database& db, TransactionKind kind);
  ~Transaction();
  Transaction(const Transaction&) = delete;
  Transaction& operator=(const Transaction&) = delete;

  void commit();

 private:
  Database& db_;
  bool open_ = true;
};

}  // namespace astraea::results
