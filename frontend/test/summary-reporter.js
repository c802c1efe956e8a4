/**
 * Prints one closing line "card: N passed, N failed" (", N skipped" when any)
 * after the default reporter, so a log reader needs no vitest-specific parsing.
 */
export default class SummaryReporter {
  onTestRunEnd(testModules, unhandledErrors) {
    let passed = 0;
    let failed = 0;
    let skipped = 0;
    for (const module of testModules) {
      for (const test of module.children.allTests()) {
        const state = test.result().state;
        if (state === "passed") passed += 1;
        else if (state === "failed") failed += 1;
        else skipped += 1;
      }
      if (module.state() === "failed" && !module.children.size) failed += 1;
    }
    failed += unhandledErrors.length;
    const tail = skipped ? `, ${skipped} skipped` : "";
    process.stdout.write(`\ncard: ${passed} passed, ${failed} failed${tail}\n`);
  }
}
