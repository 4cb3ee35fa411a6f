// ScenarioLoader: JSON -> Scenario. Malformed files (tests/data/bad-scenarios)
// must fail with one sentence naming the file and the JSON location; valid
// ones must map every field onto simulator/scenario.h.
#include "simulator/scenarioloader.h"

#include <QDir>
#include <QFile>
#include <QFileInfo>
#include <QSet>
#include <QTemporaryDir>
#include <QTest>

#include <sys/stat.h>

using namespace tee;
using namespace tee::sim;

namespace {

QString badDir()
{
    return QStringLiteral(TEESCOPE_TEST_DATA "/bad-scenarios");
}

std::string readText(const QString &path)
{
    QFile f(path);
    if (!f.open(QIODevice::ReadOnly))
        return {};
    return f.readAll().toStdString();
}

// The first ```json block after the "tested-example" marker of the format
// documentation: the doc's example and this test cannot drift apart.
std::string docExample()
{
    const QString doc = QString::fromStdString(
        readText(QStringLiteral(TEESCOPE_SOURCE_DIR "/docs/scenario-format.md")));
    const qsizetype marker = doc.indexOf(QLatin1String("tested-example"));
    if (marker < 0)
        return {};
    const qsizetype begin = doc.indexOf(QLatin1String("```json\n"), marker);
    const qsizetype end = doc.indexOf(QLatin1String("\n```"), begin + 8);
    if (begin < 0 || end < 0)
        return {};
    return doc.mid(begin + 8, end - begin - 8).toStdString();
}

std::shared_ptr<Scenario> loadOk(const std::string &json, std::string *error)
{
    return loadScenarioJson(json, "inline.json", error);
}

// Each malformed file with the location and the message its error must
// contain. Every file of the corpus needs a row (everyBadFileHasARow).
struct BadRow
{
    const char *file;
    const char *location;
    const char *message;
};
const BadRow kBadRows[] = {
    // Not JSON / not an object.
    {"empty.json", "empty file", "expected a JSON object"},
    {"truncated.json", "line 5, column 1", "invalid JSON: unterminated array (truncated file?)"},
    // Qt says "unterminated object" for both: the words tell which
    {"missing-comma.json", "line 3, column",
     "invalid JSON: unterminated object (a missing comma or closing brace?)"},
    // a binary byte, named at its own column (Qt's offset is one past it)
    {"nul-byte.json", "line 3, column 3",
     "invalid JSON: a control character (U+0000) outside a string"},
    {"number-leading-zero.json", "line 3, column 11",
     "the number 01 is not written as JSON allows"},
    // lines as an editor counts them (CR-only line ends), columns in characters
    {"cr-line-ends.json", "line 3, column 44", "invalid JSON"},
    {"utf8-column.json", "line 1, column 27", "invalid JSON"},
    {"trailing-garbage.json", "line 1, column", "invalid JSON"},
    {"not-an-object.json", "(root)", "expected a JSON object, got an array"},
    {"top-level-string.json", "(root)", "expected a JSON object, got a string"},
    // a capture whose format is wrong: not "unknown key events"
    // (and the message says what was found, not only what a capture's is)
    {"capture-with-wrong-format.json", "format",
     "not a scenario key, and not a capture's format either: a teescope capture's is "
     "\"teescope-capture\", found \"teescope-scenario\""},
    {"deep-nesting.json", "line 1, column", "invalid JSON"},
    // RFC 8259: a control character inside a string must be escaped
    // (QJsonDocument would take it raw; a capture would then re-indent it).
    {"raw-control-in-string.json", "line 3, column 25",
     "a raw control character (U+000A) inside a string: JSON requires it escaped, as \\n"},
    // and what else it does not allow but Qt's parser takes (a scenario-
    // format audit: "x\q" loaded as "xq", 1. and .5e1 as 1 and 5)
    {"invalid-escape.json", "line 3, column 14", "invalid escape \\q in a string"},
    // an async release gives back callback ids, not QTEE's own objects
    // (it was accepted and did nothing)
    {"async-release-qtee-object.json", "qtee.services[0].ops.1[0].targets[0]",
     "\"self\" is a QTEE object, not a callback id"},
    {"number-trailing-point.json", "line 3, column 11",
     "the number 1. is not written as JSON allows"},
    {"number-leading-point.json", "line 3, column 11",
     "the number .5e1 is not written as JSON allows"},
    // (a format audit: "+" was quoted alone, 1e400 was "illegal", a file
    // cut in an escape named an escape it does not have, and one cut in a
    // number or a literal was not said to be cut)
    {"number-plus-sign.json", "line 3, column 11", "the number +1 is not written as JSON allows"},
    {"number-too-large.json", "line 3, column 11", "the number 1e400 is out of range"},
    {"truncated-in-escape.json", "line 4, column",
     "invalid JSON: unterminated string (truncated file?)"},
    {"truncated-in-number.json", "line 4, column", "(truncated file?)"},
    {"truncated-in-literal.json", "line 4, column", "(truncated file?)"},
    // (a review: "1e" at the end said "not written as JSON allows", and a
    // stray word after a value at the end said "truncated")
    {"truncated-in-exponent.json", "line 4, column 11",
     "invalid JSON: the number 1e is cut short (truncated file?)"},
    {"word-after-value-at-end.json", "line 3, column", "(a missing comma or closing brace?)"},
    // Unknown keys and kinds.
    {"unknown-root-key.json", "proceses", "unknown key \"proceses\""},
    {"unknown-step-key.json", "processes[0].threads[0].program[2].ouputs", "unknown key"},
    {"unknown-do.json", "processes[0].threads[0].program[1].do", "unknown step \"invok\""},
    {"unknown-variant-key.json", "variant.requests", "unknown key"},
    {"unknown-cost.json", "costs.syscal", "unknown key"},
    {"unknown-qtee-do.json", "qtee.services[0].ops.default[0].do", "unknown QTEE step \"reply\""},
    // Missing fields.
    {"missing-do.json", "processes[0].threads[0].program[1].do", "missing required field"},
    {"missing-processes.json", "processes", "missing required field"},
    {"missing-invoke-op.json", "processes[0].threads[0].program[1].op", "missing required field"},
    // Wrong types.
    {"wrong-type-uid.json", "program[1].uid", "expected an integer, got a string"},
    {"wrong-type-processes.json", "processes", "expected an array, got an object"},
    {"wrong-type-thread.json", "processes[0].threads[0]", "expected an object, got a string"},
    {"wrong-type-bool.json", "program[1].answer_release", "expected true or false"},
    {"fraction.json", "program[0].ns", "expected an integer"},
    {"schedule-not-strings.json", "schedule[1]", "expected a string, got a number"},
    // Numbers out of range, counts out of bounds.
    {"huge-uid.json", "program[1].uid", "4294967296 is out of range (0..4294967295)"},
    {"negative-uid.json", "program[1].uid", "-1 is out of range"},
    {"huge-size.json", "program[1].ib[0]", "out of range"},
    {"huge-integer.json", "seed", "out of range"},
    {"huge-buffer.json", "program[1].buffer", "out of range (0..4194304)"},
    {"too-many-args.json", "program[1].ob", "65 entries, more than the limit of 64"},
    {"too-many-processes.json", "processes", "more than the limit of 64"},
    {"zero-max-steps.json", "max_steps", "out of range"},
    // Bad values.
    {"bad-variant-value.json", "variant.request", "lifo"},
    {"bad-policy.json", "policy", "unknown policy \"roundrobin\""},
    {"bad-errno.json", "program[1].replies[1].errno", "unknown errno \"EWHAT\""},
    {"bad-on-einval.json", "program[1].on_einval", "unknown mode \"panic\""},
    {"bad-count.json", "program[1].count", "\"forever\""},
    {"io-both-kinds.json", "program[2].io[0]", "exactly one of \"user\", \"object\" and \"mem\""},
    {"fault-two-kinds.json", "faults[0]", "exactly one of"},
    {"qtee-callback-17-ib.json", "qtee.services[0].ops.1[0].ib",
     "17 arguments, more than the 16 of a type QTEE can send"},
    {"fault-at-step-zero.json", "faults[0].at_step", "0 is out of range (1..100000000)"},
    {"schedule-past-max-steps.json", "schedule", "2 steps, more than max_steps 1 lets run"},
    {"fault-bad-state.json", "faults[0].when_request", "unknown request state \"DONE\""},
    {"bad-op-key.json", "qtee.services[0].ops.seven", "decimal op number"},
    {"bad-qtee-ref.json", "ops.1[0].target", "bad number in \"io:x\""},
    {"null-qtee-target.json", "ops.1[0].target", "null is not allowed here"},
    {"hold-non-io.json", "ops.1[0].target", "only a received callback"},
    {"step-after-return.json", "ops.1[1]", "never reached"},
    // Names.
    {"duplicate-process.json", "processes[1].name", "duplicate process name \"P2\""},
    {"duplicate-thread.json", "processes[0].threads[1].name", "duplicate thread name \"T1\""},
    {"empty-thread-name.json", "processes[0].threads[0].name", "must not be empty"},
    {"bad-name-chars.json", "processes[0].name", "invalid name \"P1/T1\""},
    {"no-threads.json", "processes[0].threads", "at least one thread"},
    {"assign-root.json", "program[0].as", "reserved"},
    {"duplicate-service.json", "qtee.services[1].uid", "duplicate service uid 7"},
    // Dangling references.
    {"undeclared-variable.json", "processes[0].threads[0].program[1].object",
     "reference to undeclared variable \"svc\""},
    {"variable-of-other-process.json", "processes[1].threads[0].program[0].fd",
     "reference to undeclared variable \"fd\""},
    {"unknown-kill-process.json", "program[0].process", "unknown process \"P9\""},
    {"unknown-fault-process.json", "faults[1].kill", "unknown process \"app\""},
    {"dangling-held.json", "qtee.services[0].ops.1[0].target",
     "reference to undeclared held object \"cb\""},
    {"undeclared-service.json", "ops.1[0].outputs[0]", "undeclared service 9999"},
    {"jump-past-end.json", "program[1].to", "past the end"},
    {"jump-loop.json", ".to", "loops over jumps only"},
    {"wait-loop.json", "program[2].to", "only jumps and waits"},
    {"wait-undeclared.json", "threads[1].program[0].for[1]",
     "reference to undeclared variable \"svc\""},
    {"wait-empty.json", "program[1].for", "name at least one variable"},
    {"wait-not-a-name.json", "program[1].for", "expected a string"},
    {"qtee-callback-to-service.json", "ops.1[0].target",
     "\"service:2034\" is a QTEE object, not a callback"},
    {"qtee-release-self.json", "ops.1[0].target", "\"self\" is a QTEE object, not a callback"},
    {"qtee-map-self.json", "ops.1[0].target", "\"self\" is a QTEE object, not a callback"},
    {"comment-not-string.json", "comment", "expected a string, got a number"},
    {"qtee-bad-raw-id.json", "ops.1[0].target", "bad raw id \"id:0x1ffffffff\""},
    {"invoke-bad-raw-id.json", "program[1].object", "bad raw id \"id:12x\""},
};

} // namespace

