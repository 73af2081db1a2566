// The disk store's background work and search: the search index filled in small steps, searches
// bounded in time, and retention (by age, size and count) in small steps.
#include "store_sqlite_impl.hpp"

namespace chat::sqlite_detail {

std::vector<stored_message> sqlite_store::search(std::string_view words, std::string_view room,
                                                 std::string_view nick, std::size_t limit) {
    std::vector<stored_message> out;
    const auto terms = search_terms(words);
    if (terms.empty() || !ready()) return out;
    search_deadline_ = steady::now() + search_budget;
    sqlite3_progress_handler(db_, 2000, &sqlite_store::over_budget, this);
    // The newest messages are not indexed yet: read them directly, newest first.
    {
        const statement& t = tail_;
        t.bind(1, static_cast<std::int64_t>(fts_upto_));
        t.bind(2, fold_name(room));
        t.bind(3, fold_name(nick));
        int rc = 0;
        while (out.size() < limit && (rc = t.step()) == SQLITE_ROW) {
            stored_message m = read_message(t);
            if (matches_word_starts(m.text, terms)) out.push_back(std::move(m));
        }
        t.done();
        if (rc != 0 && rc != SQLITE_ROW && rc != SQLITE_DONE) {
            sqlite3_progress_handler(db_, 0, nullptr, nullptr);
            if (rc != SQLITE_INTERRUPT) fault(rc, "searching");
            return out;
        }
    }
    if (out.size() >= limit) {
        sqlite3_progress_handler(db_, 0, nullptr, nullptr);
        return out;
    }
    std::string q;
    for (const std::string& t : terms) q += (q.empty() ? "" : " ") + ('"' + t + "\"*");
    const statement& s = search_;
    s.bind(1, q);
    s.bind(2, fold_name(room));
    s.bind(3, fold_name(nick));
    s.bind(4, static_cast<std::int64_t>(limit - out.size()));
    int rc = 0;
    while ((rc = s.step()) == SQLITE_ROW) out.push_back(read_message(s));
    sqlite3_progress_handler(db_, 0, nullptr, nullptr);
    s.done();
    // Cut short by the time budget: what was found so far is the answer.
    if (rc != SQLITE_DONE && rc != SQLITE_INTERRUPT) fault(rc, "searching");
    return out;
}

bool sqlite_store::tick(std::int64_t now_ms) {
    if (!ok_) {
        if (now_ms < next_retry_ms_) return false;
        next_retry_ms_ = now_ms + retry_ms;
        const std::size_t waiting = pending_.size();
        if (!open_all(nullptr)) return false;
        commit();
        if (!ok_) return false;
        note("store: " + path_ + " is written again; " + std::to_string(waiting) + " waiting messages stored" +
             (unstored_ > 0 ? ", " + std::to_string(unstored_) + " relayed while the disk failed are not" : ""));
        unstored_ = 0;
        return false;
    }
    commit();
    if (ok_) take_checkpoint();
    if (ok_ && wal_frames_ >= set_.checkpoint_pages) checkpointer_->request();
    const bool more_index = ok_ && index_step(index_batch);
    if (!ok_) return false;
    // A checkpoint under way is more to do too: its result is taken a timer step later.
    return prune_step(now_ms) || more_index || (ok_ && checkpointer_->running());
}

int sqlite_store::over_budget(void* self) {
    return steady::now() > static_cast<sqlite_store*>(self)->search_deadline_ ? 1 : 0;
}

bool sqlite_store::index_step(int batch) {
    if (!ok_ || fts_upto_ >= last_id_) return false;
    const statement& u = index_upto_;
    u.bind(1, static_cast<std::int64_t>(fts_upto_));
    u.bind(2, std::int64_t{batch});
    int rc = u.step();
    const bool any = rc == SQLITE_ROW && sqlite3_column_type(u.get(), 0) != SQLITE_NULL;
    const std::uint64_t upto = any ? static_cast<std::uint64_t>(u.integer(0)) : 0;
    u.done();
    if (rc != SQLITE_ROW) {
        fault(rc, "indexing");
        return false;
    }
    if (!any) {
        // Ids handed out but never stored (relayed while the disk failed): nothing to index.
        if (pending_.empty()) fts_upto_ = last_id_;
        return false;
    }
    rc = exec("BEGIN IMMEDIATE");
    if (rc == SQLITE_OK) {
        const statement& s = index_;
        s.bind(1, static_cast<std::int64_t>(fts_upto_));
        s.bind(2, std::int64_t{batch});
        rc = s.step();
        s.done();
        if (rc == SQLITE_DONE) rc = SQLITE_OK;
    }
    if (rc == SQLITE_OK) rc = put_meta("fts_upto", std::to_string(upto));
    if (rc == SQLITE_OK) rc = exec("COMMIT");
    if (rc != SQLITE_OK) {
        if (!sqlite3_get_autocommit(db_)) exec("ROLLBACK");
        fault(rc, "indexing");
        return false;
    }
    fts_upto_ = upto;
    return fts_upto_ < last_id_;
}

history_page sqlite_store::page(const std::string& conv, std::int64_t before, std::size_t limit) {
    history_page p;
    if (!ready()) {
        p.available = false;
        return p;
    }
    const statement& s = page_;
    s.bind(1, conv);
    s.bind(2, before);
    s.bind(3, static_cast<std::int64_t>(limit) + 1);
    int rc = 0;
    while ((rc = s.step()) == SQLITE_ROW) p.messages.push_back(read_message(s));
    s.done();
    if (rc != SQLITE_DONE) {
        fault(rc, "reading");
        p.messages.clear();
        p.available = false;
        return p;
    }
    p.complete = p.messages.size() <= limit;
    if (!p.complete) p.messages.pop_back();
    std::reverse(p.messages.begin(), p.messages.end());
    return p;
}

bool sqlite_store::prune_step(std::int64_t now_ms) {
    int deleted = 0;
    int rc = SQLITE_OK;
    std::set<std::string> touched;  // the conversations that lost messages
    // A delete answers with the conversation of each message it removed.
    auto run = [&](const statement& s) {
        while ((rc = s.step()) == SQLITE_ROW) {
            ++deleted;
            touched.insert(s.text(0));
        }
        s.done();
    };
    if (set_.retain_days > 0) {
        const statement& s = prune_age_;
        s.bind(1, std::int64_t{prune_batch});
        s.bind(2, now_ms - set_.retain_days * 86'400'000);
        run(s);
    }
    if ((rc == SQLITE_OK || rc == SQLITE_DONE) && set_.max_bytes > 0 && deleted == 0 && over_size()) {
        const statement& s = prune_oldest_;
        s.bind(1, std::int64_t{prune_batch});
        run(s);
    }
    if ((rc == SQLITE_OK || rc == SQLITE_DONE) && set_.retain_messages > 0 && deleted == 0) {
        // One conversation per step, walking the conv index round and round.
        const statement& n = prune_next_conv_;
        n.bind(1, conv_cursor_);
        rc = n.step();
        conv_cursor_ = rc == SQLITE_ROW ? n.text(0) : std::string();
        n.done();
        if (rc == SQLITE_ROW && !conv_cursor_.empty()) {
            const statement& s = prune_conv_;
            s.bind(1, conv_cursor_);
            s.bind(2, static_cast<std::int64_t>(set_.retain_messages));
            s.bind(3, std::int64_t{prune_batch});
            run(s);
        }
    }
    if (rc == SQLITE_OK || rc == SQLITE_DONE || rc == SQLITE_ROW) rc = forget_rooms(std::move(touched));
    if (rc != SQLITE_OK && rc != SQLITE_DONE && rc != SQLITE_ROW) {
        fault(rc, "pruning");
        return false;
    }
    return deleted > 0;
}

int sqlite_store::forget_rooms(std::set<std::string> touched) {
    touched.merge(forget_later_);
    forget_later_.clear();
    for (const std::string& key : touched) {
        if (!key.starts_with('#')) continue;  // a private conversation has no row
        if (in_use_ && in_use_(key)) {
            forget_later_.insert(key);
            continue;
        }
        const statement& s = room_forget_;
        s.bind_static(1, key);
        const int rc = s.step();
        s.done();
        if (rc != SQLITE_DONE) return rc;
        if (sqlite3_changes(db_) > 0) known_rooms_.erase(key);
    }
    return SQLITE_OK;
}

bool sqlite_store::over_size() {
    statement s;
    if (s.prepare(db_, "SELECT page_count * page_size FROM pragma_page_count(), pragma_page_size()") != SQLITE_OK ||
        s.step() != SQLITE_ROW) {
        return false;
    }
    return static_cast<std::uint64_t>(s.integer(0)) > set_.max_bytes;
}

}  // namespace chat::sqlite_detail
