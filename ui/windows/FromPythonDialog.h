#pragma once
// File > Open on a .py file: which function makes the model, the example inputs (one spec per line, as
// --example takes them, checked as the CLI checks them) and where to write the TorchScript file.

#include <QDialog>

class QComboBox;
class QLabel;
class QLineEdit;
class QPlainTextEdit;
class QPushButton;

namespace memoscope {

class FromPythonDialog : public QDialog {
    Q_OBJECT
public:
    explicit FromPythonDialog(const QString& pythonFile, QWidget* parent = nullptr);

    QString source() const; // PATH.py:FUNCTION
    QStringList examples() const;
    QString outPath() const;
    void setFunction(const QString& function);
    void setExamples(const QStringList& examples);

private:
    void updateValidity();

    QString m_file;
    QComboBox* m_function;
    QPlainTextEdit* m_examples;
    QLineEdit* m_out;
    QLabel* m_error;
    QPushButton* m_ok;
};

// Functions the file defines at its top level that take no arguments: the candidates for making the model.
QStringList modelFunctions(const QString& pythonFile);

} // namespace memoscope