class TestScenarioLoader : public QObject
{
    Q_OBJECT

private Q_SLOTS:
    void badFiles_data();
    void badFiles();
    void everyBadFileHasARow();
    void deepNestingGenerated();
    void missingFileAndDirectory();
    void oversizedFileRefusedBeforeReading();
    void fifoIsRefusedWithoutBlocking();
    void oversizedString();
    void docExampleLoads();
    void defaultsAndRegisters();
    void errnoForms();
    void scheduleAndDefaultName();
    void variablesSharedAcrossThreads();
    void heldSlotsAreGlobal();
    void builtinDefault();
    void everyBuiltinLoads();
    void loadScenarioResolution();
    void scenarioHelpers();
};

void TestScenarioLoader::badFiles_data()
{
    QTest::addColumn<QString>("file");
    QTest::addColumn<QString>("location");
    QTest::addColumn<QString>("message");
    for (const BadRow &row : kBadRows) {
        QTest::newRow(row.file) << QString::fromLatin1(row.file)
                                << QString::fromLatin1(row.location)
                                << QString::fromUtf8(row.message);
    }
}

void TestScenarioLoader::badFiles()
{
    QFETCH(QString, file);
    QFETCH(QString, location);
    QFETCH(QString, message);

    const QString path = badDir() + QLatin1Char('/') + file;
    QVERIFY2(QFileInfo::exists(path), qPrintable(path));
    std::string error;
    const auto sc = loadScenarioFile(path.toStdString(), &error);
    QVERIFY(!sc);
    const QString e = QString::fromStdString(error);
    // "SOURCE: LOCATION: what": the file, then the place, then the problem.
    QVERIFY2(e.startsWith(path + QStringLiteral(": ")), qPrintable(e));
    QVERIFY2(e.contains(location), qPrintable(e));
    QVERIFY2(e.contains(message), qPrintable(e));
    QVERIFY2(!e.contains(QLatin1Char('\n')), qPrintable(e));

    // The same text through loadScenarioJson names the given source instead.
    error.clear();
    QVERIFY(!loadScenarioJson(readText(path), "other-name", &error));
    QVERIFY2(QString::fromStdString(error).startsWith(QStringLiteral("other-name: ")),
             error.c_str());
}

