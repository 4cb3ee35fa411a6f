// simulator/fileio: the one bounded reader and the all-or-nothing writer
// behind every input and output (issue 6 §3).
#include "simulator/fileio.h"

#include <QDir>
#include <QFile>
#include <QFileInfo>
#include <QTemporaryDir>
#include <QTest>

#include <string>

#include <sys/stat.h>
#include <unistd.h>

using namespace tee::sim;

namespace {

std::string slurp(const QString &path)
{
    QFile f(path);
    if (!f.open(QIODevice::ReadOnly))
        return "<missing>";
    return f.readAll().toStdString();
}

bool spit(const QString &path, const QByteArray &text)
{
    QFile f(path);
    return f.open(QIODevice::WriteOnly | QIODevice::Truncate) && f.write(text) == text.size();
}

QStringList entries(const QString &dir)
{
    return QDir(dir).entryList(
        QDir::AllEntries | QDir::NoDotAndDotDot | QDir::Hidden | QDir::System, QDir::Name);
}

} // namespace

class TestFileIo : public QObject
{
    Q_OBJECT

private Q_SLOTS:
    void readRefuses_data()
    {
        QTest::addColumn<QString>("what"); // how the test makes the path
        QTest::addColumn<QString>("says");
        QTest::newRow("fifo") << QStringLiteral("fifo") << QStringLiteral("a FIFO");
        QTest::newRow("/dev/zero")
            << QStringLiteral("/dev/zero") << QStringLiteral("a character device");
        QTest::newRow("directory") << QStringLiteral("dir") << QStringLiteral("is a directory");
        QTest::newRow("empty name") << QString() << QStringLiteral("empty file name");
        QTest::newRow("missing") << QStringLiteral("missing") << QStringLiteral("no such file");
        QTest::newRow("too large")
            << QStringLiteral("big") << QStringLiteral("larger than the 1 MiB limit for a capture");
        QTest::newRow("dangling link")
            << QStringLiteral("dangling") << QStringLiteral("no such file");
    }
    void readRefuses()
    {
        QFETCH(QString, what);
        QFETCH(QString, says);
        QTemporaryDir tmp;
        QVERIFY(tmp.isValid());
        QString path;
        if (what == QLatin1String("fifo")) {
            path = tmp.filePath(QStringLiteral("fifo"));
            QCOMPARE(::mkfifo(QFile::encodeName(path).constData(), 0600), 0);
        } else if (what == QLatin1String("dir")) {
            path = tmp.path();
        } else if (what == QLatin1String("missing")) {
            path = tmp.filePath(QStringLiteral("nothing.json"));
        } else if (what == QLatin1String("big")) {
            path = tmp.filePath(QStringLiteral("big.json"));
            QVERIFY(spit(path, QByteArray(1024 * 1024 + 1, ' ')));
        } else if (what == QLatin1String("dangling")) {
            path = tmp.filePath(QStringLiteral("link.json"));
            QVERIFY(QFile::link(tmp.filePath(QStringLiteral("gone")), path));
        } else {
            path = what;
        }
        std::string out = "untouched", error;
        QVERIFY(!readRegularFile(path.toStdString(), 1024 * 1024, "capture", out, &error));
        QCOMPARE(out, std::string("untouched"));
        QVERIFY2(QString::fromStdString(error).contains(says), error.c_str());
        QVERIFY2(error.find('\n') == std::string::npos, error.c_str());
        if (!path.isEmpty())
            QVERIFY2(error.rfind(path.toStdString(), 0) == 0, error.c_str());
    }

    void readsRegularFilesAndLinks()
    {
        QTemporaryDir tmp;
        const QString file = tmp.filePath(QStringLiteral("a.json"));
        QVERIFY(spit(file, "{\"x\": 1}\n"));
        const QString link = tmp.filePath(QStringLiteral("link.json"));
        QVERIFY(QFile::link(file, link));
        for (const QString &p : {file, link}) {
            std::string out, error;
            QVERIFY2(readRegularFile(p.toStdString(), 100, "scenario", out, &error), error.c_str());
            QCOMPARE(out, std::string("{\"x\": 1}\n"));
        }
        std::string out, error; // exactly at the limit
        QVERIFY(readRegularFile(file.toStdString(), 9, "scenario", out, &error));
        QVERIFY(!readRegularFile(file.toStdString(), 8, "scenario", out, &error));
    }

