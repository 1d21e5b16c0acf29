#include "profiler/ModuleHierarchy.h"
#include "support/TestSupport.h"

#include <torch/script.h>

#include <QtTest>

using namespace memoscope;

class TestModuleHierarchy : public QObject {
    Q_OBJECT
private Q_SLOTS:
    void pathsFromInterpreterStacks_data()
    {
        QTest::addColumn<QStringList>("entries");
        QTest::addColumn<QString>("path");
        QTest::addColumn<QString>("type");
        QTest::newRow("scripted resnet")
            << QStringList { "TOP(ResNet)::forward", "SELF(ResNet)::_forward_impl", "layer1(Sequential)::forward",
                   "0(BasicBlock)::forward", "conv1(Conv2d)::forward", "SELF(Conv2d)::_conv_forward" }
            << "layer1.0.conv1" << "Conv2d";
        QTest::newRow("function call inside a module")
            << QStringList { "TOP(MLP)::forward", "act(ReLU)::forward", "CALL_FUNCTION::relu()::relu" } << "act"
            << "ReLU";
        QTest::newRow("root only") << QStringList { "TOP(MLP)::forward" } << "" << "MLP";
        QTest::newRow("differentiable graph") << QStringList { "TOP()::<forward op>", "fc1(Linear)::forward" }
                                              << "fc1" << "Linear";
        QTest::newRow("nothing") << QStringList {} << "" << "";
    }
    void pathsFromInterpreterStacks()
    {
        QFETCH(QStringList, entries);
        std::vector<std::string> raw;
        for (const QString& entry : entries)
            raw.push_back(entry.toStdString());
        const ModuleFrame frame = moduleFromHierarchy(raw);
        QTEST(QString::fromStdString(frame.path), "path");
        QTEST(QString::fromStdString(frame.type), "type");
    }

    // The recorder looks a module path up once per TorchScript call, not per op, unless calls are inlined
    // (torch.jit.freeze): there the path changes inside one function.
    void inlinedCalls()
    {
        torch::jit::Module scripted = torch::jit::load(test::fixture(QStringLiteral("resnet18")).toStdString());
        QVERIFY(!modelHasInlinedCalls(scripted));
        scripted.eval();
        QVERIFY(modelHasInlinedCalls(torch::jit::freeze(scripted)));
    }
};

QTEST_GUILESS_MAIN(TestModuleHierarchy)
#include "tst_modulehierarchy.moc"
