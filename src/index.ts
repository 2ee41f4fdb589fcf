export { start, shutdown, forceFlush, getStatus } from './sdk/sdk.ts';
export type { GenAIOtelStatus } from './sdk/sdk.ts';
export type { StartOptions } from './config/options.ts';
export type * from './config/types.ts';
