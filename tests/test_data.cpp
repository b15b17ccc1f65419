// Loading BloodMNIST .npz files (real and hand-built), subsets, and one case per malformed input.
#include <doctest/doctest.h>

#include <algorithm>
#include <cstring>

#include "core/dataset.h"
#include "core/io.h"
#include "core/npz.h"
#include "test_util.h"

using namespace core;
using testutil::load_error;
using testutil::tiny_members;

TEST_CASE("the full BloodMNIST file loads with the official split sizes and class counts") {
    auto r = load_bloodmnist_file(testutil::shared("data/bloodmnist.npz"));
    REQUIRE_MESSAGE(r.ok(), r.error);
    CHECK(r.value.train.size() == 11959);
    CHECK(r.value.val.size() == 1712);
    CHECK(r.value.test.size() == 3421);
    auto c = r.value.test.class_counts();
    CHECK(c == std::array<int, 8>{244, 624, 311, 579, 243, 284, 666, 470});
    CHECK(r.value.train.images.size() == 11959u * 2352u);
}

TEST_CASE("the teaching set in assets/ is a proportional stratified draw of the full file") {
    // assets/README.md: bloodcell make-sample bloodmnist.npz --out assets/teaching.npz --fraction 0.24 --seed 0
    auto full = load_bloodmnist_file(testutil::shared("data/bloodmnist.npz"));
    auto teach = load_bloodmnist_file(testutil::repo("assets/teaching.npz"));
    REQUIRE_MESSAGE(teach.ok(), teach.error);
    REQUIRE(full.ok());
    for (int s = 0; s < 3; ++s) {
        SubsetSpec spec;
        spec.split = (Split)s;
        spec.fraction = 0.24;
        Dataset expect = make_subset(full.value.split(spec.split), spec);
        CHECK(teach.value.split(spec.split).labels == expect.labels);
        CHECK(teach.value.split(spec.split).images == expect.images);
    }
    // 24% of every class of every split (rounded): BloodMNIST's class mix, 4,100 images
    CHECK(teach.value.train.class_counts() == std::array<int, 8>{204, 523, 260, 486, 204, 238, 559, 394});
    CHECK(teach.value.val.class_counts() == std::array<int, 8>{29, 75, 37, 70, 29, 34, 80, 56});
    CHECK(teach.value.test.class_counts() == std::array<int, 8>{59, 150, 75, 139, 58, 68, 160, 113});
    CHECK(teach.value.train.size() + teach.value.val.size() + teach.value.test.size() == 4100);
}

TEST_CASE("save then load round-trips every byte") {
    auto m = tiny_members(5);
    auto bytes = npz::write_stored(m);
    auto r = load_bloodmnist(bytes.data(), bytes.size(), "tiny.npz");
    REQUIRE_MESSAGE(r.ok(), r.error);
    CHECK(r.value.val.images == m["val_images"].data);
    CHECK(r.value.test.labels == m["test_labels"].data);
    auto again = save_bloodmnist_npz(r.value);
    CHECK(again == bytes);
}

TEST_CASE("labels of wider integer types and shape (N,) are accepted") {
    auto m = tiny_members(3);
    npz::Array lb;
    lb.dtype = "<i8";
    lb.shape = {3};
    for (int64_t v : {7, 0, 5})
        for (int k = 0; k < 8; ++k) lb.data.push_back((uint8_t)(v >> (8 * k)));
    m["train_labels"] = lb;
    auto bytes = npz::write_stored(m);
    auto r = load_bloodmnist(bytes.data(), bytes.size(), "wide.npz");
    REQUIRE_MESSAGE(r.ok(), r.error);
    CHECK(r.value.train.labels == std::vector<uint8_t>{7, 0, 5});
}

