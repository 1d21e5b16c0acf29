#include "FromPythonDialog.h"

#include "core/InputSpec.h"

#include <QComboBox>
#include <QDialogButtonBox>
#include <QDir>
#include <QFile>
#include <QFileInfo>
#include <QFormLayout>
#include <QLabel>
#include <QLineEdit>
#include <QPlainTextEdit>
#include <QPushButton>
#include <QRegularExpression>
#include <QVBoxLayout>

namespace memoscope {

QStringList modelFunctions(const QString& pythonFile)
{
    QFile file(pythonFile);
    if (!file.open(QIODevice::ReadOnly | QIODevice::Text))
        return {};
    static const QRegularExpression definition(
        QStringLiteral("^def\\s+([A-Za-z_]\\w*)\\s*\\(\\s*\\)"), QRegularExpression::MultilineOption);
    QStringList functions;
    for (auto match = definition.globalMatch(QString::fromUtf8(file.readAll())); match.hasNext();)
        functions << match.next().captured(1);
    return functions;
}

FromPythonDialog::FromPythonDialog(const QString& pythonFile, QWidget* parent)
    : QDialog(parent)
    , m_file(QFileInfo(pythonFile).absoluteFilePath())
{
    setWindowTitle(tr("Make TorchScript from %1").arg(QFileInfo(pythonFile).fileName()));
    m_function = new QComboBox(this);
    m_function->setObjectName(QStringLiteral("function"));
    m_function->setEditable(true);
    m_function->addItems(modelFunctions(pythonFile));
    m_examples = new QPlainTextEdit(this);
    m_examples->setObjectName(QStringLiteral("examples"));
    m_examples->setPlaceholderText(tr("One example input per line, one per argument of forward: 1x3x224x224, "
                                      "int:16000, [3x320x320]…"));
    m_out = new QLineEdit(this);
    m_out->setObjectName(QStringLiteral("out"));
    auto defaultOut = [this] {
        const QFileInfo info(m_file);
        m_out->setText(
            info.dir().filePath(QStringLiteral("%1-%2.pt").arg(info.completeBaseName(), m_function->currentText())));
    };
    defaultOut();
    m_error = new QLabel(this);
    m_error->setStyleSheet(QStringLiteral("color: #b00020"));
    m_error->setWordWrap(true);

    auto* form = new QFormLayout;
    form->addRow(tr("Function that makes the model"), m_function);
    form->addRow(tr("Example inputs"), m_examples);
    form->addRow(tr("TorchScript file to write"), m_out);
    auto* buttons = new QDialogButtonBox(QDialogButtonBox::Cancel, this);
    m_ok = buttons->addButton(tr("Make TorchScript"), QDialogButtonBox::AcceptRole);
    connect(buttons, &QDialogButtonBox::accepted, this, &QDialog::accept);
    connect(buttons, &QDialogButtonBox::rejected, this, &QDialog::reject);
    auto* layout = new QVBoxLayout(this);
    layout->addWidget(new QLabel(tr("Memoscope scripts the model with your python3 and torch, and traces it with the "
                                    "example inputs when scripting fails."),
        this));
    layout->addLayout(form);
    layout->addWidget(m_error);
    layout->addWidget(buttons);
    connect(m_function, &QComboBox::currentTextChanged, this, [this, defaultOut] {
        defaultOut();
        updateValidity();
    });
    connect(m_examples, &QPlainTextEdit::textChanged, this, &FromPythonDialog::updateValidity);
    connect(m_out, &QLineEdit::textChanged, this, &FromPythonDialog::updateValidity);
    updateValidity();
}

QString FromPythonDialog::source() const { return m_file + QLatin1Char(':') + m_function->currentText().trimmed(); }

QStringList FromPythonDialog::examples() const
{
    QStringList lines;
    for (const QString& line : m_examples->toPlainText().split(QLatin1Char('\n'), Qt::SkipEmptyParts))
        if (!line.trimmed().isEmpty())
            lines << line.trimmed();
    return lines;
}

QString FromPythonDialog::outPath() const { return m_out->text().trimmed(); }

void FromPythonDialog::setFunction(const QString& function) { m_function->setCurrentText(function); }

void FromPythonDialog::setExamples(const QStringList& examples)
{
    m_examples->setPlainText(examples.join(QLatin1Char('\n')));
}

void FromPythonDialog::updateValidity()
{
    QString error;
    static const QRegularExpression name(QStringLiteral("^[A-Za-z_]\\w*$"));
    if (!name.match(m_function->currentText().trimmed()).hasMatch())
        error = tr("Name the function that makes the model.");
    for (const QString& example : examples()) {
        QString specError;
        if (error.isEmpty() && !InputSpec::parse(example, &specError))
            error = tr("Example %1: %2").arg(example, specError);
    }
    if (error.isEmpty() && examples().isEmpty())
        error = tr("Give one example input per argument of forward: they are the inputs of the first run.");
    if (error.isEmpty() && !outPath().endsWith(QLatin1String(".pt")))
        error = tr("The TorchScript file's name ends in .pt.");
    m_error->setText(error);
    m_error->setVisible(!error.isEmpty());
    m_ok->setEnabled(error.isEmpty());
}

} // namespace memoscope
