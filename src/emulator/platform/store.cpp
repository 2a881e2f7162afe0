#include "platform/store.hpp"

#include <sqlite3.h>

#include <stdexcept>
#include <utility>

namespace emulator {

namespace {

const char* k_schema = R"sql(
CREATE TABLE IF NOT EXISTS resources(
  key TEXT PRIMARY KEY, id TEXT NOT NULL, type TEXT NOT NULL, parent TEXT NOT NULL,
  subscription TEXT NOT NULL, resource_group TEXT NOT NULL, body TEXT NOT NULL,
  secrets TEXT NOT NULL, etag TEXT NOT NULL, visible INTEGER NOT NULL,
  created_ms INTEGER NOT NULL, seq INTEGER NOT NULL);
CREATE INDEX IF NOT EXISTS resources_parent ON resources(parent, type, seq);
CREATE INDEX IF NOT EXISTS resources_sub ON resources(subscription, type, seq);
CREATE TABLE IF NOT EXISTS operations(
  id TEXT PRIMARY KEY, body TEXT NOT NULL, due_ms INTEGER NOT NULL, done INTEGER NOT NULL);
CREATE INDEX IF NOT EXISTS operations_due ON operations(done, due_ms);
CREATE TABLE IF NOT EXISTS events(
  seq INTEGER PRIMARY KEY AUTOINCREMENT, subscription TEXT NOT NULL, ts_ms INTEGER NOT NULL,
  resource_key TEXT NOT NULL, resource_group TEXT NOT NULL, provider TEXT NOT NULL,
  correlation TEXT NOT NULL, body TEXT NOT NULL);
CREATE INDEX IF NOT EXISTS events_sub_ts ON events(subscription, ts_ms);
)sql";

/// A statement from the store's cache (prepared once per SQL text), reset and unbound when
/// it goes out of scope. Only used with the store's mutex held.
class Stmt {
public:
    Stmt(sqlite3* db, std::unordered_map<std::string, sqlite3_stmt*>& cache, const std::string& sql) : m_db(db) {
        auto it = cache.find(sql);
        if (it == cache.end()) {
            sqlite3_stmt* stmt = nullptr;
            if (sqlite3_prepare_v3(db, sql.c_str(), -1, SQLITE_PREPARE_PERSISTENT, &stmt, nullptr) != SQLITE_OK) {
                throw std::runtime_error(std::string("emulator: sqlite: ") + sqlite3_errmsg(db));
            }
            it = cache.emplace(sql, stmt).first;
        }
        m_stmt = it->second;
    }
    ~Stmt() {
        sqlite3_reset(m_stmt);
        sqlite3_clear_bindings(m_stmt);
    }
    Stmt(const Stmt&) = delete;
    Stmt& operator=(const Stmt&) = delete;
    Stmt& bind(const std::string& v) {
        sqlite3_bind_text(m_stmt, ++m_index, v.c_str(), static_cast<int>(v.size()), SQLITE_TRANSIENT);
        return *this;
    }
    Stmt& bind(std::int64_t v) {
        sqlite3_bind_int64(m_stmt, ++m_index, v);
        return *this;
    }
    bool step() {
        int rc = sqlite3_step(m_stmt);
        if (rc == SQLITE_ROW) {
            return true;
        }
        if (rc != SQLITE_DONE) {
            throw std::runtime_error(std::string("emulator: sqlite: ") + sqlite3_errmsg(m_db));
        }
        return false;
    }
    std::string text(int col) const {
        const auto* p = sqlite3_column_text(m_stmt, col);
        return p != nullptr ? std::string(reinterpret_cast<const char*>(p),
                                          static_cast<std::size_t>(sqlite3_column_bytes(m_stmt, col)))
                            : std::string();
    }
    std::int64_t integer(int col) const { return sqlite3_column_int64(m_stmt, col); }

private:
    sqlite3* m_db = nullptr;
    sqlite3_stmt* m_stmt = nullptr;
    int m_index = 0;
};

const char* k_columns = "key,id,type,parent,subscription,resource_group,body,secrets,etag,visible,created_ms";

// A row as stored: body and secrets still JSON text, parsed once the store's lock is released.
using RawRecord = StoredRecord;

RawRecord read_raw(const Stmt& s) {
    RawRecord raw;
    Record& r = raw.record;
    r.key = s.text(0);
    r.id = s.text(1);
    r.type = s.text(2);
    r.parent = s.text(3);
    r.subscription = s.text(4);
    r.resource_group = s.text(5);
    raw.body = s.text(6);
    raw.secrets = s.text(7);
    r.etag = s.text(8);
    r.visible = s.integer(9) != 0;
    r.created_ms = s.integer(10);
    return raw;
}

Record parsed(RawRecord raw) { return std::move(raw).parse(); }

/// WHERE clause for a query plus its bound values in order.
std::pair<std::string, std::vector<std::string>> where(const RecordQuery& q) {
    std::string sql = " WHERE 1=1";
    std::vector<std::string> args;
    auto add = [&](const char* clause, const std::optional<std::string>& v) {
        if (v) {
            sql += clause;
            args.push_back(*v);
        }
    };
    add(" AND type=?", q.type);
    add(" AND parent=?", q.parent);
    add(" AND subscription=?", q.subscription);
    add(" AND resource_group=?", q.resource_group);
    if (q.key_prefix) {
        sql += " AND substr(key,1,?)=?";
        args.push_back(std::to_string(q.key_prefix->size()));
        args.push_back(*q.key_prefix);
    }
    if (!q.include_hidden) {
        sql += " AND visible=1";
    }
    return {sql, args};
}

}  // namespace

