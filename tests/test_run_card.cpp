// The run card's text form (core/recipe.h: format_run_card / parse_run_card): what the page's URL
// fragment, `bloodcell train --settings` and a model file's record hold. Round trips at full
// precision, the exact text of a known run, and malformed or out-of-range fields rejected with the
// field named.
#include <doctest/doctest.h>

#include <set>

#include "core/recipe.h"

namespace {
core::RunCard parsed(const std::string& text) {
    auto r = core::parse_run_card(text);
    REQUIRE_MESSAGE(r.ok(), r.error);
    return r.value;
}
std::string error_of(const std::string& text) { return core::parse_run_card(text).error; }
}  // namespace

TEST_CASE("run card: the exact text of a known run, and back") {
    core::RunCard c;
    c.settings = core::recipe("cnn");
    c.settings.train.epochs = 5;
    c.subset.fraction = 0.25;
    const std::string text = core::format_run_card(c);
    CHECK(text ==
          "v=1&model=cnn&epochs=5&batch=64&lr=0.001&wd=0&optimizer=adam&momentum=0.9&schedule=cosine&augment=1&seed=0&"
          "patience=0&ema=0&width=32&hidden=0&dropout=0&centered=-1&split=train&per-class=0&fraction=0.25&subset-seed=0");
    core::RunCard back = parsed(text);
    CHECK(back.settings.train.lr == 1e-3f);  // "0.001" is the shortest text of the float 1e-3f, and exact
    CHECK(back.settings.train.epochs == 5);
    CHECK(back.subset.fraction == 0.25);
    CHECK(core::format_run_card(back) == text);
}

TEST_CASE("run card: format -> parse -> format at full precision, every field") {
    core::RunCard c;
    c.settings = core::recipe("vgg6");
    core::RunSettings& s = c.settings;
    s.options.width = 16;
    s.options.hidden = 0;
    s.options.dropout = 0.125f;
    s.options.centered = 1;
    s.train.epochs = 7;
    s.train.batch = 48;
    s.train.lr = 0.0031415926f;
    s.train.weight_decay = 0.05f;
    s.train.optimizer = core::nn::OptimizerKind::sgd;
    s.train.momentum = 0.85f;
    s.train.schedule = core::Schedule::step;
    s.train.augment = false;
    s.train.seed = s.fit.seed = 1234567;
    s.train.patience = 3;
    s.train.ema = 0.999f;
    s.train.cutmix = 0.3f;
    c.subset.split = core::Split::train;
    c.subset.per_class = 40;
    c.subset.fraction = (double)0.3f;  // a float slider's value: 0.30000001192092896 as a double
    c.subset.seed = 7;
    const std::string text = core::format_run_card(c);
    INFO(text);
    core::RunCard b = parsed(text);
    CHECK(b.settings.model == "vgg6");
    CHECK(b.settings.options.width == 16);
    CHECK(b.settings.options.dropout == 0.125f);
    CHECK(b.settings.options.centered == 1);
    CHECK(b.settings.train.epochs == 7);
    CHECK(b.settings.train.batch == 48);
    CHECK(b.settings.train.lr == s.train.lr);  // bit for bit
    CHECK(b.settings.train.weight_decay == s.train.weight_decay);
    CHECK(b.settings.train.optimizer == core::nn::OptimizerKind::sgd);
    CHECK(b.settings.train.momentum == s.train.momentum);
    CHECK(b.settings.train.schedule == core::Schedule::step);
    CHECK_FALSE(b.settings.train.augment);
    CHECK(b.settings.train.seed == 1234567);
    CHECK(b.settings.train.patience == 3);
    CHECK(b.settings.train.ema == s.train.ema);
    CHECK(b.settings.train.cutmix == s.train.cutmix);
    CHECK(text.find("&cutmix=0.3") != std::string::npos);
    CHECK(core::describe_run(b).find("CutMix 0.3") != std::string::npos);
    CHECK(b.subset.per_class == 40);
    CHECK(b.subset.fraction == c.subset.fraction);  // bit for bit, not 0.3
    CHECK(b.subset.seed == 7);
    CHECK(core::format_run_card(b) == text);
    // the same run: the resolved specs agree
    auto r1 = core::resolve(s), r2 = core::resolve(b.settings);
    REQUIRE(r1.ok());
    REQUIRE(r2.ok());
    CHECK(r1.value.summary == r2.value.summary);
    CHECK(r1.value.model.str() == r2.value.model.str());
}

