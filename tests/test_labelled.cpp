// The user's labelled images (issue 12 items 6 and 7, core/labelled.h): class folders mapped by a
// checked table, a zip or loose files read with every bad file listed and skipped, the seeded
// held-out split, fine-tuning from a model file, and batches of files (ClassifyJob) with thumbnails,
// duplicates skipped and files added while it runs. Real images: ../shared/data/pbc_samples.
#include <atomic>
#include <chrono>
#include <thread>
#include <doctest/doctest.h>

#include <algorithm>
#include <memory>

#include "core/job.h"
#include "core/labelled.h"
#include "core/recipe.h"
#include "core/zip.h"
#include "test_util.h"

namespace {
core::io::Bytes pbc(const char* file) {
    auto b = testutil::read(testutil::shared(std::string("data/pbc_samples/") + file));
    REQUIRE_MESSAGE(!b.empty(), "missing ../shared/data/pbc_samples/", file);
    return b;
}

// Every kind of file a user's zip may hold, in no particular order.
std::vector<std::pair<std::string, std::vector<uint8_t>>> mixed_files() {
    auto ba = pbc("BA_174705.jpg"), ig = pbc("PMY_17683.jpg"), ne = pbc("BNE_436110.jpg");
    std::vector<uint8_t> broken(ne.begin(), ne.begin() + 600);  // a JPEG cut short in its header
    return {
        {"set/neutrophil/", {}},                                     // a folder entry: ignored
        {"set/neutrophil/a.jpg", ne},
        {"set/IG/b.jpg", ig},                                        // "IG" is class 3
        {"set/Basophils/c.jpg", ba},                                 // case and a plural
        {"set/cells/d.jpg", ba},                                     // names no class
        {"loose.jpg", ne},                                           // in no folder
        {"set/neutrophil/notes.txt", {'h', 'e', 'l', 'l', 'o'}},     // not an image
        {"set/eosinophil/broken.jpg", broken},                       // cannot be decoded
        {"set/platelet/copy.jpg", ne},                               // the same bytes as a.jpg
        {"__MACOSX/set/neutrophil/._a.jpg", {0, 5, 22, 7}},          // archiver metadata: ignored
        {"set/neutrophil/.DS_Store", {1, 2, 3}},                     // ignored
    };
}

void check_mixed(const core::LabelledSet& s) {
    REQUIRE(s.data.size() == 3);
    // path order, whatever order the zip or the browser gave: Basophils/c, IG/b, neutrophil/a
    CHECK(s.files == std::vector<std::string>{"set/Basophils/c.jpg", "set/IG/b.jpg", "set/neutrophil/a.jpg"});
    CHECK(std::vector<int>(s.data.labels.begin(), s.data.labels.end()) == std::vector<int>{0, 3, 6});
    CHECK(s.ignored == 3);
    CHECK(s.considered == 8);
    REQUIRE(s.skipped.size() == 5);
    auto find = [&](const std::string& path) {
        for (const core::Skipped& k : s.skipped)
            if (k.path == path) return k;
        FAIL("not skipped: " << path);
        return core::Skipped{};
    };
    CHECK(find("set/cells/d.jpg").kind == core::SkipKind::unknown_folder);
    CHECK(find("set/cells/d.jpg").reason == "unknown folder name 'cells' (want " + core::class_folder_names() + ")");
    CHECK(find("loose.jpg").kind == core::SkipKind::no_folder);
    CHECK(find("set/neutrophil/notes.txt").kind == core::SkipKind::not_image);
    CHECK(find("set/neutrophil/notes.txt").reason == "not an image (unknown format; want PNG or JPG)");
    CHECK(find("set/eosinophil/broken.jpg").kind == core::SkipKind::unreadable);
    CHECK(find("set/platelet/copy.jpg").kind == core::SkipKind::duplicate);
    CHECK(find("set/platelet/copy.jpg").reason ==
          "duplicate of set/neutrophil/a.jpg (the same bytes); that copy is labelled neutrophil, this one platelet");
}
}  // namespace