TEST_CASE("subsets are stratified, deterministic, capped and keep the original order") {
    Dataset d;
    for (int i = 0; i < 400; ++i) d.labels.push_back((uint8_t)(i % 8 == 7 ? 7 : i % 4));  // classes 0-3 and 7
    d.images.assign(d.labels.size() * kImageBytes, 0);
    for (int i = 0; i < d.size(); ++i) d.images[(size_t)i * kImageBytes] = (uint8_t)i;
    SubsetSpec spec;
    spec.per_class = 10;
    spec.seed = 3;
    auto a = subset_indices(d, spec), b = subset_indices(d, spec);
    CHECK(a == b);
    CHECK(std::is_sorted(a.begin(), a.end()));
    Dataset s = take(d, a);
    auto c = s.class_counts();
    CHECK(c[0] == 10); CHECK(c[3] == 10); CHECK(c[7] == 10); CHECK(c[5] == 0);
    CHECK(s.image(0)[0] == (uint8_t)a[0]);
    spec.seed = 4;
    CHECK(subset_indices(d, spec) != a);
    spec.per_class = 0;
    spec.fraction = 0.5;
    auto h = take(d, subset_indices(d, spec)).class_counts();
    CHECK(h[0] == 50);  // class 0 has 100 images (i % 8 in {0, 4})
    CHECK(h[3] == 25);  // class 3 has 50
    CHECK(h[7] == 25);
}

TEST_CASE("subset specs parse and reject nonsense") {
    auto s = parse_subset("per-class=50,fraction=0.25,seed=9,split=val");
    REQUIRE(s.ok());
    CHECK(s.value.per_class == 50);
    CHECK(s.value.fraction == 0.25);
    CHECK(s.value.seed == 9u);
    CHECK(s.value.split == Split::val);
    CHECK(parse_subset("fraction=2").error == "subset: fraction=2: want a number in (0,1]");
    CHECK(parse_subset("per-class=-3").error == "subset: per-class=-3: want an integer >= 0");
    CHECK(parse_subset("colour=red").error == "subset: unknown key 'colour' (want per-class, fraction, seed, split)");
    CHECK(parse_subset("split=dev").error == "subset: split 'dev': want train, val or test");
    CHECK(parse_subset("per-class").error == "subset 'per-class': 'per-class' is not key=value");
}

// ---- bad inputs: one case each, asserting the message -------------------------------------------

TEST_CASE("bad input: missing file") {
    auto r = load_bloodmnist_file("/nonexistent/blood.npz");
    CHECK(r.error == "/nonexistent/blood.npz: no such file");
}

TEST_CASE("bad input: a folder where a file is wanted is refused by name (it aborted on std::bad_alloc)") {
    auto r = load_bloodmnist_file("/tmp");
    CHECK(r.error == "/tmp: is a directory, not a file");
    CHECK(core::io::read_file(".").error == ".: is a directory, not a file");
}

TEST_CASE("bad input: empty file") {
    CHECK(load_error({}) == "t.npz: file is empty");
}

TEST_CASE("bad input: not a zip") {
    std::string text = "this is a text file, not an archive of arrays";
    CHECK(load_error(std::vector<uint8_t>(text.begin(), text.end())) ==
          "t.npz: not a zip archive (an .npz starts with 'PK'), is it the right file?");
}

TEST_CASE("bad input: truncated zip") {
    auto bytes = npz::write_stored(tiny_members());
    bytes.resize(bytes.size() * 6 / 10);
    CHECK(load_error(bytes) == "t.npz: truncated or damaged zip (no end-of-central-directory record)");
}

TEST_CASE("bad input: zip whose member data was cut out") {
    auto bytes = npz::write_stored(tiny_members());
    // Keep the central directory but drop bytes from the middle, so offsets point past the end.
    std::vector<uint8_t> cut(bytes.begin(), bytes.begin() + 100);
    cut.insert(cut.end(), bytes.end() - 600, bytes.end());
    std::string e = load_error(cut);
    CHECK(e.find("t.npz: truncated zip (central directory at") == 0);
}

