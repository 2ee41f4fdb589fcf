/**
 * The built-in redaction rules by name, and the groups that switch several at once. The name is what a replacement
 * says (`[REDACTED:email]`) and what GENAI_OTEL_REDACT_DISABLE accepts. Kept apart from the patterns so that the
 * config module can validate names without loading them.
 */
export const REDACTION_RULE_GROUPS = {
  contact: ['email', 'phone'],
  financial: ['card', 'iban'],
  national_id: ['us_ssn', 'uk_nino', 'ca_sin', 'fr_nir', 'es_dni', 'it_fiscal_code', 'in_aadhaar', 'br_cpf'],
  network: ['ip'],
  secret: [
    'private_key',
    'jwt',
    'bearer_token',
    'url_password',
    'anthropic_key',
    'openai_key',
    'aws_access_key',
    'google_api_key',
    'github_token',
    'slack_token',
    'stripe_key',
    'api_key',
    'credential',
  ],
} as const;

export type RedactionGroupName = keyof typeof REDACTION_RULE_GROUPS;
export type RedactionRuleName = (typeof REDACTION_RULE_GROUPS)[RedactionGroupName][number];

export const REDACTION_RULE_NAMES: readonly RedactionRuleName[] = Object.values(REDACTION_RULE_GROUPS).flat();
export const REDACTION_GROUP_NAMES = Object.keys(REDACTION_RULE_GROUPS) as RedactionGroupName[];
