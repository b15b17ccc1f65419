// The Classify tab's review session (src/app/review.h, no ImGui): sorting by each column, the unsure
// filter, accept/relabel, Clear and its undo, the differential's numbers, the CSV (read back with an
// RFC 4180 reader, names with commas, quotes and line breaks), the HTML report, and the saved bytes
// (round trip; truncated, altered, foreign and future files refused with their message).
#include <doctest/doctest.h>

#include <cstring>

#include "app/review.h"
#include "core/crc32.h"

namespace {
// probabilities with `top` at p and the rest shared equally
std::vector<float> probs(int top, float p) {
    std::vector<float> v(core::kClasses, (1.0f - p) / (core::kClasses - 1));
    v[top] = p;
    return v;
}

app::ReviewRow row(const std::string& file, int w, int h) {
    app::ReviewRow r;
    r.file = file;
    r.width = w;
    r.height = h;
    r.crop = core::bloodmnist_crop(w, h);
    r.input.assign(core::kImageBytes, 100);
    r.thumb.assign(app::kThumbSide * app::kThumbSide * 3, 200);
    return r;
}

app::Prediction pred(int top, float p) {
    app::Prediction x;
    x.probs = probs(top, p);
    x.model = "vgg6_w32 (pretrained)";
    x.model_file = "vgg6_w32.bcm";
    x.model_crc32 = "0a1b2c3d";
    x.date = "2026-11-28T11:00:00Z";
    return x;
}

// Five images: (file, size, class, confidence); two below the default threshold 0.60.
app::ReviewSession five() {
    app::ReviewSession s;
    struct { const char* f; int w, h, k; float p; } v[] = {
        {"b.png", 360, 363, 6, 0.99f}, {"a.png", 100, 100, 4, 0.55f}, {"e.png", 800, 600, 6, 0.80f},
        {"c.png", 28, 28, 1, 0.97f},   {"d.png", 360, 360, 7, 0.40f}};
    for (auto& x : v) s.set_prediction(s.add(row(x.f, x.w, x.h)), pred(x.k, x.p));
    return s;
}

std::vector<std::string> files(const app::ReviewSession& s) {
    std::vector<std::string> out;
    for (int i : s.view()) out.push_back(s.at(i).file);
    return out;
}
using V = std::vector<std::string>;

// RFC 4180: fields separated by commas, rows by \n, quoted fields may hold both, "" is a quote.
std::vector<std::vector<std::string>> read_csv(const std::string& t) {
    std::vector<std::vector<std::string>> rows(1, std::vector<std::string>(1));
    bool quoted = false;
    for (size_t i = 0; i < t.size(); ++i) {
        char c = t[i];
        if (quoted) {
            if (c == '"' && i + 1 < t.size() && t[i + 1] == '"') rows.back().back() += '"', ++i;
            else if (c == '"') quoted = false;
            else rows.back().back() += c;
        } else if (c == '"') quoted = true;
        else if (c == ',') rows.back().emplace_back();
        else if (c == '\n') rows.emplace_back(1);
        else rows.back().back() += c;
    }
    if (rows.back().size() == 1 && rows.back()[0].empty()) rows.pop_back();
    return rows;
}
}  // namespace

TEST_CASE("review: a file's bytes already in the session are found by their key") {
    app::ReviewSession s;
    app::ReviewRow a = row("a.png", 360, 363), b = row("b.png", 360, 363), c = row("c.png", 360, 363);
    a.key = 11;
    b.key = 22;  // c: a row of an older saved session, no key
    s.add(a);
    s.add(b);
    s.add(c);
    CHECK(s.duplicate_of(22) == 1);
    CHECK(s.duplicate_of(11) == 0);
    CHECK(s.duplicate_of(33) == -1);
    CHECK(s.duplicate_of(0) == -1);  // unknown bytes match nothing, not the keyless row
    s.clear();
    CHECK(s.duplicate_of(11) == -1);
}

