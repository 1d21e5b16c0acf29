#pragma once
// File > Export Report: loads the runs in the background, shows the report as it will be written, and saves
// it as HTML or PDF (the file dialog's type or the name's extension decides).

#include "Report.h"

#include <QDialog>
#include <QFutureWatcher>

class QLabel;
class QPushButton;
class QTextBrowser;

namespace memoscope {

class ReportDialog : public QDialog {
    Q_OBJECT
public:
    // The first run is the baseline of the comparison.
    ReportDialog(const QString& databasePath, const QVector<qint64>& runIds, QWidget* parent = nullptr);
    ~ReportDialog() override;

    bool isReady() const { return m_ready; }
    QTextBrowser* preview() const { return m_preview; }
    // Writes the report shown; the format follows the extension. On failure false with *error set.
    bool saveTo(const QString& path, QString* error);

Q_SIGNALS:
    void ready(); // the preview shows the report
    void failed(const QString& message);

private:
    struct Loaded {
        ReportInput input;
        QString error;
    };
    static Loaded load(const QString& databasePath, const QVector<qint64>& runIds);
    void onLoaded();
    void askWhereToSave();

    QVector<qint64> m_runIds;
    QFutureWatcher<Loaded> m_loading;
    Report m_report;
    bool m_ready = false;
    QLabel* m_status;
    QTextBrowser* m_preview;
    QPushButton* m_save;
};

} // namespace memoscope