Record StoredRecord::parse() && {
    record.body = Json::parse(body);
    record.secrets = Json::parse(secrets);
    return std::move(record);
}

Store::Store(const std::string& path) {
    std::string p = path.empty() ? ":memory:" : path;
    if (sqlite3_open_v2(p.c_str(), &m_db, SQLITE_OPEN_READWRITE | SQLITE_OPEN_CREATE | SQLITE_OPEN_FULLMUTEX,
                        nullptr) != SQLITE_OK) {
        std::string msg = m_db != nullptr ? sqlite3_errmsg(m_db) : "out of memory";
        sqlite3_close(m_db);
        throw std::runtime_error("emulator: cannot open state database " + p + ": " + msg);
    }
    sqlite3_busy_timeout(m_db, 5000);
    if (p != ":memory:") {
        // WAL + NORMAL: a commit is in the WAL file before we answer, so killing the
        // process (kill -9) loses nothing acknowledged; only power loss could.
        exec("PRAGMA journal_mode=WAL");
        exec("PRAGMA synchronous=NORMAL");
        // Reads through a memory map instead of a pread() per page (and a cache bigger than
        // SQLite's 2 MB default): the 20 MB state of a 2,000-resource estate is read per list.
        exec("PRAGMA mmap_size=268435456");
        exec("PRAGMA cache_size=-65536");
    }
    exec(k_schema);
}

Store::~Store() {
    for (auto& [sql, stmt] : m_statements) {
        sqlite3_finalize(stmt);
    }
    sqlite3_close(m_db);
}

void Store::exec(const char* sql) {
    char* err = nullptr;
    if (sqlite3_exec(m_db, sql, nullptr, nullptr, &err) != SQLITE_OK) {
        std::string msg = err != nullptr ? err : "unknown";
        sqlite3_free(err);
        throw std::runtime_error("emulator: sqlite: " + msg);
    }
}

Store::Transaction::Transaction(Store& store) : m_store(store), m_lock(store.m_mutex) {
    if (m_store.m_depth++ == 0) {
        m_store.exec("BEGIN IMMEDIATE");
    }
}

Store::Transaction::~Transaction() {
    if (!m_done && --m_store.m_depth == 0) {
        try {
            m_store.exec("ROLLBACK");
        } catch (...) {
        }
    }
}

void Store::Transaction::commit() {
    if (m_done) {
        return;
    }
    m_done = true;
    if (--m_store.m_depth == 0) {
        m_store.exec("COMMIT");
    }
}