TEST_CASE("review: the unsure rule and predictions") {
    CHECK(app::is_unsure(0.59f, app::kDefaultUnsureBelow));
    CHECK_FALSE(app::is_unsure(0.60f, app::kDefaultUnsureBelow));
    app::ReviewSession s = five();
    CHECK(s.at(0).predicted == 6);
    CHECK(s.at(0).confidence() == doctest::Approx(0.99));
    CHECK_FALSE(s.at(0).unsure);
    CHECK(s.at(1).unsure);
    CHECK(s.at(4).unsure);
    // a stricter threshold marks more; no model clears the prediction
    s.set_prediction(2, [] { auto p = pred(6, 0.80f); p.unsure_below = 0.9f; return p; }());
    CHECK(s.at(2).unsure);
    s.set_prediction(3, app::Prediction{});
    CHECK(s.at(3).predicted == -1);
    CHECK(s.at(3).probs.empty());
    CHECK(s.at(3).model.empty());
}

TEST_CASE("review: sorting by every column, ties in order of arrival, and the unsure filter") {
    app::ReviewSession s = five();
    // the default: newest first
    CHECK(files(s) == V{"d.png", "c.png", "e.png", "a.png", "b.png"});
    s.set_sort(app::ReviewColumn::Confidence, true);
    CHECK(files(s) == V{"b.png", "c.png", "e.png", "a.png", "d.png"});
    s.set_sort(app::ReviewColumn::Confidence, false);
    CHECK(files(s) == V{"d.png", "a.png", "e.png", "c.png", "b.png"});
    s.set_sort(app::ReviewColumn::File, false);
    CHECK(files(s) == V{"a.png", "b.png", "c.png", "d.png", "e.png"});
    s.set_sort(app::ReviewColumn::Size, true);  // by pixels: 800x600, 360x363, 360x360, 100x100, 28x28
    CHECK(files(s) == V{"e.png", "b.png", "d.png", "a.png", "c.png"});
    s.set_sort(app::ReviewColumn::Predicted, false);  // 1 eosinophil, 4 lymphocyte, 6 (b before e), 7
    CHECK(files(s) == V{"c.png", "a.png", "b.png", "e.png", "d.png"});
    s.relabel(2, 3);  // e: relabelled
    s.accept(0);      // b: accepted
    s.set_sort(app::ReviewColumn::Review, true);  // relabelled, accepted, then the rest newest first
    CHECK(files(s) == V{"e.png", "b.png", "d.png", "c.png", "a.png"});
    s.set_unsure_only(true);
    CHECK(files(s) == V{"d.png", "a.png"});
    s.set_sort(app::ReviewColumn::Order, false);
    CHECK(files(s) == V{"a.png", "d.png"});
}

TEST_CASE("review: accept, relabel, take back; Clear and its undo") {
    app::ReviewSession s = five();
    const uint64_t r0 = s.revision();
    s.accept(1);
    CHECK(s.at(1).reviewed == 4);
    CHECK_FALSE(s.at(1).relabelled());
    s.relabel(4, 2);
    CHECK(s.at(4).reviewed == 2);
    CHECK(s.at(4).relabelled());
    CHECK(s.at(4).label() == 2);
    s.relabel(4, 8);  // not a class: nothing changes
    CHECK(s.at(4).reviewed == 2);
    s.unreview(1);
    CHECK(s.at(1).reviewed == -1);
    CHECK(s.revision() > r0);
    // another crop: new input and thumbnail, the review kept
    const uint64_t r1 = s.revision();
    s.set_crop(4, core::Crop{10, 20, 200}, std::vector<uint8_t>(core::kImageBytes, 9), {});
    CHECK(s.at(4).crop.x0 == 10);
    CHECK(s.at(4).crop.y0 == 20);
    CHECK(s.at(4).input[0] == 9);
    CHECK(s.at(4).thumb.empty());
    CHECK(s.at(4).reviewed == 2);
    CHECK(s.revision() > r1);
    s.clear();
    CHECK(s.size() == 0);
    CHECK(s.can_undo_clear());
    CHECK(s.cleared_count() == 5);
    s.add(row("late.png", 50, 50));  // added after the clear: kept after the restored rows
    REQUIRE(s.undo_clear());
    REQUIRE(s.size() == 6);
    CHECK(s.at(0).file == "b.png");
    CHECK(s.at(4).reviewed == 2);
    CHECK(s.at(5).file == "late.png");
    CHECK_FALSE(s.can_undo_clear());
    CHECK_FALSE(s.undo_clear());
}