TEST_CASE("run card: a custom layer list is percent-encoded; feature models carry their own fit") {
    core::RunCard c;
    c.settings = core::recipe("mini");
    c.settings.layers = "conv3x3 4 same s2; bn; relu; gap; dense 8";
    const std::string text = core::format_run_card(c);
    CHECK(text.find("&layers=conv3x3%204%20same%20s2%3B%20bn%3B%20relu%3B%20gap%3B%20dense%208&") != std::string::npos);
    CHECK(text.find(' ') == std::string::npos);
    CHECK(parsed(text).settings.layers == c.settings.layers);
    CHECK(core::format_run_card(parsed(text)) == text);

    core::RunCard lr;
    lr.settings = core::recipe("logreg");  // the fit's rate 0.05, not the network default 1e-3
    const std::string lt = core::format_run_card(lr);
    CHECK(lt == "v=1&model=logreg&seed=0&iterations=500&lr=0.05&wd=0.0001&pixels=0&split=train&per-class=0&fraction=1&subset-seed=0");
    CHECK(parsed(lt).settings.fit.lr == 0.05f);
    CHECK(parsed(lt).settings.fit.l2 == 1e-4f);
    core::RunCard f;
    f.settings = core::recipe("forest");
    f.settings.fit.trees = 37;
    CHECK(core::format_run_card(f) == "v=1&model=forest&seed=0&trees=37&max-depth=0&pixels=0&split=train&per-class=0&fraction=1&subset-seed=0");
}

TEST_CASE("run card: a hand-written link takes the model's recipe for what it leaves out") {
    core::RunCard c = parsed("  #model=vgg6&lr=0.003&per-class=40\n");
    CHECK(c.settings.train.lr == 0.003f);
    CHECK(c.settings.train.batch == core::recipe("vgg6").train.batch);
    CHECK(c.settings.train.augment);
    CHECK(c.subset.per_class == 40);
    CHECK(c.subset.fraction == 1.0);
    CHECK(c.subset.split == core::Split::train);
    CHECK(parsed("model=cnn&&fraction=0.5&").subset.fraction == 0.5);  // empty items are skipped
}