    void identity()
    {
        QTemporaryDir tmp;
        const QString file = tmp.filePath(QStringLiteral("a.json"));
        QVERIFY(spit(file, "x"));
        QVERIFY(QDir(tmp.path()).mkdir(QStringLiteral("sub")));
        const QString hard = tmp.filePath(QStringLiteral("hard.json"));
        QCOMPARE(::link(QFile::encodeName(file).constData(), QFile::encodeName(hard).constData()),
                 0);
        const FileIdentity a = fileIdentity(file.toStdString());
        QVERIFY(a.exists);
        QCOMPARE(fileIdentity(tmp.filePath(QStringLiteral("sub/../a.json")).toStdString()), a);
        QCOMPARE(fileIdentity(tmp.filePath(QStringLiteral("./a.json")).toStdString()), a);
        const FileIdentity h = fileIdentity(hard.toStdString());
        QCOMPARE(h.device, a.device);
        QCOMPARE(h.inode, a.inode);
        const FileIdentity n1 =
            fileIdentity(tmp.filePath(QStringLiteral("new.json")).toStdString());
        const FileIdentity n2 =
            fileIdentity(tmp.filePath(QStringLiteral("sub/.././new.json")).toStdString());
        QVERIFY(!n1.exists);
        QCOMPARE(n1, n2);
    }

    void checkRefuses_data()
    {
        QTest::addColumn<QStringList>("outputs"); // relative to the temporary directory
        QTest::addColumn<QString>("says");
        QTest::newRow("empty") << QStringList{QString()} << QStringLiteral("empty file name");
        QTest::newRow("input") << QStringList{QStringLiteral("in.json")}
                               << QStringLiteral("is the input file");
        QTest::newRow("input via ./") << QStringList{QStringLiteral("./sub/../in.json")}
                                      << QStringLiteral("is the input file");
        QTest::newRow("input via link")
            << QStringList{QStringLiteral("link.json")} << QStringLiteral("is the input file");
        QTest::newRow("two outputs")
            << QStringList{QStringLiteral("o.json"), QStringLiteral("sub/../o.json")}
            << QStringLiteral("same file as --a");
        QTest::newRow("missing dir")
            << QStringList{QStringLiteral("o.json"), QStringLiteral("nope/o.json")}
            << QStringLiteral("does not exist");
        QTest::newRow("directory")
            << QStringList{QStringLiteral("sub")} << QStringLiteral("is a directory");
        QTest::newRow("trailing slash")
            << QStringList{QStringLiteral("x/")} << QStringLiteral("names a directory");
        QTest::newRow("fifo") << QStringList{QStringLiteral("fifo")} << QStringLiteral("a FIFO");
        QTest::newRow("device") << QStringList{QStringLiteral("/dev/null")}
                                << QStringLiteral("a character device");
    }
    void checkRefuses()
    {
        QFETCH(QStringList, outputs);
        QFETCH(QString, says);
        QTemporaryDir tmp;
        const QString in = tmp.filePath(QStringLiteral("in.json"));
        QVERIFY(spit(in, "input"));
        QVERIFY(QDir(tmp.path()).mkdir(QStringLiteral("sub")));
        QVERIFY(QFile::link(in, tmp.filePath(QStringLiteral("link.json"))));
        QCOMPARE(
            ::mkfifo(QFile::encodeName(tmp.filePath(QStringLiteral("fifo"))).constData(), 0600), 0);
        const QStringList before = entries(tmp.path());
        OutputFiles out;
        char option[] = "--a";
        for (const QString &o : outputs) {
            const QString path = o.isEmpty() || o.startsWith(QLatin1Char('/'))
                                     ? o
                                     : tmp.path() + QLatin1Char('/') + o;
            out.add(option, path.toStdString());
            ++option[2];
        }
        std::string error;
        QVERIFY(!out.check({in.toStdString()}, &error));
        QVERIFY2(QString::fromStdString(error).contains(says), error.c_str());
        QCOMPARE(entries(tmp.path()), before);
        QCOMPARE(slurp(in), std::string("input"));
    }

    void commitWritesAll()
    {
        QTemporaryDir tmp;
        const QString a = tmp.filePath(QStringLiteral("a.txt"));
        const QString b = tmp.filePath(QStringLiteral("b.txt"));
        QVERIFY(spit(a, "old a"));
        QVERIFY(QFile::setPermissions(a, QFile::ReadOwner | QFile::WriteOwner));
        OutputFiles out;
        out.set(out.add("--a", a.toStdString()), "new a");
        out.set(out.add("--b", b.toStdString()), "new b");
        std::string error;
        QVERIFY2(out.check({}, &error), error.c_str());
        QVERIFY2(out.commit(&error), error.c_str());
        QCOMPARE(slurp(a), std::string("new a"));
        QCOMPARE(slurp(b), std::string("new b"));
        QCOMPARE(entries(tmp.path()),
                 (QStringList{QStringLiteral("a.txt"), QStringLiteral("b.txt")}));
        // The replaced file keeps its permissions.
        struct stat st
        {};
        QCOMPARE(::stat(QFile::encodeName(a).constData(), &st), 0);
        QCOMPARE(st.st_mode & 0777, mode_t(0600));
    }