std::optional<Record> Store::get(const std::string& id, bool include_hidden) {
    RawRecord raw;
    {
        std::lock_guard lock(m_mutex);
        Stmt s(m_db, m_statements, std::string("SELECT ") + k_columns + " FROM resources WHERE key=?");
        s.bind(to_lower(id));
        if (!s.step()) {
            return std::nullopt;
        }
        raw = read_raw(s);
    }
    if (!raw.record.visible && !include_hidden) {
        return std::nullopt;
    }
    return parsed(std::move(raw));
}

void Store::set_listener(StoreListener* listener) {
    std::lock_guard lock(m_mutex);
    m_listener = listener;
}

void Store::put(const Record& r) {
    std::lock_guard lock(m_mutex);
    bool created = false;
    if (m_listener != nullptr) {
        Stmt q(m_db, m_statements, "SELECT 1 FROM resources WHERE key=?");
        q.bind(to_lower(r.id));
        created = !q.step();
    }
    Stmt s(m_db, m_statements,
           "INSERT INTO resources(key,id,type,parent,subscription,resource_group,body,secrets,etag,visible,"
           "created_ms,seq) VALUES(?,?,?,?,?,?,?,?,?,?,?,(SELECT COALESCE(MAX(seq),0)+1 FROM resources)) "
           "ON CONFLICT(key) DO UPDATE SET id=excluded.id, body=excluded.body, secrets=excluded.secrets, "
           "etag=excluded.etag, visible=excluded.visible");
    s.bind(to_lower(r.id))
        .bind(r.id)
        .bind(r.type)
        .bind(r.parent)
        .bind(r.subscription)
        .bind(r.resource_group)
        .bind(r.body.dump())
        .bind(r.secrets.dump())
        .bind(r.etag)
        .bind(static_cast<std::int64_t>(r.visible ? 1 : 0))
        .bind(r.created_ms);
    s.step();
    if (m_listener != nullptr) {
        m_listener->stored(to_lower(r.id), created, r);
    }
}

int Store::remove_tree(const std::string& id) {
    std::lock_guard lock(m_mutex);
    std::string key = to_lower(id);
    std::string prefix = key + "/";
    if (m_listener != nullptr) {
        Stmt q(m_db, m_statements, "SELECT key FROM resources WHERE key=? OR substr(key,1,?)=?");
        q.bind(key).bind(static_cast<std::int64_t>(prefix.size())).bind(prefix);
        while (q.step()) {
            m_listener->removed(q.text(0));
        }
    }
    Stmt s(m_db, m_statements, "DELETE FROM resources WHERE key=? OR substr(key,1,?)=?");
    s.bind(key).bind(static_cast<std::int64_t>(prefix.size())).bind(prefix);
    s.step();
    return sqlite3_changes(m_db);
}

bool Store::exists(const std::string& id) {
    std::lock_guard lock(m_mutex);
    Stmt s(m_db, m_statements, "SELECT visible FROM resources WHERE key=?");
    s.bind(to_lower(id));
    return s.step() && s.integer(0) != 0;
}

std::vector<Record> Store::list(const RecordQuery& q, std::size_t offset, std::size_t limit) {
    std::vector<Record> out;
    for (auto& raw : list_stored(q, offset, limit)) {
        out.push_back(parsed(std::move(raw)));
    }
    return out;
}

std::vector<StoredRecord> Store::list_stored(const RecordQuery& q, std::size_t offset, std::size_t limit) {
    std::vector<RawRecord> raws;
    {
        std::lock_guard lock(m_mutex);
        auto [clause, args] = where(q);
        Stmt s(m_db, m_statements, std::string("SELECT ") + k_columns + " FROM resources" + clause +
                                       " ORDER BY seq LIMIT ? OFFSET ?");
        for (const auto& a : args) {
            s.bind(a);
        }
        s.bind(limit > 0 ? static_cast<std::int64_t>(limit) : std::int64_t{-1});
        s.bind(static_cast<std::int64_t>(offset));
        while (s.step()) {
            raws.push_back(read_raw(s));
        }
    }
    return raws;
}