// A file added to the corpus without an expectation would not be tested.
void TestScenarioLoader::everyBadFileHasARow()
{
    const QStringList files = QDir(badDir()).entryList({QStringLiteral("*.json")}, QDir::Files);
    QVERIFY(files.size() >= 50);
    QSet<QString> rows;
    for (const BadRow &row : kBadRows)
        rows.insert(QString::fromLatin1(row.file));
    for (const QString &f : files)
        QVERIFY2(rows.contains(f), qPrintable(f + QStringLiteral(" has no expectation row")));
}

void TestScenarioLoader::deepNestingGenerated()
{
    QTemporaryDir dir;
    QVERIFY(dir.isValid());
    const QString path = dir.filePath(QStringLiteral("deep.json"));
    QFile f(path);
    QVERIFY(f.open(QIODevice::WriteOnly));
    const QByteArray depth(100000, '[');
    f.write("{\"processes\": " + depth + QByteArray(100000, ']') + "}");
    f.close();
    std::string error;
    QVERIFY(!loadScenarioFile(path.toStdString(), &error));
    const QString e = QString::fromStdString(error);
    QVERIFY2(e.startsWith(path + QStringLiteral(": line 1, column ")), qPrintable(e));
    QVERIFY2(e.contains(QLatin1String("invalid JSON")), qPrintable(e));

    // Objects nest the same way.
    std::string objects;
    for (int i = 0; i < 5000; ++i)
        objects += "{\"a\":";
    objects += "1" + std::string(5000, '}');
    QVERIFY(!loadScenarioJson(objects, "objects", &error));
    QVERIFY2(error.rfind("objects: line 1, column ", 0) == 0, error.c_str());
}

void TestScenarioLoader::missingFileAndDirectory()
{
    std::string error;
    const std::string missing = TEESCOPE_TEST_DATA "/bad-scenarios/does-not-exist.json";
    QVERIFY(!loadScenarioFile(missing, &error));
    QCOMPARE(QString::fromStdString(error),
             QString::fromStdString(missing + ": cannot read: no such file"));

    QVERIFY(!loadScenarioFile(TEESCOPE_TEST_DATA, &error));
    QVERIFY2(error.find("is a directory") != std::string::npos, error.c_str());
    QVERIFY2(error.rfind(TEESCOPE_TEST_DATA ": ", 0) == 0, error.c_str());

    QTemporaryDir dir;
    const QString unreadable = dir.filePath(QStringLiteral("unreadable.json"));
    QFile f(unreadable);
    QVERIFY(f.open(QIODevice::WriteOnly));
    f.write("{}");
    f.close();
    QVERIFY(f.setPermissions(QFileDevice::Permissions()));
    if (QFile(unreadable).open(QIODevice::ReadOnly))
        QSKIP("running as root: permissions do not stop reading");
    QVERIFY(!loadScenarioFile(unreadable.toStdString(), &error));
    QVERIFY2(error.find(": cannot read: ") != std::string::npos, error.c_str());
}

void TestScenarioLoader::oversizedFileRefusedBeforeReading()
{
    QTemporaryDir dir;
    const QString path = dir.filePath(QStringLiteral("big.json"));
    QFile f(path);
    QVERIFY(f.open(QIODevice::WriteOnly));
    QVERIFY(f.resize(17 * 1024 * 1024)); // sparse: cheap to make, and not JSON
    f.close();
    std::string error;
    QVERIFY(!loadScenarioFile(path.toStdString(), &error));
    QVERIFY2(error.find("larger than the 16 MiB limit") != std::string::npos, error.c_str());
    QVERIFY2(error.rfind(path.toStdString() + ": ", 0) == 0, error.c_str());

    // The in-memory entry point applies the same bound.
    QVERIFY(!loadScenarioJson(std::string(17 * 1024 * 1024, ' '), "mem", &error));
    QVERIFY2(error.find("larger than the 16 MiB limit") != std::string::npos, error.c_str());
}

void TestScenarioLoader::fifoIsRefusedWithoutBlocking()
{
    QTemporaryDir dir;
    const QByteArray path = dir.filePath(QStringLiteral("fifo.json")).toLocal8Bit();
    if (::mkfifo(path.constData(), 0600) != 0)
        QSKIP("cannot create a FIFO here");
    std::string error;
    // Opening a FIFO with no writer would block for ever.
    QVERIFY(!loadScenarioFile(path.toStdString(), &error));
    QVERIFY2(error.find("not a regular file") != std::string::npos, error.c_str());
}

