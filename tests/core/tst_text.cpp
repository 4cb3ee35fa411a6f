// core/text: what every message does with text from outside (issue 6 §4):
// one line, no terminal escape, no reordering, bounded length, exact numbers.
#include "core/text.h"

#include <QTest>

#include <string>

using namespace tee;

Q_DECLARE_METATYPE(std::string)

class TestText : public QObject
{
    Q_OBJECT

private Q_SLOTS:
    // The Chrome trace's otherData.look_for: the whole "What to look for"
    // paragraph (it was cut to about 155 characters), or the whole lead
    // sentence of a description without one.
    void lookForIsWhole()
    {
        const std::string para(400, 'x');
        const std::string d =
            "Spec \u00a77 case 2. Setup text. What to look for: the " + para + " ends. And more.\n";
        QCOMPARE(lookFor(d), "The " + para + " ends. And more.");
        QCOMPARE(lookFor("Setup. What to look for: this.\n\nAnother paragraph."),
                 std::string("This."));
        QCOMPARE(lookFor("The smallest complete exchange."),
                 std::string("The smallest complete exchange."));
        const std::string longLead = "A " + std::string(300, 'y') + " lead. Second.";
        QCOMPARE(lookFor(longLead), "A " + std::string(300, 'y') + " lead.");
        // a qualified heading is one too (kill-after-processed's was missed,
        // and its lead was the set-up sentence)
        QCOMPARE(lookFor("Setup. What to look for (merged design): it waits. More."),
                 std::string("It waits. More."));
        QCOMPARE(leadSentence("Setup. What to look for (merged design): it waits. More.", 200),
                 std::string("It waits."));
        // a first word that is an identifier keeps its spelling
        // ("Close_context puts ...", "C2's request")
        QCOMPARE(leadSentence("What to look for: close_context puts it. More.", 200),
                 std::string("close_context puts it."));
        QCOMPARE(lookFor("What to look for: c2's request waits."),
                 std::string("c2's request waits."));
        // a sentence that merely mentions the words is not the heading
        QCOMPARE(leadSentence("Look. What to look for is told later. Done: yes.", 200),
                 std::string("Look."));
    }
    void printableEscapes_data()
    {
        QTest::addColumn<std::string>("input");
        QTest::addColumn<std::string>("expected");
        auto row = [](const char *name, std::string in, std::string out) {
            QTest::newRow(name) << std::move(in) << std::move(out);
        };
        row("plain", "app/client: open /dev/tee", "app/client: open /dev/tee");
        row("empty", "", "");
        row("newline", "a\nteescope-cli: forged", "a\\nteescope-cli: forged");
        row("carriage return", "a\rb", "a\\rb");
        row("tab", "a\tb", "a\\tb");
        row("nul", std::string("a\0b", 3), "a\\x00b");
        row("ansi escape", "\x1b[31mred", "\\x1b[31mred");
        row("del", "a\x7f", "a\\x7f");
        row("c1 nel", "a\xc2\x85z", "a\\u0085z");
        row("c1 csi",
            "\xc2\x9b"
            "2J",
            "\\u009b2J");
        row("bidi override",
            "txt.\xe2\x80\xae"
            "exe",
            "txt.\\u202eexe");
        row("bidi isolate", "\xe2\x81\xa6x\xe2\x81\xa9", "\\u2066x\\u2069");
        row("line separator",
            "a\xe2\x80\xa8"
            "b",
            "a\\u2028b");
        row("lrm", "\xe2\x80\x8e", "\\u200e");
        row("arabic letter mark", "\xd8\x9c", "\\u061c");
        row("kept non-ascii", "caf\xc3\xa9 \xe2\x86\x92 \xf0\x9f\x94\x92",
            "caf\xc3\xa9 \xe2\x86\x92 \xf0\x9f\x94\x92");
        row("invalid byte",
            "a\xff"
            "b",
            "a\\xffb");
        row("truncated sequence", "a\xe2\x80", "a\\xe2\\x80");
        row("overlong slash", "\xc0\xaf", "\\xc0\\xaf");
        row("surrogate", "\xed\xa0\x80", "\\xed\\xa0\\x80");
        row("past U+10FFFF", "\xf4\x90\x80\x80", "\\xf4\\x90\\x80\\x80");
        row("backslash kept", "a\\nb", "a\\nb");
    }
    void printableEscapes()
    {
        QFETCH(std::string, input);
        QFETCH(std::string, expected);
        QCOMPARE(printable(input, 0), expected);
        QCOMPARE(isPrintable(input), input == expected);
    }

