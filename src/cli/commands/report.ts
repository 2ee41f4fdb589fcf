// `genai-otel report`: the dashboard, from Prometheus or from spans (local files or Jaeger).
import { writeFile } from 'node:fs/promises';
import { resolve } from 'node:path';
import { contextOf, type CommonOptions } from '../command-options.ts';
import { reportFromPrometheus } from '../report/from-prometheus.ts';
import { ReportAccumulator } from '../report/from-spans.ts';
import { renderReportHtml } from '../report/html.ts';
import type { ReportData } from '../report/model.ts';
import { renderReportText } from '../report/text.ts';
import { PrometheusClient } from '../telemetry/prometheus.ts';
import { openSource, type TelemetrySource } from '../telemetry/source.ts';
import { StoreSource, storeHasData } from '../telemetry/store-source.ts';
import { reportFromStore } from '../report/from-store.ts';

export interface ReportOptions extends CommonOptions {
  html?: string;
}

async function prometheusAnswers(url: string): Promise<boolean> {
  try {
    await new PrometheusClient(url, 500).query('vector(1)');
    return true;
  } catch {
    return false;
  }
}

/**
 * What people must know when the spans read from Jaeger miss traces (a window held more than Jaeger returns per query):
 * the figures are then a part, and the metrics count every call. Undefined when nothing was left out.
 *
 * @example
 * const note = missedTotalsNote(source); // 'these figures miss …' or undefined
 */
export function missedTotalsNote(source: Pick<TelemetrySource, 'kind' | 'notes'>): string | undefined {
  if (source.kind !== 'jaeger' || !source.notes.some((line) => line.includes('were not read'))) return undefined;
  return 'these figures miss the traces Jaeger did not return: the metrics count every call (genai-otel report --source prometheus, with the collector and Prometheus running)';
}

/** `genai-otel report`; resolves with the exit code. @example process.exitCode = await runReport({ since: 86_400_000, source: 'auto' }); */
export async function runReport(options: ReportOptions): Promise<number> {
  const context = contextOf(options);
  const window = { sinceMillis: context.sinceMillis, untilMillis: context.untilMillis, service: options.service };
  let data: ReportData;
  if (
    options.source === 'prometheus' ||
    (options.source === 'auto' && (await prometheusAnswers(context.prometheusUrl)))
  ) {
    data = await reportFromPrometheus(new PrometheusClient(context.prometheusUrl), window, (done, total) =>
      context.progress.update('querying', done / total, `Prometheus ${done}/${total}`),
    );
    context.progress.done();
  } else {
    // Without Prometheus: the local store when it holds spans, else the files (Jaeger only when asked for).
    const local = storeHasData(context.sources.fileDirectory) ? 'store' : 'files';
    const source = await openSource({
      ...context.sources,
      source: options.source === 'auto' ? local : (options.source as 'jaeger' | 'files' | 'store'),
    });
    if (source instanceof StoreSource) {
      // The store computes the dashboard itself (see reportFromStore): nothing of the window is read into memory.
      data = reportFromStore(source.db, { source: source.description, ...window }, context.progress);
      source.close();
    } else {
      const query = { ...window, limit: 10_000, every: true };
      const report = new ReportAccumulator();
      for await (const batch of source.spanBatches(query, context.progress)) report.addSpans(batch);
      for await (const batch of source.logBatches(query, context.progress)) report.addLogs(batch);
      for (const line of source.notes) context.note(line);
      const missed = missedTotalsNote(source);
      if (missed !== undefined) context.note(missed);
      context.progress.update('aggregating', undefined, 'percentiles');
      data = report.result({ source: source.description, ...window });
      context.progress.done();
    }
  }
  if (options.html !== undefined) {
    const path = resolve(options.html);
    await writeFile(path, renderReportHtml(data));
    context.note(`wrote ${path}`);
  }
  if (options.json === true) context.out(JSON.stringify(data, null, 2));
  else if (options.html === undefined) for (const line of renderReportText(data, context.style)) context.out(line);
  return 0;
}