TEST_CASE("bad input: bad CRC") {
    auto bytes = npz::write_stored(tiny_members());
    bytes[300] ^= 0x40;  // inside train_images data
    std::string e = load_error(bytes);
    CHECK(e.find("t.npz: test_images.npy: CRC mismatch (stored ") == 0);  // members sort alphabetically: test_* first
    CHECK(e.find("the file is damaged") != std::string::npos);
}

TEST_CASE("bad input: missing member") {
    auto m = tiny_members();
    m.erase("val_labels");
    auto bytes = npz::write_stored(m);
    CHECK(load_error(bytes) ==
          "t.npz: member 'val_labels.npy' missing (the archive has: test_images.npy, test_labels.npy, "
          "train_images.npy, train_labels.npy, val_images.npy)");
}

TEST_CASE("bad input: an .npz of other arrays (not BloodMNIST)") {
    std::map<std::string, npz::Array> m;
    npz::Array x;
    x.dtype = "|u1";
    x.shape = {4};
    x.data = {1, 2, 3, 4};
    m["x"] = x;
    m["y"] = x;
    CHECK(load_error(npz::write_stored(m)) ==
          "t.npz: member 'train_images.npy' missing (the archive has: x.npy, y.npy)");
}

TEST_CASE("bad input: wrong dtype") {
    auto m = tiny_members(2);
    auto& im = m["train_images"];
    im.dtype = "<f4";
    im.data.resize(im.data.size() * 4);
    CHECK(load_error(npz::write_stored(m)) == "t.npz: train_images: dtype <f4, want |u1 (uint8)");
}

TEST_CASE("bad input: wrong shape") {
    auto m = tiny_members(2);
    m["val_images"].shape = {2, 28, 28 * 3};
    CHECK(load_error(npz::write_stored(m)) == "t.npz: val_images: got (2,28,84), want (N,28,28,3)");
    m = tiny_members(2);
    m["val_images"].shape = {2, 56, 14, 3};
    CHECK(load_error(npz::write_stored(m)) ==
          "t.npz: val_images: got (2,56,14,3), want (N,28,28,3) (only the 28x28 BloodMNIST is supported)");
}

TEST_CASE("bad input: labels outside 0..7") {
    auto m = tiny_members(4);
    m["test_labels"].data[2] = 9;
    CHECK(load_error(npz::write_stored(m)) == "t.npz: test_labels: label 9 at row 2 is outside 0..7");
}

TEST_CASE("bad input: image and label counts differ") {
    auto m = tiny_members(4);
    m["train_labels"].shape = {3, 1};
    m["train_labels"].data.resize(3);
    CHECK(load_error(npz::write_stored(m)) == "t.npz: train has 4 images but 3 labels");
}

TEST_CASE("bad input: data bytes disagree with the declared shape") {
    auto m = tiny_members(4);
    m["train_images"].data.resize(100);
    CHECK(load_error(npz::write_stored(m)) ==
          "t.npz: train_images.npy: 100 data bytes, shape (4,28,28,3) of |u1 needs 9408");
}

TEST_CASE("bad input: a declared size larger than memory allows") {
    auto bytes = npz::write_stored(tiny_members());
    // Patch the uncompressed size of the first central-directory entry to ~4 GiB.
    size_t cd = testutil::first_central_entry(bytes);
    REQUIRE(cd > 0);
    bytes[cd + 24] = 0xF0; bytes[cd + 25] = 0xFF; bytes[cd + 26] = 0xFF; bytes[cd + 27] = 0xFF;
    npz::Limits lim;
    lim.max_member_bytes = uint64_t(1) << 31;  // the native defaults (WebAssembly builds use less)
    lim.max_total_bytes = uint64_t(1) << 32;
    auto r = npz::read(bytes.data(), bytes.size(), "t.npz", {"test_images"}, lim);
    CHECK(r.error == "t.npz: test_images.npy: declares 4294967280 bytes uncompressed, more than the 2147483648 allowed "
                     "(damaged file, or too large for this device)");
}

