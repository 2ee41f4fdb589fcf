// ESLint: @eslint/js recommended everywhere, typescript-eslint's type-aware recommended set on TypeScript
// (tsconfig.json covers src, test, bench, examples and packages/*). `npm run lint`; also run by test/architecture.
import js from '@eslint/js';
import globals from 'globals';
import tseslint from 'typescript-eslint';

export default tseslint.config(
  { ignores: ['**/node_modules/', '**/dist/', '.stack/', '.cache/', 'coverage/', 'collector/'] },
  js.configs.recommended,
  {
    rules: {
      // The initial value is the fallback when the guarded call throws (hostile input); the rule does not see that.
      'no-useless-assignment': 'off',
      // Rethrown errors keep their current shape: adding `cause` would change what callers and the CLI see.
      'preserve-caught-error': 'off',
      // Timers declared before the closure that clears them and assigned after it.
      'prefer-const': ['error', { ignoreReadBeforeAssign: true }],
      'no-unused-vars': ['error', { argsIgnorePattern: '^_', varsIgnorePattern: '^_', caughtErrors: 'none' }],
    },
  },
  {
    files: ['**/*.{js,mjs,cjs}'],
    languageOptions: { globals: { ...globals.node } },
  },
  {
    files: ['**/*.cjs'],
    languageOptions: { sourceType: 'commonjs' },
  },
  {
    files: ['**/*.{ts,mts}'],
    extends: [tseslint.configs.recommendedTypeChecked],
    languageOptions: {
      globals: { ...globals.node },
      parserOptions: { projectService: true, tsconfigRootDir: import.meta.dirname },
    },
    rules: {
      // Values from other libraries and from applications are handled as hostile: modules come from lazy require()
      // (typed at the loader), patched arguments and payloads are `any`/`unknown` and checked at run time.
      '@typescript-eslint/no-unsafe-argument': 'off',
      '@typescript-eslint/no-unsafe-assignment': 'off',
      '@typescript-eslint/no-unsafe-call': 'off',
      '@typescript-eslint/no-unsafe-member-access': 'off',
      '@typescript-eslint/no-unsafe-return': 'off',
      // Attribute values (string | number | boolean | arrays) and untrusted fields are stringified on purpose.
      '@typescript-eslint/no-base-to-string': 'off',
      // Async methods implement Promise-returning interfaces (exporters, readers, fake SDK clients in tests).
      '@typescript-eslint/require-await': 'off',
      // Patches save and call original methods (api-copies, wrappers), and keep the wrapper's `this` beside the call's.
      '@typescript-eslint/unbound-method': 'off',
      '@typescript-eslint/no-this-alias': 'off',
      '@typescript-eslint/no-unused-vars': [
        'error',
        { argsIgnorePattern: '^_', varsIgnorePattern: '^_', caughtErrors: 'none' },
      ],
      '@typescript-eslint/restrict-template-expressions': [
        'error',
        { allowNumber: true, allowBoolean: true, allow: [{ from: 'lib', name: ['URLSearchParams', 'URL', 'Error'] }] },
      ],
      // node:test's test()/describe() return promises the runner awaits.
      '@typescript-eslint/no-floating-promises': [
        'error',
        {
          allowForKnownSafeCalls: [
            {
              from: 'package',
              package: 'node:test',
              name: ['test', 'describe', 'it', 'suite', 'before', 'after', 'beforeEach', 'afterEach'],
            },
          ],
        },
      ],
    },
  },
  {
    // Where arrays grow with the data (spans, sessions, rows of the CLI); elsewhere spread arrays are a few elements.
    files: ['src/cli/**/*.ts', 'src/sessions/**/*.ts', 'src/export/**/*.ts'],
    rules: {
      // Spreading an array into arguments puts every element on the stack: past ~125k (spans read from Jaeger or the
      // files) it throws "Maximum call stack size exceeded". Append with a loop; take extremes with reduce.
      'no-restricted-syntax': [
        'error',
        {
          selector: 'CallExpression[callee.property.name=/^(push|unshift|splice)$/] > SpreadElement',
          message: 'Spreading an array into push()/unshift()/splice() overflows the stack on large arrays: use a loop.',
        },
        {
          selector: "CallExpression[callee.object.name='Math'][callee.property.name=/^(max|min)$/] > SpreadElement",
          message: 'Spreading an array into Math.max()/min() overflows the stack on large arrays: use reduce().',
        },
        {
          selector: "CallExpression[callee.object.name='String'][callee.property.name='fromCharCode'] > SpreadElement",
          message: 'Spreading an array into String.fromCharCode() overflows the stack on large arrays.',
        },
      ],
    },
  },
  {
    files: ['test/**/*.ts', 'bench/**/*.ts', 'packages/*/test/**/*.ts'],
    rules: {
      // Tests throw, reject and pass non-Error and loosely typed values on purpose (hostile-value cases, test doubles).
      '@typescript-eslint/only-throw-error': 'off',
      '@typescript-eslint/prefer-promise-reject-errors': 'off',
      '@typescript-eslint/no-explicit-any': 'off',
      '@typescript-eslint/await-thenable': 'off',
      '@typescript-eslint/restrict-template-expressions': 'off',
      // Timers and listeners in tests start async work whose failure the test observes elsewhere.
      '@typescript-eslint/no-misused-promises': ['error', { checksVoidReturn: false }],
    },
  },
  {
    files: ['test/**', 'packages/*/test/**'],
    // Expected terminal output is written with its literal column spacing.
    rules: { 'no-regex-spaces': 'off' },
  },
);
