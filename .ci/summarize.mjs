// Prints "N passed, N failed[, N skipped]" from vitest's JSON report. A non-zero `npm test` exit
// with no failed test (lint, type check or a suite that failed to load) counts as one failure.
import { readFileSync } from 'node:fs';

const status = Number(process.argv[2] ?? 1);
let passed = 0;
let failed = 0;
let skipped = 0;
try {
  const report = JSON.parse(readFileSync('test-results/vitest.json', 'utf8'));
  passed = report.numPassedTests ?? 0;
  failed = report.numFailedTests ?? 0;
  skipped = (report.numPendingTests ?? 0) + (report.numTodoTests ?? 0);
  const brokenSuites = (report.testResults ?? []).filter(
    (suite) =>
      suite.status === 'failed' && (suite.assertionResults ?? []).every((t) => t.status !== 'failed'),
  ).length;
  failed += brokenSuites;
} catch {
  // no report: the run stopped before the tests (lint or type check)
}
if (status !== 0 && failed === 0) failed = 1;
console.log(`${passed} passed, ${failed} failed${skipped ? `, ${skipped} skipped` : ''}`);