TEST_CASE("review: the differential, with and without unsure images, before and after review") {
    app::ReviewSession s = five();
    s.add(row("unclassified.png", 10, 10));  // no prediction: not counted
    using D = app::Differential;
    D d = s.differential();
    CHECK(d.images == 6);
    CHECK(d.classified == 5);
    CHECK(d.unsure == 2);
    CHECK(d.totals == std::array<int, 4>{5, 3, 5, 3});
    CHECK(d.counts[D::BeforeAll][6] == 2);
    CHECK(d.percent(D::BeforeAll, 6) == doctest::Approx(40.0));
    CHECK(d.counts[D::BeforeSure][4] == 0);  // a.png (lymphocyte) is unsure
    CHECK(d.counts[D::BeforeSure][6] == 2);
    CHECK(d.percent(D::BeforeSure, 6) == doctest::Approx(200.0 / 3));
    // review: d.png (unsure platelet) is a basophil; e.png (neutrophil) is a monocyte; a.png accepted
    s.relabel(4, 0);
    s.relabel(2, 5);
    s.accept(1);
    d = s.differential();
    CHECK(d.reviewed == 3);
    CHECK(d.relabelled == 2);
    CHECK(d.counts[D::BeforeAll][7] == 1);  // before review stays what the model said
    CHECK(d.counts[D::AfterAll][7] == 0);
    CHECK(d.counts[D::AfterAll][0] == 1);
    CHECK(d.counts[D::AfterAll][6] == 1);
    CHECK(d.counts[D::AfterAll][5] == 1);
    // after review, reviewed unsure images count: all five
    CHECK(d.totals[D::AfterSure] == 5);
    CHECK(d.counts[D::AfterSure][4] == 1);
    CHECK(d.percent(D::AfterSure, 0) == doctest::Approx(20.0));
    app::ReviewSession empty;
    CHECK(empty.differential().percent(D::AfterAll, 0) == 0.0);
}

TEST_CASE("review: CSV, one row per image, read back field by field (commas, quotes, line breaks)") {
    app::ReviewSession s = five();
    const std::string odd = "cell, \"odd\"\nname.png";
    s.set_prediction(s.add(row(odd, 30, 40)), pred(3, 0.5f));
    s.add(row("no model.png", 10, 10));
    s.relabel(5, 4);
    s.accept(0);
    auto t = read_csv(s.csv());
    REQUIRE(t.size() == 1 + 7);
    const std::vector<std::string>& h = t[0];
    REQUIRE(h.size() == 5 + 8 + 7);
    CHECK(h[0] == "file");
    CHECK(h[4] == "confidence");
    CHECK(h[5] == "p_basophil");
    CHECK(h[8] == "p_immature granulocyte");
    CHECK(h[13] == "unsure");
    CHECK(h[14] == "reviewed");
    CHECK(h[16] == "model");
    CHECK(h[17] == "model_file");
    CHECK(h[18] == "model_crc32");
    CHECK(h[19] == "date");
    for (auto& r : t) CHECK(r.size() == h.size());
    CHECK(t[1] == std::vector<std::string>{"b.png", "360", "363", "neutrophil", "0.99", "0.00142857", "0.00142857",
                                           "0.00142857", "0.00142857", "0.00142857", "0.00142857", "0.99", "0.00142857",
                                           "no", "neutrophil", "no", "vgg6_w32 (pretrained)", "vgg6_w32.bcm", "0a1b2c3d",
                                           "2026-11-28T11:00:00Z"});
    CHECK(t[6][0] == odd);
    CHECK(t[6][3] == "immature granulocyte");
    CHECK(t[6][13] == "yes");
    CHECK(t[6][14] == "lymphocyte");
    CHECK(t[6][15] == "yes");
    CHECK(t[7][0] == "no model.png");
    CHECK(t[7][3] == "");
    CHECK(t[7][13] == "");
    CHECK(t[7][14] == "");
}

