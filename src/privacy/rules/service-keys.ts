import { containsAny } from './clues.ts';
import type { DetectionRule } from './rule.ts';

// Keys and tokens of the services LLM apps talk to (model providers, vector stores, tracing, search, code hosting,
// package registries), each recognised by the prefix its issuer documents. The providers with a rule of their own
// (OpenAI, Anthropic, AWS, Google API keys, GitHub, Slack, Stripe) are not repeated here. Keys without a prefix
// (Mistral, Cohere, Azure OpenAI, Together's older keys, Twilio's secrets: its `SK…` is the key's id) cannot be told
// from other random text, nor cheaply keys whose prefix has no separator to anchor the search on (Databricks'
// `dapi…`): the credential rule finds them where they are named (`MISTRAL_API_KEY=…`).

/**
 * The prefixes, each found by its rarest character (the separator that ends most of them: `_`, `-` are rarer in text
 * than their first letters; `.` is not, so those go by `9`, `v`), then compared only where the character next to it
 * is a prefix's. One alternation of all the prefixes in the shared pass of clues doubled that pass's cost on ordinary
 * text (the engine's fast scan gives up on so many first characters), and a pattern of its own cost more than these.
 */
const PREFIX_TESTS = [
  containsAny('_', ['hf_', 'api_org_', 'gsk_', 'r8_', 'lsv2_', 'ls__', 'pcsk_', 'npm_', 'fw_', '_v1_']),
  containsAny('-', [
    'xai-',
    'pplx-',
    'sk-or-',
    'sk-lf-',
    'tvly-',
    'fc-',
    'GOCSPX-',
    'glpat-',
    'gldt-',
    'glrt-',
    'glptt-',
    'glft-',
    'glimt-',
    'glagent-',
    'gloas-',
    'glsoat-',
    'glffct-',
    'glcbt-',
    'glwt-',
  ]),
  containsAny('9', ['ya29.', 'GR1348941']),
  containsAny('v', ['hvs.', 'hvb.']),
  containsAny('/', ['1//0']),
  (text: string) => text.includes('SG.'),
];

export const SERVICE_KEY: DetectionRule = {
  name: 'api_key',
  mayMatch: (text, clues) => PREFIX_TESTS.some((test) => test(text, clues)),
  pattern: new RegExp(
    [
      // Every alternative starts at a word's start (a look-behind), so that a scan is linear in the text.
      '(?<![\\w-])(?:',
      [
        'hf_[A-Za-z0-9]{30,}', // Hugging Face user access token
        'api_org_[A-Za-z0-9]{30,}', // Hugging Face organisation token
        'gsk_[A-Za-z0-9]{40,}', // Groq
        'xai-[A-Za-z0-9]{40,}', // xAI
        'pplx-[A-Za-z0-9]{40,}', // Perplexity
        'r8_[A-Za-z0-9]{30,}', // Replicate
        'lsv2_(?:pt|sk)_[A-Za-z0-9_]{30,}', // LangSmith personal and service keys
        'ls__[A-Za-z0-9]{30,}', // LangSmith, older keys
        'pcsk_[A-Za-z0-9_]{30,}', // Pinecone
        'sk-or-v1-[A-Za-z0-9]{40,}', // OpenRouter
        'sk-lf-[A-Za-z0-9-]{30,}', // Langfuse secret key
        'fw_[A-Za-z0-9]{20,}', // Fireworks AI
        'tvly-[A-Za-z0-9-]{20,}', // Tavily
        'fc-[A-Za-z0-9]{30,}', // Firecrawl
        'tgp_v1_[A-Za-z0-9_-]{30,}', // Together AI
        'GOCSPX-[A-Za-z0-9_-]{24,}', // Google OAuth client secret
        'ya29\\.[A-Za-z0-9_-]{30,}', // Google OAuth access token
        'gl(?:pat|dt|rt|ptt|ft|imt|agent|oas|soat|ffct|cbt|wt)-[A-Za-z0-9_-]{20,}', // GitLab tokens
        'GR1348941[A-Za-z0-9_-]{20,}', // GitLab runner registration token
        'npm_[A-Za-z0-9]{30,}', // npm
        'SG\\.[A-Za-z0-9_-]{16,}\\.[A-Za-z0-9_-]{30,}', // SendGrid
        'do[opr]_v1_[0-9a-f]{64}', // DigitalOcean
        'hv[sb]\\.[A-Za-z0-9_-]{90,}', // HashiCorp Vault service and batch tokens
      ].join('|'),
      ')',
      // Google OAuth refresh tokens start with 1//0, where a slash before would make them part of a path or URL.
      '|(?<![\\w/:.-])1//0[A-Za-z0-9_-]{30,}',
    ].join(''),
    'g',
  ),
};
