#include "LayerCsv.h"

#include "Iterations.h"
#include "core/Analysis.h"

namespace memoscope {

namespace {
    // RFC 4180: quote a field holding a separator, a quote or a line break, doubling its quotes.
    QString field(const QString& text)
    {
        if (!text.contains(QLatin1Char(',')) && !text.contains(QLatin1Char('"')) && !text.contains(QLatin1Char('\n'))
            && !text.contains(QLatin1Char('\r')))
            return text;
        QString quoted = text;
        quoted.replace(QLatin1Char('"'), QStringLiteral("\"\""));
        return QLatin1Char('"') + quoted + QLatin1Char('"');
    }

    QString number(qint64 value) { return QString::number(value); }
    QString milliseconds(double value) { return QString::number(value, 'f', 4); }
}

QByteArray layerTableCsv(const StoredRun& run)
{
    const QVector<Layer>& layers = run.trace.layers;
    const int iterations = measuredIterations(run);
    const QVector<LayerRow> total = layerRows(layers, run.layerStats, iterations, LayerScope::WithChildren);
    const QVector<LayerRow> own = layerRows(layers, run.layerStats, iterations, LayerScope::Own);

    // Column names are those of `show --json`; sizes in bytes, times in ms per iteration.
    QString csv = QStringLiteral(
        "layer,type,depth,parent,pseudo,param_count,param_bytes,allocated_bytes,peak_contribution_bytes,"
        "activation_bytes,forward_ms,backward_ms,self_param_bytes,self_allocated_bytes,self_peak_contribution_bytes,"
        "self_activation_bytes,self_forward_ms,self_backward_ms\r\n");
    for (const Layer& layer : layers) {
        const LayerRow& row = total[layer.id];
        const LayerRow& self = own[layer.id];
        const QStringList fields { field(layer.displayPath()), field(layer.type), QString::number(layer.depth),
            layer.parentId >= 0 ? field(layers[layer.parentId].displayPath()) : QString(),
            layer.pseudo ? QStringLiteral("true") : QStringLiteral("false"), number(row.paramCount),
            number(row.paramBytes), number(row.allocatedBytes), number(row.peakContributionBytes),
            number(row.activationBytes), milliseconds(row.forwardMs), milliseconds(row.backwardMs),
            number(self.paramBytes), number(self.allocatedBytes), number(self.peakContributionBytes),
            number(self.activationBytes), milliseconds(self.forwardMs), milliseconds(self.backwardMs) };
        csv += fields.join(QLatin1Char(',')) + QStringLiteral("\r\n");
    }
    return csv.toUtf8();
}

} // namespace memoscope
