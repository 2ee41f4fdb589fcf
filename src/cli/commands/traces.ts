// `genai-otel traces`: recent traces as trees.
import { contextOf, type CommonOptions } from '../command-options.ts';
import { renderTrace } from '../render/tree.ts';
import { latestTraces, openSource } from '../telemetry/source.ts';
import { terminalSafe } from '../render/terminal-text.ts';

export interface TracesOptions extends CommonOptions {
  trace?: string;
  session?: string;
  limit: number;
}

/** `genai-otel traces`; resolves with 1 when a trace or session asked for is not found. @example process.exitCode = await runTraces({ since: 86_400_000, limit: 5 }); */
export async function runTraces(options: TracesOptions): Promise<number> {
  const context = contextOf(options);
  const source = await openSource(context.sources);
  const traceId = options.trace?.toLowerCase();
  const { traces, total, more } = await latestTraces(
    source,
    {
      sinceMillis: context.sinceMillis,
      untilMillis: context.untilMillis,
      service: options.service,
      limit: options.limit,
      traceId,
      sessionIds: options.session === undefined ? undefined : context.identityForms(options.session),
    },
    context.progress,
  );
  for (const line of source.notes) context.note(line);
  // A session is shown whole, oldest turn first; otherwise the newest traces.
  const shown = options.session !== undefined ? traces.reverse() : traces.slice(0, options.limit);
  if (options.json === true) {
    context.out(
      JSON.stringify(
        shown.map((trace) => ({ traceId: trace[0]!.traceId, spans: trace })),
        (_key, value: unknown) => (typeof value === 'bigint' ? value.toString() : value),
        2,
      ),
    );
  } else {
    context.note(
      `${source.description}: ${shown.length} of ${more === true ? 'more than ' : ''}${total} trace${total === 1 && more !== true ? '' : 's'}`,
    );
    shown.forEach((trace, index) => {
      if (index > 0) context.out();
      for (const line of renderTrace(trace, context.style)) context.out(line);
    });
  }
  if (shown.length === 0) {
    const what =
      traceId !== undefined
        ? `trace ${traceId}`
        : options.session !== undefined
          ? `traces of session ${options.session}`
          : 'traces';
    process.stderr.write(
      `genai-otel: ${terminalSafe(`no ${what} in ${source.description}${traceId === undefined ? ` since ${new Date(context.sinceMillis).toISOString()}` : ''}`)}\n`,
    );
    return traceId !== undefined || options.session !== undefined ? 1 : 0;
  }
  return 0;
}