void TestScenarioLoader::oversizedString()
{
    std::string error;
    const std::string longName(100, 'x');
    const std::string json =
        R"({"processes": [{"name": ")" + longName + R"(", "threads": [{"program": []}]}]})";
    QVERIFY(!loadOk(json, &error));
    QVERIFY2(error.find("inline.json: processes[0].name: text is longer than 64") == 0,
             error.c_str());

    // A limit counts characters, not UTF-16 units: 200 emoji make a title
    // (400 units), 201 do not.
    std::string emoji;
    for (int i = 0; i < 200; ++i)
        emoji += "\xF0\x9F\x94\x92"; // U+1F512
    const auto titled = [](const std::string &t) {
        return R"({"title": ")" + t +
               R"(", "processes": [{"name": "p", "threads": [{"name": "t", "program": []}]}]})";
    };
    QVERIFY2(loadOk(titled(emoji), &error), error.c_str());
    QVERIFY(!loadOk(titled(emoji + "\xF0\x9F\x94\x92"), &error));
    QVERIFY2(error.find("title: text is longer than 200 characters") != std::string::npos,
             error.c_str());

    // Invalid UTF-8 and NUL bytes are not crashes either way.
    const std::string nul = std::string("{\"name\": \"a") + '\0' + "b\", \"processes\": []}";
    QVERIFY(!loadOk(nul, &error));
    QVERIFY(!loadOk("{\"name\": \"\xff\xfe\", \"processes\": []}", &error));

    // Text echoed from the file cannot break the one-line message.
    QVERIFY(!loadOk(R"({"proc\nesses": [], "processes": []})", &error));
    QCOMPARE(QString::fromStdString(error),
             QStringLiteral(R"(inline.json: proc\nesses: unknown key "proc\nesses" )"
                            "(expected one of: name, title, description, variant, policy, seed, "
                            "max_steps, costs, qtee, processes, faults, schedule)"));
    QVERIFY(
        !loadOk(R"({"processes": [{"threads": [{"program": [{"do": "x\u0001y"}]}]}]})", &error));
    QVERIFY2(error.find(R"(unknown step "x\x01y")") != std::string::npos, error.c_str());
}