TEST_CASE("review: the report holds the counts, the model and thumbnails of reviewed and unsure images") {
    app::ReviewSession s = five();
    s.set_prediction(s.add(row("<script>.png", 30, 40)), pred(3, 0.9f));
    s.relabel(0, 2);
    app::ReportInfo info;
    info.date = "2026-11-28 12:00 UTC";
    info.model = "vgg6_w32 (pretrained)";
    info.model_file = "vgg6_w32.bcm";
    info.model_crc32 = "0a1b2c3d";
    const std::string h = s.report_html(info);
    CHECK(h.rfind("<!DOCTYPE html>", 0) == 0);
    CHECK(h.find("vgg6_w32.bcm") != std::string::npos);
    CHECK(h.find("CRC-32 0a1b2c3d") != std::string::npos);
    CHECK(h.find("6 images, 6 classified, 2 unsure, 1 reviewed, 1 relabelled.") != std::string::npos);
    CHECK(h.find("<td>neutrophil</td><td>2</td><td>33.3%</td>") != std::string::npos);  // before review, all
    // b.png (relabelled), a.png and d.png (unsure): three thumbnails, not the sure, unreviewed ones
    size_t n = 0;
    for (size_t at = 0; (at = h.find("data:image/png;base64,iVBORw0KGgo", at)) != std::string::npos; ++at) ++n;
    CHECK(n == 3);
    CHECK(h.find("<script>") == std::string::npos);  // names are escaped
    // the PNG itself: signature, then the IHDR of a 64 x 64 RGB image
    std::vector<uint8_t> px(app::kThumbSide * app::kThumbSide * 3, 7);
    auto png = app::png_bytes(px.data(), app::kThumbSide, app::kThumbSide);
    REQUIRE(png.size() > 33);
    CHECK(std::memcmp(png.data(), "\x89PNG\r\n\x1a\n", 8) == 0);
    CHECK(png[19] == 64);
    CHECK(png[23] == 64);
    CHECK(app::base64((const uint8_t*)"Man", 3) == "TWFu");
    CHECK(app::base64((const uint8_t*)"Ma", 2) == "TWE=");
    CHECK(app::base64((const uint8_t*)"M", 1) == "TQ==");
}

TEST_CASE("review: rows keep the model that classified them; the report names every model the counts come from") {
    app::ReviewSession s = five();  // classified by vgg6_w32 (pretrained)
    // a batch that went on after the user picked another model: its later rows were classified by the
    // model the batch started with, and say so, whatever model is in use when the session is exported
    app::Prediction mine = pred(2, 0.9f);
    mine.model = "cnn #1";
    mine.model_file = "";
    mine.model_crc32 = "deadbeef";
    s.set_prediction(s.add(row("f.png", 40, 40)), mine);
    CHECK(s.at(0).model == "vgg6_w32 (pretrained)");
    CHECK(s.at(5).model == "cnn #1");
    auto t = read_csv(s.csv());
    REQUIRE(t.size() == 1 + 6);
    CHECK(t[1][16] == "vgg6_w32 (pretrained)");
    CHECK(t[1][18] == "0a1b2c3d");
    CHECK(t[6][16] == "cnn #1");
    CHECK(t[6][17] == "");
    CHECK(t[6][18] == "deadbeef");
    app::ReportInfo info;
    info.model = "cnn #1";  // the model in use when the report is made
    info.model_crc32 = "deadbeef";
    std::string h = s.report_html(info);
    CHECK(h.find("<p>Model: cnn #1 &middot; CRC-32 deadbeef &middot; unsure below") != std::string::npos);
    CHECK(h.find("<p>Classified by: vgg6_w32 (pretrained) &middot; file vgg6_w32.bcm &middot; CRC-32 0a1b2c3d: 5 images; "
                 "cnn #1 &middot; CRC-32 deadbeef: 1 image</p>") != std::string::npos);
    // every row by the model in use: no such line
    h = five().report_html([] {
        app::ReportInfo i;
        i.model = "vgg6_w32 (pretrained)";
        i.model_file = "vgg6_w32.bcm";
        i.model_crc32 = "0a1b2c3d";
        return i;
    }());
    CHECK(h.find("Classified by") == std::string::npos);
}