    // UTF-8 validity alone (command-line arguments): controls and bidi
    // marks are valid, bad bytes, overlong forms, surrogates are not.
    void utf8()
    {
        QVERIFY(isUtf8(""));
        QVERIFY(isUtf8("caf\xc3\xa9 \xe2\x86\x92 \xf0\x9f\x94\x92"));
        QVERIFY(isUtf8("a\nb\x1b[31m\xe2\x80\xae"));
        QVERIFY(!isUtf8("cap\xff.json"));
        QVERIFY(!isUtf8("a\xe2\x80"));
        QVERIFY(!isUtf8("\xc0\xaf"));
        QVERIFY(!isUtf8("\xed\xa0\x80"));
        QVERIFY(!isUtf8("\xf4\x90\x80\x80"));
    }

    void printableShortens_data()
    {
        QTest::addColumn<int>("length");
        QTest::addColumn<char>("fill");
        QTest::newRow("60 kept") << 60 << 'x';
        QTest::newRow("61 cut") << 61 << 'x';
        QTest::newRow("200000 cut") << 200000 << 'x';
        QTest::newRow("escapes cut") << 1000 << '\n';
    }
    void printableShortens()
    {
        QFETCH(int, length);
        QFETCH(char, fill);
        const std::string input(size_t(length), fill);
        const std::string out = printable(input);
        QVERIFY(out.find('\n') == std::string::npos);
        if (fill == 'x' && length <= int(kPrintableMax)) {
            QCOMPARE(out, input);
            return;
        }
        QVERIFY2(out.size() <= kPrintableMax + 10, out.c_str());
        const std::string tail = "... (" + std::to_string(length) + " bytes)";
        QVERIFY2(out.size() > tail.size() &&
                     out.compare(out.size() - tail.size(), tail.size(), tail) == 0,
                 out.c_str());
        // Never cut inside an escape: what is kept is whole escapes.
        if (fill == '\n') {
            const std::string kept = out.substr(0, out.size() - tail.size());
            QCOMPARE(kept.size() % 2, size_t(0));
        }
    }

    void shorteningKeepsUtf8Whole()
    {
        std::string input;
        for (int i = 0; i < 100; ++i)
            input += "\xe2\x86\x92"; // U+2192, 3 bytes
        const std::string out = printable(input);
        QVERIFY2(isPrintable(out), out.c_str()); // valid UTF-8, nothing cut in half
        QVERIFY(out.find("(300 bytes)") != std::string::npos);
    }

    void firstUnprintable()
    {
        size_t n = 0;
        QCOMPARE(tee::firstUnprintable("abc", &n), std::string_view::npos);
        QCOMPARE(tee::firstUnprintable("caf\xc3\xa9\x1b", &n), size_t(5));
        QCOMPARE(n, size_t(1));
        QCOMPARE(tee::firstUnprintable("ab\xe2\x80\xae", &n), size_t(2));
        QCOMPARE(n, size_t(3));
    }

    void quotedWraps() { QCOMPARE(quotedText("a\nb"), std::string("\"a\\nb\"")); }

    void closestCandidate_data()
    {
        QTest::addColumn<std::string>("word");
        QTest::addColumn<std::string>("expected");
        QTest::newRow("one typo") << std::string("lsit") << std::string("list");
        QTest::newRow("one missing letter") << std::string("timd") << std::string("timed");
        QTest::newRow("long name")
            << std::string("kill-whil-queue") << std::string("kill-while-queued");
        QTest::newRow("too far") << std::string("frobnicate") << std::string();
        QTest::newRow("exact is no suggestion") << std::string("list") << std::string();
        QTest::newRow("empty") << std::string() << std::string();
    }
    void closestCandidate()
    {
        QFETCH(std::string, word);
        QFETCH(std::string, expected);
        const std::vector<std::string> names{
            "list", "run", "replay", "timed", "kill-while-queued", "kill-while-processing"};
        QCOMPARE(closest(word, names), expected);
    }

    void numbers_data()
    {
        QTest::addColumn<double>("value");
        QTest::addColumn<std::string>("expected");
        QTest::newRow("zero") << 0.0 << std::string("0");
        QTest::newRow("small") << 42.0 << std::string("42");
        QTest::newRow("negative") << -7.0 << std::string("-7");
        QTest::newRow("2^63") << 9223372036854775808.0 << std::string("9223372036854775808");
        QTest::newRow("2^64") << 18446744073709551616.0 << std::string("18446744073709551616");
        QTest::newRow("1e20") << 1e20 << std::string("100000000000000000000");
        QTest::newRow("1e30") << 1e30 << std::string("1000000000000000019884624838656");
        QTest::newRow("fraction") << 1000.5 << std::string("1000.5");
        QTest::newRow("tenth") << 0.1 << std::string("0.1");
        QTest::newRow("1e300") << 1e300 << std::string("1e+300");
    }
    void numbers()
    {
        QFETCH(double, value);
        QFETCH(std::string, expected);
        QCOMPARE(numberText(value), expected);
    }
};

QTEST_GUILESS_MAIN(TestText)
#include "tst_text.moc"