void TestScenarioLoader::docExampleLoads()
{
    const std::string json = docExample();
    QVERIFY2(!json.empty(), "no tested example found in docs/scenario-format.md");
    std::string error;
    const auto sc = loadScenarioJson(json, "docs/scenario-format.md", &error);
    QVERIFY2(sc, error.c_str());

    QCOMPARE(sc->name, std::string("doc-example"));
    QCOMPARE(sc->title, std::string("Client killed while its callback is served"));
    QVERIFY(!sc->description.empty());
    QCOMPARE(sc->sourceJson, json);

    // Variant, run settings, costs.
    QCOMPARE(sc->variant.request, RequestVariant::Idr);
    QCOMPARE(sc->variant.argument, ArgumentVariant::Lock); // unset: merged design
    QCOMPARE(sc->variant.gaps, GapsVariant::Fixed);
    QCOMPARE(sc->policy, Policy::Random);
    QCOMPARE(sc->seed, uint64_t(42));
    QCOMPARE(sc->maxSteps, uint64_t(5000));
    QCOMPARE(sc->costs.smc, int64_t(2500));
    QCOMPARE(sc->costs.userStep, int64_t(150));
    QCOMPARE(sc->costs.syscall, Costs().syscall);

    // Processes, threads, per-process registers.
    QCOMPARE(sc->processes.size(), size_t(2));
    QCOMPARE(sc->processes[0].name, std::string("client"));
    QCOMPARE(sc->processes[0].threads.size(), size_t(2));
    QCOMPARE(sc->processes[0].threads[0].name, std::string("main"));
    QCOMPARE(sc->processes[0].threads[1].name, std::string("suppl"));
    QCOMPARE(sc->processes[1].name, std::string("killer"));
    QCOMPARE(sc->processes[1].threads[0].name, std::string("T1"));
    QCOMPARE(sc->variables.size(), size_t(2));
    QCOMPARE(sc->variables[0], (std::vector<std::string>{"fd", "svc", "helper"}));
    QVERIFY(sc->variables[1].empty());

    const auto &prog = sc->processes[0].threads[0].program;
    QCOMPARE(prog.size(), size_t(9));
    QCOMPARE(prog[0].kind, Op::Kind::Open);
    QCOMPARE(prog[0].outReg, 0);
    QCOMPARE(prog[0].path, std::string("processes[0].threads[0].program[0]"));
    QCOMPARE(prog[1].kind, Op::Kind::OpenService);
    QCOMPARE(prog[1].fdReg, 0);
    QCOMPARE(prog[1].uid, uint32_t(2033));
    QCOMPARE(prog[1].op, kOpenServiceOp);
    QCOMPARE(prog[1].outReg, 1);
    const Op &inv = prog[2];
    QCOMPARE(inv.kind, Op::Kind::Invoke);
    QCOMPARE(inv.fdReg, 0);
    QCOMPARE(inv.targetReg, 1);
    QCOMPARE(inv.op, uint32_t(7));
    QCOMPARE(inv.ib, std::vector<uint32_t>{16});
    QCOMPARE(inv.ibValue, uint64_t(5));
    QCOMPARE(inv.ob, std::vector<uint32_t>{8});
    QCOMPARE(inv.io.size(), size_t(3));
    QCOMPARE(inv.io[0].kind, UserObjRef::Kind::User);
    QCOMPARE(inv.io[0].userId, uint64_t(1));
    QCOMPARE(inv.io[1].kind, UserObjRef::Kind::Tee);
    QCOMPARE(inv.io[1].reg, 1);
    QCOMPARE(inv.io[2].kind, UserObjRef::Kind::Null);
    QCOMPARE(inv.outRegs, (std::vector<int32_t>{2, -1}));
    QCOMPARE(prog[3].kind, Op::Kind::Invoke);
    QCOMPARE(prog[3].targetReg, -1); // root
    QCOMPARE(prog[3].op, uint32_t(5));
    QCOMPARE(prog[4].kind, Op::Kind::Compute);
    QCOMPARE(prog[4].ns, int64_t(1000));
    QCOMPARE(prog[5].kind, Op::Kind::Release);
    QCOMPARE(prog[5].targetReg, 2);
    QCOMPARE(prog[5].op, QCOMTEE_MSG_OBJECT_OP_RELEASE);
    QCOMPARE(prog[6].kind, Op::Kind::Jump);
    QCOMPARE(prog[6].jumpTo, 2);
    QCOMPARE(prog[6].times, int64_t(3));
    QCOMPARE(prog[7].kind, Op::Kind::Close);
    QCOMPARE(prog[7].fdReg, 0);
    QCOMPARE(prog[8].kind, Op::Kind::Exit);

    // Serve settings and replies.
    const Op &serve = sc->processes[0].threads[1].program[0];
    QCOMPARE(serve.kind, Op::Kind::Serve);
    QCOMPARE(serve.fdReg, 0); // shared with the client thread
    QCOMPARE(serve.serve.count, int64_t(2));
    QCOMPARE(serve.serve.bufSize, uint32_t(4096));
    QCOMPARE(serve.serve.numParams, 8);
    QCOMPARE(serve.serve.onEinval, ServeSpec::OnEinval::Retry);
    QCOMPARE(serve.serve.maxRetries, 3);
    QCOMPARE(serve.serve.answerRelease, false);
    QCOMPARE(serve.serve.replies.size(), size_t(2));
    const Reply &r0 = serve.serve.replies[0];
    QCOMPARE(r0.matchOp, int64_t(3));
    QCOMPARE(r0.matchObject, int64_t(1));
    QCOMPARE(r0.errno_, 0);
    QCOMPARE(r0.oo.size(), size_t(1));
    QCOMPARE(r0.oo[0].kind, UserObjRef::Kind::User);
    QCOMPARE(r0.oo[0].userId, uint64_t(2));
    QCOMPARE(r0.ob, std::vector<uint32_t>{8});
    QCOMPARE(r0.delayNs, int64_t(1000));
    QCOMPARE(r0.sendTwice, false);
    const Reply &r1 = serve.serve.replies[1];
    QCOMPARE(r1.matchOp, int64_t(-1));
    QCOMPARE(r1.matchObject, int64_t(-1));
    QCOMPARE(r1.errno_, -22); // EINVAL (errno.h macros shadow tee::err here)
    QCOMPARE(r1.sendTwice, true);
    QCOMPARE(r1.sendParams, 1);

    // serve's halves: recv (RECV settings) and send (one reply).
    const auto &suppl = sc->processes[0].threads[1].program;
    QCOMPARE(suppl.size(), size_t(6));
    QCOMPARE(suppl[1].kind, Op::Kind::Recv);
    QCOMPARE(suppl[1].fdReg, 0);
    QCOMPARE(suppl[1].serve.bufSize, uint32_t(64));
    QCOMPARE(suppl[1].serve.onEinval, ServeSpec::OnEinval::Grow);
    QCOMPARE(suppl[2].kind, Op::Kind::Compute);
    QCOMPARE(suppl[3].kind, Op::Kind::Send);
    QCOMPARE(suppl[3].reply.errno_, 0);
    QCOMPARE(suppl[3].reply.ob, std::vector<uint32_t>{8});
    QCOMPARE(suppl[3].reply.oo.size(), size_t(1));
    QCOMPARE(suppl[3].reply.oo[0].userId, uint64_t(3));
    QCOMPARE(suppl[4].kind, Op::Kind::Release); // a raw objref id
    QVERIFY(suppl[4].hasRawTarget);
    QCOMPARE(suppl[4].rawTarget, uint64_t(0x7fffffff));
    QCOMPARE(suppl[5].kind, Op::Kind::Exit);

    const auto &killer = sc->processes[1].threads[0].program;
    QCOMPARE(killer[1].kind, Op::Kind::Kill);
    QCOMPARE(killer[1].process, 0);

    // QTEE services and steps.
    QCOMPARE(sc->heldSlots, std::vector<std::string>{"cb"});
    QCOMPARE(sc->services.size(), size_t(2));
    const Service &echo = sc->services[0];
    QCOMPARE(echo.uid, uint32_t(2033));
    QCOMPARE(echo.name, std::string("echo"));
    QCOMPARE(echo.ops.size(), size_t(1));
    QVERIFY(echo.ops.count(7));
    const auto &op7 = echo.ops.at(7);
    QCOMPARE(op7.size(), size_t(3));
    QCOMPARE(op7[0].kind, QteeStep::Kind::Hold);
    QCOMPARE(op7[0].target.kind, QteeRef::Kind::Received);
    QCOMPARE(op7[0].target.index, 0);
    QCOMPARE(op7[0].holdSlot, 0);
    QCOMPARE(op7[1].kind, QteeStep::Kind::Callback);
    QCOMPARE(op7[1].op, uint32_t(3));
    QCOMPARE(op7[1].ib, std::vector<uint32_t>{16});
    QCOMPARE(op7[1].ob, std::vector<uint32_t>{8});
    QCOMPARE(op7[1].io.size(), size_t(2));
    QCOMPARE(op7[1].io[0].kind, QteeRef::Kind::Service);
    QCOMPARE(op7[1].io[0].index, 1); // service 2034, declared after
    QCOMPARE(op7[1].io[1].kind, QteeRef::Kind::Null);
    QCOMPARE(op7[1].oo, uint32_t(1));
    QCOMPARE(op7[1].path, std::string("qtee.services[0].ops.7[1]"));
    QCOMPARE(op7[2].kind, QteeStep::Kind::Return);
    QCOMPARE(op7[2].result, 0);
    QCOMPARE(op7[2].outputs.size(), size_t(1));
    QCOMPARE(op7[2].outputs[0].kind, QteeRef::Kind::Service);
    QCOMPARE(echo.defaultOp.size(), size_t(1));
    QCOMPARE(echo.defaultOp[0].result, 1);
    QCOMPARE(echo.onRelease.size(), size_t(1));
    QCOMPARE(echo.onRelease[0].kind, QteeStep::Kind::AsyncRelease);
    QCOMPARE(echo.onRelease[0].refs.size(), size_t(1));
    QCOMPARE(echo.onRelease[0].refs[0].kind, QteeRef::Kind::Held);
    QCOMPARE(echo.onRelease[0].refs[0].index, 0);
    const Service &helper = sc->services[1];
    QCOMPARE(helper.defaultOp.size(), size_t(4));
    QCOMPARE(helper.defaultOp[0].kind, QteeStep::Kind::Retain);
    QCOMPARE(helper.defaultOp[0].op, QCOMTEE_MSG_OBJECT_OP_RETAIN);
    QCOMPARE(helper.defaultOp[1].kind, QteeStep::Kind::Release);
    QCOMPARE(helper.defaultOp[2].kind, QteeStep::Kind::Release); // a raw wire id
    QCOMPARE(helper.defaultOp[2].target.kind, QteeRef::Kind::Raw);
    QCOMPARE(helper.defaultOp[2].target.raw, 0x8000ffffu);
    QCOMPARE(helper.defaultOp[3].outputs.size(), size_t(2));
    QCOMPARE(helper.defaultOp[3].outputs[0].kind, QteeRef::Kind::Self);
    QCOMPARE(helper.defaultOp[3].outputs[1].kind, QteeRef::Kind::Null);

    // Faults.
    QCOMPARE(sc->faults.size(), size_t(3));
    QCOMPARE(sc->faults[0].process, 0);
    QCOMPARE(sc->faults[0].when, Fault::When::OnState);
    QCOMPARE(sc->faults[0].state, ReqState::QUEUED);
    QCOMPARE(sc->faults[1].when, Fault::When::AtStep);
    QCOMPARE(sc->faults[1].step, uint64_t(40));
    QCOMPARE(sc->faults[2].when, Fault::When::Any);

    // Loading is deterministic.
    const auto again = loadScenarioJson(json, "docs/scenario-format.md", &error);
    QVERIFY(again);
    QVERIFY(*again == *sc);
}

