// The floors of src/, bottom to top (README, Developing: layers). A file may import its own folder and any folder on
// a lower floor; never a folder on a higher floor, nor another folder on its own floor. `npm test` runs this through
// test/architecture/layers.test.ts, together with the ban on import cycles.
const FLOORS = [
  ['core', 'version.ts'], // kernel: diagnostics, lazy loaders, the process-wide SDK state, the package version
  ['attributes'], // the names we record and the bounded values we put there
  ['config'], // the one resolver of settings, and the settings slot the helpers read
  ['export', 'context'], // OTLP delivery; attributes carried in scope
  ['logs', 'privacy'], // log records and loggers; redaction
  ['genai'], // LLM call, operation and cost helpers
  ['events', 'sessions'], // custom events; session summaries and revisions
  ['instrumentations', 'feedback', 'agents'], // client libraries traced with no code; feedback; agent decisions
  ['sdk'], // the composition root: start(), shutdown(), providers, exporters
  ['index.ts', 'cli'], // the public API; the command line
  ['entry'], // the preload and CLI entry points
];

const escape = (text) => text.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');
const pathOf = (part) => (part.endsWith('.ts') ? `^src/${escape(part)}$` : `^src/${escape(part)}/`);
const anyOf = (parts) => `(${parts.map(pathOf).join('|')})`;

// Type-only imports (`import type`) are left out of the floor rules: they vanish from the build, so they neither load
// a module nor make an order at run time (the SDK state, at the bottom, names the types of what start() keeps in it).
// They still count for cycles.
const layerRules = FLOORS.flatMap((floor, level) => {
  const higher = FLOORS.slice(level + 1).flat();
  return floor.flatMap((part) => {
    const forbidden = [...higher, ...floor.filter((other) => other !== part)];
    if (forbidden.length === 0) return [];
    return {
      name: `floor-${level}-${part.replace(/\.ts$/, '')}`,
      comment: `src/${part} sits on floor ${level}: it may not import ${forbidden.join(', ')} (a higher floor or a sibling on its own floor)`,
      severity: 'error',
      from: { path: pathOf(part) },
      to: { path: anyOf(forbidden), dependencyTypesNot: ['type-only'] },
    };
  });
});

/** @type {import('dependency-cruiser').IConfiguration} */
module.exports = {
  forbidden: [
    {
      name: 'no-circular',
      comment: 'An import cycle: the modules of a cycle cannot be read, tested or loaded one without the others',
      severity: 'error',
      from: { path: '^src/' },
      to: { circular: true },
    },
    ...layerRules,
  ],
  options: {
    doNotFollow: { path: 'node_modules' },
    tsPreCompilationDeps: true,
    tsConfig: { fileName: 'tsconfig.json' },
    exclude: { path: '\\.json$' },
  },
};
