// A local Alertmanager webhook receiver for the alerting tests: keeps every notification body it is sent.
import { createServer } from 'node:http';

/**
 * Starts a receiver on 127.0.0.1 at a free port.
 * @returns {Promise<{ url: string, notifications: object[], close: () => Promise<void> }>}
 * @example const webhook = await startAlertWebhook(); makeStack('alerts', { ALERT_WEBHOOK_URL: webhook.url });
 */
export async function startAlertWebhook() {
  const notifications = [];
  const server = createServer((request, response) => {
    let body = '';
    request.on('data', (chunk) => {
      body += chunk;
    });
    request.on('end', () => {
      try {
        notifications.push(JSON.parse(body));
      } catch {
        notifications.push({ unparsable: body });
      }
      response.end('ok');
    });
  });
  await new Promise((resolve) => server.listen(0, '127.0.0.1', resolve));
  return {
    url: `http://127.0.0.1:${server.address().port}/alerts`,
    notifications,
    close: () => new Promise((resolve) => server.close(resolve)),
  };
}
