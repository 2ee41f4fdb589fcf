// The support assistant's world: an order service that sometimes times out, a help center searched by keyword, a
// ticket desk, and a small memory of facts per customer. Each function is what the model can call; the agent wraps
// the calls in genai-otel's helpers (see agent.cjs), so nothing here knows about telemetry except the help center,
// whose search is a retrieval step of its own.
const { withRetrieval } = require('genai-otel');

const sleep = (ms) => new Promise((resolve) => setTimeout(resolve, ms / Number(process.env.DEMO_SPEED || 1)));

/** Tool definitions, in the shape the OpenAI chat completions API takes. */
const TOOL_DEFINITIONS = [
  {
    type: 'function',
    function: {
      name: 'lookup_order',
      description: 'Find an order by its id (like A-1042): status, carrier and expected delivery day.',
      parameters: { type: 'object', properties: { order_id: { type: 'string' } }, required: ['order_id'], additionalProperties: false },
    },
  },
  {
    type: 'function',
    function: {
      name: 'search_help_center',
      description: 'Search the help center articles about shipping, returns, refunds and warranty.',
      parameters: { type: 'object', properties: { query: { type: 'string' } }, required: ['query'], additionalProperties: false },
    },
  },
  {
    type: 'function',
    function: {
      name: 'create_ticket',
      description: 'Open a ticket for a human colleague when the customer has a problem the assistant cannot solve.',
      parameters: {
        type: 'object',
        properties: { summary: { type: 'string' }, priority: { type: 'string', enum: ['low', 'normal', 'high'] } },
        required: ['summary', 'priority'],
        additionalProperties: false,
      },
    },
  },
];

const ORDERS = {
  'A-1042': { status: 'shipped', carrier: 'DHL', eta: 'on Thursday' },
  'B-2217': { status: 'delivered', carrier: 'UPS', eta: 'last Monday' },
  'C-3090': { status: 'being packed', carrier: 'PostNord', eta: 'next Tuesday' },
};

const ARTICLES = [
  { id: 'kb-12', title: 'Changing your delivery address', keywords: ['address', 'change', 'deliver'], snippet: 'you can change the address until the parcel leaves our warehouse, from the order page.' },
  { id: 'kb-31', title: 'Refunds', keywords: ['refund', 'money', 'back'], snippet: 'refunds reach your card within 5 to 7 business days after we receive the item.' },
  { id: 'kb-33', title: 'Returning an item', keywords: ['return', 'broken', 'damaged'], snippet: 'damaged items can be returned for free within 30 days; print the label from the order page.' },
  { id: 'kb-40', title: 'Where we ship', keywords: ['ship', 'country', 'norway', 'abroad'], snippet: 'we ship to every EU and EEA country, Norway included, in 3 to 6 business days.' },
  { id: 'kb-52', title: 'Warranty', keywords: ['warranty', 'broken', 'repair'], snippet: 'appliances carry a two-year warranty covering defects.' },
];

// The order service is overloaded: every third request for an order times out. Counted per order, so that which
// request fails does not depend on how the customers' concurrent requests interleave. The agent retries.
const orderServiceRequests = new Map();

async function lookupOrder({ order_id: orderId }) {
  const request = (orderServiceRequests.get(orderId) ?? 0) + 1;
  orderServiceRequests.set(orderId, request);
  await sleep(60 + (request % 4) * 25);
  if (request % 3 === 1) {
    throw Object.assign(new Error('order service did not answer within 2000 ms'), { name: 'TimeoutError' });
  }
  const order = ORDERS[orderId];
  return order === undefined ? { order_id: orderId, status: 'unknown' } : { order_id: orderId, ...order };
}

async function searchHelpCenter({ query }) {
  const words = String(query).toLowerCase().split(/\W+/);
  return withRetrieval({ dataSourceId: 'help-center', topK: 2, query }, async () => {
    await sleep(35);
    const scored = ARTICLES.map((article) => ({ article, score: article.keywords.filter((keyword) => words.some((word) => word.startsWith(keyword))).length }));
    const articles = scored.filter((item) => item.score > 0).sort((a, b) => b.score - a.score).slice(0, 2).map((item) => item.article);
    return { articles: articles.map(({ id, title, snippet }) => ({ id, title, snippet })) };
  });
}

let ticketNumber = 5100;
async function createTicket({ summary, priority }) {
  await sleep(50);
  return { ticket_id: `T-${++ticketNumber}`, summary, priority };
}

const TOOLS = { lookup_order: lookupOrder, search_help_center: searchHelpCenter, create_ticket: createTicket };

/** What the assistant remembers about each customer between sessions. */
class CustomerMemory {
  constructor(initial) {
    this.facts = new Map(Object.entries(initial));
  }

  async search(userId) {
    await sleep(8);
    return [...(this.facts.get(userId) ?? [])];
  }

  async upsert(userId, fact) {
    await sleep(5);
    const facts = this.facts.get(userId) ?? [];
    if (!facts.includes(fact)) facts.push(fact);
    this.facts.set(userId, facts);
  }
}

module.exports = { TOOL_DEFINITIONS, TOOLS, CustomerMemory, sleep };