void TestScenarioLoader::defaultsAndRegisters()
{
    std::string error;
    const auto sc = loadOk(R"({"processes": [{"threads": [{"program": [
        {"do": "open", "as": "fd"},
        {"do": "serve", "fd": "fd"},
        {"do": "jump", "to": 1}
    ]}]}]})",
                           &error);
    QVERIFY2(sc, error.c_str());
    QCOMPARE(sc->name, std::string("inline"));
    QCOMPARE(sc->title, std::string("inline"));
    QCOMPARE(sc->processes[0].name, std::string("P1"));
    QCOMPARE(sc->processes[0].threads[0].name, std::string("T1"));
    QCOMPARE(sc->policy, Policy::Scripted);
    QCOMPARE(sc->seed, uint64_t(1));
    QCOMPARE(sc->maxSteps, uint64_t(10000));
    QVERIFY(sc->variant == Variant());
    QVERIFY(sc->costs == Costs());
    QVERIFY(sc->services.empty());
    QVERIFY(sc->faults.empty());
    QVERIFY(sc->schedule.empty());
    const ServeSpec &s = sc->processes[0].threads[0].program[1].serve;
    QVERIFY(s == ServeSpec());
    QCOMPARE(s.count, int64_t(-1));
    QCOMPARE(sc->processes[0].threads[0].program[2].times, int64_t(-1));

    // "forever" is accepted explicitly; "count": 0 is not the same thing.
    const auto counted = loadOk(R"({"processes": [{"threads": [{"program": [
        {"do": "open", "as": "fd"}, {"do": "serve", "fd": "fd", "count": 0, "on_einval": "stop"},
        {"do": "serve", "fd": "fd", "count": "forever", "on_einval": "grow"}]}]}]})",
                                &error);
    QVERIFY2(counted, error.c_str());
    QCOMPARE(counted->processes[0].threads[0].program[1].serve.count, int64_t(0));
    QCOMPARE(counted->processes[0].threads[0].program[1].serve.onEinval, ServeSpec::OnEinval::Stop);
    QCOMPARE(counted->processes[0].threads[0].program[2].serve.count, int64_t(-1));
}

void TestScenarioLoader::errnoForms()
{
    std::string error;
    const auto sc = loadOk(R"({"processes": [{"threads": [{"program": [
        {"do": "open", "as": "fd"},
        {"do": "serve", "fd": "fd", "replies": [
            {"errno": 0}, {"errno": -22}, {"errno": "EINVAL"}, {"errno": "-ENOMEM"}, {"errno": 5},
            {"errno": 4294967295}, {"errno": -2147483648}, {"errno": "5000"},
            {"errno": "-5000"}, {"errno": "4294967295"}]},
        {"do": "invoke", "fd": "fd", "object": "root", "op": 1,
         "io": [{"user": "id:0xFFFFFFFFFFFFFFFE"}, {"user": 9223372036854775807}]}
    ]}]}]})",
                           &error);
    QVERIFY2(sc, error.c_str());
    const auto &replies = sc->processes[0].threads[0].program[1].serve.replies;
    QCOMPARE(replies.size(), size_t(10));
    // a numeric string is that number, over the numbers' whole range (it
    // was an "unknown errno" past 4096; a scenario-format audit)
    QCOMPARE(replies[7].errno_, 5000);
    QCOMPARE(replies[8].errno_, -5000);
    QCOMPARE(replies[9].errno_, -1);
    // SEND's ret is a u32 taken as is (spec §4.2): 4294967295 is -1
    QCOMPARE(replies[5].errno_, -1);
    QCOMPARE(replies[6].errno_, std::numeric_limits<int32_t>::min());
    // a user object id is any u64 but TEE_OBJREF_NULL (spec §2.4)
    const auto &io = sc->processes[0].threads[0].program[2].io;
    QCOMPARE(io[0].userId, uint64_t(0xFFFFFFFFFFFFFFFEull));
    QCOMPARE(io[1].userId, uint64_t(9223372036854775807ull));
    std::string why;
    QVERIFY(!loadOk(R"({"processes": [{"threads": [{"program": [{"do": "open", "as": "fd"},
        {"do": "invoke", "fd": "fd", "object": "root", "op": 1,
         "io": [{"user": "id:0xFFFFFFFFFFFFFFFF"}]}]}]}]})",
                    &why));
    QVERIFY2(why.find("io[0].user") != std::string::npos, why.c_str());
    QVERIFY(!loadOk(R"({"processes": [{"threads": [{"program": [{"do": "open", "as": "fd"},
        {"do": "serve", "fd": "fd", "replies": [{"errno": 4294967296}]}]}]}]})",
                    &why));
    QVERIFY(!loadOk(R"({"processes": [{"threads": [{"program": [{"do": "open", "as": "fd"},
        {"do": "serve", "fd": "fd", "replies": [{"errno": "4294967296"}]}]}]}]})",
                    &why));
    QVERIFY2(why.find("out of range") != std::string::npos, why.c_str());
    QCOMPARE(replies[0].errno_, 0);
    QCOMPARE(replies[1].errno_, -22);
    QCOMPARE(replies[2].errno_, -22);
    QCOMPARE(replies[3].errno_, -12);
    QCOMPARE(replies[4].errno_, 5); // numbers are taken as written (SEND's ret)
}