TEST_CASE("class_of_folder: a checked table of folder names, 'ig' is immature granulocyte") {
    CHECK(core::class_of_folder("ig") == 3);
    CHECK(core::class_of_folder("IG") == 3);
    CHECK(core::class_of_folder("immature_granulocyte") == 3);
    CHECK(core::class_of_folder("Immature-Granulocytes") == 3);
    CHECK(core::class_of_folder("basophil") == 0);
    CHECK(core::class_of_folder("eosinophil") == 1);
    CHECK(core::class_of_folder("erythroblast") == 2);
    CHECK(core::class_of_folder("lymphocyte") == 4);
    CHECK(core::class_of_folder("monocyte") == 5);
    CHECK(core::class_of_folder("neutrophils") == 6);
    CHECK(core::class_of_folder("platelet") == 7);
    // not a class: a prefix, a short name of the display table, another word
    CHECK(core::class_of_folder("granulocyte") == -1);
    CHECK(core::class_of_folder("immature") == -1);
    CHECK(core::class_of_folder("NEU") == -1);
    CHECK(core::class_of_folder("cells") == -1);
    CHECK(core::class_of_folder("") == -1);
    CHECK(core::class_of_folder("s") == -1);
}

TEST_CASE("LabelledImportJob: a zip of class folders; bad files listed with the reason and skipped, the rest goes on") {
    auto zip = core::zip::write_stored(mixed_files());
    auto made = core::LabelledImportJob::from_zip(zip, "mine.zip");
    REQUIRE_MESSAGE(made.ok(), made.error);
    int steps = 0;
    while (made.value->step({2, 0})) ++steps;
    CHECK(steps == 3);  // 8 files, 2 a step: the fourth step finishes
    CHECK(made.value->snapshot().status == core::JobStatus::done);
    check_mixed(made.value->set());
    // the images are what Classify makes of the files
    auto ne = pbc("BNE_436110.jpg");
    auto img = core::decode_image(ne.data(), ne.size(), "a");
    REQUIRE(img.ok());
    const core::Dataset& d = made.value->set().data;
    CHECK(std::equal(d.image(2), d.image(2) + core::kImageBytes, core::to_bloodmnist(img.value).begin()));
}

TEST_CASE("LabelledImportJob: loose files (a folder) in another order give the same set") {
    auto files = mixed_files();
    std::reverse(files.begin(), files.end());
    std::vector<core::ClassifyItem> items;
    for (auto& [name, bytes] : files) items.push_back({name, bytes});  // the folder entry too: ignored
    auto job = core::LabelledImportJob::from_files(std::move(items), "set");
    while (job->step({0, 50})) {
    }
    CHECK(job->snapshot().status == core::JobStatus::done);
    check_mixed(job->set());
}

TEST_CASE("LabelledImportJob: not a zip, an empty one, and one with no usable image fail with a clear message") {
    std::vector<uint8_t> text = {'h', 'e', 'l', 'l', 'o', ' ', 'w', 'o', 'r', 'l', 'd', ' ', 'o', 'f', ' ', 'c', 'e', 'l', 'l', 's', '!', '!', '!'};
    auto bad = core::LabelledImportJob::from_zip(text, "cells.zip");
    CHECK(bad.error == "cells.zip: not a zip archive (a .zip starts with 'PK'), is it the right file?");
    auto empty = core::LabelledImportJob::from_zip(core::zip::write_stored({}), "empty.zip");
    REQUIRE(empty.ok());
    CHECK_FALSE(empty.value->step({}));
    CHECK(empty.value->snapshot().message == "empty.zip: no files in it (want class folders: " + core::class_folder_names() + ")");
    auto none = core::LabelledImportJob::from_zip(core::zip::write_stored({{"cells/a.jpg", pbc("BA_174705.jpg")}}), "none.zip");
    REQUIRE(none.ok());
    while (none.value->step({})) {
    }
    CHECK(none.value->snapshot().status == core::JobStatus::failed);
    CHECK(none.value->snapshot().message.rfind("none.zip: no usable images (1 file(s) skipped;", 0) == 0);
}

TEST_CASE("LabelledImportJob: a damaged zip member is listed as unreadable, the others are read") {
    auto zip = core::zip::write_stored({{"neutrophil/a.jpg", pbc("BNE_436110.jpg")}, {"basophil/b.jpg", pbc("BA_174705.jpg")}});
    // flip a byte inside the first member's data: its CRC no longer matches
    zip[30 + std::string("neutrophil/a.jpg").size() + 100] ^= 0x55;
    auto made = core::LabelledImportJob::from_zip(zip, "d.zip");
    REQUIRE(made.ok());
    while (made.value->step({})) {
    }
    const core::LabelledSet& s = made.value->set();
    CHECK(s.data.size() == 1);
    REQUIRE(s.skipped.size() == 1);
    CHECK(s.skipped[0].path == "neutrophil/a.jpg");
    CHECK(s.skipped[0].kind == core::SkipKind::unreadable);
    CHECK(s.skipped[0].reason.find("CRC mismatch") != std::string::npos);
}

