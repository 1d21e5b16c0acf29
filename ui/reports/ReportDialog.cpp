#include "ReportDialog.h"

#include "ReportDocument.h"
#include "core/Store.h"

#include <QDialogButtonBox>
#include <QFileDialog>
#include <QLabel>
#include <QMessageBox>
#include <QPushButton>
#include <QTextBrowser>
#include <QTextDocument>
#include <QVBoxLayout>
#include <QtConcurrent>

namespace memoscope {

ReportDialog::ReportDialog(const QString& databasePath, const QVector<qint64>& runIds, QWidget* parent)
    : QDialog(parent)
    , m_runIds(runIds)
    , m_status(new QLabel(this))
    , m_preview(new QTextBrowser(this))
{
    setWindowTitle(tr("Export Report"));
    setObjectName(QStringLiteral("reportDialog"));
    m_status->setText(tr("Loading %n run(s)…", nullptr, int(runIds.size())));
    m_preview->setOpenLinks(true);
    m_preview->setOpenExternalLinks(false); // the report only links within itself
    auto* buttons = new QDialogButtonBox(QDialogButtonBox::Close, this);
    m_save = buttons->addButton(tr("&Save…"), QDialogButtonBox::AcceptRole);
    m_save->setEnabled(false);
    connect(m_save, &QPushButton::clicked, this, &ReportDialog::askWhereToSave);
    connect(buttons, &QDialogButtonBox::rejected, this, &QDialog::reject);
    auto* layout = new QVBoxLayout(this);
    layout->addWidget(m_status);
    layout->addWidget(m_preview, 1);
    layout->addWidget(buttons);
    resize(900, 1000);

    connect(&m_loading, &QFutureWatcher<Loaded>::finished, this, &ReportDialog::onLoaded);
    m_loading.setFuture(QtConcurrent::run(&ReportDialog::load, databasePath, runIds));
}

ReportDialog::~ReportDialog() = default;

ReportDialog::Loaded ReportDialog::load(const QString& databasePath, const QVector<qint64>& runIds)
{
    Loaded loaded;
    try {
        Store store(databasePath);
        for (qint64 id : runIds) {
            std::optional<StoredRun> run = store.load(id, /*withEvents=*/true);
            if (!run) {
                loaded.error = tr("Run %1 is no longer in the database.").arg(id);
                return loaded;
            }
            const QVector<MeasuredAccuracy> measured = measuredAccuracies(store, *run);
            loaded.input.addRun(std::move(*run), measured);
        }
    } catch (const StoreError& error) {
        loaded.error = error.message();
    }
    return loaded;
}

void ReportDialog::onLoaded()
{
    const Loaded loaded = m_loading.result();
    if (!loaded.error.isEmpty()) {
        m_status->setText(tr("Cannot make the report: %1").arg(loaded.error));
        Q_EMIT failed(loaded.error);
        return;
    }
    // Charts are widgets, drawn here on the GUI thread; a report takes a fraction of a second.
    const ReportInput& input = loaded.input;
    m_report = buildReport(input);
    std::unique_ptr<QTextDocument> document = reportTextDocument(m_report);
    document->setParent(m_preview); // the preview keeps it as long as it shows it
    m_preview->setDocument(document.release());
    m_status->setText(m_report.title);
    m_save->setEnabled(true);
    m_save->setDefault(true);
    m_ready = true;
    Q_EMIT ready();
}

bool ReportDialog::saveTo(const QString& path, QString* error)
{
    if (!m_ready) {
        if (error)
            *error = tr("The report is not ready yet.");
        return false;
    }
    return saveReport(m_report, path, error);
}

void ReportDialog::askWhereToSave()
{
    const QString html = tr("HTML, one self-contained file (*.html)");
    const QString pdf = tr("PDF (*.pdf)");
    QString filter = html;
    const QString suggested = m_runIds.size() == 1
        ? QStringLiteral("memoscope-run-%1.html").arg(m_runIds.first())
        : QStringLiteral("memoscope-runs-%1-%2.html").arg(m_runIds.first()).arg(m_runIds.last());
    QString path = QFileDialog::getSaveFileName(
        this, tr("Save the report"), suggested, html + QStringLiteral(";;") + pdf, &filter);
    if (path.isEmpty())
        return;
    if (!reportFormatOf(path))
        path += filter == pdf ? QStringLiteral(".pdf") : QStringLiteral(".html");
    QString error;
    if (!saveTo(path, &error)) {
        QMessageBox::warning(this, tr("Cannot save the report"), error);
        return;
    }
    m_status->setText(tr("Saved %1").arg(QDir::toNativeSeparators(path)));
}

} // namespace memoscope