TEST_CASE("bad input: arrays that together need more memory than this device allows") {
    // each member is under its own limit, the set is not: refused before anything is inflated
    auto bytes = npz::write_stored(tiny_members());
    npz::Limits lim;
    lim.max_total_bytes = 10000;
    auto r = npz::read(bytes.data(), bytes.size(), "t.npz", {"test_images", "train_images"}, lim);
    CHECK(r.error == "t.npz: members declare 19072 bytes uncompressed, more than the 10000 allowed "
                     "(damaged file, or too large for this device)");
    CHECK(npz::read(bytes.data(), bytes.size(), "t.npz", {"test_images"}, lim).ok());
}

TEST_CASE("bad input: a .npy header that declares an impossible shape") {
    std::string h = "{'descr': '|u1', 'fortran_order': False, 'shape': (99999999999999, 28, 28, 3), }";
    std::vector<uint8_t> npy = {0x93, 'N', 'U', 'M', 'P', 'Y', 1, 0, (uint8_t)h.size(), 0};
    npy.insert(npy.end(), h.begin(), h.end());
    auto r = npz::parse_npy(npy.data(), npy.size(), "x.npy");
    CHECK(r.error == "x.npy: shape (99999999999999, 28, 28, 3) is impossibly large");
}

TEST_CASE("bad input: Fortran order and unknown .npy versions") {
    std::string h = "{'descr': '|u1', 'fortran_order': True, 'shape': (2,), }";
    std::vector<uint8_t> npy = {0x93, 'N', 'U', 'M', 'P', 'Y', 1, 0, (uint8_t)h.size(), 0};
    npy.insert(npy.end(), h.begin(), h.end());
    npy.push_back(1); npy.push_back(2);
    CHECK(npz::parse_npy(npy.data(), npy.size(), "f.npy").error == "f.npy: Fortran-ordered arrays are not supported (want C order)");
    npy[6] = 9;
    CHECK(npz::parse_npy(npy.data(), npy.size(), "f.npy").error == "f.npy: .npy format version 9 not supported (want 1, 2 or 3)");
}

TEST_CASE("bad input: a deflated member that claims more than deflate can produce") {
    auto bytes = npz::write_stored(tiny_members());
    // Mark the first central-directory entry as deflated and claim 100 MB from its few KB.
    size_t cd = testutil::first_central_entry(bytes);
    REQUIRE(cd > 0);
    bytes[cd + 10] = 8;
    uint32_t claim = 100000000;
    for (int k = 0; k < 4; ++k) bytes[cd + 24 + k] = (uint8_t)(claim >> (8 * k));
    auto r = npz::read(bytes.data(), bytes.size(), "t.npz", {"test_images"});
    CHECK(r.error == "t.npz: test_images.npy: declares 100000000 bytes from 9536 compressed, more than deflate can produce "
                     "(damaged file)");
}

TEST_CASE("archives written by numpy (savez and savez_compressed, zip64 fields, int64 labels) load") {
    for (const char* f : {"stored.npz", "deflated.npz", "int64_labels.npz"}) {
        auto r = load_bloodmnist_file(testutil::repo(std::string("tests/fuzz/corpus/npz/") + f));
        REQUIRE_MESSAGE(r.ok(), r.error);
        CHECK(r.value.train.size() == 2);
        CHECK(r.value.test.size() == 2);
    }
    auto a = load_bloodmnist_file(testutil::repo("tests/fuzz/corpus/npz/stored.npz"));
    auto b = load_bloodmnist_file(testutil::repo("tests/fuzz/corpus/npz/deflated.npz"));
    CHECK(a.value.val.images == b.value.val.images);
    CHECK(a.value.train.labels == b.value.train.labels);
}
