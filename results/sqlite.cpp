#include "results/sqlite.h"

#include "core/error.h"

#include <fcntl.h>
#include <sqlite3.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>

namespace astraea::results {
namespace {

// How much of a statement's SQL an error message quotes.
constexpr std::size_t kSqlSnippetChars = 60;
// Extended result codes carry the primary code in their low byte.
constexpr int kPrimaryCodeMask = 0xff;

int primary(int rc) { return rc & kPrimaryCodeMask; }

std::string_view hint_for(int rc) {
  switch (primary(rc)) {
    case SQLITE_BUSY:
    case SQLITE_LOCKED:
      return "another process held the lock for longer than the busy timeout";
    case SQLITE_READONLY:
      return "the store is read-only: it was opened read-only, or the file or its directory is not writable";
    case SQLITE_NOTADB:
      return "it is not an SQLite database file, or its header is damaged";
    case SQLITE_CORRUPT:
      return "the database file is corrupt or truncated";
    case SQLITE_CANTOPEN:
      return "check that the directory exists and is accessible";
    case SQLITE_FULL:
      return "the disk is full";
    case SQLITE_PERM:
    case SQLITE_AUTH:
      return "permission denied";
    default:
      return {};
  }
}

std::string snippet(const char* sql) {
  std::string text = sql ? sql : "";
  for (char& c : text) {
    if (c == '\n' || c == '\t') c = ' ';
  }
  const auto first = text.find_first_not_of(' ');
  text.erase(0, first == std::string::npos ? text.size() : first);
  if (text.size() > kSqlSnippetChars) text = text.substr(0, kSqlSnippetChars) + "...";
  return text;
}

int open_flags(OpenMode mode) {
  switch (mode) {
    case OpenMode::kReadOnly:
      return SQLITE_OPEN_READONLY;
    case OpenMode::kReadWrite:
      return SQLITE_OPEN_READWRITE;
    case OpenMode::kReadWriteCreate:
      return SQLITE_OPEN_READWRITE | SQLITE_OPEN_CREATE;
  }
  return SQLITE_OPEN_READONLY;
}

}  // namespace

Database::Database(std::filesystem::path path, OpenMode mode, int busy_timeout_ms)
    : path_(std::move(path)), mode_(mode), busy_timeout_ms_(busy_timeout_ms) {
  std::error_code ec;
  const bool exists = std::filesystem::exists(path_, ec);
  if (!exists && mode != OpenMode::kReadWriteCreate) fail("cannot open: file not found");
  if (exists) {
    if (std::filesystem::is_directory(path_, ec)) fail("cannot open: it is a directory, not a database file");
    // access(), not open() and close(): closing any descriptor of the file drops every POSIX lock
    // this process holds on it, the shared locks of its other connections included; another
    // process closing its connection would then delete the write-ahead log under them.
    if (::access(path_.c_str(), R_OK) != 0) fail(fmt::format("cannot open: the file is unreadable ({})", std::strerror(errno)));
  }
  const int rc = sqlite3_open_v2(path_.c_str(), &db_, open_flags(mode), nullptr);
  if (rc != SQLITE_OK) {
    // SQLite hands back a handle even on failure; its message is the useful part.
    const std::string message = db_ ? sqlite3_errmsg(db_) : sqlite3_errstr(rc);
    sqlite3_close_v2(db_);
    db_ = nullptr;
    const auto hint = hint_for(rc);
    fail(fmt::format("cannot open: {}{}{}", message, hint.empty() ? "" : "; ", hint));
  }
  sqlite3_extended_result_codes(db_, 1);
  sqlite3_busy_timeout(db_, busy_timeout_ms);
  if (mode != OpenMode::kReadOnly && sqlite3_db_readonly(db_, "main") == 1) {
    sqlite3_close_v2(db_);
    db_ = nullptr;
    fail("cannot open for writing: the file is read-only (check its permissions, or open the store read-only)");
  }
}

Database::~Database() { sqlite3_close_v2(db_); }

void Database::exec(std::string_view sql, std::string_view doing) {
  const std::string text(sql);
  char* message = nullptr;
  const int rc = sqlite3_exec(db_, text.c_str(), nullptr, nullptr, &message);
  sqlite3_free(message);
  if (rc != SQLITE_OK) fail_sqlite(rc, doing);
}

Statement Database::prepare(std::string_view sql) { return Statement(*this, sql); }

int Database::changes() const { return sqlite3_changes(db_); }

std::int64_t Database::last_insert_rowid() const { return sqlite3_last_insert_rowid(db_); }

void Database::fail(std::string_view what) const {
  astraea::fail(ErrorKind::kStorage, "results database '{}': {}", path_.string(), what);
}

void Database::fail_sqlite(int rc, std::string_view doing) const {
  const std::string message = db_ ? sqlite3_errmsg(db_) : sqlite3_errstr(rc);
  std::string hint(hint_for(rc));
  if (primary(rc) == SQLITE_BUSY || primary(rc) == SQLITE_LOCKED) hint += fmt::format(" ({} ms)", busy_timeout_ms_);
  fail(fmt::format("{}: {}{}{}", doing, message, hint.empty() ? "" : "; ", hint));
}

Statement::Statement(Database& db, std::string_view sql) : db_(&db) {
  const int rc = sqlite3_prepare_v2(db.handle(), sql.data(), static_cast<int>(sql.size()), &stmt_, nullptr);
  if (rc != SQLITE_OK) {
    sqlite3_finalize(stmt_);
    stmt_ = nullptr;
    const std::string text(sql);
    db.fail_sqlite(rc, fmt::format("preparing '{}'", snippet(text.c_str())));
  }
}

Statement::~Statement() { sqlite3_finalize(stmt_); }

Statement::Statement(Statement&& other) noexcept : db_(other.db_), stmt_(other.stmt_) { other.stmt_ = nullptr; }

void Statement::check_bind(int rc, int index) {
  if (rc != SQLITE_OK) db_->fail_sqlite(rc, fmt::format("binding parameter {} of '{}'", index, snippet(sqlite3_sql(stmt_))));
}

Statement& Statement::bind(int index, std::int64_t value) {
  check_bind(sqlite3_bind_int64(stmt_, index, value), index);
  return *this;
}

Statement& Statement::bind(int index, double value) {
  check_bind(sqlite3_bind_double(stmt_, index, value), index);
  return *this;
}

Statement& Statement::bind(int index, std::string_view text) {
  check_bind(sqlite3_bind_text64(stmt_, index, text.data(), text.size(), SQLITE_TRANSIENT, SQLITE_UTF8), index);
  return *this;
}

Statement& Statement::bind(int index, std::nullopt_t) {
  check_bind(sqlite3_bind_null(stmt_, index), index);
  return *this;
}

Statement& Statement::bind_blob(int index, std::string_view bytes) {
  check_bind(sqlite3_bind_blob64(stmt_, index, bytes.data(), bytes.size(), SQLITE_TRANSIENT), index);
  return *this;
}

bool Statement::step() {
  const int rc = sqlite3_step(stmt_);
  if (rc == SQLITE_ROW) return true;
  if (rc == SQLITE_DONE) return false;
  db_->fail_sqlite(rc, fmt::format("running '{}'", snippet(sqlite3_sql(stmt_))));
}

int Statement::run() {
  while (step()) {
  }
  return db_->changes();
}

void Statement::reset() {
  sqlite3_reset(stmt_);
  sqlite3_clear_bindings(stmt_);
}

bool Statement::is_null(int column) const { return sqlite3_column_type(stmt_, column) == SQLITE_NULL; }

std::int64_t Statement::int64(int column) const { return sqlite3_column_int64(stmt_, column); }

double Statement::real(int column) const { return sqlite3_column_double(stmt_, column); }

std::string Statement::text(int column) const {
  const auto* data = sqlite3_column_text(stmt_, column);
  const int size = sqlite3_column_bytes(stmt_, column);
  return data ? std::string(reinterpret_cast<const char*>(data), static_cast<std::size_t>(size)) : std::string();
}

std::string Statement::blob(int column) const {
  const void* data = sqlite3_column_blob(stmt_, column);
  const int size = sqlite3_column_bytes(stmt_, column);
  return data ? std::string(static_cast<const char*>(data), static_cast<std::size_t>(size)) : std::string();
}

std::optional<std::int64_t> Statement::optional_int64(int column) const {
  if (is_null(column)) return std::nullopt;
  return int64(column);
}

std::optional<std::string> Statement::optional_text(int column) const {
  if (is_null(column)) return std::nullopt;
  return text(column);
}

Transaction::Transaction(Database& db, TransactionKind kind) : db_(db) {
  if (kind == TransactionKind::kImmediate) {
    if (db.read_only()) db.fail("cannot write: the store was opened read-only");
    db.exec("BEGIN IMMEDIATE", "starting a write transaction");
  } else {
    db.exec("BEGIN DEFERRED", "starting a read transaction");
  }
}

Transaction::~Transaction() {
  // A failed statement may already have ended the transaction; only roll back one still open.
  if (open_ && sqlite3_get_autocommit(db_.handle()) == 0) {
    sqlite3_exec(db_.handle(), "ROLLBACK", nullptr, nullptr, nullptr);
  }
}

void Transaction::commit() {
  db_.exec("COMMIT", "committing");
  open_ = false;
}

}  // namespace astraea::results
