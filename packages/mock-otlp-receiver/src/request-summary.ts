// One line per received request, for a person watching the CLI: what came in, how it was answered, and what it held.
//   POST /v1/traces protobuf gzip 1834 B → 200 accepted: 3 spans from my-app (chat gpt-4o ×2, execute_tool search)
import type { ReceivedItems, ReceivedRequest } from './receiver.ts';

const NAMES_SHOWN = 5;

function itemNoun(path: string): string {
  if (path === '/v1/traces') return 'spans';
  if (path === '/v1/metrics') return 'metrics';
  return 'log records';
}

function itemName(item: ReceivedItems[number]): string {
  if ('eventName' in item) return item.eventName ?? `severity ${item.severityText || item.severityNumber}`;
  return item.name;
}

/** "a ×2, b" for the first few distinct names, in order of first appearance. */
function namesOf(items: ReceivedItems): string {
  const counts = new Map<string, number>();
  for (const item of items) counts.set(itemName(item), (counts.get(itemName(item)) ?? 0) + 1);
  const shown = [...counts].slice(0, NAMES_SHOWN).map(([name, count]) => (count > 1 ? `${name} ×${count}` : name));
  if (counts.size > NAMES_SHOWN) shown.push(`… ${counts.size - NAMES_SHOWN} more names`);
  return shown.join(', ');
}

export function describeRequest(request: ReceivedRequest, items: ReceivedItems | undefined): string {
  const format = request.contentType.replace(/^application\/(x-)?/, '') || 'no content-type';
  const head = `${request.method} ${request.path} ${format} ${request.encoding} ${request.bytes.byteLength} B → ${request.status ?? '-'} ${request.outcome}`;
  if (items === undefined) return request.error ? `${head}: ${request.error}` : head;
  const services = [...new Set(items.map((item) => String(item.resource['service.name'] ?? '?')))].join(', ');
  const from = items.length > 0 ? ` from ${services}` : '';
  return `${head}: ${items.length} ${itemNoun(request.path)}${from}${items.length > 0 ? ` (${namesOf(items)})` : ''}`;
}
