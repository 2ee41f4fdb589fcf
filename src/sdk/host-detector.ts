import { readFileSync } from 'node:fs';
import { arch, hostname } from 'node:os';
import type { ResourceDetector } from '@opentelemetry/resources';
import { ATTR_HOST_ARCH, ATTR_HOST_ID, ATTR_HOST_NAME } from '@opentelemetry/semantic-conventions/incubating';

/** Node's names of processor architectures as the semantic conventions spell them. */
const ARCH: Record<string, string> = { arm: 'arm32', ppc: 'ppc32', x64: 'amd64' };

function firstFile(paths: readonly string[]): string | undefined {
  for (const path of paths) {
    try {
      const text = readFileSync(path, 'utf8').trim();
      if (text !== '') return text;
    } catch {
      // not on this system: the next place
    }
  }
  return undefined;
}

function commandOutput(file: string, args: readonly string[]): string {
  const { execFileSync } = process.getBuiltinModule('node:child_process');
  return execFileSync(file, args, {
    encoding: 'utf8',
    timeout: 1000,
    windowsHide: true,
    stdio: ['ignore', 'pipe', 'ignore'],
  });
}

/**
 * The machine's id, read where OpenTelemetry's host detector reads it, but at once: on Linux and the BSDs a small file;
 * on macOS and Windows the platform's command, run once at start (a few milliseconds). Undefined when there is none.
 *
 * @example
 * machineId(); // '3d1219c7c4c5404aaa1f6d2a48adfda4' on Linux (/etc/machine-id)
 */
export function machineId(platform: NodeJS.Platform = process.platform): string | undefined {
  try {
    if (platform === 'linux') return firstFile(['/etc/machine-id', '/var/lib/dbus/machine-id']);
    if (platform === 'freebsd' || platform === 'openbsd') return firstFile(['/etc/hostid']);
    if (platform === 'darwin') {
      const line = commandOutput('ioreg', ['-rd1', '-c', 'IOPlatformExpertDevice'])
        .split('\n')
        .find((text) => text.includes('IOPlatformUUID'));
      return /"IOPlatformUUID" = "([^"]+)"/.exec(line ?? '')?.[1];
    }
    if (platform === 'win32') {
      const output = commandOutput(`${process.env.windir ?? 'C:\\Windows'}\\System32\\REG.exe`, [
        'QUERY',
        'HKEY_LOCAL_MACHINE\\SOFTWARE\\Microsoft\\Cryptography',
        '/v',
        'MachineGuid',
      ]);
      return output.split('REG_SZ')[1]?.trim() || undefined;
    }
  } catch {
    // no id to be had: the attribute is left out, as OpenTelemetry's detector does
  }
  return undefined;
}

/**
 * OTEL_NODE_RESOURCE_DETECTORS=host: host.name, host.arch and host.id, all known when the SDK starts. OpenTelemetry's
 * hostDetector gives host.id as a promise, and the batch processor then holds every export until it settles: spans
 * ended in a burst that never yields to the event loop (awaited work that returns at once) filled the queue and were
 * dropped, 70 % of such a burst with the `file` exporter.
 */
export const hostDetector: ResourceDetector = {
  detect: () => {
    const id = machineId();
    return {
      attributes: {
        [ATTR_HOST_NAME]: hostname(),
        [ATTR_HOST_ARCH]: ARCH[arch()] ?? arch(),
        ...(id === undefined ? {} : { [ATTR_HOST_ID]: id }),
      },
    };
  },
};
