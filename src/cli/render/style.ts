import { styleText } from 'node:util';

type Format = Parameters<typeof styleText>[0];

/** Colour helpers that are plain text when colours are off. */
export interface Style {
  enabled: boolean;
  bold(text: string): string;
  dim(text: string): string;
  red(text: string): string;
  green(text: string): string;
  yellow(text: string): string;
  cyan(text: string): string;
}

/**
 * Colours only on a terminal that has them (`hasColors()` honours NO_COLOR, FORCE_COLOR and TERM=dumb);
 * `--color` / `--no-color` decide otherwise.
 *
 * @example
 * const style = styleFor(process.stdout, options.color);
 * console.log(style.red('ERROR'));
 */
export function styleFor(stream: NodeJS.WriteStream, forced?: boolean): Style {
  const enabled = forced ?? (stream.isTTY === true && typeof stream.hasColors === 'function' && stream.hasColors());
  // validateStream: false — whether to colour is decided here, for the stream the text goes to.
  const paint = (format: Format) => (text: string) =>
    enabled ? styleText(format, text, { validateStream: false }) : text;
  return {
    enabled,
    bold: paint('bold'),
    dim: paint('dim'),
    red: paint('red'),
    green: paint('green'),
    yellow: paint('yellow'),
    cyan: paint('cyan'),
  };
}

/** Length of `text` as shown, without colour codes. */
export function visibleLength(text: string): number {
  // eslint-disable-next-line no-control-regex
  return text.replace(/\x1b\[[0-9;]*m/g, '').length;
}