TEST_CASE("run card: malformed and out-of-range fields are rejected, the field named") {
    CHECK(error_of("") == "no settings (want v=1&model=NAME&...)");
    CHECK(error_of("#") == "no settings (want v=1&model=NAME&...)");
    CHECK(error_of("lr=0.1") == "model: missing (want model=fcnn, cnn, vgg6, logreg or forest)");
    CHECK(error_of("model=resnet") == "model 'resnet': want fcnn, cnn, vgg6, logreg or forest (or a label with layers=...)");
    CHECK(error_of("v=2&model=cnn") == "v '2': want 1 (the settings version this build reads)");
    CHECK(error_of("model=cnn&epochs") == "'epochs' is not field=value");
    CHECK(error_of("model=cnn&=5") == "'=5' is not field=value");
    CHECK(error_of("model=cnn&colour=red").rfind("unknown field 'colour' (want v, model, layers, epochs,", 0) == 0);
    CHECK(error_of("model=cnn&lr=0.1&lr=0.2") == "lr: given twice");
    CHECK(error_of("model=cnn&lr=fast") == "lr 'fast': want a number");
    CHECK(error_of("model=cnn&lr=") == "lr '': want a number");
    CHECK(error_of("model=cnn&lr=-1") == "lr '-1': want a value in (0, 100]");
    CHECK(error_of("model=cnn&lr=1e999") == "lr '1e999': want a number");
    CHECK(error_of("model=cnn&batch=0") == "batch '0': want 1..4096");
    CHECK(error_of("model=cnn&batch=1.5") == "batch '1.5': want an integer");
    CHECK(error_of("model=cnn&epochs=20000") == "epochs '20000': want 1..10000");
    CHECK(error_of("model=cnn&wd=2") == "wd '2': want [0, 1)");
    CHECK(error_of("model=cnn&ema=1") == "ema '1': want 0 (off) or a decay in (0, 1)");
    CHECK(error_of("model=cnn&optimizer=rmsprop") == "optimizer 'rmsprop': want adam or sgd");
    CHECK(error_of("model=cnn&schedule=linear") == "schedule 'linear': want constant, cosine or step");
    CHECK(error_of("model=cnn&augment=2") == "augment '2': want 0 or 1");
    CHECK(error_of("model=cnn&seed=-4") == "seed '-4': want a seed >= 0");
    CHECK(error_of("model=vgg6&width=0") == "width '0': want 1..512");
    CHECK(error_of("model=forest&trees=0") == "trees '0': want 1..5000");
    CHECK(error_of("model=cnn&split=dev") == "split 'dev': want train, val or test");
    CHECK(error_of("model=cnn&per-class=-3") == "per-class '-3': want an integer >= 0");
    CHECK(error_of("model=cnn&fraction=2") == "fraction '2': want a number in (0,1]");
    CHECK(error_of("model=cnn&fraction=0") == "fraction '0': want a number in (0,1]");
    CHECK(error_of("model=cnn&subset-seed=x") == "subset-seed 'x': want an integer >= 0");
    CHECK(error_of("model=cnn&layers=%ZZ") == "layers '%ZZ': a bad %-escape");
    CHECK(error_of("model=cnn&layers=dense%205").rfind("layers 'dense 5': ", 0) == 0);
    // the first bad field in the order given is the one named
    CHECK(error_of("model=cnn&batch=0&lr=-1") == "batch '0': want 1..4096");
}

TEST_CASE("run card: the subset in words") {
    core::SubsetSpec s;
    CHECK(core::describe_subset(s) == "all of the train split");
    s.fraction = 0.25;
    CHECK(core::describe_subset(s) == "train split, 25% of each class");
    s.per_class = 40;
    s.seed = 3;
    CHECK(core::describe_subset(s) == "train split, 25% of each class (at most 40), subset seed 3");
    s.fraction = 1;
    CHECK(core::describe_subset(s) == "train split, at most 40 per class, subset seed 3");
}

TEST_CASE("run card: one line for a legend, numbers at full precision") {
    core::RunCard c;
    c.settings = core::recipe("vgg6");
    c.settings.options.width = 16;
    c.settings.train.epochs = 5;
    c.settings.train.lr = 0.0031415926f;
    c.subset.fraction = 0.25;
    // 0.0031415925 is the shortest text that reads back to the float nearest 0.0031415926
    CHECK(core::describe_run(c) ==
          "vgg6 w=16, 5 epochs, batch 64, lr 0.0031415925 cosine, Adam, augmented, seed 0; train split, 25% of each class");
    c.settings.train.optimizer = core::nn::OptimizerKind::sgd;
    c.settings.train.weight_decay = 5e-4f;
    c.settings.train.ema = 0.999f;
    c.subset = core::SubsetSpec();
    CHECK(core::describe_run(c) == "vgg6 w=16, 5 epochs, batch 64, lr 0.0031415925 cosine, SGD momentum 0.9 wd 0.0005, augmented, "
                                   "EMA 0.999, seed 0; all of the train split");
    // a run that diverged and was resumed lower, twice: every rate it used, in order
    CHECK(core::describe_run(c, {1e-4f, 3e-5f}) == "vgg6 w=16, 5 epochs, batch 64, lr 0.0031415925 then 0.0001 then 3e-05 cosine, "
                                                   "SGD momentum 0.9 wd 0.0005, augmented, EMA 0.999, seed 0; all of the train split");
    core::RunCard f;
    f.settings = core::recipe("logreg");
    CHECK(core::describe_run(f) == "logreg, 500 iterations, lr 0.05, l2 0.0001, seed 0; all of the train split");
    // the fields a card shows are those of the text form, in its order
    auto fields = core::run_card_fields(f);
    REQUIRE(fields.size() == 11);  // v, model, seed, iterations, lr, wd, pixels, and the subset's 4
    CHECK(fields[0] == std::make_pair(std::string("v"), std::string("1")));
    CHECK(fields[1].first == "model");
    CHECK(fields.back() == std::make_pair(std::string("subset-seed"), std::string("0")));
}

