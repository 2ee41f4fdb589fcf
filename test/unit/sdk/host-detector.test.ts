// host.* resource attributes are known when the SDK starts: a pending asynchronous attribute holds every export.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { existsSync, readFileSync } from 'node:fs';
import { arch, hostname } from 'node:os';
import { detectResources, hostDetector as upstreamHostDetector } from '@opentelemetry/resources';
import { hostDetector, machineId } from '../../../src/sdk/host-detector.ts';

test('host.name, host.arch and host.id as OpenTelemetry detects them, none of them pending', async () => {
  const ours = detectResources({ detectors: [hostDetector] });
  assert.equal(ours.asyncAttributesPending, false);
  const upstream = detectResources({ detectors: [upstreamHostDetector] });
  await upstream.waitForAsyncAttributes?.();
  assert.deepEqual(ours.attributes, upstream.attributes);
  assert.equal(ours.attributes['host.name'], hostname());
  assert.equal(ours.attributes['host.arch'], arch() === 'x64' ? 'amd64' : arch());
  if (process.platform === 'linux' && existsSync('/etc/machine-id'))
    assert.equal(machineId(), readFileSync('/etc/machine-id', 'utf8').trim());
});

test('a platform with no id to read gives none, without throwing', () => {
  assert.equal(machineId('aix'), undefined);
});
