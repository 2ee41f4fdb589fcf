// `genai-otel report`: the dashboard, from Prometheus or from spans (local files or Jaeger).
import { writeFile } from 'node:fs/promises';
import { resolve } from 'node:path';
import { contextOf, type CommonOptions } from '../command-options.ts';
import { reportFromPrometheus } from '../report/from-prometheus.ts';
import { reportFromSpans } from '../report/from-spans.ts';
import { renderReportHtml } from '../report/html.ts';
import type { ReportData } from '../report/model.ts';
import { renderReportText } from '../report/text.ts';
import { PrometheusClient } from '../telemetry/prometheus.ts';
import { openSource } from '../telemetry/source.ts';
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
      context.progress.update(`querying Prometheus ${done}/${total}`),
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
      data = reportFromStore(source.db, { source: source.description, ...window }, context.progress);
      source.close();
    } else {
      const query = { ...window, limit: 10_000, every: true };
      const spans = await source.spans(query, context.progress);
      const logs = await source.logs(query, context.progress);
      for (const line of source.notes) context.note(line);
      data = reportFromSpans(spans, logs, { source: source.description, ...window });
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
