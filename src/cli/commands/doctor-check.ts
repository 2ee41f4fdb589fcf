// What each of `genai-otel doctor`'s checks reports (shared by doctor.ts and the checks kept in modules of their own).

export type CheckStatus = 'ok' | 'warn' | 'fail' | 'info';

export interface Check {
  name: string;
  status: CheckStatus;
  detail: string;
  /** What to do about it, for warn and fail. */
  fix?: string;
  /** The figures behind the detail, for `genai-otel doctor --json`. */
  data?: Record<string, unknown>;
}