TEST_CASE("split_holdout: stratified, seeded, disjoint") {
    core::Dataset d = testutil::toy(12, 1);  // 12 per class
    d.labels.push_back(7);                   // a class with 13
    d.images.resize(d.images.size() + core::kImageBytes);
    const core::HoldoutSplit a = core::split_holdout(d, 0.25, 5), b = core::split_holdout(d, 0.25, 5), c = core::split_holdout(d, 0.25, 6);
    CHECK(a.held == b.held);
    CHECK(a.held != c.held);
    CHECK(a.held.size() == 8 * 3);  // round(0.25 x 12) = 3 per class, round(0.25 x 13) = 3
    CHECK(a.fit.size() == (size_t)d.size() - a.held.size());
    std::array<int, core::kClasses> held{};
    for (int i : a.held) held[d.labels[i]]++;
    for (int k = 0; k < core::kClasses; ++k) CHECK(held[k] == 3);
    std::vector<int> all = a.fit;
    all.insert(all.end(), a.held.begin(), a.held.end());
    std::sort(all.begin(), all.end());
    for (int i = 0; i < d.size(); ++i) CHECK(all[i] == i);
    // a class of two keeps one on each side; a tiny fraction still holds one out
    core::Dataset two = testutil::toy(2, 3);
    const core::HoldoutSplit t = core::split_holdout(two, 0.01, 0);
    CHECK(t.held.size() == 8);
    CHECK(t.fit.size() == 8);
}

TEST_CASE("fine-tuning starts from the model file's weights and keeps its calibration") {
    core::RunSettings s = core::recipe("tiny");
    REQUIRE(core::set_option(s, "layers", "conv3x3 4 same s2; bn; relu; gap; dense 8").ok);
    auto spec = core::resolve(s);
    REQUIRE(spec.ok());
    auto init = core::Model::create(spec.value.model, 42);
    REQUIRE(init.ok());
    core::Calibration cal = init.value.calibration();
    cal.single.temperature = 1.5f;
    cal.single.fitted = true;
    REQUIRE(init.value.set_calibration(cal).ok);
    const std::vector<uint8_t> bytes = init.value.save();
    auto ft = core::fine_tune_spec(bytes, 2, 3);
    REQUIRE_MESSAGE(ft.ok(), ft.error);
    CHECK(ft.value.train.epochs == 2);
    CHECK(ft.value.train.lr == doctest::Approx(core::recipe("tiny").train.lr * 0.1f));
    CHECK(ft.value.calibrate == 0);
    core::Dataset probe = testutil::toy(1, 9);
    auto job = core::TrainJob::create(ft.value, testutil::toy(4, 1), {});
    REQUIRE_MESSAGE(job.ok(), job.error);
    // before a step, the live network is the file's: same raw probabilities
    CHECK(job.value->live_model()->predict_raw(probe.images.data(), 8) == init.value.predict_raw(probe.images.data(), 8));
    while (job.value->step({})) {
    }
    REQUIRE(job.value->snapshot().status == core::JobStatus::done);
    core::Model tuned = job.value->take_model();
    CHECK(tuned.predict_raw(probe.images.data(), 8) != init.value.predict_raw(probe.images.data(), 8));  // it trained
    CHECK(tuned.calibration().single.temperature == doctest::Approx(1.5f));
    // feature models and damaged files are refused
    core::RunSettings ls = core::recipe("logreg");
    REQUIRE(core::set_option(ls, "iterations", "3").ok);
    auto lr = core::TrainJob::create(core::resolve(ls).value, testutil::toy(2, 1), {});
    REQUIRE(lr.ok());
    while (lr.value->step({})) {
    }
    auto lr_bytes = lr.value->take_model().save();
    CHECK(core::fine_tune_spec(lr_bytes, 2, 0).error == "logreg is a feature model: only networks (fcnn, cnn, vgg6, ...) can be fine-tuned");
    std::vector<uint8_t> cut(bytes.begin(), bytes.begin() + 40);
    CHECK(core::fine_tune_spec(cut, 2, 0).error.rfind("the model to fine-tune: ", 0) == 0);
}