TEST_CASE("review: a saved session loads back as it was") {
    app::ReviewSession s = five();
    s.relabel(4, 0);
    s.accept(1);
    s.set_sort(app::ReviewColumn::Confidence, false);
    s.set_unsure_only(true);
    s.add(row("pending.png", 12, 34));
    auto bytes = s.save();
    auto back = app::ReviewSession::load(bytes.data(), bytes.size(), "session");
    REQUIRE_MESSAGE(back.ok(), back.error);
    const app::ReviewSession& b = back.value;
    REQUIRE(b.size() == s.size());
    for (int i = 0; i < s.size(); ++i) {
        const app::ReviewRow &x = s.at(i), &y = b.at(i);
        CHECK(y.id == x.id);
        CHECK(y.file == x.file);
        CHECK(y.key == x.key);
        CHECK(y.width == x.width);
        CHECK(y.crop.side == x.crop.side);
        CHECK(y.crop.x0 == x.crop.x0);
        CHECK(y.input == x.input);
        CHECK(y.thumb == x.thumb);
        CHECK(y.probs == x.probs);
        CHECK(y.predicted == x.predicted);
        CHECK(y.unsure == x.unsure);
        CHECK(y.reviewed == x.reviewed);
        CHECK(y.model_crc32 == x.model_crc32);
        CHECK(y.date == x.date);
    }
    CHECK(b.sort_column() == app::ReviewColumn::Confidence);
    CHECK_FALSE(b.sort_descending());
    CHECK(b.unsure_only());
    CHECK(b.view() == s.view());
    CHECK(b.save() == bytes);
    // a Clear survives too, with its undo
    s.clear();
    bytes = s.save();
    back = app::ReviewSession::load(bytes.data(), bytes.size(), "session");
    REQUIRE(back.ok());
    CHECK(back.value.size() == 0);
    REQUIRE(back.value.undo_clear());
    CHECK(back.value.size() == 6);
    // restored into an empty session: the rows, the sort and the filter as saved
    app::ReviewSession fresh;
    fresh.merge_before(b);
    CHECK(fresh.size() == 6);
    CHECK(fresh.sort_column() == app::ReviewColumn::Confidence);
    CHECK(fresh.unsure_only());
    CHECK(fresh.view() == back.value.view());
    // a restored session goes before what was classified meanwhile (whose view stays); ids stay unique
    app::ReviewSession now;
    now.add(row("new.png", 5, 5));
    now.merge_before(back.value);
    REQUIRE(now.size() == 7);
    CHECK(now.at(0).file == "b.png");
    CHECK(now.at(6).file == "new.png");
    CHECK(now.sort_column() == app::ReviewColumn::Order);
    for (int i = 0; i < now.size(); ++i)
        for (int j = i + 1; j < now.size(); ++j) CHECK(now.at(i).id != now.at(j).id);
}

