import { CARD, IBAN } from './financial.ts';
import { EMAIL, PHONE } from './contact.ts';
import { BR_CPF, CA_SIN, ES_DNI, FR_NIR, IN_AADHAAR, IT_FISCAL_CODE, UK_NINO, US_SSN } from './national-ids.ts';
import { IP } from './network.ts';
import type { DetectionRule } from './rule.ts';
import { SERVICE_KEY } from './service-keys.ts';
import {
  ANTHROPIC_KEY,
  AWS_ACCESS_KEY,
  BEARER_TOKEN,
  CREDENTIAL,
  GITHUB_TOKEN,
  GOOGLE_API_KEY,
  JWT,
  OPENAI_KEY,
  PRIVATE_KEY,
  SLACK_TOKEN,
  STRIPE_KEY,
  URL_PASSWORD,
} from './secrets.ts';

export type { DetectionRule } from './rule.ts';
export { isCardNumber } from './financial.ts';

/**
 * The built-in rules in the order they run: secrets first (most specific), then the rest. A replacement holds no
 * digit and no `@`, so a later rule never matches inside an earlier one's replacement.
 */
export const BUILT_IN_RULES: readonly DetectionRule[] = [
  PRIVATE_KEY,
  JWT,
  SERVICE_KEY,
  ANTHROPIC_KEY,
  OPENAI_KEY,
  AWS_ACCESS_KEY,
  GOOGLE_API_KEY,
  GITHUB_TOKEN,
  SLACK_TOKEN,
  STRIPE_KEY,
  BEARER_TOKEN,
  URL_PASSWORD,
  CREDENTIAL,
  EMAIL,
  IBAN,
  CARD,
  US_SSN,
  UK_NINO,
  CA_SIN,
  FR_NIR,
  ES_DNI,
  IT_FISCAL_CODE,
  IN_AADHAAR,
  BR_CPF,
  IP,
  PHONE,
];
