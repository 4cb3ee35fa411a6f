// main() of a Qt Test binary that ctest runs in parts: one part names its
// test functions on the command line, the other leaves them out with
// `--except NAME` (repeatable) and runs every other function, so a function
// added later is never left out of both. An unknown NAME is an error.
#pragma once

#include <QCoreApplication>
#include <QMetaMethod>
#include <QStringList>
#include <QTest>

template <class Test>
int qExecExcept(int argc, char **argv)
{
    QCoreApplication app(argc, argv);
    Test test;
    QStringList args = app.arguments();
    QStringList skipped;
    for (qsizetype except = args.indexOf(QStringLiteral("--except")); except >= 0;
         except = args.indexOf(QStringLiteral("--except"))) {
        if (except + 1 >= args.size()) {
            qCritical("--except needs a test function's name");
            return 2;
        }
        skipped << args.takeAt(except + 1);
        args.removeAt(except);
    }
    if (!skipped.isEmpty()) {
        const QMetaObject *meta = test.metaObject();
        QStringList found;
        for (int i = meta->methodOffset(); i < meta->methodCount(); ++i) {
            const QMetaMethod m = meta->method(i);
            const QString name = QString::fromLatin1(m.name());
            if (m.methodType() != QMetaMethod::Slot || m.parameterCount() != 0 ||
                m.access() != QMetaMethod::Private || name.endsWith(QLatin1String("_data")) ||
                name == QLatin1String("initTestCase") || name == QLatin1String("cleanupTestCase") ||
                name == QLatin1String("init") || name == QLatin1String("cleanup"))
                continue;
            if (skipped.contains(name))
                found << name;
            else
                args << name;
        }
        for (const QString &name : skipped)
            if (!found.contains(name)) {
                qCritical("--except %s: no such test function", qPrintable(name));
                return 2;
            }
    }
    return QTest::qExec(&test, args);
}
