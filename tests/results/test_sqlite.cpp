#include "results/sqlite.h"

#include "core/error.h"
#include "scratch.h"
#include "support/catch.h"

#include <stdexcept>
#include <string>

using astraea::Error;
using astraea::ErrorKind;
using astraea::results::Database;
using astraea::results::OpenMode;
using astraea::results::Transaction;
using astraea::results::TransactionKind;
using astraea::results::testing::catch_error;
using astraea::results::testing::ScratchDir;

namespace {

constexpr int kBusyTimeoutMs = 1000;

std::int64_t count_rows(Database& db) {
  auto select = db.prepare("SELECT count(*) FROM items");
  REQUIRE(select.step());
  return select.int64(0);
}

}  // namespace

TEST_CASE("sqlite: statements bind and read back every type", "[results][sqlite]") {
  ScratchDir dir;
  Database db(dir / "types.db", OpenMode::kReadWriteCreate, kBusyTimeoutMs);
  db.exec("CREATE TABLE items (i INTEGER, r REAL, t TEXT, b BLOB, n TEXT)", "creating the table");
  const std::string blob("a\0b\xff", 4);
  const std::optional<std::string> missing;
  db.prepare("INSERT INTO items VALUES (?, ?, ?, ?, ?)")
      .bind_all(std::int64_t{1} << 40, 2.5, "text with 'quotes'")
      .bind_blob(4, blob)
      .bind(5, missing)
      .run();
  auto select = db.prepare("SELECT i, r, t, b, n FROM items");
  REQUIRE(select.step());
  CHECK(select.int64(0) == (std::int64_t{1} << 40));
  CHECK(select.real(1) == 2.5);
  CHECK(select.text(2) == "text with 'quotes'");
  CHECK(select.blob(3) == blob);
  CHECK(select.is_null(4));
  CHECK_FALSE(select.optional_text(4).has_value());
  CHECK_FALSE(select.step());
}

TEST_CASE("sqlite: a transaction rolls back unless committed", "[results][sqlite]") {
  ScratchDir dir;
  Database db(dir / "tx.db", OpenMode::kReadWriteCreate, kBusyTimeoutMs);
  db.exec("CREATE TABLE items (name TEXT NOT NULL)", "creating the table");

  SECTION("an exception mid-transaction leaves no partial rows") {
    CHECK_THROWS_AS(
        [&] {
          Transaction transaction(db, TransactionKind::kImmediate);
          db.prepare("INSERT INTO items VALUES (?)").bind_all("first").run();
          db.prepare("INSERT INTO items VALUES (?)").bind_all("second").run();
          throw std::runtime_error("interrupted before commit");
        }(),
        std::runtime_error);
    CHECK(count_rows(db) == 0);
  }
  SECTION("a failing statement rolls the earlier ones back too") {
    CHECK_THROWS_AS(
        [&] {
          Transaction transaction(db, TransactionKind::kImmediate);
          db.prepare("INSERT INTO items VALUES (?)").bind_all("first").run();
          db.prepare("INSERT INTO items VALUES (?)").bind(1, std::nullopt).run();
          transaction.commit();
        }(),
        Error);
    CHECK(count_rows(db) == 0);
  }
  SECTION("committed rows stay") {
    Transaction transaction(db, TransactionKind::kImmediate);
    db.prepare("INSERT INTO items VALUES (?)").bind_all("kept").run();
    transaction.commit();
    CHECK(count_rows(db) == 1);
  }
}

TEST_CASE("sqlite: errors are kStorage, name the file and quote SQLite", "[results][sqlite]") {
  ScratchDir dir;
  const auto path = dir / "errors.db";

  SECTION("bad SQL") {
    Database db(path, OpenMode::kReadWriteCreate, kBusyTimeoutMs);
    const auto error = catch_error([&] { db.prepare("SELEKT 1"); });
    REQUIRE(error);
    CHECK(error->kind == ErrorKind::kStorage);
    CHECK(error->mentions(path.string()));
    CHECK(error->mentions("syntax error"));
    CHECK_FALSE(error->mentions("\n"));
  }
  SECTION("missing file without create") {
    const auto error = catch_error([&] { Database db(path, OpenMode::kReadWrite, kBusyTimeoutMs); });
    REQUIRE(error);
    CHECK(error->kind == ErrorKind::kStorage);
    CHECK(error->mentions("file not found"));
    CHECK_FALSE(std::filesystem::exists(path));
  }
  SECTION("a write through a read-only connection carries SQLite's message") {
    {
      Database db(path, OpenMode::kReadWriteCreate, kBusyTimeoutMs);
      db.exec("CREATE TABLE items (name TEXT)", "creating the table");
    }
    Database db(path, OpenMode::kReadOnly, kBusyTimeoutMs);
    const auto error = catch_error([&] { db.exec("INSERT INTO items VALUES ('x')", "inserting"); });
    REQUIRE(error);
    CHECK(error->kind == ErrorKind::kStorage);
    CHECK(error->mentions("readonly database"));
    CHECK(error->mentions("read-only"));
    const auto refused = catch_error([&] { Transaction transaction(db, TransactionKind::kImmediate); });
    REQUIRE(refused);
    CHECK(refused->mentions("opened read-only"));
  }
}