TEST_CASE("ClassifyJob batches: thumbnails, duplicates skipped by content, files added while it runs, no model") {
    auto ba = pbc("BA_174705.jpg"), ne = pbc("BNE_436110.jpg");
    core::ClassifyOptions o;
    o.thumb_side = 64;
    o.skip_duplicates = true;
    o.chunk = 2;
    core::ClassifyJob job(nullptr, {{"a.jpg", ba}, {"b.jpg", ne}, {"a again.jpg", ba}}, o);
    CHECK(job.step({2, 0}));
    std::vector<core::ClassifyResult> first = job.take_ready();
    REQUIRE(first.size() == 2);
    CHECK(first[0].thumb.size() == 64u * 64 * 3);
    CHECK(first[0].crop.side == 200);
    CHECK(first[0].top == -1);  // no model: decoded and reduced only
    CHECK(job.take_ready().empty());
    std::vector<core::ClassifyItem> more{{"c.jpg", ne}, {"d.png", {'x'}}};
    CHECK(job.add(more));
    CHECK(more.empty());
    CHECK(job.pending() == 3);
    while (job.step({})) {
    }
    CHECK(job.snapshot().status == core::JobStatus::done);
    CHECK(job.snapshot().total == 5);
    std::vector<core::ClassifyResult> rest = job.take_ready();
    REQUIRE(rest.size() == 3);
    CHECK(rest[0].duplicate);
    CHECK(rest[0].error == "a again.jpg: duplicate of a.jpg (the same bytes)");
    CHECK(rest[1].error == "c.jpg: duplicate of b.jpg (the same bytes)");
    CHECK(rest[2].error == "d.png: not an image (unknown format; want PNG or JPG)");
    // a finished job takes no more files: they stay with the caller, for a new job
    std::vector<core::ClassifyItem> late{{"e.jpg", ba}};
    CHECK_FALSE(job.add(late));
    REQUIRE(late.size() == 1);
    CHECK(late[0].bytes == ba);
}

TEST_CASE("ClassifyJob: files already known (the review session's) are duplicates too; a cancelled job takes no more") {
    auto ba = pbc("BA_174705.jpg"), ne = pbc("BNE_436110.jpg");
    core::ClassifyOptions o;
    o.skip_duplicates = true;
    o.known = {{core::content_key(ba.data(), ba.size()), "BA_174705.jpg, already in the session"}};
    core::ClassifyJob job(nullptr, {{"copy.jpg", ba}, {"b.jpg", ne}}, o);
    while (job.step({})) {
    }
    std::vector<core::ClassifyResult> r = job.take_ready();
    REQUIRE(r.size() == 2);
    CHECK(r[0].duplicate);
    CHECK(r[0].error == "copy.jpg: duplicate of BA_174705.jpg, already in the session (the same bytes)");
    CHECK(r[1].error.empty());
    CHECK(r[1].key == core::content_key(ne.data(), ne.size()));  // the caller keeps it for later batches

    core::ClassifyJob c(nullptr, {{"b.jpg", ne}}, o);
    c.cancel();
    std::vector<core::ClassifyItem> more{{"x.jpg", ne}};
    CHECK_FALSE(c.add(more));
    CHECK(more.size() == 1);
}

#if BLOODCELL_HAVE_THREADS
TEST_CASE("ClassifyJob on a worker thread: files added and results taken from another thread, each once, in order") {
    auto ba = pbc("BA_174705.jpg"), ne = pbc("BNE_436110.jpg");
    core::ClassifyOptions o;
    o.thumb_side = 16;
    o.chunk = 3;
    std::vector<core::ClassifyItem> items;
    for (int i = 0; i < 10; ++i) items.push_back({"f" + std::to_string(i) + ".jpg", i % 2 ? ne : ba});
    core::ClassifyJob job(nullptr, std::move(items), o);
    std::atomic<bool> stop{false};
    std::thread worker([&] {
        while (!stop.load())
            if (!job.step({2, 0})) std::this_thread::sleep_for(std::chrono::milliseconds(1));
    });
    std::vector<std::string> names;
    int added = 0;
    for (int spins = 0; spins < 20000 && names.size() < 30; ++spins) {
        if (added < 20) {
            std::vector<core::ClassifyItem> more{{"g" + std::to_string(added) + ".jpg", ba}};
            if (job.add(more)) ++added;
        }
        for (core::ClassifyResult& r : job.take_ready()) {
            CHECK(r.error.empty());
            CHECK(r.thumb.size() == 16u * 16 * 3);
            names.push_back(r.name);
        }
        std::this_thread::sleep_for(std::chrono::microseconds(200));
    }
    stop.store(true);
    worker.join();
    for (core::ClassifyResult& r : job.take_ready()) names.push_back(r.name);
    // the files added before the job finished are classified; any refused stayed with this thread
    REQUIRE(names.size() == (size_t)(10 + added));
    for (int i = 0; i < 10; ++i) CHECK(names[i] == "f" + std::to_string(i) + ".jpg");
    for (int i = 0; i < added; ++i) CHECK(names[10 + i] == "g" + std::to_string(i) + ".jpg");
}
#endif