void TestScenarioLoader::scheduleAndDefaultName()
{
    QTemporaryDir dir;
    const QString path = dir.filePath(QStringLiteral("my-run.json"));
    QFile f(path);
    QVERIFY(f.open(QIODevice::WriteOnly));
    const QByteArray text =
        R"({"processes": [{"threads": [{"program": [{"do": "open", "as": "fd"}]}]}],
        "schedule": ["P1/T1: open /dev/tee", "kill P1"],
        "faults": [{"kill": "P1", "when_request": "processing"}]})";
    f.write(text);
    f.close();
    std::string error;
    const auto sc = loadScenarioFile(path.toStdString(), &error);
    QVERIFY2(sc, error.c_str());
    QCOMPARE(sc->name, std::string("my-run")); // from the file name
    QCOMPARE(sc->schedule, (std::vector<std::string>{"P1/T1: open /dev/tee", "kill P1"}));
    QCOMPARE(sc->faults[0].state, ReqState::PROCESSING);
    QCOMPARE(sc->sourceJson, text.toStdString());
}

void TestScenarioLoader::variablesSharedAcrossThreads()
{
    // A read before the write in document order is fine: threads run
    // concurrently. Registers are numbered by first mention.
    std::string error;
    const auto sc = loadOk(R"({"processes": [
        {"name": "a", "threads": [
            {"program": [{"do": "serve", "fd": "fd"}]},
            {"program": [{"do": "open", "as": "fd"}, {"do": "open_service", "fd": "fd", "uid": 1, "as": "s"}]}]},
        {"name": "b", "threads": [
            {"program": [{"do": "open", "as": "s"}, {"do": "open", "as": "fd"}, {"do": "kill", "process": "a"}]}]}
    ]})",
                           &error);
    QVERIFY2(sc, error.c_str());
    QCOMPARE(sc->variables[0], (std::vector<std::string>{"fd", "s"}));
    QCOMPARE(sc->variables[1], (std::vector<std::string>{"s", "fd"}));
    QCOMPARE(sc->processes[0].threads[0].program[0].fdReg, 0);
    QCOMPARE(sc->processes[0].threads[1].program[1].outReg, 1);
    QCOMPARE(sc->processes[1].threads[0].program[1].outReg, 1);
}

void TestScenarioLoader::heldSlotsAreGlobal()
{
    // A name held by one service may be used by another, and before the
    // hold in document order.
    std::string error;
    const auto sc = loadOk(R"({"qtee": {"services": [
        {"uid": 1, "ops": {"default": [{"do": "release", "target": "held:x"}]}},
        {"uid": 2, "ops": {"3": [{"do": "hold", "target": "io:1", "as": "x"},
                                 {"do": "hold", "target": "io:0", "as": "y"}]}}]},
        "processes": [{"threads": [{"program": []}]}]})",
                           &error);
    QVERIFY2(sc, error.c_str());
    QCOMPARE(sc->heldSlots, (std::vector<std::string>{"x", "y"}));
    QCOMPARE(sc->services[0].name, std::string("service-1"));
    QCOMPARE(sc->services[0].defaultOp[0].target.kind, QteeRef::Kind::Held);
    QCOMPARE(sc->services[0].defaultOp[0].target.index, 0);
    QCOMPARE(sc->services[1].ops.at(3)[0].target.index, 1);
    QCOMPARE(sc->services[1].ops.at(3)[1].holdSlot, 1);
}

void TestScenarioLoader::builtinDefault()
{
    std::string error;
    const auto sc = loadBuiltin("default", &error);
    QVERIFY2(sc, error.c_str());
    QCOMPARE(sc->name, std::string("default"));
    QVERIFY(!sc->title.empty() && sc->title != sc->name);
    QVERIFY(!sc->description.empty());
    // One process, client and supplicant threads sharing the fd.
    QCOMPARE(sc->processes.size(), size_t(1));
    QCOMPARE(sc->processes[0].name, std::string("app"));
    QCOMPARE(sc->processes[0].threads.size(), size_t(2));
    QCOMPARE(sc->processes[0].threads[0].name, std::string("client"));
    QCOMPARE(sc->processes[0].threads[1].name, std::string("suppl"));
    const auto &client = sc->processes[0].threads[0].program;
    QCOMPARE(client[0].kind, Op::Kind::Open);
    QCOMPARE(client[1].kind, Op::Kind::OpenService);
    QCOMPARE(client[1].uid, uint32_t(2033));
    QCOMPARE(client[2].kind, Op::Kind::Invoke);
    QCOMPARE(client[2].op, uint32_t(1));
    QCOMPARE(client[2].io.size(), size_t(1));
    QCOMPARE(client[2].io[0].kind, UserObjRef::Kind::User);
    QCOMPARE(client[2].io[0].userId, uint64_t(1));
    // the supplicant waits for the client's fd, then serves
    const Op &wait = sc->processes[0].threads[1].program[0];
    QCOMPARE(wait.kind, Op::Kind::Wait);
    QCOMPARE(wait.waitRegs, std::vector<int32_t>{client[0].outReg});
    const Op &serve = sc->processes[0].threads[1].program[1];
    QCOMPARE(serve.kind, Op::Kind::Serve);
    QCOMPARE(serve.fdReg, client[0].outReg);
    QCOMPARE(sc->services.size(), size_t(1));
    QCOMPARE(sc->services[0].uid, uint32_t(2033));
    const auto &op1 = sc->services[0].ops.at(1);
    QCOMPARE(op1[0].kind, QteeStep::Kind::Callback);
    QCOMPARE(op1[0].target.kind, QteeRef::Kind::Received);
    QCOMPARE(op1[0].target.index, 0);
    QCOMPARE(op1[0].op, uint32_t(7));
    QCOMPARE(op1[0].ib, std::vector<uint32_t>{16});
    QCOMPARE(op1.back().kind, QteeStep::Kind::Return);
    QCOMPARE(op1.back().result, 0);

    QVERIFY(!loadBuiltin("no-such-scenario", &error));
    QVERIFY2(error.rfind("no-such-scenario: no built-in scenario of that name", 0) == 0,
             error.c_str());
    QVERIFY2(error.find("teescope-cli list") != std::string::npos, error.c_str()); // where to look
    QVERIFY(!loadBuiltin("defualt", &error));
    QVERIFY2(error.find("(did you mean \"default\"?)") != std::string::npos, error.c_str());
    QVERIFY(!loadBuiltin("../scenarios/default", &error));
}