TEST_CASE("run card in words: every field a card can hold has its words, a field unknown to this build keeps its key") {
    core::RunCard c;
    c.settings = core::recipe("vgg6");
    core::TrainConfig& t = c.settings.train;
    t.label_smoothing = 0.1f;
    t.cutmix = 0.5f;
    t.distill = 0.5f;
    t.distill_temperature = 2.f;
    t.until_acc = 0.95f;
    t.ema = 0.999f;
    t.swa_start = 76;
    t.patience = 0;
    // words the key already is
    const std::set<std::string> plain = {"model", "layers", "epochs", "optimizer", "seed", "trees", "iterations", "dropout"};
    int fields = 0;
    for (const auto& field : core::run_card_fields(c)) {
        const std::string& key = field.first;  // a named reference: C++17 lambdas (INFO) cannot capture bindings
        if (key == "v") continue;
        ++fields;
        const std::string label = core::run_card_row(c.settings.model, key, field.second).first;
        INFO(key);
        CHECK(!label.empty());
        if (!plain.count(key)) CHECK(label != key);
    }
    CHECK(fields >= 20);
    using P = std::pair<std::string, std::string>;
    CHECK(core::run_card_row("vgg6", "smoothing", "0.1") == P{"label smoothing", "0.1"});
    CHECK(core::run_card_row("vgg6", "cutmix", "0.5") == P{"CutMix (share of images)", "0.5"});
    CHECK(core::run_card_row("vgg6", "distill-temp", "2") == P{"distillation temperature", "2"});
    CHECK(core::run_card_row("vgg6", "patience", "0") == P{"early stop after", "0 (never)"});
    CHECK(core::run_card_row("logreg", "wd", "0.0001") == P{"L2 penalty", "0.0001"});
    CHECK(core::run_card_row("vgg6", "wd", "0.05") == P{"weight decay", "0.05"});
    CHECK(core::run_card_row("vgg6", "mixup", "0.2") == P{"mixup", "0.2"});
    CHECK(core::run_card_row("vgg6", "swa", "76") == P{"SWA from epoch", "76"});
    CHECK(core::run_card_row("vgg6", "swa", "0") == P{"SWA from epoch", "0 (off)"});
}

TEST_CASE("run card: stochastic weight averaging (swa) is written only when on, reads back, and excludes ema") {
    core::RunCard c;
    c.settings = core::recipe("vgg6");
    CHECK(core::format_run_card(c).find("swa") == std::string::npos);  // earlier cards read the same
    c.settings.train.epochs = 30;
    c.settings.train.swa_start = 21;
    const std::string text = core::format_run_card(c);
    CHECK(text.find("&swa=21") != std::string::npos);
    core::RunCard b = parsed(text);
    CHECK(b.settings.train.swa_start == 21);
    CHECK(core::describe_run(b).find("SWA from epoch 21") != std::string::npos);
    auto r = core::resolve(b.settings);
    REQUIRE(r.ok());
    CHECK(r.value.summary.find("weight averaging") != std::string::npos);
    b.settings.train.ema = 0.999f;
    CHECK(core::resolve(b.settings).error == "swa and ema: use one weight average, not both");
    b.settings.train.ema = 0;
    b.settings.train.swa_start = 31;
    CHECK(core::resolve(b.settings).error == "swa 31: want 0 (off) or the first epoch averaged, 1..30");
    CHECK(core::set_option(b.settings, "swa", "-1").message.find("0 (off) or the first epoch averaged") != std::string::npos);
}