    // An output named through a symbolic link writes the file it points at
    // (created when the link dangles) and the link stays a link; a loop of
    // links is refused. Before, the rename replaced the link itself.
    void commitWritesThroughLinks()
    {
        QTemporaryDir tmp;
        const QString real = tmp.filePath(QStringLiteral("real.txt"));
        const QString link = tmp.filePath(QStringLiteral("link.txt"));
        const QString dangling = tmp.filePath(QStringLiteral("dangling.txt"));
        const QString target = tmp.filePath(QStringLiteral("sub/new.txt"));
        QVERIFY(QDir(tmp.path()).mkdir(QStringLiteral("sub")));
        QVERIFY(spit(real, "old"));
        QVERIFY(QFile::link(QStringLiteral("real.txt"), link)); // relative, as ln -s makes them
        QVERIFY(QFile::link(QStringLiteral("sub/new.txt"), dangling));
        OutputFiles out;
        out.set(out.add("--a", link.toStdString()), "through the link");
        out.set(out.add("--b", dangling.toStdString()), "made through a dangling link");
        std::string error;
        QVERIFY2(out.check({}, &error), error.c_str());
        QVERIFY2(out.commit(&error), error.c_str());
        QCOMPARE(slurp(real), std::string("through the link"));
        QCOMPARE(slurp(target), std::string("made through a dangling link"));
        QVERIFY(QFileInfo(link).isSymLink());
        QVERIFY(QFileInfo(dangling).isSymLink());
        // Two outputs through two links to one file are one file.
        const QString link2 = tmp.filePath(QStringLiteral("link2.txt"));
        QVERIFY(QFile::link(QStringLiteral("real.txt"), link2));
        OutputFiles twice;
        twice.add("--a", link.toStdString());
        twice.add("--b", link2.toStdString());
        QVERIFY(!twice.check({}, &error));
        QVERIFY2(QString::fromStdString(error).contains(QLatin1String("same file")), error.c_str());
        // A loop of links.
        const QString loop1 = tmp.filePath(QStringLiteral("loop1"));
        const QString loop2 = tmp.filePath(QStringLiteral("loop2"));
        QVERIFY(QFile::link(QStringLiteral("loop2"), loop1));
        QVERIFY(QFile::link(QStringLiteral("loop1"), loop2));
        OutputFiles looped;
        looped.add("--text", loop1.toStdString());
        QVERIFY(!looped.check({}, &error));
        QVERIFY2(QString::fromStdString(error).contains(QLatin1String("symbolic links")),
                 error.c_str());
    }

    // A rename that fails after others succeeded puts every target back:
    // the earlier file returns to its old contents, the new one disappears,
    // and no temporary or backup file is left.
    void commitRollsBack()
    {
        QTemporaryDir tmp;
        const QString a = tmp.filePath(QStringLiteral("a.txt"));
        const QString b = tmp.filePath(QStringLiteral("b.txt"));
        const QString c = tmp.filePath(QStringLiteral("c.txt"));
        QVERIFY(spit(a, "old a"));
        OutputFiles out;
        out.set(out.add("--a", a.toStdString()), "new a");
        out.set(out.add("--b", b.toStdString()), "new b");
        out.set(out.add("--c", c.toStdString()), "new c");
        std::string error;
        QVERIFY2(out.check({}, &error), error.c_str());
        // After the check, c.txt becomes a non-empty directory: its rename fails.
        QVERIFY(QDir(tmp.path()).mkpath(QStringLiteral("c.txt/inside")));
        QVERIFY(!out.commit(&error));
        QVERIFY2(error.rfind("--c: ", 0) == 0, error.c_str());
        QCOMPARE(slurp(a), std::string("old a"));
        QVERIFY(!QFile::exists(b));
        QCOMPARE(entries(tmp.path()),
                 (QStringList{QStringLiteral("a.txt"), QStringLiteral("c.txt")}));
    }

    void writeFileAtomicallyNamesTheFile()
    {
        std::string error;
        QVERIFY(!writeFileAtomically("/nonexistent-dir/x.json", "{}", &error));
        QVERIFY2(error.rfind("/nonexistent-dir/x.json: cannot write", 0) == 0, error.c_str());
    }
};

QTEST_GUILESS_MAIN(TestFileIo)
#include "tst_fileio.moc"