void TestScenarioLoader::everyBuiltinLoads()
{
    const std::vector<BuiltinInfo> list = builtinScenarios();
    QVERIFY(!list.empty());
    QVERIFY(
        std::is_sorted(list.begin(), list.end(),
                       [](const BuiltinInfo &a, const BuiltinInfo &b) { return a.name < b.name; }));
    bool haveDefault = false;
    for (const BuiltinInfo &info : list) {
        std::string error;
        const auto sc = loadBuiltin(info.name, &error);
        QVERIFY2(sc, error.c_str());
        // The file name is the scenario's name, so --list and loading agree.
        QCOMPARE(sc->name, info.name);
        QVERIFY2(!info.title.empty(), info.name.c_str());
        QCOMPARE(sc->title, info.title);
        QCOMPARE(sc->description, info.description);
        haveDefault = haveDefault || info.name == "default";
    }
    QVERIFY(haveDefault);
    // Every built-in on disk is compiled in (resources/CMakeLists.txt globs
    // them; a stale build directory shows up here).
    const QStringList onDisk = QDir(QStringLiteral(TEESCOPE_SOURCE_DIR "/resources/scenarios"))
                                   .entryList({QStringLiteral("*.json")}, QDir::Files);
    for (const QString &file : onDisk) {
        const std::string name = file.chopped(5).toStdString();
        const bool compiledIn = std::any_of(list.begin(), list.end(),
                                            [&](const BuiltinInfo &b) { return b.name == name; });
        QVERIFY2(compiledIn, qPrintable(file + QStringLiteral(" is not compiled in")));
    }
    QCOMPARE(list.size(), size_t(onDisk.size()));
}

void TestScenarioLoader::loadScenarioResolution()
{
    std::string error;
    // A bare name that is a built-in wins.
    auto sc = loadScenario("default", &error);
    QVERIFY2(sc, error.c_str());
    QCOMPARE(sc->name, std::string("default"));

    // A path is a file, even when its base name is a built-in.
    QTemporaryDir dir;
    const QString path = dir.filePath(QStringLiteral("default.json"));
    QFile f(path);
    QVERIFY(f.open(QIODevice::WriteOnly));
    f.write(R"({"name": "from-file", "processes": [{"threads": [{"program": []}]}]})");
    f.close();
    sc = loadScenario(path.toStdString(), &error);
    QVERIFY2(sc, error.c_str());
    QCOMPARE(sc->name, std::string("from-file"));

    QVERIFY(!loadScenario("no-such-thing", &error));
    QVERIFY2(error.rfind("no-such-thing: ", 0) == 0, error.c_str());
    QVERIFY(!loadScenario("/nonexistent/x.json", &error));
    QVERIFY2(error.rfind("/nonexistent/x.json: cannot read", 0) == 0, error.c_str());

    // Errors inside a built-in would name it as builtin:NAME; a bad file by path.
    const std::string bad = TEESCOPE_TEST_DATA "/bad-scenarios/unknown-do.json";
    QVERIFY(!loadScenario(bad, &error));
    QVERIFY2(error.rfind(bad + ": processes[0]", 0) == 0, error.c_str());
}

void TestScenarioLoader::scenarioHelpers()
{
    std::string error;
    const auto sc = loadOk(R"({"qtee": {"services": [{"uid": 5}, {"uid": 9}]},
        "processes": [{"threads": [{"program": []}, {"program": []}]},
                      {"threads": [{"program": []}]}]})",
                           &error);
    QVERIFY2(sc, error.c_str());
    QCOMPARE(sc->threadCount(), 3);
    QCOMPARE(sc->threadOwner(0), std::make_pair(0, 0));
    QCOMPARE(sc->threadOwner(1), std::make_pair(0, 1));
    QCOMPARE(sc->threadOwner(2), std::make_pair(1, 0));
    QCOMPARE(sc->threadOwner(3), std::make_pair(-1, -1));
    QCOMPARE(sc->threadOwner(-1), std::make_pair(-1, -1));
    QCOMPARE(sc->serviceIndex(9), 1);
    QCOMPARE(sc->serviceIndex(5), 0);
    QCOMPARE(sc->serviceIndex(7), -1);

    for (Policy p : {Policy::Scripted, Policy::RoundRobin, Policy::Random})
        QCOMPARE(parsePolicy(policyName(p)), std::optional<Policy>(p));
    QCOMPARE(std::string(policyName(Policy::RoundRobin)), std::string("round-robin"));
    QVERIFY(!parsePolicy("Random"));
    QVERIFY(!parsePolicy(""));
}

QTEST_GUILESS_MAIN(TestScenarioLoader)
#include "tst_scenarioloader.moc"
