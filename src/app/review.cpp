// The review session: rows, review decisions, sorting and filtering, Clear with undo, the
// differential. Exports and bytes are in review_io.cpp.
#include <algorithm>
#include <ctime>

#include "app/review.h"

namespace app {

const char* const kReviewColumnNames[(int)ReviewColumn::Count] = {"order", "file", "size", "predicted", "confidence", "review"};
const char* const kDifferentialColumnNames[Differential::Columns] = {"before review, all", "before review, without unsure",
                                                                     "after review, all", "after review, without unsure"};

int ReviewSession::index_of(uint64_t id) const {
    for (int i = 0; i < size(); ++i)
        if (rows_[i].id == id) return i;
    return -1;
}

int ReviewSession::duplicate_of(uint64_t key) const {
    if (key == 0) return -1;
    for (int i = 0; i < size(); ++i)
        if (rows_[i].key == key) return i;
    return -1;
}

int ReviewSession::add(ReviewRow row) {
    row.id = next_id_++;
    rows_.push_back(std::move(row));
    ++revision_;
    return size() - 1;
}

void ReviewSession::set_prediction(int i, const Prediction& p) {
    if (i < 0 || i >= size()) return;
    ReviewRow& r = rows_[i];
    if ((int)p.probs.size() == core::kClasses) {
        r.probs = p.probs;
        r.predicted = (int)(std::max_element(r.probs.begin(), r.probs.end()) - r.probs.begin());
        r.unsure = is_unsure(r.probs[r.predicted], p.unsure_below);
        r.model = p.model;
        r.model_file = p.model_file;
        r.model_crc32 = p.model_crc32;
    } else {
        r.probs.clear();
        r.predicted = -1;
        r.unsure = false;
        r.model.clear();
        r.model_file.clear();
        r.model_crc32.clear();
    }
    r.date = p.date;
    r.ms = p.ms;
    ++revision_;
}

void ReviewSession::set_crop(int i, const core::Crop& crop, std::vector<uint8_t> input, std::vector<uint8_t> thumb) {
    if (i < 0 || i >= size()) return;
    ReviewRow& r = rows_[i];
    r.crop = crop;
    r.input = std::move(input);
    r.thumb = std::move(thumb);
    ++revision_;
}

void ReviewSession::accept(int i) {
    if (i < 0 || i >= size() || rows_[i].predicted < 0) return;
    rows_[i].reviewed = rows_[i].predicted;
    ++revision_;
}

void ReviewSession::relabel(int i, int k) {
    if (i < 0 || i >= size() || k < 0 || k >= core::kClasses) return;
    rows_[i].reviewed = k;
    ++revision_;
}

void ReviewSession::unreview(int i) {
    if (i < 0 || i >= size()) return;
    rows_[i].reviewed = -1;
    ++revision_;
}

void ReviewSession::set_sort(ReviewColumn column, bool descending) {
    if (column == sort_column_ && descending == sort_descending_) return;
    sort_column_ = column;
    sort_descending_ = descending;
    ++revision_;
}

void ReviewSession::set_unsure_only(bool on) {
    if (on == unsure_only_) return;
    unsure_only_ = on;
    ++revision_;
}

namespace {
// -1, 0, 1 comparing rows a and b by `column` (ascending); rows without a prediction sort first.
int compare(const ReviewRow& a, const ReviewRow& b, ReviewColumn column) {
    auto cmp = [](auto x, auto y) { return x < y ? -1 : y < x ? 1 : 0; };
    switch (column) {
        case ReviewColumn::File: return cmp(a.file, b.file);
        case ReviewColumn::Size: return cmp((long long)a.width * a.height, (long long)b.width * b.height);
        case ReviewColumn::Predicted: return cmp(a.predicted, b.predicted);
        case ReviewColumn::Confidence: return cmp(a.predicted >= 0 ? a.confidence() : -1.0f, b.predicted >= 0 ? b.confidence() : -1.0f);
        case ReviewColumn::Review: {
            // not reviewed, accepted, relabelled; then by the label given
            auto rank = [](const ReviewRow& r) { return r.reviewed < 0 ? 0 : r.relabelled() ? 2 : 1; };
            int c = cmp(rank(a), rank(b));
            return c ? c : cmp(a.reviewed, b.reviewed);
        }
        default: return 0;
    }
}
}  // namespace

std::vector<int> ReviewSession::view() const {
    std::vector<int> v;
    for (int i = 0; i < size(); ++i)
        if (!unsure_only_ || rows_[i].unsure) v.push_back(i);
    const ReviewColumn col = sort_column_;
    const bool desc = sort_descending_;
    std::stable_sort(v.begin(), v.end(), [&](int a, int b) {
        int c = compare(rows_[a], rows_[b], col);
        if (c == 0) c = a < b ? -1 : a > b ? 1 : 0;  // ties: order of arrival, in the same direction
        return desc ? c > 0 : c < 0;
    });
    return v;
}

void ReviewSession::clear() {
    if (rows_.empty()) return;
    cleared_ = std::move(rows_);
    rows_.clear();
    ++revision_;
}

bool ReviewSession::undo_clear() {
    if (cleared_.empty()) return false;
    // rows added since the clear stay, after the ones brought back
    for (auto& r : rows_) cleared_.push_back(std::move(r));
    rows_ = std::move(cleared_);
    cleared_.clear();
    ++revision_;
    return true;
}

void ReviewSession::merge_before(ReviewSession earlier) {
    const bool nothing_yet = rows_.empty() && cleared_.empty();
    for (auto& r : earlier.rows_) r.id = next_id_++;
    for (auto& r : rows_) earlier.rows_.push_back(std::move(r));
    rows_ = std::move(earlier.rows_);
    if (cleared_.empty()) {
        for (auto& r : earlier.cleared_) r.id = next_id_++;
        cleared_ = std::move(earlier.cleared_);
    }
    if (nothing_yet) {  // nothing of ours yet: the saved view (sort, filter) too
        sort_column_ = earlier.sort_column_;
        sort_descending_ = earlier.sort_descending_;
        unsure_only_ = earlier.unsure_only_;
    }
    ++revision_;
}

Differential ReviewSession::differential() const {
    Differential d;
    d.images = size();
    for (const ReviewRow& r : rows_) {
        if (r.predicted < 0) continue;
        ++d.classified;
        d.unsure += r.unsure;
        d.reviewed += r.reviewed >= 0;
        d.relabelled += r.relabelled();
        ++d.counts[Differential::BeforeAll][r.predicted];
        if (!r.unsure) ++d.counts[Differential::BeforeSure][r.predicted];
        ++d.counts[Differential::AfterAll][r.label()];
        if (!r.unsure || r.reviewed >= 0) ++d.counts[Differential::AfterSure][r.label()];
    }
    for (int c = 0; c < Differential::Columns; ++c)
        for (int k = 0; k < core::kClasses; ++k) d.totals[c] += d.counts[c][k];
    return d;
}

std::vector<uint8_t> make_thumbnail(const core::Image& img, const core::Crop& crop) {
    if (img.width <= 0 || img.height <= 0 || crop.side <= 0) return {};
    return core::area_resize_fast(img, crop, kThumbSide);
}

std::string iso_date_utc(long long unix_seconds) {
    std::time_t t = (std::time_t)unix_seconds;
    std::tm tm{};
#if defined(_WIN32)
    gmtime_s(&tm, &t);
#else
    gmtime_r(&t, &tm);
#endif
    char buf[32];
    std::strftime(buf, sizeof buf, "%Y-%m-%dT%H:%M:%SZ", &tm);
    return buf;
}

}  // namespace app
