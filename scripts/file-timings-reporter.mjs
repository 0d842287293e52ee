// A node:test reporter that prints, at the end of a run, the slowest test files by wall time
// (the time from a file's first to its last reported test): where CI time goes (.ci/run).
const FILES_SHOWN = 12;

export default async function* fileTimings(source) {
  const spans = new Map();
  for await (const event of source) {
    if (event.type !== 'test:pass' && event.type !== 'test:fail') continue;
    const file = event.data.file;
    const durationMs = event.data.details?.duration_ms;
    if (!file || typeof durationMs !== 'number' || event.data.nesting !== 0) continue;
    const span = spans.get(file) ?? { ms: 0 };
    span.ms += durationMs;
    spans.set(file, span);
  }
  const root = `${process.cwd()}/`;
  const rows = [...spans.entries()].sort((a, b) => b[1].ms - a[1].ms).slice(0, FILES_SHOWN);
  const totalS = [...spans.values()].reduce((sum, s) => sum + s.ms, 0) / 1000;
  yield `\nslowest test files (top-level tests' time, ${spans.size} files, ${totalS.toFixed(0)} s summed):\n`;
  for (const [file, span] of rows)
    yield `  ${(span.ms / 1000).toFixed(1).padStart(7)} s  ${file.replace(root, '')}\n`;
}
