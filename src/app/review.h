// The Classify tab's review session (issue 12): every image the user classified, with what the model
// said and what the reviewer decided, the way a lab reviews pre-classified cells. Rows sort by any
// column and filter to the unsure ones; each row is accepted or relabelled; Clear keeps what it
// cleared until undone; the differential counts the batch per class (with and without unsure images,
// before and after review); the session exports as CSV and as a one-page printable HTML report, and
// saves to bytes that the platform keeps (IndexedDB in the page, a file on the desktop).
// No ImGui, no GL and no file I/O (tested natively and under WebAssembly: tests/test_review.cpp).
#pragma once
#include <array>
#include <cstdint>
#include <string>
#include <vector>

#include "core/dataset.h"
#include "core/image.h"
#include "core/result.h"

namespace app {

// The one rule for "unsure": a prediction whose confidence (top probability) is below the model's
// threshold. Until models store a threshold chosen on val (issue 12 item 2), every model's is this.
constexpr float kDefaultUnsureBelow = 0.60f;
inline bool is_unsure(float confidence, float threshold) { return confidence < threshold; }

constexpr int kThumbSide = 64;  // thumbnails: the crop, kThumbSide x kThumbSide RGB

struct ReviewRow {
    uint64_t id = 0;                  // unique within the session (set by ReviewSession::add)
    std::string file;
    uint64_t key = 0;                 // core::content_key of the file's bytes (duplicates), 0 unknown
    int width = 0, height = 0;        // of the original image
    core::Crop crop;
    std::vector<uint8_t> input;       // 28x28x3, what the model sees (kept to classify again)
    std::vector<uint8_t> thumb;       // kThumbSide^2 x 3, or empty
    std::vector<float> probs;         // kClasses probabilities, empty until a model predicts
    int predicted = -1;               // argmax of probs, -1 without a prediction
    bool unsure = false;              // is_unsure(confidence, threshold of the model that predicted)
    int reviewed = -1;                // the reviewer's label (== predicted when accepted), -1 none yet
    std::string model;                // the model's label ("vgg6_w32 (pretrained)")
    std::string model_file;           // its file ("vgg6_w32.bcm"; "" for a model trained here, unsaved)
    std::string model_crc32;          // the model file's own CRC-32 (core::file_id_crc32), 8 hex digits
    std::string date;                 // when it was classified, ISO 8601 UTC
    double ms = 0;                    // inference time (not saved)

    float confidence() const { return predicted >= 0 ? probs[predicted] : 0.0f; }
    bool relabelled() const { return reviewed >= 0 && reviewed != predicted; }
    // The label that counts after review: the reviewer's, else the model's.
    int label() const { return reviewed >= 0 ? reviewed : predicted; }
};

// What a model said about one image, for ReviewSession::set_prediction.
struct Prediction {
    std::vector<float> probs;         // kClasses, or empty (no model)
    float unsure_below = kDefaultUnsureBelow;
    std::string model, model_file, model_crc32, date;
    double ms = 0;
};

enum class ReviewColumn { Order = 0, File, Size, Predicted, Confidence, Review, Count };
extern const char* const kReviewColumnNames[(int)ReviewColumn::Count];  // "order", "file", ...

// The differential: images per class. before = the model's labels, after = the reviewer's where given;
// "sure" leaves out the unsure images (after review: those unsure and not reviewed yet). Images
// without a prediction are not counted.
struct Differential {
    enum Column { BeforeAll = 0, BeforeSure, AfterAll, AfterSure, Columns };
    std::array<std::array<int, core::kClasses>, Columns> counts{};
    std::array<int, Columns> totals{};
    int images = 0, classified = 0, unsure = 0, reviewed = 0, relabelled = 0;
    // Percent of the column's total (0 when the column is empty).
    double percent(int column, int k) const { return totals[column] ? 100.0 * counts[column][k] / totals[column] : 0.0; }
};
extern const char* const kDifferentialColumnNames[Differential::Columns];

// Model and time for the report's header.
struct ReportInfo {
    std::string title = "Blood-cell differential";
    std::string date;                 // when the report was made
    std::string model, model_file, model_crc32;
    float unsure_below = kDefaultUnsureBelow;
};

class ReviewSession {
public:
    const std::vector<ReviewRow>& rows() const { return rows_; }
    int size() const { return (int)rows_.size(); }
    const ReviewRow& at(int i) const { return rows_[i]; }
    int index_of(uint64_t id) const;         // -1 when gone
    // The row holding a file with these bytes (ReviewRow::key; 0 matches nothing): -1 when none.
    int duplicate_of(uint64_t key) const;
    // Adds a row (its id is assigned here); returns its index.
    int add(ReviewRow row);
    // The model's result for row i (a new prediction clears nothing the reviewer decided).
    void set_prediction(int i, const Prediction& p);
    // Another crop of row i's image (the cell was not centred): its new model input and thumbnail.
    void set_crop(int i, const core::Crop& crop, std::vector<uint8_t> input, std::vector<uint8_t> thumb);

    // Review: accept the model's class, give another one (0..7), or take the decision back.
    void accept(int i);
    void relabel(int i, int k);
    void unreview(int i);

    // The display order: row indices sorted by `column` (ties by order of arrival), filtered to unsure
    // rows when unsure_only.
    void set_sort(ReviewColumn column, bool descending);
    ReviewColumn sort_column() const { return sort_column_; }
    bool sort_descending() const { return sort_descending_; }
    void set_unsure_only(bool on);
    bool unsure_only() const { return unsure_only_; }
    std::vector<int> view() const;

    // Clear keeps the rows it removed until undo_clear() (or the next clear) brings them back.
    void clear();
    bool can_undo_clear() const { return !cleared_.empty(); }
    bool undo_clear();
    int cleared_count() const { return (int)cleared_.size(); }

    Differential differential() const;
    // One row per image: file, size, predicted class, the probabilities, unsure, reviewed label,
    // model file and its CRC-32, date (RFC 4180 quoting).
    std::string csv() const;
    // A one-page printable HTML report: counts, the model, thumbnails of the reviewed and unsure images.
    std::string report_html(const ReportInfo& info) const;

    // Every change bumps the revision (the app saves the session when it moved).
    uint64_t revision() const { return revision_; }
    // Versioned little-endian bytes with a CRC-32; load refuses anything damaged with a message that
    // starts with `name` and changes nothing.
    std::vector<uint8_t> save() const;
    static core::Result<ReviewSession> load(const uint8_t* bytes, size_t size, const std::string& name);
    // Puts `earlier` (a restored session) before this session's rows, keeping both.
    void merge_before(ReviewSession earlier);

private:
    std::vector<ReviewRow> rows_, cleared_;
    uint64_t next_id_ = 1, revision_ = 0;
    ReviewColumn sort_column_ = ReviewColumn::Order;
    bool sort_descending_ = true, unsure_only_ = false;
};

// Helpers shared with the app: a kThumbSide thumbnail of an image's crop; base64; a PNG in memory.
std::vector<uint8_t> make_thumbnail(const core::Image& img, const core::Crop& crop);
std::string base64(const uint8_t* bytes, size_t n);
std::vector<uint8_t> png_bytes(const uint8_t* rgb, int width, int height);
std::string iso_date_utc(long long unix_seconds);  // "2026-11-28T11:40:34Z"

}  // namespace app
