#include "framing.hpp"

namespace chat {

void line_splitter::feed(std::string_view bytes) {
    if (pos_ > 0 && pos_ == buf_.size()) {
        buf_.clear();
        pos_ = 0;
    } else if (pos_ > 4096 && pos_ * 2 > buf_.size()) {
        buf_.erase(0, pos_);
        pos_ = 0;
    }
    buf_.append(bytes);
}

void line_splitter::release_if_empty() {
    if (buffered() != 0) return;
    std::string().swap(buf_);
    pos_ = 0;
    scan_ = 0;
}

line_splitter::status line_splitter::next(std::string& line) {
    for (;;) {
        const std::size_t nl = buf_.find('\n', pos_ + scan_);
        if (nl == std::string::npos) {
            scan_ = buf_.size() - pos_;
            // A line may still end with "\r" before its '\n': allow one byte of slack for it.
            return scan_ > max_line_ + 1 ? status::too_long : status::need_more;
        }
        std::size_t end = nl;
        if (end > pos_ && buf_[end - 1] == '\r') --end;
        const std::size_t len = end - pos_;
        const std::size_t start = pos_;
        pos_ = nl + 1;
        scan_ = 0;
        if (len > max_line_) return status::too_long;
        if (len == 0) continue;
        line.assign(buf_, start, len);
        return status::line;
    }
}

}  // namespace chat
