#pragma once
// The emulator's state: every ARM resource (subscriptions and resource groups included),
// and every async operation, in SQLite (a file in WAL mode, or
// ":memory:"). Thread-safe; a Transaction makes a read-modify-write atomic and durable
// before the response leaves.
#include "platform/http.hpp"

#include <cstdint>
#include <memory>
#include <mutex>
#include <optional>
#include <string>
#include <unordered_map>
#include <vector>

struct sqlite3;
struct sqlite3_stmt;

namespace emulator {

/// One stored resource. `key` is the lower-cased id; `id` keeps the last-used casing.
struct Record {
    std::string key;
    std::string id;
    std::string type;            ///< lower-cased ARM type, e.g. microsoft.storage/storageaccounts
    std::string parent;          ///< key of the parent (resource group, workspace, ...) or ""
    std::string subscription;    ///< lower-cased subscription id
    std::string resource_group;  ///< lower-cased resource group name or ""
    Json body;                   ///< what GET returns (before secret stripping)
    Json secrets = Json::object();  ///< server-side secrets (keys), returned only by actions
    std::string etag;
    bool visible = true;  ///< false while a 202-style create runs
    std::int64_t created_ms = 0;
};

/// A record as stored: body and secrets still the JSON text they were stored as (a list can
/// answer with that text without parsing it, see render_text).
struct StoredRecord {
    Record record;  ///< everything but body and secrets
    std::string body;
    std::string secrets;

    /// The record with body and secrets parsed.
    Record parse() &&;
};

/// One async operation (status monitor + result), see operations.hpp.
struct OperationRow {
    std::string id;
    Json body;
    std::int64_t due_ms = 0;
    bool done = false;
};

/// One Activity Log event (see arm/activity_log.cpp); the filter columns are copied out of
/// the body so a query never parses events it does not return.
struct EventRow {
    std::int64_t seq = 0;            ///< insertion order (assigned by add_event)
    std::string subscription;        ///< lower-cased
    std::int64_t timestamp_ms = 0;   ///< eventTimestamp
    std::string resource_key;        ///< lower-cased resource id
    std::string resource_group;      ///< lower-cased
    std::string provider;            ///< lower-cased resource provider namespace
    std::string correlation;         ///< lower-cased correlationId
    std::string body;                ///< EventData JSON text
};

/// Filter for Store::list_events (empty optionals match everything).
struct EventQuery {
    std::string subscription;        ///< lower-cased
    std::int64_t from_ms = 0;        ///< eventTimestamp >= from
    std::int64_t to_ms = 0;          ///< eventTimestamp <= to
    std::optional<std::string> resource_key;
    std::optional<std::string> resource_group;
    std::optional<std::string> provider;
    std::optional<std::string> correlation;
    std::int64_t before_seq = 0;     ///< > 0: only events older than this one (paging)
};

/// Filter for Store::list.
struct RecordQuery {
    std::optional<std::string> type;            ///< lower-cased
    std::optional<std::string> parent;          ///< lower-cased key
    std::optional<std::string> subscription;    ///< lower-cased
    std::optional<std::string> resource_group;  ///< lower-cased
    std::optional<std::string> key_prefix;      ///< lower-cased, e.g. everything under a group
    bool include_hidden = false;
};

/// Told of every resource that comes to exist or goes (the per-resource create counts in
/// Stats). Called with the store's lock held: it must not call back into the store.
class StoreListener {
public:
    virtual ~StoreListener() = default;
    /// A put of `key`; `created` when nothing of that key was stored before (hidden records count
    /// as stored). `record` is what was stored.
    virtual void stored(const std::string& key, bool created, const Record& record) = 0;
    /// `key` was removed (by remove_tree, a parent's included).
    virtual void removed(const std::string& key) = 0;
};

/// The SQLite-backed repository.
class Store {
public:
    /// Opens (creating if needed) `path`, or an in-memory database for ":memory:" or "".
    explicit Store(const std::string& path);
    ~Store();
    Store(const Store&) = delete;
    Store& operator=(const Store&) = delete;

    /// RAII write transaction: holds the store lock; commits in commit() or rolls back.
    class Transaction {
    public:
        explicit Transaction(Store& store);
        ~Transaction();
        /// Commits (durably, before the caller answers the request).
        void commit();

    private:
        Store& m_store;
        std::unique_lock<std::recursive_mutex> m_lock;
        bool m_done = false;
    };

    /// The record with this id (case-insensitive); hidden ones only when asked.
    std::optional<Record> get(const std::string& id, bool include_hidden = false);
    /// Inserts or replaces (keeps the original listing order of an existing key).
    void put(const Record& record);
    /// Reports puts and removals to `listener` from now on (nullptr: to nobody).
    void set_listener(StoreListener* listener);
    /// Deletes the record and everything whose id starts with it + "/"; returns count.
    int remove_tree(const std::string& id);
    /// Whether a visible record has this id (case-insensitive), without reading its body.
    bool exists(const std::string& id);
    /// Matching records in creation order; `offset`/`limit` page them (limit 0 = all).
    std::vector<Record> list(const RecordQuery& q, std::size_t offset = 0, std::size_t limit = 0);
    /// list() with bodies and secrets left as stored text.
    std::vector<StoredRecord> list_stored(const RecordQuery& q, std::size_t offset = 0, std::size_t limit = 0);
    /// Number of matching records.
    std::size_t count(const RecordQuery& q);

    /// Stores an operation (insert or replace).
    void put_operation(const OperationRow& op);
    /// The operation with this id.
    std::optional<OperationRow> get_operation(const std::string& id);
    /// Undone operations due at or before `now_ms`, oldest first.
    std::vector<OperationRow> due_operations(std::int64_t now_ms);

    /// Appends an Activity Log event, then drops events older than `min_ms` and the oldest
    /// beyond `max_count` (bounded retention).
    void add_event(const EventRow& event, std::int64_t min_ms, std::size_t max_count);
    /// Matching events, newest (last recorded) first, at most `limit`.
    std::vector<EventRow> list_events(const EventQuery& q, std::size_t limit);

private:
    void exec(const char* sql);
    std::recursive_mutex m_mutex;
    sqlite3* m_db = nullptr;
    std::unordered_map<std::string, sqlite3_stmt*> m_statements;  ///< prepared once, by SQL text
    int m_depth = 0;
    StoreListener* m_listener = nullptr;
};

}  // namespace emulator