TEST_CASE("review: rows keep their file's content key; a format-1 session (no keys) still loads, keys 0") {
    app::ReviewSession s;
    app::ReviewRow r = row("x.png", 1, 1);
    r.key = 0x0123456789abcdefull;
    s.add(r);
    auto b = s.save();
    auto back = app::ReviewSession::load(b.data(), b.size(), "session");
    REQUIRE_MESSAGE(back.ok(), back.error);
    CHECK(back.value.at(0).key == 0x0123456789abcdefull);
    // the same bytes as format 1 wrote them: version 1, no key after the file name
    // (header: 8 magic + 4 version + 8 next id + 3 flags + 4 rows = 27; the row: 8 id + 4 + 5 "x.png")
    const size_t key_at = 27 + 8 + 4 + 5;
    CHECK(b[key_at] == 0xef);
    b.erase(b.begin() + key_at, b.begin() + key_at + 8);
    b[8] = 1;
    b.resize(b.size() - 4);
    core::append_crc32(b);
    back = app::ReviewSession::load(b.data(), b.size(), "session");
    REQUIRE_MESSAGE(back.ok(), back.error);
    REQUIRE(back.value.size() == 1);
    CHECK(back.value.at(0).file == "x.png");
    CHECK(back.value.at(0).key == 0);
    CHECK(back.value.at(0).probs == s.at(0).probs);
}

TEST_CASE("review: a damaged saved session is refused with what is wrong") {
    app::ReviewSession s = five();
    auto good = s.save();
    auto load = [](const std::vector<uint8_t>& b) { return app::ReviewSession::load(b.data(), b.size(), "review-session.bcr").error; };
    CHECK(load({}) == "review-session.bcr: not a saved review session (no BCREVIEW signature)");
    CHECK(load({'B', 'C', 'M', 'O', 'D', 'E', 'L', 0}) == "review-session.bcr: not a saved review session (no BCREVIEW signature)");
    auto cut = std::vector<uint8_t>(good.begin(), good.begin() + 10);
    CHECK(load(cut) == "review-session.bcr: truncated: 10 bytes end inside the header");
    cut = std::vector<uint8_t>(good.begin(), good.begin() + 1000);
    CHECK(load(cut) == "review-session.bcr: damaged: checksum mismatch (1000 bytes, cut short or changed)");
    auto flipped = good;
    flipped[good.size() / 2] ^= 0x40;
    CHECK(load(flipped) == "review-session.bcr: damaged: checksum mismatch (" + std::to_string(good.size()) + " bytes, cut short or changed)");
    auto future = good;
    future[8] = 3;
    CHECK(load(future) == "review-session.bcr: saved by another version of bloodcell (format 3, this app reads 1 to 2)");
    // well-formed bytes with an impossible row (a checksum that matches): refused by the row checks
    auto reseal = [](std::vector<uint8_t> b) {
        b.resize(b.size() - 4);
        core::append_crc32(b);
        return b;
    };
    app::ReviewSession one;
    one.set_prediction(one.add(row("x.png", 1, 1)), pred(2, 0.9f));
    auto b = one.save();
    // the row's reviewed label is the byte before its four strings (4 length fields + text) and the CRC
    const size_t strings = 4 * 4 + std::string("vgg6_w32 (pretrained)vgg6_w32.bcm0a1b2c3d2026-11-28T11:00:00Z").size();
    const size_t reviewed_at = b.size() - 4 - 4 - strings - 1;  // before the CRC and the empty cleared list
    CHECK(b[reviewed_at] == 0xFF);                              // -1: not reviewed
    b[reviewed_at] = 9;
    CHECK(load(reseal(b)) == "review-session.bcr: damaged: row 1: its reviewed label is not a class");
    auto extra = good;
    extra.insert(extra.end() - 4, {1, 2, 3});
    CHECK(load(reseal(extra)) == "review-session.bcr: damaged: 3 unexpected bytes after the rows");
    auto lost = good;
    lost.erase(lost.end() - 8, lost.end() - 4);  // the cleared list's count is gone
    CHECK(load(reseal(lost)) == "review-session.bcr: damaged: the rows end before their count (" + std::to_string(good.size() - 4) + " bytes)");
}
