// The review session out of the app: CSV, the printable HTML report, and the saved bytes
// (format below). See review.h.
#include <algorithm>
#include <cmath>
#include <cstdio>
#include <cstring>
#include <sstream>

#include "app/review.h"
#include "core/crc32.h"
#include "core/text.h"

// PNG encoding for the report's thumbnails: stb_image_write (Debian's libstb-dev), private to this
// file (the desktop's screenshot code has its own copy) and without its stdio functions.
#define STB_IMAGE_WRITE_IMPLEMENTATION
#define STB_IMAGE_WRITE_STATIC
#define STBI_WRITE_NO_STDIO
#if defined(__GNUC__)
#pragma GCC diagnostic push
#pragma GCC diagnostic ignored "-Wmissing-field-initializers"
#pragma GCC diagnostic ignored "-Wunused-function"
#endif
#include <stb_image_write.h>
#if defined(__GNUC__)
#pragma GCC diagnostic pop
#endif

namespace app {

// [SECTION] helpers
std::string base64(const uint8_t* b, size_t n) {
    static const char* k = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";
    std::string out;
    out.reserve((n + 2) / 3 * 4);
    for (size_t i = 0; i < n; i += 3) {
        uint32_t v = (uint32_t)b[i] << 16 | (i + 1 < n ? (uint32_t)b[i + 1] << 8 : 0) | (i + 2 < n ? b[i + 2] : 0);
        out += k[v >> 18 & 63];
        out += k[v >> 12 & 63];
        out += i + 1 < n ? k[v >> 6 & 63] : '=';
        out += i + 2 < n ? k[v & 63] : '=';
    }
    return out;
}

std::vector<uint8_t> png_bytes(const uint8_t* rgb, int width, int height) {
    std::vector<uint8_t> out;
    auto put = [](void* ctx, void* data, int size) {
        auto* v = static_cast<std::vector<uint8_t>*>(ctx);
        v->insert(v->end(), (const uint8_t*)data, (const uint8_t*)data + size);
    };
    if (!stbi_write_png_to_func(put, &out, width, height, 3, rgb, width * 3)) out.clear();
    return out;
}

namespace {
using core::fmt;

std::string html(const std::string& s) {
    std::string o;
    for (char c : s) {
        switch (c) {
            case '&': o += "&amp;"; break;
            case '<': o += "&lt;"; break;
            case '>': o += "&gt;"; break;
            case '"': o += "&quot;"; break;
            default: o += c;
        }
    }
    return o;
}
const char* yes_no(bool v) { return v ? "yes" : "no"; }
}  // namespace

// [SECTION] CSV
std::string ReviewSession::csv() const {
    std::ostringstream o;
    o << "file,width,height,predicted,confidence";
    for (int k = 0; k < core::kClasses; ++k) o << ",p_" << core::csv_field(core::kClassNames[k]);
    o << ",unsure,reviewed,relabelled,model,model_file,model_crc32,date\n";
    for (const ReviewRow& r : rows_) {
        o << core::csv_field(r.file) << "," << r.width << "," << r.height << ",";
        if (r.predicted >= 0) {
            o << core::csv_field(core::kClassNames[r.predicted]) << "," << fmt("%.6g", r.confidence());
            for (float p : r.probs) o << "," << fmt("%.6g", p);
        } else {
            o << ",";
            for (int k = 0; k < core::kClasses; ++k) o << ",";
        }
        o << "," << (r.predicted >= 0 ? yes_no(r.unsure) : "") << ","
          << (r.reviewed >= 0 ? core::csv_field(core::kClassNames[r.reviewed]) : "") << "," << yes_no(r.relabelled()) << ","
          << core::csv_field(r.model) << "," << core::csv_field(r.model_file) << "," << r.model_crc32 << "," << r.date << "\n";
    }
    return o.str();
}

// [SECTION] report
namespace {
const char* kReportStyle =
    "<style>@page{size:A4;margin:12mm}body{font:11px/1.35 sans-serif;color:#111;margin:0 auto;max-width:186mm}"
    "h1{font-size:18px;margin:0 0 4px}p{margin:2px 0}table{border-collapse:collapse;margin:8px 0;width:100%}"
    "th,td{border:1px solid #bbb;padding:2px 5px;text-align:right}th:first-child,td:first-child{text-align:left}"
    "thead th{background:#eee}.cells{display:flex;flex-wrap:wrap;gap:4px}"
    "figure{margin:0;width:14.5mm;text-align:center;break-inside:avoid;font-size:7px;line-height:1.2}"
    "figcaption{white-space:nowrap;overflow:hidden;text-overflow:ellipsis}"
    "figure img{width:13mm;height:13mm;border:2px solid #888}"
    "figure.relabelled img{border-color:#c00}figure.unsure img{border-style:dashed}"
    "@media print{.noprint{display:none}}</style>";

void differential_table(std::ostringstream& o, const Differential& d) {
    o << "<table><thead><tr><th>class</th>";
    for (int c = 0; c < Differential::Columns; ++c) o << "<th colspan=2>" << kDifferentialColumnNames[c] << "</th>";
    o << "</tr></thead><tbody>";
    for (int k = 0; k < core::kClasses; ++k) {
        o << "<tr><td>" << core::kClassNames[k] << "</td>";
        for (int c = 0; c < Differential::Columns; ++c) o << "<td>" << d.counts[c][k] << "</td><td>" << fmt("%.1f%%", d.percent(c, k)) << "</td>";
        o << "</tr>";
    }
    o << "<tr><th>total</th>";
    for (int c = 0; c < Differential::Columns; ++c) o << "<th>" << d.totals[c] << "</th><th>100%</th>";
    o << "</tr></tbody></table>";
}

// "vgg6_w32 (pretrained) &middot; file vgg6_w32.bcm &middot; CRC-32 0a1b2c3d", escaped; file and CRC when known.
std::string model_html(const std::string& model, const std::string& file, const std::string& crc32) {
    return html(model) + (file.empty() ? "" : " &middot; file " + html(file)) + (crc32.empty() ? "" : " &middot; CRC-32 " + html(crc32));
}

void thumbnail(std::ostringstream& o, const ReviewRow& r) {
    std::string cls = r.relabelled() ? "relabelled" : r.unsure ? "unsure" : "";
    o << "<figure class=\"" << cls << "\">";
    if ((int)r.thumb.size() == kThumbSide * kThumbSide * 3) {
        auto png = png_bytes(r.thumb.data(), kThumbSide, kThumbSide);
        o << "<img alt=\"\" src=\"data:image/png;base64," << base64(png.data(), png.size()) << "\">";
    }
    o << "<figcaption>" << html(r.file) << "<br>" << core::kClassShortNames[r.predicted] << " " << fmt("%.0f%%", 100.0 * r.confidence());
    if (r.relabelled()) o << " &rarr; <b>" << core::kClassShortNames[r.reviewed] << "</b>";
    else if (r.reviewed >= 0) o << " &#10003;";
    o << "</figcaption></figure>";
}
}  // namespace

std::string ReviewSession::report_html(const ReportInfo& info) const {
    const Differential d = differential();
    std::ostringstream o;
    o << "<!DOCTYPE html><html lang=en><head><meta charset=utf-8><title>" << html(info.title) << "</title>" << kReportStyle
      << "</head><body><h1>" << html(info.title) << "</h1>";
    o << "<p>" << html(info.date) << " &middot; bloodcell (computed on this machine)</p>";
    o << "<p>Model: " << model_html(info.model, info.model_file, info.model_crc32) << " &middot; unsure below "
      << fmt("%.0f%%", 100.0 * info.unsure_below) << " confidence</p>";
    // each row names the model that classified it: when that is not the model above for all of them
    // (a session restored from another day, a batch that went on after the model was changed), say
    // which models the counts come from
    std::vector<std::pair<std::string, int>> by;  // the model, as HTML, and its images
    bool others = false;
    for (const ReviewRow& r : rows_) {
        if (r.predicted < 0) continue;
        others = others || r.model != info.model || r.model_crc32 != info.model_crc32;
        const std::string m = model_html(r.model, r.model_file, r.model_crc32);
        auto it = std::find_if(by.begin(), by.end(), [&](const auto& b) { return b.first == m; });
        if (it == by.end()) by.emplace_back(m, 1);
        else ++it->second;
    }
    if (others) {
        o << "<p>Classified by: ";
        for (size_t i = 0; i < by.size(); ++i)
            o << (i ? "; " : "") << by[i].first << ": " << by[i].second << (by[i].second == 1 ? " image" : " images");
        o << "</p>";
    }
    o << "<p>" << d.images << " images, " << d.classified << " classified, " << d.unsure << " unsure, " << d.reviewed
      << " reviewed, " << d.relabelled << " relabelled.</p>";
    differential_table(o, d);
    // the images a person looked at or should look at; at most 60 (5 rows) keep it to one page
    std::vector<const ReviewRow*> shown;
    for (const ReviewRow& r : rows_)
        if (r.predicted >= 0 && (r.reviewed >= 0 || r.unsure)) shown.push_back(&r);
    o << "<p><b>Reviewed and unsure images</b> (" << shown.size()
      << "; red frame: relabelled, dashed: unsure, &#10003;: accepted)</p><div class=cells>";
    const size_t cap = 60;
    for (size_t i = 0; i < shown.size() && i < cap; ++i) thumbnail(o, *shown[i]);
    o << "</div>";
    if (shown.size() > cap) o << "<p>... and " << shown.size() - cap << " more (see the CSV).</p>";
    o << "<p class=noprint>Print this page (Ctrl+P) for a paper copy.</p></body></html>\n";
    return o.str();
}

// [SECTION] bytes
// A saved session, little-endian:
//   "BCREVIEW" (8 bytes), u32 version (2; 1 is read too), u64 next id, u8 sort column, u8 descending, u8 unsure only,
//   u32 rows, the rows, u32 cleared rows (kept for Undo), those rows, u32 CRC-32 of everything before.
// A row: u64 id, str file, [version 2: u64 content key of the file, 0 unknown], i32 width, height, crop x0, y0, side, blob input (0 or 28x28x3),
//   blob thumbnail (0 or kThumbSide^2 x 3), u8 n probabilities (0 or 8) + n f32, i8 predicted,
//   u8 unsure, i8 reviewed, str model, model file, model CRC-32, date. str and blob: u32 length + bytes.
namespace {
constexpr char kMagic[8] = {'B', 'C', 'R', 'E', 'V', 'I', 'E', 'W'};
constexpr uint32_t kVersion = 2;  // 2: rows keep their file's content key (duplicates across batches)
constexpr uint32_t kMaxString = 1 << 16, kMaxRows = 1 << 20;

struct Writer {
    std::vector<uint8_t> b;
    void raw(const void* p, size_t n) { b.insert(b.end(), (const uint8_t*)p, (const uint8_t*)p + n); }
    void u8(uint8_t v) { b.push_back(v); }
    void u32(uint32_t v) { for (int i = 0; i < 4; ++i) b.push_back((uint8_t)(v >> (8 * i))); }
    void u64(uint64_t v) { for (int i = 0; i < 8; ++i) b.push_back((uint8_t)(v >> (8 * i))); }
    void f32(float f) { uint32_t v; std::memcpy(&v, &f, 4); u32(v); }
    void str(const std::string& s) { u32((uint32_t)s.size()); raw(s.data(), s.size()); }
    void blob(const std::vector<uint8_t>& v) { u32((uint32_t)v.size()); raw(v.data(), v.size()); }
    void row(const ReviewRow& r) {
        u64(r.id);
        str(r.file);
        u64(r.key);
        for (int v : {r.width, r.height, r.crop.x0, r.crop.y0, r.crop.side}) u32((uint32_t)v);
        blob(r.input);
        blob(r.thumb);
        u8((uint8_t)r.probs.size());
        for (float p : r.probs) f32(p);
        u8((uint8_t)(int8_t)r.predicted);
        u8(r.unsure);
        u8((uint8_t)(int8_t)r.reviewed);
        for (const std::string* s : {&r.model, &r.model_file, &r.model_crc32, &r.date}) str(*s);
    }
};

struct Reader {
    Reader(const uint8_t* bytes, size_t size) : p(bytes), n(size) {}
    const uint8_t* p;
    size_t n, at = 0;
    std::string where;  // what is being read, for "truncated" errors
    bool bad = false;
    bool need(size_t k) {
        if (bad || n - at < k) return !(bad = true);
        return true;
    }
    uint32_t u32() {
        if (!need(4)) return 0;
        uint32_t v = 0;
        for (int i = 0; i < 4; ++i) v |= (uint32_t)p[at++] << (8 * i);
        return v;
    }
    uint64_t u64() { uint64_t lo = u32(); return lo | (uint64_t)u32() << 32; }
    uint8_t u8() { return need(1) ? p[at++] : 0; }
    float f32() { uint32_t v = u32(); float f; std::memcpy(&f, &v, 4); return f; }
    std::string str() {
        uint32_t k = u32();
        if (k > kMaxString || !need(k)) return bad = true, std::string();
        std::string s((const char*)p + at, k);
        at += k;
        return s;
    }
    std::vector<uint8_t> blob() {
        uint32_t k = u32();
        if (!need(k)) return {};
        std::vector<uint8_t> v(p + at, p + at + k);
        at += k;
        return v;
    }
};

// Reads one row; "" or what is wrong with it (bad set when the bytes ran out).
std::string read_row(Reader& r, ReviewRow& row, uint32_t version) {
    row.id = r.u64();
    row.file = r.str();
    if (version >= 2) row.key = r.u64();
    int* ints[] = {&row.width, &row.height, &row.crop.x0, &row.crop.y0, &row.crop.side};
    for (int* v : ints) *v = (int)r.u32();
    row.input = r.blob();
    row.thumb = r.blob();
    const int np = r.u8();
    for (int k = 0; k < np && !r.bad; ++k) row.probs.push_back(r.f32());
    row.predicted = (int8_t)r.u8();
    row.unsure = r.u8() != 0;
    row.reviewed = (int8_t)r.u8();
    for (std::string* s : {&row.model, &row.model_file, &row.model_crc32, &row.date}) *s = r.str();
    if (r.bad) return "";
    if (!row.input.empty() && row.input.size() != (size_t)core::kImageBytes) return "its model input is not 28x28x3";
    if (!row.thumb.empty() && row.thumb.size() != (size_t)kThumbSide * kThumbSide * 3) return "its thumbnail has the wrong size";
    if (np != 0 && np != core::kClasses) return "it has " + std::to_string(np) + " probabilities, not 8";
    for (float v : row.probs)
        if (!std::isfinite(v) || v < 0 || v > 1) return "a probability is not in [0, 1]";
    if (row.predicted < -1 || row.predicted >= core::kClasses || (row.predicted >= 0) != (np == core::kClasses))
        return "its predicted class does not match its probabilities";
    if (row.reviewed < -1 || row.reviewed >= core::kClasses) return "its reviewed label is not a class";
    if (row.width < 0 || row.height < 0) return "its size is negative";
    return "";
}
}  // namespace

std::vector<uint8_t> ReviewSession::save() const {
    Writer w;
    size_t bytes = 64;  // one allocation: growing a 15 MB vector by doubling copied it ~24 times
    for (const auto* list : {&rows_, &cleared_})
        for (const ReviewRow& r : *list)
            bytes += 128 + r.file.size() + r.input.size() + r.thumb.size() + 4 * r.probs.size() + r.model.size() + r.model_file.size() +
                     r.model_crc32.size() + r.date.size();
    w.b.reserve(bytes);
    w.raw(kMagic, 8);
    w.u32(kVersion);
    w.u64(next_id_);
    w.u8((uint8_t)sort_column_);
    w.u8(sort_descending_);
    w.u8(unsure_only_);
    for (const auto* list : {&rows_, &cleared_}) {
        w.u32((uint32_t)list->size());
        for (const ReviewRow& r : *list) w.row(r);
    }
    core::append_crc32(w.b);
    return w.b;
}

core::Result<ReviewSession> ReviewSession::load(const uint8_t* bytes, size_t size, const std::string& name) {
    using R = core::Result<ReviewSession>;
    auto err = [&](const std::string& why) { return R::fail(name + ": " + why); };
    if (size < 8 || std::memcmp(bytes, kMagic, 8) != 0) return err("not a saved review session (no BCREVIEW signature)");
    Reader r(bytes, size);
    r.at = 8;
    const uint32_t version = r.u32();
    if (r.bad) return err("truncated: " + std::to_string(size) + " bytes end inside the header");
    if (version < 1 || version > kVersion)
        return err("saved by another version of bloodcell (format " + std::to_string(version) + ", this app reads 1 to " +
                   std::to_string(kVersion) + ")");
    if (size < 12 + 4 || !core::ends_in_crc32(bytes, size))
        return err("damaged: checksum mismatch (" + std::to_string(size) + " bytes, cut short or changed)");
    r.n = size - 4;
    ReviewSession s;
    s.next_id_ = r.u64();
    const int col = r.u8();
    s.sort_column_ = col < (int)ReviewColumn::Count ? (ReviewColumn)col : ReviewColumn::Order;
    s.sort_descending_ = r.u8() != 0;
    s.unsure_only_ = r.u8() != 0;
    for (auto* list : {&s.rows_, &s.cleared_}) {
        const uint32_t count = r.u32();
        if (count > kMaxRows) return err("damaged: claims " + std::to_string(count) + " rows");
        for (uint32_t i = 0; i < count && !r.bad; ++i) {
            ReviewRow row;
            std::string why = read_row(r, row, version);
            if (!why.empty()) return err("damaged: row " + std::to_string(i + 1) + ": " + why);
            if (!r.bad) list->push_back(std::move(row));
        }
    }
    if (r.bad) return err("damaged: the rows end before their count (" + std::to_string(size) + " bytes)");
    if (r.at != r.n) return err("damaged: " + std::to_string(r.n - r.at) + " unexpected bytes after the rows");
    for (const auto* list : {&s.rows_, &s.cleared_})
        for (const ReviewRow& row : *list) s.next_id_ = std::max(s.next_id_, row.id + 1);
    return R::of(std::move(s));
}

}  // namespace app