std::size_t Store::count(const RecordQuery& q) {
    std::lock_guard lock(m_mutex);
    auto [clause, args] = where(q);
    Stmt s(m_db, m_statements, "SELECT COUNT(*) FROM resources" + clause);
    for (const auto& a : args) {
        s.bind(a);
    }
    s.step();
    return static_cast<std::size_t>(s.integer(0));
}

void Store::put_operation(const OperationRow& op) {
    std::lock_guard lock(m_mutex);
    Stmt s(m_db, m_statements, "INSERT OR REPLACE INTO operations(id,body,due_ms,done) VALUES(?,?,?,?)");
    s.bind(op.id).bind(op.body.dump()).bind(op.due_ms).bind(static_cast<std::int64_t>(op.done ? 1 : 0));
    s.step();
}

std::optional<OperationRow> Store::get_operation(const std::string& id) {
    std::lock_guard lock(m_mutex);
    Stmt s(m_db, m_statements, "SELECT id,body,due_ms,done FROM operations WHERE id=?");
    s.bind(to_lower(id));
    if (!s.step()) {
        return std::nullopt;
    }
    return OperationRow{s.text(0), Json::parse(s.text(1)), s.integer(2), s.integer(3) != 0};
}

std::vector<OperationRow> Store::due_operations(std::int64_t now_ms) {
    std::lock_guard lock(m_mutex);
    Stmt s(m_db, m_statements, "SELECT id,body,due_ms,done FROM operations WHERE done=0 AND due_ms<=? ORDER BY due_ms, id");
    s.bind(now_ms);
    std::vector<OperationRow> out;
    while (s.step()) {
        out.push_back(OperationRow{s.text(0), Json::parse(s.text(1)), s.integer(2), s.integer(3) != 0});
    }
    return out;
}

void Store::add_event(const EventRow& e, std::int64_t min_ms, std::size_t max_count) {
    std::lock_guard lock(m_mutex);
    {
        Stmt s(m_db, m_statements,
               "INSERT INTO events(subscription,ts_ms,resource_key,resource_group,provider,correlation,body) "
               "VALUES(?,?,?,?,?,?,?)");
        s.bind(e.subscription)
            .bind(e.timestamp_ms)
            .bind(e.resource_key)
            .bind(e.resource_group)
            .bind(e.provider)
            .bind(e.correlation)
            .bind(e.body);
        s.step();
    }
    std::int64_t last = sqlite3_last_insert_rowid(m_db);
    Stmt prune(m_db, m_statements, "DELETE FROM events WHERE ts_ms<? OR seq<=?");
    prune.bind(min_ms).bind(last - static_cast<std::int64_t>(max_count));
    prune.step();
}

std::vector<EventRow> Store::list_events(const EventQuery& q, std::size_t limit) {
    std::lock_guard lock(m_mutex);
    std::string sql =
        "SELECT seq,subscription,ts_ms,resource_key,resource_group,provider,correlation,body FROM events "
        "WHERE subscription=? AND ts_ms>=? AND ts_ms<=?";
    std::vector<std::string> args;
    auto add = [&](const char* clause, const std::optional<std::string>& v) {
        if (v) {
            sql += clause;
            args.push_back(*v);
        }
    };
    add(" AND resource_key=?", q.resource_key);
    add(" AND resource_group=?", q.resource_group);
    add(" AND provider=?", q.provider);
    add(" AND correlation=?", q.correlation);
    if (q.before_seq > 0) {
        sql += " AND seq<?";
        args.push_back(std::to_string(q.before_seq));
    }
    sql += " ORDER BY seq DESC LIMIT ?";
    Stmt s(m_db, m_statements, sql);
    s.bind(q.subscription).bind(q.from_ms).bind(q.to_ms);
    for (const auto& a : args) {
        s.bind(a);
    }
    s.bind(limit > 0 ? static_cast<std::int64_t>(limit) : std::int64_t{-1});
    std::vector<EventRow> out;
    while (s.step()) {
        out.push_back(EventRow{s.integer(0), s.text(1), s.integer(2), s.text(3), s.text(4), s.text(5), s.text(6),
                               s.text(7)});
    }
    return out;
}

}  // namespace emulator
